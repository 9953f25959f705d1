//! Identity numbers: 身份证号 (GB 11643-1999, ISO 7064 MOD 11-2), 统一社会信用代码
//! (GB 32100-2015) and the masking that rules.md ("Privacy") asks of anything that circulates.

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK: &[u8; 11] = b"10X98765432";

/// The check character a 17-digit 身份证号 body should end with.
pub fn id_check_char(body: &str) -> Option<char> {
    if body.len() != 17 || !body.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = body
        .bytes()
        .zip(ID_WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    Some(ID_CHECK[(sum % 11) as usize] as char)
}

/// Whether a text has the shape of a 身份证号: 17 ASCII digits and one more character.
pub fn looks_like_id(s: &str) -> bool {
    s.len() == 18 && s.is_ascii() && s.as_bytes()[..17].iter().all(u8::is_ascii_digit)
}

/// Checks a trimmed 身份证号 and returns it upper-cased, or a reason in Chinese.
pub fn check_id(s: &str) -> Result<String, String> {
    let s = s.trim().to_uppercase();
    if s.contains('E') && s.contains('.') {
        return Err(format!(
            "身份证号“{s}”被 Excel 转成了科学计数法，后几位已丢失无法恢复，请以文本格式重新录入"
        ));
    }
    let n = s.chars().count();
    if !s.is_ascii() {
        return Err(format!("身份证号“{s}”含有数字和 X 以外的字符"));
    }
    if n != 18 {
        return Err(format!("身份证号“{s}”应为 18 位，实为 {n} 位"));
    }
    let (body, last) = s.split_at(17);
    let Some(expected) = id_check_char(body) else {
        return Err(format!("身份证号“{s}”前 17 位应全为数字"));
    };
    let last = last.chars().next().unwrap_or(' ');
    if last != expected {
        return Err(format!(
            "身份证号“{s}”校验位错误（按前 17 位应为 {expected}），请核对是否录错"
        ));
    }
    // A check digit can be computed for any 17 digits; as the national validators do, the
    // birth date (digits 7–14) must also be a real day.
    if birth_date(&s).is_none() {
        return Err(format!(
            "身份证号“{s}”中的出生日期 {} 不存在（第 7–14 位应为出生年月日），请核对是否录错",
            &s[6..14]
        ));
    }
    Ok(s)
}

/// The birth date that digits 7–14 of a checked 身份证号 name, if it is a real day.
pub fn birth_date(id: &str) -> Option<chrono::NaiveDate> {
    let digits = id.get(6..14)?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| digits[r].parse::<u32>().ok();
    chrono::NaiveDate::from_ymd_opt(i32::try_from(n(0..4)?).ok()?, n(4..6)?, n(6..8)?)
}

/// A 身份证号 as one integer: its 17 digits as a number, times 11, plus the check character
/// (a digit, or X as 10); it fits in a u64. `None` for any other text (a ledger may still carry
/// a malformed ID). Two packed IDs compare as their texts do, since the texts have one length
/// and the check characters' values follow their byte order ('0' < … < '9' < 'X'). The facts
/// hash and sort persons by it: an integer, where the text was a hash and a compare of 18
/// bytes. The digits are read eight at a time (checked and converted within one u64).
pub fn pack_id(id: &str) -> Option<u64> {
    let bytes = <&[u8; 18]>::try_from(id.as_bytes()).ok()?;
    let eight = |at: usize| {
        let mut word = [0u8; 8];
        word.copy_from_slice(&bytes[at..at + 8]);
        eight_digits(u64::from_le_bytes(word))
    };
    let digit = |b: u8| b.is_ascii_digit().then(|| u64::from(b - b'0'));
    let check = match bytes[17] {
        b'X' => 10,
        b => digit(b)?,
    };
    let body = (eight(0)? * 100_000_000 + eight(8)?) * 10 + digit(bytes[16])?;
    Some(body * 11 + check)
}

/// The 身份证号 an integer from [`pack_id`] stands for, written into `buf` (a number that no ID
/// packs to writes a text that does not pack back to it).
pub fn unpack_id(packed: u64, buf: &mut [u8; 18]) -> &str {
    let (mut body, check) = (packed / 11, packed % 11);
    buf[17] = if check == 10 {
        b'X'
    } else {
        b'0' + check as u8
    };
    for slot in buf[..17].iter_mut().rev() {
        *slot = b'0' + (body % 10) as u8;
        body /= 10;
    }
    // Every byte written is an ASCII digit or X.
    std::str::from_utf8(buf).unwrap_or_default()
}

/// The number eight ASCII digits write (the first in the lowest byte), or `None` if any byte is
/// not a digit.
fn eight_digits(word: u64) -> Option<u64> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    // A digit's high nibble is 3 and its low nibble at most 9 (adding 6 keeps it below 16; no
    // byte carries into the next).
    let digits = (word & (0xF0 * ONES)) == 0x30 * ONES
        && (word.wrapping_add(6 * ONES) & (0xF0 * ONES)) == 0x30 * ONES;
    if !digits {
        return None;
    }
    // Each step joins neighbouring groups (the earlier digits are the higher ones): pairs,
    // then fours, then the eight.
    let d = word - 0x30 * ONES;
    let d = (d * 10 + (d >> 8)) & 0x00FF_00FF_00FF_00FF;
    let d = (d * 100 + (d >> 16)) & 0x0000_FFFF_0000_FFFF;
    Some((d * 10_000 + (d >> 32)) & 0xFFFF_FFFF)
}

