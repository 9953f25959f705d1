//! What was known when: the time each export was received, and the `--as-known-on` cutoff
//! that recomputes figures from only the exports received by then (a briefing's figures as
//! presented at the meeting, before later corrections arrived).
//!
//! Times are instants with their UTC offset. A date alone means the machine's local time zone:
//! as a receipt time (`ingest --received 2020-07-03`), the start of that day; as a cutoff
//! (`--as-known-on 2020-07-10`), the end of it, so that everything received that day counts.

use chrono::{DateTime, Duration, FixedOffset, Local, NaiveDate, NaiveDateTime, TimeZone};

pub type Instant = DateTime<FixedOffset>;

pub fn now() -> Instant {
    Local::now().fixed_offset()
}

fn local(naive: NaiveDateTime) -> Option<Instant> {
    Local
        .from_local_datetime(&naive)
        .earliest()
        .map(|t| t.fixed_offset())
}

fn date_of(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

fn bad(s: &str) -> String {
    format!("无法识别的时间“{s}”：应为日期（如 2020-07-10）或带时区的时间（如 2020-07-10T09:30:00+08:00）")
}

/// A cutoff: an RFC 3339 time, or a date (to the end of that day, local time).
pub fn cutoff(s: &str) -> Result<Instant, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s.trim()) {
        return Ok(t);
    }
    let d = date_of(s).ok_or_else(|| bad(s))?;
    let next = d.succ_opt().ok_or_else(|| bad(s))?;
    local(next.and_hms_opt(0, 0, 0).ok_or_else(|| bad(s))?)
        .map(|t| t - Duration::nanoseconds(1))
        .ok_or_else(|| bad(s))
}

/// A receipt time: an RFC 3339 time, or a date (the start of that day, local time).
pub fn receipt(s: &str) -> Result<Instant, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s.trim()) {
        return Ok(t);
    }
    let d = date_of(s).ok_or_else(|| bad(s))?;
    local(d.and_hms_opt(0, 0, 0).ok_or_else(|| bad(s))?).ok_or_else(|| bad(s))
}

/// A time as the warehouse writes it (RFC 3339, to the second).
pub fn format(t: &Instant) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// A stored time: RFC 3339, or the local `YYYY-MM-DD HH:MM:SS` warehouses wrote before receipt
/// times were kept.
pub fn stored(s: &str) -> Option<Instant> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .or_else(|| local(NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_times() {
        let t = cutoff("2020-07-10T09:30:00+08:00").unwrap();
        assert_eq!(format(&t), "2020-07-10T09:30:00+08:00");
        let end = cutoff("2020-07-10").unwrap();
        let start = receipt("2020-07-10").unwrap();
        assert!(start < end && end - start > Duration::hours(23));
        assert!(receipt("2020-07-11").unwrap() > end);
        assert!(cutoff("7月10日").unwrap_err().contains("无法识别的时间"));
        assert_eq!(stored(&format(&t)), Some(t));
        assert!(stored("2020-07-10 09:30:00").is_some());
    }
}
