//! NIK (national ID number) and KK (family card) number: 16 digits each, never shown to partners.
//!
//! NIK layout: province (2) regency (2) district (2), birth date DDMMYY (day + 40 for women), serial (4).

use chrono::NaiveDate;

use super::digits::exact_digits;
use super::mask::mask_digits;
use crate::error::Error;

#[derive(Clone, PartialEq, Eq)]
pub struct Nik {
    digits: String,
    birth_date: NaiveDate,
}

impl Nik {
    /// Parses and checks the layout; `today` decides the century of a two-digit birth year
    /// (a date that would lie in the future belongs to the 1900s).
    pub fn parse(s: &str, today: NaiveDate) -> Result<Self, Error> {
        let bad = |msg: &str| Error::field("nik", "invalid_nik", msg);
        let digits = exact_digits(s, 16).ok_or_else(|| bad("A NIK is exactly 16 digits."))?;
        let num =
            |range: std::ops::Range<usize>| -> u32 { digits[range].parse().unwrap_or_default() };
        if !(11..=99).contains(&num(0..2)) || num(2..4) == 0 {
            return Err(bad("The NIK's region code is not valid."));
        }
        if num(12..16) == 0 {
            return Err(bad("The NIK's serial number cannot be 0000."));
        }
        let raw_day = num(6..8);
        let day = if raw_day > 40 { raw_day - 40 } else { raw_day };
        let (month, yy) = (num(8..10), num(10..12) as i32);
        let in_2000s = NaiveDate::from_ymd_opt(2000 + yy, month, day);
        let birth_date = match in_2000s {
            Some(d) if d <= today => Some(d),
            _ => NaiveDate::from_ymd_opt(1900 + yy, month, day),
        }
        .ok_or_else(|| bad("The NIK does not encode a real birth date."))?;
        Ok(Self { digits, birth_date })
    }

    pub fn as_str(&self) -> &str {
        &self.digits
    }

    pub fn birth_date(&self) -> NaiveDate {
        self.birth_date
    }

    /// True when the NIK's day field carries the +40 that marks a woman.
    pub fn is_female(&self) -> bool {
        self.digits[6..8].parse::<u32>().unwrap_or_default() > 40
    }
}

impl std::fmt::Debug for Nik {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Nik({})", mask_digits(&self.digits))
    }
}

/// The family card number: 16 digits, region code first.
#[derive(Clone, PartialEq, Eq)]
pub struct KkNumber(String);

impl KkNumber {
    pub fn parse(s: &str) -> Result<Self, Error> {
        let digits = exact_digits(s, 16).ok_or_else(|| {
            Error::field(
                "kk_number",
                "invalid_kk_number",
                "A KK number is exactly 16 digits.",
            )
        })?;
        if digits.starts_with("00") || digits.bytes().all(|b| b == b'0') {
            return Err(Error::field(
                "kk_number",
                "invalid_kk_number",
                "The KK number's region code is not valid.",
            ));
        }
        Ok(Self(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for KkNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KkNumber({})", mask_digits(&self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    #[test]
    fn birth_date_is_read_from_digits_7_to_12() {
        let nik = Nik::parse("3171011508900001", today()).unwrap();
        assert_eq!(
            nik.birth_date(),
            NaiveDate::from_ymd_opt(1990, 8, 15).unwrap()
        );
        assert!(!nik.is_female());
    }

    #[test]
    fn women_have_forty_added_to_the_day() {
        let nik = Nik::parse("3171015508900001", today()).unwrap();
        assert_eq!(
            nik.birth_date(),
            NaiveDate::from_ymd_opt(1990, 8, 15).unwrap()
        );
        assert!(nik.is_female());
    }

    #[test]
    fn a_two_digit_year_not_in_the_future_is_in_the_2000s() {
        let nik = Nik::parse("3171010101100001", today()).unwrap();
        assert_eq!(nik.birth_date().format("%Y").to_string(), "2010");
        // December 2026 would be in the future on 22 Nov 2026: it is 1926.
        let old = Nik::parse("3171010112260001", today()).unwrap();
        assert_eq!(old.birth_date().format("%Y").to_string(), "1926");
    }

    #[test]
    fn impossible_dates_regions_and_serials_are_rejected() {
        for bad in [
            "3171013102900001", // 31 February
            "3171011513900001", // month 13
            "0071011508900001", // region 00
            "3171011508900000", // serial 0000
            "317101150890000",  // 15 digits
        ] {
            assert!(
                Nik::parse(bad, today()).is_err(),
                "{bad} should be rejected"
            );
        }
    }

    #[test]
    fn debug_never_prints_the_whole_nik_or_kk() {
        let nik = Nik::parse("3171011508900001", today()).unwrap();
        assert!(!format!("{nik:?}").contains("3171011508900001"));
        let kk = KkNumber::parse("3171010101200002").unwrap();
        assert!(!format!("{kk:?}").contains("3171010101200002"));
    }
}
