//! Business time is Western Indonesia Time (WIB, UTC+7); the store keeps naive UTC.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};

pub fn wib() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).expect("UTC+7 is a valid offset")
}

/// A stored UTC timestamp as an RFC 3339 WIB time (`2026-11-22T22:03:00+07:00`).
pub fn to_wib(utc: NaiveDateTime) -> DateTime<FixedOffset> {
    Utc.from_utc_datetime(&utc).with_timezone(&wib())
}

/// Any offset to the stored naive UTC form, truncated to microseconds.
pub fn to_utc(t: DateTime<FixedOffset>) -> NaiveDateTime {
    use chrono::SubsecRound;
    t.naive_utc().trunc_subsecs(6)
}

/// Today's date in WIB.
pub fn today_wib(now_utc: NaiveDateTime) -> NaiveDate {
    to_wib(now_utc).date_naive()
}
