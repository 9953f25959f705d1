//! Exact money: yuan as `rust_decimal::Decimal`, stored as integer fen, rounded to 0.01 half
//! away from zero (四舍五入, rules.md).

use rust_decimal::{Decimal, RoundingStrategy};

pub fn round2(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

pub fn from_fen(fen: i64) -> Decimal {
    Decimal::new(fen, 2)
}

/// `1500.00`: two places, as summary.json wants.
pub fn yuan(d: Decimal) -> String {
    let mut r = round2(d);
    r.rescale(2);
    r.to_string()
}

/// `1,500.00`: for people.
pub fn yuan_grouped(d: Decimal) -> String {
    let s = yuan(d);
    let (sign, s) = s.strip_prefix('-').map_or(("", s.as_str()), |r| ("-", r));
    let (int, frac) = s.split_once('.').unwrap_or((s, "00"));
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{sign}{out}.{frac}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn rounding_and_formatting() {
        assert_eq!(yuan(Decimal::from_str("47.725").unwrap()), "47.73");
        assert_eq!(yuan(Decimal::from_str("-47.725").unwrap()), "-47.73");
        assert_eq!(yuan(from_fen(150000)), "1500.00");
        assert_eq!(yuan_grouped(from_fen(112621980)), "1,126,219.80");
        assert_eq!(yuan_grouped(from_fen(99000)), "990.00");
    }
}
