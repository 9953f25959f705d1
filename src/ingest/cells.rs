//! Cell parsers: every accepted spelling of a value in the exports (exports.md, "Cell values")
//! turned into its normal form, or a reason in Chinese that a clerk can act on.
//!
//! Parsers take a [`Raw`] cell as the readers deliver it (csv cells are always text; xlsx cells
//! may be numbers, dates or booleans) and return `Ok(None)` for an empty cell.

use chrono::{Duration, NaiveDate};
use rust_decimal::Decimal;
use std::borrow::Cow;
use std::str::FromStr;

use crate::dates::Month;
use crate::ids;

/// One cell as read from a file; text borrows from the file where it can (csv), so that a
/// million-row file is not a million small allocations.
#[derive(Debug, Clone, PartialEq)]
pub enum Raw<'a> {
    Empty,
    Text(Cow<'a, str>),
    Number(f64),
    Date(NaiveDate),
    Bool(bool),
}

impl Raw<'_> {
    pub fn is_empty(&self) -> bool {
        match self {
            Raw::Empty => true,
            Raw::Text(s) => blank(s),
            _ => false,
        }
    }

    /// The cell as a clerk would read it in Excel; used in reject messages and for text columns.
    pub fn display(&self) -> String {
        match self {
            Raw::Empty => String::new(),
            Raw::Text(s) => s.to_string(),
            Raw::Number(n) => format_number(*n),
            Raw::Date(d) => d.format("%Y-%m-%d").to_string(),
            Raw::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        }
    }
}

/// Shortest decimal text of a float (`3499.2`, `1500`, `5.00101e17` as Excel would show it).
pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else if n.abs() >= 1e15 {
        // Excel shows such numbers in scientific notation; so do the clerks who report them.
        let s = format!("{:E}", n);
        s.replace('E', "E+").replace("E+-", "E-")
    } else {
        format!("{}", n)
    }
}

/// Full-width ASCII forms (`１５００`, `（`, `Ｘ`) and the ideographic space to their ASCII
/// counterparts: hand-typed cells are full of them.
pub fn halfwidth(s: &str) -> Cow<'_, str> {
    if !needs_halfwidth(s) {
        return Cow::Borrowed(s);
    }
    s.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .collect::<String>()
        .into()
}

/// Whether `s` has a full-width form (U+FF01–U+FF5E) or the ideographic space (U+3000),
/// found by their UTF-8 bytes: `EF BC 81`–`EF BD 9E` and `E3 80 80`. `EF` and `E3` only ever
/// start a character, so the bytes are compared where they are, without decoding; most cells
/// are ASCII (IDs, dates, amounts) and leave at the first check.
fn needs_halfwidth(s: &str) -> bool {
    let b = s.as_bytes();
    // Only the lead bytes are looked at closely (a Chinese cell's characters start with
    // `E4`–`E9`, so most cells have none).
    !s.is_ascii()
        && memchr::memchr2_iter(0xE3, 0xEF, b).any(|i| {
            matches!(
                (b[i], b.get(i + 1), b.get(i + 2)),
                (0xE3, Some(0x80), Some(0x80))
                    | (0xEF, Some(0xBC), Some(0x81..=0xBF))
                    | (0xEF, Some(0xBD), Some(0x80..=0x9E))
            )
        })
}

/// Whether a text is empty or only whitespace; most cells start with a printable ASCII
/// character, which settles it without decoding.
fn blank(s: &str) -> bool {
    match s.as_bytes().first() {
        None => true,
        Some(b) if b.is_ascii_graphic() => false,
        Some(_) => s.trim_start().is_empty(),
    }
}

/// `s.trim()`, without decoding the ends when neither can be whitespace (most cells): by the
/// lead byte of the first and of the last character. Every Unicode whitespace character is
/// ASCII `09`–`0D` or `20`, or starts with `C2` (U+0085, U+00A0), `E1` (U+1680), `E2`
/// (U+2000–U+205F) or `E3` (U+3000); a Chinese character starts with none of them.
fn trim(s: &str) -> &str {
    let may_be_space = |lead: u8| matches!(lead, 0x09..=0x0D | 0x20 | 0xC2 | 0xE1..=0xE3);
    let b = s.as_bytes();
    let Some(&first) = b.first() else {
        return s;
    };
    // The last character's lead byte: the last byte that is no continuation (`10xxxxxx`).
    let last = b.iter().rev().take(4).find(|x| *x & 0xC0 != 0x80);
    match last {
        Some(&last) if !may_be_space(first) && !may_be_space(last) => s,
        _ => s.trim(),
    }
}

