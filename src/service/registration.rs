//! A registration: the form program management sends (one, or many in a bulk file) and its
//! parsing into checked values, every field problem reported at once.

use chrono::{DateTime, FixedOffset, NaiveDateTime};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::db;
use crate::domain::time::{to_utc, today_wib};
use crate::domain::{KkNumber, Nik, PhoneNumber};
use crate::error::{Error, FieldError};

// This form is also the row of a bulk import (a JSON array or CSV), which the core reads, so it
// lives here rather than at the HTTP edge with the other request bodies.
/// A person who passed selection in a wave.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewParticipant {
    /// National ID number: 16 digits, province (11-99), regency (not 00), district, birth date
    /// DDMMYY (day + 40 for women) and a serial that is not 0000; the date must be a real one
    /// giving an age of 18 or more.
    #[schema(
        example = "3171011508900001",
        pattern = "^(1[1-9]|[2-9][0-9])(0[1-9]|[1-9][0-9])[0-9]{2}(0[1-9]|[12][0-9]|3[01]|4[1-9]|[56][0-9]|7[01])(0[1-9]|1[0-2])[0-9]{2}([1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])$"
    )]
    pub nik: String,
    /// Family card number: 16 digits, region code (not 00) first; at most 2 holders per family
    /// card.
    #[schema(
        example = "3171010101200002",
        pattern = "^(0[1-9]|[1-9][0-9])[0-9]{14}$"
    )]
    pub kk_number: String,
    #[schema(
        example = "Budi Santoso",
        min_length = 1,
        max_length = 100,
        pattern = "^[A-Za-z][A-Za-z .'-]*$"
    )]
    pub full_name: String,
    /// Indonesian mobile number; OTPs go to it.
    #[schema(example = "081234566789", pattern = "^(\\+62|62|0)8[0-9]{8,11}$")]
    pub phone: String,
    #[schema(example = "budi@example.com", format = "email", max_length = 254)]
    pub email: Option<String>,
    /// The selection wave (gelombang).
    #[schema(example = 12, minimum = 1, maximum = 9999)]
    pub wave: i32,
    /// When the registrant passed selection; the first purchase is due within 30 days.
    #[schema(value_type = String, format = DateTime, example = "2026-11-20T10:00:00+07:00")]
    pub passed_at: DateTime<FixedOffset>,
}

/// A registration with every field parsed: what the use case takes.
#[derive(Debug, Clone)]
pub struct Registration {
    pub nik: Nik,
    pub kk: KkNumber,
    pub phone: PhoneNumber,
    pub full_name: String,
    pub email: Option<String>,
    pub wave: i32,
    pub passed_at: NaiveDateTime,
}

fn check_name(name: &str) -> Result<String, Error> {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    let ok_chars = name
        .chars()
        .all(|c| c.is_alphabetic() || " .'-,".contains(c));
    if name.is_empty() || name.chars().count() > 100 || !ok_chars {
        return Err(Error::field(
            "full_name",
            "invalid_name",
            "full_name must be 1-100 letters, spaces, dots, commas, apostrophes or hyphens.",
        ));
    }
    Ok(name)
}

fn check_email(email: Option<&str>) -> Result<Option<String>, Error> {
    use validator::ValidateEmail;
    match email.map(str::trim).filter(|e| !e.is_empty()) {
        None => Ok(None),
        Some(e) if e.validate_email() && e.len() <= 254 => Ok(Some(e.to_ascii_lowercase())),
        Some(_) => Err(Error::field(
            "email",
            "invalid_email",
            "email is not a valid address.",
        )),
    }
}

impl TryFrom<&NewParticipant> for Registration {
    type Error = Error;

    /// Parses every field and reports all field problems at once.
    fn try_from(input: &NewParticipant) -> Result<Self, Error> {
        parse(input, db::now())
    }
}

fn parse(input: &NewParticipant, now: NaiveDateTime) -> Result<Registration, Error> {
    let mut errors: Vec<FieldError> = Vec::new();
    let mut keep = |r: Result<(), Error>| {
        if let Err(e) = r {
            errors.extend(e.errors);
        }
    };
    let today = today_wib(now);
    let nik = Nik::parse(&input.nik, today);
    let kk = KkNumber::parse(&input.kk_number);
    let phone = PhoneNumber::parse(&input.phone);
    let name = check_name(&input.full_name);
    let email = check_email(input.email.as_deref());
    let passed_at = to_utc(input.passed_at);
    keep(nik.as_ref().map(|_| ()).map_err(clone_err));
    keep(kk.as_ref().map(|_| ()).map_err(clone_err));
    keep(phone.as_ref().map(|_| ()).map_err(clone_err));
    keep(name.as_ref().map(|_| ()).map_err(clone_err));
    keep(email.as_ref().map(|_| ()).map_err(clone_err));
    if !(1..=9999).contains(&input.wave) {
        keep(Err(Error::field(
            "wave",
            "out_of_range",
            "wave must be 1-9999.",
        )));
    }
    if passed_at > now {
        keep(Err(Error::field(
            "passed_at",
            "in_future",
            "passed_at cannot be in the future.",
        )));
    }
    if !errors.is_empty() {
        return Err(Error::validation(errors));
    }
    match (nik, kk, phone, name, email) {
        (Ok(nik), Ok(kk), Ok(phone), Ok(full_name), Ok(email)) => Ok(Registration {
            nik,
            kk,
            phone,
            full_name,
            email,
            wave: input.wave,
            passed_at,
        }),
        _ => Err(Error::internal(
            "participant check",
            "inconsistent validation",
        )),
    }
}

fn clone_err(e: &Error) -> Error {
    Error::validation(e.errors.clone())
}
