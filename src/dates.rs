//! Calendar arithmetic of rules.md ("Terms"): full months and months held.

use chrono::{Datelike, Duration, Months, NaiveDate};
use std::fmt;

/// A plan month (所属月份).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    pub year: i32,
    pub month: u32,
}

impl Month {
    pub fn new(year: i32, month: u32) -> Option<Month> {
        if (1..=12).contains(&month) && (1900..=2200).contains(&year) {
            Some(Month { year, month })
        } else {
            None
        }
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    /// The as-of date of a month: its last day (rules.md, Terms).
    pub fn last_day(self) -> NaiveDate {
        self.next().first_day() - Duration::days(1)
    }

    pub fn next(self) -> Month {
        Month::of(add_months(self.first_day(), 1))
    }

    pub fn prev(self) -> Month {
        Month::of(add_months(self.first_day(), -1))
    }

    pub fn of(d: NaiveDate) -> Month {
        Month {
            year: d.year(),
            month: d.month(),
        }
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

// In the manifest and the caches as `2020-03`.
impl serde::Serialize for Month {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> serde::Deserialize<'de> for Month {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Month, D::Error> {
        let s = <String as serde::Deserialize>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// `d` plus `m` calendar months in one step, clamped to the target month's last day
/// (2020-01-31 + 1 month = 2020-02-29), as chrono's `Months` does.
pub fn add_months(d: NaiveDate, m: i32) -> NaiveDate {
    let step = Months::new(m.unsigned_abs());
    let moved = if m >= 0 {
        d.checked_add_months(step)
    } else {
        d.checked_sub_months(step)
    };
    moved.unwrap_or(d)
}

/// Full months between start `s` and end `e`, both inclusive: the largest m with
/// s + m months ≤ e + 1 day. Zero when e is before s.
pub fn full_months(s: NaiveDate, e: NaiveDate) -> i64 {
    if e < s {
        return 0;
    }
    let limit = e + Duration::days(1);
    // The calendar difference is an upper bound; step down until it fits.
    let mut m = (limit.year() - s.year()) * 12 + limit.month() as i32 - s.month() as i32;
    while m > 0 && add_months(s, m) > limit {
        m -= 1;
    }
    m.max(0) as i64
}

/// Calendar months from the start's month to the end's month, both included.
pub fn months_held(s: NaiveDate, e: NaiveDate) -> i64 {
    if e < s {
        return 0;
    }
    ((e.year() - s.year()) * 12 + e.month() as i32 - s.month() as i32 + 1) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn clamped_month_addition() {
        assert_eq!(add_months(d(2020, 1, 31), 1), d(2020, 2, 29));
        assert_eq!(add_months(d(2020, 1, 31), 3), d(2020, 4, 30));
        assert_eq!(add_months(d(2020, 11, 15), 2), d(2021, 1, 15));
    }

    #[test]
    fn full_months_edges() {
        // Exactly three months: 01-01 .. 03-31 (e + 1 = 04-01 = s + 3 months).
        assert_eq!(full_months(d(2020, 1, 1), d(2020, 3, 31)), 3);
        // One day short.
        assert_eq!(full_months(d(2020, 1, 1), d(2020, 3, 30)), 2);
        // A 01-31 start: + 3 months clamps to 04-30, so 04-29 is enough.
        assert_eq!(full_months(d(2020, 1, 31), d(2020, 4, 29)), 3);
        assert_eq!(full_months(d(2020, 1, 31), d(2020, 4, 28)), 2);
        assert_eq!(full_months(d(2020, 1, 31), d(2020, 2, 28)), 1);
        assert_eq!(full_months(d(2020, 3, 1), d(2020, 2, 1)), 0);
        assert_eq!(full_months(d(2020, 3, 1), d(2020, 3, 1)), 0);
    }

    #[test]
    fn months_held_counts_both_ends() {
        assert_eq!(months_held(d(2020, 1, 31), d(2020, 2, 1)), 2);
        assert_eq!(months_held(d(2020, 3, 5), d(2020, 3, 6)), 1);
        assert_eq!(months_held(d(2019, 12, 5), d(2020, 3, 6)), 4);
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    fn any_date() -> impl Strategy<Value = NaiveDate> {
        (2018i32..2023, 1u32..=12, 1u32..=31)
            .prop_filter_map("a real date", |(y, m, d)| NaiveDate::from_ymd_opt(y, m, d))
    }

    proptest! {
        /// The definition itself: s + m months ≤ e + 1 day, and s + (m + 1) months > e + 1 day.
        #[test]
        fn full_months_is_the_largest_fitting_m(s in any_date(), days in 0i64..1500) {
            let e = s + Duration::days(days);
            let m = full_months(s, e);
            prop_assert!(add_months(s, m as i32) <= e + Duration::days(1));
            prop_assert!(add_months(s, m as i32 + 1) > e + Duration::days(1));
        }

        /// One more day never loses a month; months held is at least the full months.
        #[test]
        fn monotone_and_bounded(s in any_date(), days in 0i64..1500) {
            let e = s + Duration::days(days);
            prop_assert!(full_months(s, e + Duration::days(1)) >= full_months(s, e));
            prop_assert!(months_held(s, e) >= full_months(s, e));
        }
    }
}