/// A text cell without what only told Excel to keep it as text: surrounding spaces and tabs,
/// a leading apostrophe (`'500101…`), or the `="500101…"` wrapper web systems write so that
/// Excel does not turn an ID into a number.
pub fn unwrap_text(s: &str) -> &str {
    let t = trim(s);
    let t = match t.as_bytes().first() {
        Some(b'\'') => t[1..].trim(),
        Some(b'=') => match t.strip_prefix("=\"").and_then(|r| r.strip_suffix('"')) {
            Some(inner) if !inner.contains('"') => inner.trim(),
            _ => t,
        },
        _ => t,
    };
    t
}

/// The text of a cell, trimmed, unwrapped (see [`unwrap_text`]) and half-width; `None` when
/// empty.
pub fn text<'a>(raw: &'a Raw<'_>) -> Option<Cow<'a, str>> {
    let s: Cow<'a, str> = match raw {
        Raw::Empty => return None,
        // Most cells need no mapping: the trimmed cell as it is.
        Raw::Text(s) if !needs_halfwidth(s) => Cow::Borrowed(unwrap_text(s)),
        Raw::Text(s) => Cow::Owned(unwrap_text(&halfwidth(s)).to_string()),
        other => Cow::Owned(other.display()),
    };
    if s.is_empty() {
        None
    } else {
        Some(s)
    }
}

// A month typed by a user or read from a title is parsed with the cells' spellings.
impl FromStr for Month {
    type Err = String;
    fn from_str(s: &str) -> Result<Month, String> {
        parse_month_text(s).ok_or_else(|| format!("无法识别的月份“{s}”（应为 2020-03 这样的年月）"))
    }
}

/// The digit runs of a date or month text ([`number_parts`]): at most three, held in place
/// (every date and month cell is parsed, tens of millions at national scale).
#[derive(Debug, PartialEq)]
struct Runs {
    runs: [i64; 3],
    len: usize,
}

impl Runs {
    fn as_slice(&self) -> &[i64] {
        &self.runs[..self.len]
    }
}

/// Digits runs of a text, e.g. `2020年3月15日` → [2020, 3, 15]; `None` for any other
/// character, a run too long for an i64, or more than three runs (no date has more).
fn number_parts(s: &str) -> Option<Runs> {
    let mut parts = Runs {
        runs: [0; 3],
        len: 0,
    };
    let push = |parts: &mut Runs, run: i64| -> Option<()> {
        *parts.runs.get_mut(parts.len)? = run;
        parts.len += 1;
        Some(())
    };
    // The run being read: its value so far, when it has begun.
    let mut cur: Option<i64> = None;
    for c in s.chars() {
        if c.is_ascii_digit() {
            let digit = i64::from(c as u8 - b'0');
            cur = Some(cur.unwrap_or(0).checked_mul(10)?.checked_add(digit)?);
        } else {
            if let Some(run) = cur.take() {
                push(&mut parts, run)?;
            }
            if !matches!(c, '-' | '/' | '.' | '年' | '月' | '日' | ' ') {
                return None;
            }
        }
    }
    if let Some(run) = cur {
        push(&mut parts, run)?;
    }
    Some(parts)
}

fn parse_month_text(s: &str) -> Option<Month> {
    // `2020-03`, as every system export writes it: read in place, as `202003` is below (what
    // the general path gives it, without its steps; twice a row in a file whose rows vote for
    // its month).
    let b = s.as_bytes();
    if b.len() == 7 && b[4] == b'-' && b[..4].iter().chain(&b[5..]).all(u8::is_ascii_digit) {
        return Month::new(s[..4].parse().ok()?, s[5..].parse().ok()?);
    }
    month_in_any_spelling(s)
}

/// [`parse_month_text`] for every spelling a cell or a title may use.
fn month_in_any_spelling(s: &str) -> Option<Month> {
    let s = halfwidth(s);
    let s = unwrap_text(&s);
    if s.len() == 6 && s.chars().all(|c| c.is_ascii_digit()) {
        return Month::new(s[..4].parse().ok()?, s[4..].parse().ok()?);
    }
    // `2020-03`, `2020/3`, `2020年3月` first (the common forms), then a full date's month.
    if let Some([y, m]) = number_parts(s).as_ref().map(Runs::as_slice) {
        return Month::new(i32::try_from(*y).ok()?, u32::try_from(*m).ok()?);
    }
    parse_date_text(s).ok().flatten().map(Month::of)
}

