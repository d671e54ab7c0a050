//! Business days: WIB dates, skipping Saturdays, Sundays and the listed public holidays
//! (DOMAIN.md: "working days" skip Saturdays, Sundays and listed public holidays).

use std::collections::BTreeSet;

use chrono::{Datelike, Duration, NaiveDate, Weekday};

/// The public holidays in force, as program management keeps them (the `holidays` table).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    holidays: BTreeSet<NaiveDate>,
}

impl Calendar {
    pub fn new(holidays: impl IntoIterator<Item = NaiveDate>) -> Self {
        Self {
            holidays: holidays.into_iter().collect(),
        }
    }

    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && !self.holidays.contains(&day)
    }

    /// The `n`th working day after `from` (`from` itself never counts).
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> NaiveDate {
        let mut day = from;
        let mut left = n;
        while left > 0 {
            day += Duration::days(1);
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn weekends_and_holidays_are_skipped() {
        let cal = Calendar::new([d("2026-12-25")]);
        // Monday 21 December + 5 working days: 22, 23, 24, (25 Christmas), 28, 29.
        assert_eq!(cal.add_working_days(d("2026-12-21"), 5), d("2026-12-29"));
        // From a Friday: the next working day is Monday.
        assert_eq!(cal.add_working_days(d("2026-12-04"), 1), d("2026-12-07"));
        assert!(!cal.is_working_day(d("2026-12-26")) && !cal.is_working_day(d("2026-12-25")));
        assert!(cal.is_working_day(d("2026-12-24")));
    }
}