const CREDIT_CHARS: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const CREDIT_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Each byte's value in [`CREDIT_CHARS`], or [`NOT_CREDIT`] for a byte that is not one of
/// them: one lookup per character instead of a search of the charset (the check runs on every
/// code of every ledger and payment row).
const CREDIT_VALUES: [u8; 256] = {
    let mut table = [NOT_CREDIT; 256];
    let chars = CREDIT_CHARS.as_bytes();
    let mut i = 0;
    while i < chars.len() {
        table[chars[i] as usize] = i as u8;
        i += 1;
    }
    table
};
const NOT_CREDIT: u8 = u8::MAX;

/// Whether an upper-cased 统一社会信用代码 passes its GB 32100-2015 check.
pub fn credit_code_ok(code: &str) -> bool {
    // The charset is ASCII: a code of 18 of its characters is 18 bytes, and a byte of a
    // longer character is in no slot of the table.
    let Ok(bytes) = <&[u8; 18]>::try_from(code.as_bytes()) else {
        return false;
    };
    let mut values = [0u32; 18];
    for (v, b) in values.iter_mut().zip(bytes) {
        match CREDIT_VALUES[usize::from(*b)] {
            NOT_CREDIT => return false,
            x => *v = u32::from(x),
        }
    }
    let sum: u32 = values[..17]
        .iter()
        .zip(CREDIT_WEIGHTS)
        .map(|(v, w)| v * w)
        .sum();
    let check = (31 - sum % 31) % 31;
    values[17] == check
}

/// `500101********123X`: the first 6 and last 4 characters of a 身份证号.
pub fn mask_id(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() < 10 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..6].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 10))
}

/// `张*明`, `李*`, `欧**华`: a name with its middle masked.
pub fn mask_name(name: &str) -> String {
    let chars: Vec<char> = name.trim().chars().collect();
    match chars.len() {
        0 => String::new(),
        1 => "*".to_string(),
        2 => format!("{}*", chars[0]),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_checksums() {
        // The standard's own example, and IDs from the acceptance exports.
        assert_eq!(
            check_id("11010519491231002x").unwrap(),
            "11010519491231002X"
        );
        assert!(check_id("50010119900726131X").is_ok());
        assert!(check_id("500101198009018597").is_ok());
        assert!(check_id("500101198009018598")
            .unwrap_err()
            .contains("校验位"));
        assert!(check_id("50010119800901859").unwrap_err().contains("17 位"));
        assert!(check_id("5001011980090185A7").unwrap_err().contains("数字"));
        assert!(check_id("5.00101E+17").unwrap_err().contains("科学计数法"));
        // A valid check digit over a 31 September.
        let body = "50010119800931123";
        let id = format!("{body}{}", id_check_char(body).unwrap());
        assert!(check_id(&id)
            .unwrap_err()
            .contains("出生日期 19800931 不存在"));
    }

    #[test]
    fn credit_code_checksums() {
        assert!(credit_code_ok("91370812MADJPGD78U"));
        assert!(credit_code_ok("91350100M000100Y43"));
        assert!(!credit_code_ok("91350100M000100Y44"));
        assert!(!credit_code_ok("9135010"));
        assert!(!credit_code_ok("91350100M000100YI3"));
        // 18 bytes that are not 18 characters of the charset.
        assert!(!credit_code_ok("913501王000100Y4"));
        assert!(!credit_code_ok("91350100m000100Y43"));
    }

    #[test]
    fn packed_ids_compare_as_their_texts() {
        let ids = [
            "000000000000000000",
            "110105194912310029",
            "11010519491231002X",
            "110105194912310030",
            "50010119900726131X",
            "999999999999999999",
            "99999999999999999X",
        ];
        for a in ids {
            for b in ids {
                assert_eq!(pack_id(a).cmp(&pack_id(b)), a.cmp(b), "{a} {b}");
            }
        }
        assert_eq!(pack_id("00000000000000001X"), Some(10 + 11));
        assert_eq!(
            pack_id("12345678901234567X"),
            Some(12_345_678_901_234_567 * 11 + 10)
        );
        for other in [
            "",
            "11010519491231002x",
            "1101051949123100299",
            "5.00101E+17",
            "1101051949:2310029",
            "110105194/12310029",
            "X10105194912310029",
            "XXXXXXXXXXXXXXXXXX",
            "11010519491231002Y",
            "1101051949123100 9",
        ] {
            assert_eq!(pack_id(other), None, "{other}");
        }
    }

    #[test]
    fn masking() {
        assert_eq!(mask_id("50010119900726131X"), "500101********131X");
        assert_eq!(mask_name("张三明"), "张*明");
        assert_eq!(mask_name("李四"), "李*");
        assert_eq!(mask_name("欧阳小华"), "欧**华");
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// A text packs exactly when it is 17 ASCII digits and a digit or X, and two packed
        /// texts compare as the texts do (bytes near the digits' range included).
        #[test]
        fn packs_exactly_ids_and_keeps_their_order(
            a in prop_oneof!["[0-9]{17}[0-9X]", "[0-9]{16}[0-9X/:. ]{2}", "[0-9X/:. ]{17,19}"],
            b in "[0-9]{17}[0-9X]",
        ) {
            let shaped = a.len() == 18
                && a.as_bytes()[..17].iter().all(u8::is_ascii_digit)
                && (a.as_bytes()[17].is_ascii_digit() || a.as_bytes()[17] == b'X');
            prop_assert_eq!(pack_id(&a).is_some(), shaped);
            prop_assert!(pack_id(&b).is_some());
            if let Some(x) = pack_id(&a) {
                let mut buf = [0; 18];
                prop_assert_eq!(unpack_id(x, &mut buf), a.as_str());
            }
            if let (Some(x), Some(y)) = (pack_id(&a), pack_id(&b)) {
                prop_assert_eq!(x.cmp(&y), a.cmp(&b));
            }
        }
    }
}