/// Excel's day zero for serial dates (the 1900 system, with its leap-year bug absorbed).
fn excel_serial(n: f64) -> Option<NaiveDate> {
    if !(1.0..=2_958_465.0).contains(&n) {
        return None;
    }
    NaiveDate::from_ymd_opt(1899, 12, 30)?.checked_add_signed(Duration::days(n.trunc() as i64))
}

fn parse_date_text(s: &str) -> Result<Option<NaiveDate>, String> {
    let s = halfwidth(s);
    let s = unwrap_text(&s);
    // `2020-03-15 00:00:00`: a datetime typed as text; the time is noise.
    let s = match s.find(' ') {
        Some(i) if s[i..].trim().contains(':') => &s[..i],
        _ => s,
    };
    if s.is_empty() {
        return Ok(None);
    }
    let bad = || format!("无法识别的日期“{s}”（应为 2020-03-15 这样的日期）");
    let (y, m, d) = if s.len() == 8 && s.chars().all(|c| c.is_ascii_digit()) {
        let p = |r: std::ops::Range<usize>| s[r].parse::<i64>().map_err(|_| bad());
        (p(0..4)?, p(4..6)?, p(6..8)?)
    } else {
        match number_parts(s).ok_or_else(bad)?.as_slice() {
            [y, m, d] if *y >= 1000 => (*y, *m, *d),
            _ => return Err(bad()),
        }
    };
    let date = i32::try_from(y)
        .ok()
        .and_then(|y| NaiveDate::from_ymd_opt(y, u32::try_from(m).ok()?, u32::try_from(d).ok()?));
    match date {
        Some(d) => Ok(Some(d)),
        None => Err(format!("日期“{s}”不存在（{y}年{m}月没有{d}日）")),
    }
}

/// A date: ISO, `2020/3/15`, `2020.3.15`, `2020年3月15日`, `20200315`, or an xlsx date/serial.
pub fn date(raw: &Raw) -> Result<Option<NaiveDate>, String> {
    match raw {
        Raw::Empty => Ok(None),
        Raw::Date(d) => Ok(Some(*d)),
        // `20200320` typed into a cell becomes that number: no date serial is that large
        // (the last, 9999-12-31, is 2958465), so it can only be the date written as digits.
        Raw::Number(n) if n.fract() == 0.0 && (19_000_101.0..=22_001_231.0).contains(n) => {
            parse_date_text(&format_number(*n))
        }
        Raw::Number(n) => excel_serial(*n)
            .map(Some)
            .ok_or_else(|| format!("无法识别的日期“{}”", format_number(*n))),
        Raw::Text(s) => parse_date_text(s),
        Raw::Bool(_) => Err(format!("无法识别的日期“{}”", raw.display())),
    }
}

/// A month: `2020-03`, `2020/3`, `2020年3月`, `202003`, or an xlsx date/serial.
pub fn month(raw: &Raw) -> Result<Option<Month>, String> {
    let bad = || {
        format!(
            "无法识别的月份“{}”（应为 2020-03 这样的年月）",
            raw.display()
        )
    };
    match raw {
        Raw::Empty => Ok(None),
        Raw::Date(d) => Ok(Some(Month::of(*d))),
        Raw::Number(n) => {
            if n.fract() == 0.0 && (190001.0..=220012.0).contains(n) {
                return parse_month_text(&format_number(*n))
                    .map(Some)
                    .ok_or_else(bad);
            }
            excel_serial(*n).map(|d| Some(Month::of(d))).ok_or_else(bad)
        }
        Raw::Text(s) if s.trim().is_empty() => Ok(None),
        Raw::Text(s) => parse_month_text(s).map(Some).ok_or_else(bad),
        Raw::Bool(_) => Err(bad()),
    }
}

