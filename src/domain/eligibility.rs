//! Who may hold a card, and the card's first-purchase deadline.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};

use super::nik::Nik;
use crate::error::{Error, ErrorCode};

pub const MIN_AGE_YEARS: u32 = 18;
/// At most this many card holders per family card (Kartu Keluarga).
pub const MAX_HOLDERS_PER_FAMILY: i32 = 2;
/// The first training must be bought within this many days of passing selection.
pub const FIRST_PURCHASE_DAYS: i64 = 30;

/// Full years between `birth` and `on`.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> u32 {
    let mut years = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    years.max(0) as u32
}

/// The holder must be at least 18 on the day of registration (WIB).
pub fn check_age(nik: &Nik, today: NaiveDate) -> Result<(), Error> {
    let age = age_on(nik.birth_date(), today);
    if age < MIN_AGE_YEARS {
        return Err(ErrorCode::IneligibleAge.with(format!(
            "The NIK gives an age of {age}; holders must be at least {MIN_AGE_YEARS}."
        )));
    }
    Ok(())
}

/// `passed_at` + 30 days.
pub fn purchase_deadline(passed_at: NaiveDateTime) -> NaiveDateTime {
    passed_at + Duration::days(FIRST_PURCHASE_DAYS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn age_counts_whole_years_and_turns_on_the_birthday() {
        assert_eq!(age_on(d(2008, 11, 22), d(2026, 11, 21)), 17);
        assert_eq!(age_on(d(2008, 11, 22), d(2026, 11, 22)), 18);
        assert_eq!(age_on(d(2008, 2, 29), d(2026, 2, 28)), 17);
    }

    #[test]
    fn a_seventeen_year_old_is_ineligible_and_an_eighteen_year_old_is_not() {
        let today = d(2026, 11, 22);
        let seventeen = Nik::parse("3171012311080001", today).unwrap(); // born 23 Nov 2008
        assert_eq!(
            check_age(&seventeen, today).unwrap_err().code,
            ErrorCode::IneligibleAge
        );
        let eighteen = Nik::parse("3171012211080001", today).unwrap(); // born 22 Nov 2008
        assert!(check_age(&eighteen, today).is_ok());
    }

    #[test]
    fn deadline_is_thirty_days_after_passing() {
        let passed = d(2026, 1, 10).and_hms_opt(3, 0, 0).unwrap();
        assert_eq!(
            purchase_deadline(passed),
            d(2026, 2, 9).and_hms_opt(3, 0, 0).unwrap()
        );
    }
}