/// Money in exact yuan as integer fen. At most two decimal places.
///
/// A comma is a thousands separator only where it makes groups of three (`1,500.00`,
/// `12,345,678`): `1500,00` may be 1,500.00 written with a decimal comma or a slip of the
/// keyboard, so it and `1,5000` are refused rather than guessed. Exponent notation (`1e3`) is
/// refused too: no office types money that way, and it is what a float turned to text looks
/// like.
pub fn money_fen(raw: &Raw) -> Result<Option<i64>, String> {
    let text = match raw {
        Raw::Empty => return Ok(None),
        Raw::Number(n) => format!("{}", n),
        Raw::Text(s) => unwrap_text(&halfwidth(s)).to_string(),
        _ => return Err(format!("无法识别的金额“{}”", raw.display())),
    };
    let bare: String = text
        .trim()
        .trim_start_matches(['￥', '¥'])
        .trim_end_matches('元')
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if bare.is_empty() {
        return Ok(None);
    }
    let ambiguous = || {
        format!(
            "金额写法无法确定：“{}”（逗号只能用作千位分隔，如 1,500.00；不接受科学计数法），请核对后改为 1500.00 这样的写法",
            text.trim()
        )
    };
    if bare.contains(['e', 'E']) {
        return Err(ambiguous());
    }
    let cleaned = if bare.contains(',') {
        if !thousands_grouped(&bare) {
            return Err(ambiguous());
        }
        bare.replace(',', "")
    } else {
        bare
    };
    let value = Decimal::from_str(&cleaned).map_err(|_| {
        format!(
            "无法识别的金额“{}”（应为 1500 或 1,500.00 这样的数）",
            text.trim()
        )
    })?;
    if value.normalize().scale() > 2 {
        return Err(format!("金额“{}”超过两位小数", text.trim()));
    }
    let fen = (value * Decimal::from(100)).trunc();
    i64::try_from(fen)
        .map(Some)
        .map_err(|_| format!("金额“{}”超出范围", text.trim()))
}

/// Whether the commas of an amount are thousands separators: only in the whole part, a first
/// group of one to three digits, then groups of exactly three.
fn thousands_grouped(s: &str) -> bool {
    let unsigned = s.strip_prefix(['-', '+']).unwrap_or(s);
    let whole = unsigned.split('.').next().unwrap_or("");
    if unsigned[whole.len()..].contains(',') {
        return false;
    }
    let mut groups = whole.split(',');
    let first_ok = groups
        .next()
        .is_some_and(|g| (1..=3).contains(&g.len()) && g.bytes().all(|b| b.is_ascii_digit()));
    first_ok && groups.all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit()))
}

/// A whole number; `3个月`, `30天`, `5人` accepted.
pub fn count(raw: &Raw) -> Result<Option<i64>, String> {
    match raw {
        Raw::Empty => Ok(None),
        Raw::Number(n) if n.fract() == 0.0 && n.abs() < 1e12 => Ok(Some(*n as i64)),
        Raw::Text(s) => {
            let t = halfwidth(s);
            let t = unwrap_text(&t);
            let digits = t
                .trim_end_matches("个月")
                .trim_end_matches(['月', '天', '人', '日'])
                .trim();
            if digits.is_empty() && t.is_empty() {
                return Ok(None);
            }
            digits
                .parse::<i64>()
                .map(Some)
                .map_err(|_| format!("“{t}”不是整数"))
        }
        _ => Err(format!("“{}”不是整数", raw.display())),
    }
}

/// Yes/no. `uses_tick`: the column marks yes with `√`, so a blank there is 否.
pub fn yes_no(raw: &Raw, uses_tick: bool) -> Result<Option<bool>, String> {
    match raw {
        Raw::Bool(b) => Ok(Some(*b)),
        Raw::Number(n) if *n == 1.0 => Ok(Some(true)),
        Raw::Number(n) if *n == 0.0 => Ok(Some(false)),
        _ => match text(raw).as_deref() {
            None => Ok(if uses_tick { Some(false) } else { None }),
            Some("是" | "Y" | "y" | "1" | "√" | "✓" | "TRUE" | "true") => Ok(Some(true)),
            Some("否" | "N" | "n" | "0" | "×" | "FALSE" | "false") => Ok(Some(false)),
            Some(other) => Err(format!("“{other}”不是“是/否”")),
        },
    }
}

/// The answers a returned follow-up list may give in 整改情况.
pub const ANSWER_STATUSES: [&str; 3] = ["已整改", "整改中", "无法整改"];

/// 整改情况: one of [`ANSWER_STATUSES`].
pub fn answer_status(raw: &Raw) -> Result<Option<&'static str>, String> {
    match text(raw) {
        None => Ok(None),
        Some(t) => ANSWER_STATUSES
            .iter()
            .find(|s| **s == t.as_ref())
            .copied()
            .map(Some)
            .ok_or_else(|| format!("整改情况“{t}”应为“已整改”“整改中”或“无法整改”之一")),
    }
}

pub fn is_tick(raw: &Raw) -> bool {
    matches!(text(raw).as_deref(), Some("√" | "✓"))
}

/// What the reject reason of a 身份证号 stored as a number starts with (the re-export advice
/// looks for it).
pub const ID_AS_NUMBER: &str = "身份证号被 Excel 存成了数字";

/// A 身份证号: upper-cased, checksum-checked, with a real birth date no later than `latest`
/// (the export's last day: nobody in it can be born after it).
pub fn id_number(raw: &Raw, latest: NaiveDate) -> Result<Option<String>, String> {
    match raw {
        Raw::Number(n) => Err(format!(
            "{ID_AS_NUMBER}（{}），后几位已丢失无法恢复，请将该列设为文本后重新录入",
            format_number(*n)
        )),
        _ => match text(raw) {
            None => Ok(None),
            Some(s) => {
                let id = ids::check_id(&s)?;
                match ids::birth_date(&id) {
                    Some(born) if born > latest => Err(format!(
                        "身份证号“{id}”中的出生日期 {} 晚于本表所属月份，请核对是否录错",
                        born.format("%Y-%m-%d")
                    )),
                    _ => Ok(Some(id)),
                }
            }
        },
    }
}

/// A 统一社会信用代码: upper-cased; `Ok((code, checksum_ok))`.
pub fn credit_code(raw: &Raw) -> Option<(String, bool)> {
    let s = text(raw)?.to_uppercase();
    let ok = ids::credit_code_ok(&s);
    Some((s, ok))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Raw<'static> {
        Raw::Text(s.to_string().into())
    }
    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn dates_in_every_form() {
        for s in [
            "2020-03-15",
            "2020/3/15",
            "2020.3.15",
            "2020年3月15日",
            "20200315",
            "２０２０-０３-１５",
            "2020-03-15 00:00:00",
        ] {
            assert_eq!(date(&t(s)).unwrap(), Some(d(2020, 3, 15)), "{s}");
        }
        assert_eq!(date(&Raw::Number(43905.0)).unwrap(), Some(d(2020, 3, 15)));
        assert_eq!(
            date(&Raw::Date(d(2020, 3, 15))).unwrap(),
            Some(d(2020, 3, 15))
        );
        assert_eq!(date(&t("")).unwrap(), None);
        assert!(date(&t("2020-02-30")).unwrap_err().contains("不存在"));
        assert!(date(&t("三月十五")).is_err());
        assert!(date(&t("2020-03")).is_err());
    }

    #[test]
    fn months_in_every_form() {
        for s in ["2020-03", "2020/3", "2020年3月", "202003", "2020-03-01"] {
            assert_eq!(month(&t(s)).unwrap(), Month::new(2020, 3), "{s}");
        }
        assert_eq!(month(&Raw::Number(43891.0)).unwrap(), Month::new(2020, 3));
        assert_eq!(month(&Raw::Number(202003.0)).unwrap(), Month::new(2020, 3));
        assert_eq!(
            month(&Raw::Date(d(2020, 3, 1))).unwrap(),
            Month::new(2020, 3)
        );
        assert!(month(&t("2020-13")).is_err());
        assert_eq!(Month::new(2020, 2).unwrap().last_day(), d(2020, 2, 29));
        assert_eq!(Month::new(2020, 12).unwrap().to_string(), "2020-12");
    }

    #[test]
    fn money_is_exact_fen() {
        assert_eq!(money_fen(&t("1500")).unwrap(), Some(150000));
        assert_eq!(money_fen(&t("1,500.00")).unwrap(), Some(150000));
        assert_eq!(money_fen(&t("1500元")).unwrap(), Some(150000));
        assert_eq!(money_fen(&t("￥1500")).unwrap(), Some(150000));
        assert_eq!(money_fen(&t("１５００")).unwrap(), Some(150000));
        assert_eq!(money_fen(&Raw::Number(3499.2)).unwrap(), Some(349920));
        assert_eq!(money_fen(&Raw::Number(1500.01)).unwrap(), Some(150001));
        assert_eq!(money_fen(&t("334.04")).unwrap(), Some(33404));
        assert_eq!(money_fen(&t("-990")).unwrap(), Some(-99000));
        assert!(money_fen(&t("12.345")).unwrap_err().contains("两位小数"));
        assert!(money_fen(&t("一千元")).is_err());
        assert_eq!(money_fen(&t("12.300")).unwrap(), Some(1230));
        assert_eq!(money_fen(&t("12,345,678.90")).unwrap(), Some(1234567890));
        assert_eq!(money_fen(&t("=\"1500\"")).unwrap(), Some(150000));
        for bad in [
            "1500,00",
            "1,5000",
            "1,50,0",
            "15,00.00",
            "1,500.0,0",
            ",500",
            "1e3",
            "1.5e2",
            "1e-2",
            "1E3",
        ] {
            let e = money_fen(&t(bad)).unwrap_err();
            assert!(e.starts_with("金额写法无法确定"), "{bad}: {e}");
        }
    }

    #[test]
    fn numbers_that_are_dates() {
        assert_eq!(
            date(&Raw::Number(20200320.0)).unwrap(),
            Some(d(2020, 3, 20))
        );
        assert!(date(&Raw::Number(20200230.0))
            .unwrap_err()
            .contains("不存在"));
        assert_eq!(month(&Raw::Number(202003.0)).unwrap(), Month::new(2020, 3));
        assert_eq!(date(&t("=\"2020-03-20\"")).unwrap(), Some(d(2020, 3, 20)));
    }

    #[test]
    fn counts_and_booleans() {
        assert_eq!(count(&t("3个月")).unwrap(), Some(3));
        assert_eq!(count(&t("30天")).unwrap(), Some(30));
        assert_eq!(count(&Raw::Number(12.0)).unwrap(), Some(12));
        assert!(count(&t("3.5")).is_err());
        for (s, b) in [
            ("是", true),
            ("否", false),
            ("Y", true),
            ("N", false),
            ("1", true),
            ("0", false),
            ("√", true),
        ] {
            assert_eq!(yes_no(&t(s), false).unwrap(), Some(b), "{s}");
        }
        assert_eq!(yes_no(&Raw::Empty, true).unwrap(), Some(false));
        assert_eq!(yes_no(&Raw::Empty, false).unwrap(), None);
        assert!(yes_no(&t("也许"), false).is_err());
    }

    const LATEST: NaiveDate = match NaiveDate::from_ymd_opt(2020, 12, 31) {
        Some(d) => d,
        None => NaiveDate::MIN,
    };

    #[test]
    fn id_cells() {
        assert_eq!(
            id_number(&t(" 11010519491231002x "), LATEST)
                .unwrap()
                .as_deref(),
            Some("11010519491231002X")
        );
        assert!(id_number(&Raw::Number(5.00101e17), LATEST)
            .unwrap_err()
            .contains("5.00101E+17"));
        assert!(id_number(&t("5.00101E+17"), LATEST).is_err());
        assert!(id_number(&t("110105194912310021"), LATEST).is_err());
        // The wrappers that keep an ID as text in Excel.
        for cell in [
            "'500101198009018597",
            "=\"500101198009018597\"",
            "\t500101198009018597",
        ] {
            assert_eq!(
                id_number(&t(cell), LATEST).unwrap().as_deref(),
                Some("500101198009018597"),
                "{cell}"
            );
        }
        // A birth date after the export's month.
        let body = "50010120210301123";
        let id = format!("{body}{}", ids::id_check_char(body).unwrap());
        assert!(id_number(&t(&id), LATEST)
            .unwrap_err()
            .contains("晚于本表所属月份"));
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use chrono::Datelike;
    use proptest::prelude::*;

    fn any_date() -> impl Strategy<Value = NaiveDate> {
        (1950i32..2100, 1u32..=12, 1u32..=31)
            .prop_filter_map("a real date", |(y, m, d)| NaiveDate::from_ymd_opt(y, m, d))
    }

    proptest! {
        /// Every written form of a date parses back to the date.
        #[test]
        fn dates_round_trip(d in any_date()) {
            let forms = [
                d.format("%Y-%m-%d").to_string(),
                format!("{}/{}/{}", d.year(), d.month(), d.day()),
                format!("{}.{}.{}", d.year(), d.month(), d.day()),
                format!("{}年{}月{}日", d.year(), d.month(), d.day()),
                d.format("%Y%m%d").to_string(),
            ];
            for f in forms {
                prop_assert_eq!(date(&Raw::Text(f.clone().into())).unwrap(), Some(d), "{}", f);
            }
            let serial = (d - NaiveDate::from_ymd_opt(1899, 12, 30).unwrap()).num_days() as f64;
            prop_assert_eq!(date(&Raw::Number(serial)).unwrap(), Some(d));
        }

        /// Money in fen survives every accepted spelling, exactly.
        #[test]
        fn money_round_trips(fen in 0i64..10_000_000_000) {
            let yuan = format!("{}.{:02}", fen / 100, fen % 100);
            let grouped = crate::money::yuan_grouped(crate::money::from_fen(fen));
            for f in [yuan.clone(), format!("{yuan}元"), format!("￥{yuan}"), grouped] {
                prop_assert_eq!(money_fen(&Raw::Text(f.clone().into())).unwrap(), Some(fen), "{}", f);
            }
        }

        /// No text makes a parser panic; each answers a value or a reason.
        #[test]
        fn parsers_never_panic(s in "\\PC{0,40}") {
            let raw = Raw::Text(s.into());
            let _ = date(&raw);
            let _ = month(&raw);
            let _ = money_fen(&raw);
            let _ = count(&raw);
            let _ = yes_no(&raw, true);
            let _ = id_number(&raw, NaiveDate::MAX);
            let _ = credit_code(&raw);
        }

        /// The fast paths say what the plain definitions say, on any text (full-width forms,
        /// every kind of Unicode space, characters sharing a space's lead byte, CJK and ASCII
        /// mixed).
        #[test]
        fn fast_paths_agree_with_the_definitions(
            s in "[ \t\n\r\u{B}\u{C}\u{1C}\u{85}\u{A0}\u{A9}\u{1680}\u{1100}\u{2003}\u{2018}\u{2028}\u{202F}\u{205F}\u{3000}a-z0-9年月日/.\\-\u{FF01}-\u{FF5E}\u{FF5F}\u{3001}王东]{0,12}"
        ) {
            prop_assert_eq!(
                needs_halfwidth(&s),
                s.chars().any(|c| matches!(c, '\u{FF01}'..='\u{FF5E}' | '\u{3000}'))
            );
            prop_assert_eq!(blank(&s), s.trim().is_empty());
            prop_assert_eq!(trim(&s), s.trim());
            // Digit runs, as the definition reads them (a run's text parsed as an i64).
            let mut runs = Vec::new();
            let mut run = String::new();
            let mut other = false;
            for c in s.chars() {
                if c.is_ascii_digit() {
                    run.push(c);
                } else {
                    if !run.is_empty() {
                        runs.push(run.parse::<i64>().ok());
                        run.clear();
                    }
                    other |= !matches!(c, '-' | '/' | '.' | '年' | '月' | '日' | ' ');
                }
            }
            if !run.is_empty() {
                runs.push(run.parse::<i64>().ok());
            }
            let expected = match other {
                true => None,
                false => runs.into_iter().collect::<Option<Vec<_>>>().filter(|r| r.len() <= 3),
            };
            let got = number_parts(&s);
            prop_assert_eq!(got.as_ref().map(Runs::as_slice), expected.as_deref());
        }

        /// `2020-03` read in place gives what every other spelling's path gives it.
        #[test]
        fn iso_months_read_in_place_as_in_general(y in 0u32..10_000, m in 0u32..100, sep in "[-/]") {
            let s = format!("{y:04}{sep}{m:02}");
            prop_assert_eq!(parse_month_text(&s), month_in_any_spelling(&s));
        }

        #[test]
        fn long_digit_runs_are_no_number(n in 19usize..30) {
            prop_assert_eq!(number_parts(&"9".repeat(n)), None);
        }

        /// An ID with a valid check character and birth date is accepted; changing the check
        /// character rejects it.
        #[test]
        fn id_checksums_hold(area in 110000u32..660000, born in any_date(), seq in 0u32..1000) {
            let body = format!("{area}{}{seq:03}", born.format("%Y%m%d"));
            let check = crate::ids::id_check_char(&body).unwrap();
            let id = format!("{body}{check}");
            prop_assert_eq!(id_number(&Raw::Text(id.clone().into()), NaiveDate::MAX).unwrap(), Some(id));
            let wrong = if check == '0' { '1' } else { '0' };
            let bad = format!("{}{}", body, wrong);
            prop_assert!(id_number(&Raw::Text(bad.into()), NaiveDate::MAX).is_err());
        }
    }
}
