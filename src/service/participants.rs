//! Registering card holders (with the eligibility rules), reading them, and freezing, unfreezing
//! or revoking their cards.

use chrono::{DateTime, FixedOffset, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::crypto::{IndexKind, PiiCipher};
use crate::db::participants::{self, ParticipantRow};
use crate::db::{self, DbConn, write_tx};
use crate::domain::eligibility::{self, MAX_HOLDERS_PER_FAMILY};
use crate::domain::mask::mask_digits;
use crate::domain::participant::{CardAction, CardStatus};
use crate::domain::rupiah::TRAINING_BALANCE;
use crate::domain::time::{to_utc, to_wib, today_wib};
use crate::domain::{CardNumber, KkNumber, Nik, PhoneNumber};
use crate::error::{ApiError, ErrorCode, FieldError};
use crate::service::audit::{self, Actor, Event};

/// A person who passed selection in a wave.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewParticipant {
    /// National ID number: 16 digits; its birth date must give an age of 18 or more.
    #[schema(example = "3171011508900001", pattern = "^[0-9]{16}$")]
    pub nik: String,
    /// Family card number: 16 digits; at most 2 holders per family card.
    #[schema(example = "3171010101200002", pattern = "^[0-9]{16}$")]
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

/// A holder as program management sees it. NIK and KK are masked; see `reveal`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ParticipantView {
    pub card_number: String,
    pub full_name: String,
    /// E.164.
    pub phone: String,
    pub email: Option<String>,
    #[schema(example = "3171************")]
    pub nik_masked: String,
    #[schema(example = "3171************")]
    pub kk_number_masked: String,
    pub status: CardStatus,
    pub status_reason: Option<String>,
    /// Rupiah.
    pub balance: i64,
    pub wave: i32,
    pub passed_at: DateTime<FixedOffset>,
    pub purchase_deadline: DateTime<FixedOffset>,
    pub created_at: DateTime<FixedOffset>,
}

/// The clear identity numbers, for an admin who gave a reason.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RevealedIdentity {
    pub card_number: String,
    pub nik: String,
    pub kk_number: String,
}

/// A checked registration: every field parsed.
struct Checked {
    nik: Nik,
    kk: KkNumber,
    phone: PhoneNumber,
    full_name: String,
    email: Option<String>,
    wave: i32,
    passed_at: NaiveDateTime,
}

fn check_name(name: &str) -> Result<String, ApiError> {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    let ok_chars = name
        .chars()
        .all(|c| c.is_alphabetic() || " .'-,".contains(c));
    if name.is_empty() || name.chars().count() > 100 || !ok_chars {
        return Err(ApiError::field(
            "full_name",
            "invalid_name",
            "full_name must be 1-100 letters, spaces, dots, commas, apostrophes or hyphens.",
        ));
    }
    Ok(name)
}

fn check_email(email: Option<&str>) -> Result<Option<String>, ApiError> {
    use validator::ValidateEmail;
    match email.map(str::trim).filter(|e| !e.is_empty()) {
        None => Ok(None),
        Some(e) if e.validate_email() && e.len() <= 254 => Ok(Some(e.to_ascii_lowercase())),
        Some(_) => Err(ApiError::field(
            "email",
            "invalid_email",
            "email is not a valid address.",
        )),
    }
}

/// Parses every field and reports all field problems at once.
fn check(input: &NewParticipant, now: NaiveDateTime) -> Result<Checked, ApiError> {
    let mut errors: Vec<FieldError> = Vec::new();
    let mut keep = |r: Result<(), ApiError>| {
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
        keep(Err(ApiError::field(
            "wave",
            "out_of_range",
            "wave must be 1-9999.",
        )));
    }
    if passed_at > now {
        keep(Err(ApiError::field(
            "passed_at",
            "in_future",
            "passed_at cannot be in the future.",
        )));
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    match (nik, kk, phone, name, email) {
        (Ok(nik), Ok(kk), Ok(phone), Ok(full_name), Ok(email)) => Ok(Checked {
            nik,
            kk,
            phone,
            full_name,
            email,
            wave: input.wave,
            passed_at,
        }),
        _ => Err(ApiError::internal(
            "participant check",
            "inconsistent validation",
        )),
    }
}

fn clone_err(e: &ApiError) -> ApiError {
    ApiError::validation(e.errors.clone())
}

/// Registers a holder: eligibility, one card per NIK, two per family card, a fresh card number,
/// balance Rp1,000,000, deadline passed_at + 30 days; NIK, KK, phone and email sealed at rest.
/// `card` fixes the number (sandbox test cards); otherwise a random one is drawn.
pub fn register(
    conn: &mut DbConn,
    cipher: &PiiCipher,
    actor: &Actor,
    input: &NewParticipant,
    card: Option<CardNumber>,
) -> Result<ParticipantView, ApiError> {
    let now = db::now();
    let p = check(input, now)?;
    eligibility::check_age(&p.nik, today_wib(now))?;
    let nik_index = cipher.blind_index(IndexKind::Nik, p.nik.as_str());
    let kk_index = cipher.blind_index(IndexKind::Kk, p.kk.as_str());
    let id = uuid::Uuid::now_v7().to_string();

    let row = write_tx(conn, |c| -> Result<ParticipantRow, ApiError> {
        if participants::nik_registered(c, &nik_index)? {
            return Err(ErrorCode::AlreadyRegistered
                .with("A card was already issued to this NIK (in this or an earlier wave)."));
        }
        if !participants::take_family_place(c, &kk_index, MAX_HOLDERS_PER_FAMILY)? {
            return Err(ErrorCode::FamilyQuotaReached.with(format!(
                "This family card already has {MAX_HOLDERS_PER_FAMILY} card holders."
            )));
        }
        let card = match &card {
            Some(fixed) => fixed.clone(),
            None => loop {
                let candidate = CardNumber::generate();
                if !participants::card_exists(c, candidate.as_str())? {
                    break candidate;
                }
            },
        };
        let row = ParticipantRow {
            id: id.clone(),
            card_number: card.as_str().into(),
            full_name: p.full_name.clone(),
            nik_cipher: cipher.encrypt(p.nik.as_str(), &id),
            nik_index: nik_index.clone(),
            kk_cipher: cipher.encrypt(p.kk.as_str(), &id),
            kk_index: kk_index.clone(),
            phone_cipher: cipher.encrypt(p.phone.as_str(), &id),
            phone_index: cipher.blind_index(IndexKind::Phone, p.phone.as_str()),
            email_cipher: p.email.as_deref().map(|e| cipher.encrypt(e, &id)),
            wave: p.wave,
            passed_at: p.passed_at,
            purchase_deadline: eligibility::purchase_deadline(p.passed_at),
            initial_balance: TRAINING_BALANCE.amount(),
            balance: TRAINING_BALANCE.amount(),
            status: CardStatus::Active.as_str().into(),
            status_reason: None,
            first_purchase_at: None,
            created_at: now,
            updated_at: now,
        };
        participants::insert(c, &row).map_err(|e| {
            if db::is_unique_violation(&e) {
                ErrorCode::AlreadyRegistered.with("A card was already issued to this NIK.")
            } else {
                e.into()
            }
        })?;
        audit::record(
            c,
            actor,
            Event {
                action: "participant.register",
                target_type: "participant",
                target_id: &row.id,
                details: serde_json::json!({"card_last4": &row.card_number[12..], "wave": row.wave}),
            },
        )?;
        Ok(row)
    })?;
    view(cipher, &row)
}

fn open(cipher: &PiiCipher, sealed: &str, row_id: &str) -> Result<String, ApiError> {
    cipher
        .decrypt(sealed, row_id)
        .map_err(|e| ApiError::internal("decrypting personal data", e))
}

/// The admin view of a stored holder.
pub fn view(cipher: &PiiCipher, row: &ParticipantRow) -> Result<ParticipantView, ApiError> {
    Ok(ParticipantView {
        card_number: row.card_number.clone(),
        full_name: row.full_name.clone(),
        phone: open(cipher, &row.phone_cipher, &row.id)?,
        email: row
            .email_cipher
            .as_deref()
            .map(|e| open(cipher, e, &row.id))
            .transpose()?,
        nik_masked: mask_digits(&open(cipher, &row.nik_cipher, &row.id)?),
        kk_number_masked: mask_digits(&open(cipher, &row.kk_cipher, &row.id)?),
        status: CardStatus::from_db(&row.status),
        status_reason: row.status_reason.clone(),
        balance: row.balance,
        wave: row.wave,
        passed_at: to_wib(row.passed_at),
        purchase_deadline: to_wib(row.purchase_deadline),
        created_at: to_wib(row.created_at),
    })
}

fn load(conn: &mut DbConn, card: &CardNumber) -> Result<ParticipantRow, ApiError> {
    participants::find_by_card(conn, card.as_str())?
        .ok_or_else(|| ErrorCode::CardNotFound.with("No card has this number."))
}

pub fn get(
    conn: &mut DbConn,
    cipher: &PiiCipher,
    card: &CardNumber,
) -> Result<ParticipantView, ApiError> {
    view(cipher, &load(conn, card)?)
}

/// The clear NIK and KK; the reason is written to the audit trail in the same transaction.
pub fn reveal(
    conn: &mut DbConn,
    cipher: &PiiCipher,
    actor: &Actor,
    card: &CardNumber,
    reason: &str,
) -> Result<RevealedIdentity, ApiError> {
    write_tx(conn, |c| {
        let row = load(c, card)?;
        audit::record(
            c,
            actor,
            Event {
                action: "participant.reveal_identity",
                target_type: "participant",
                target_id: &row.id,
                details: serde_json::json!({"reason": reason}),
            },
        )?;
        Ok(RevealedIdentity {
            card_number: row.card_number.clone(),
            nik: open(cipher, &row.nik_cipher, &row.id)?,
            kk_number: open(cipher, &row.kk_cipher, &row.id)?,
        })
    })
}

/// Freeze, unfreeze or revoke, with the reason audited.
pub fn change_status(
    conn: &mut DbConn,
    cipher: &PiiCipher,
    actor: &Actor,
    card: &CardNumber,
    action: CardAction,
    reason: &str,
) -> Result<ParticipantView, ApiError> {
    let row = write_tx(conn, |c| {
        let row = load(c, card)?;
        let from = CardStatus::from_db(&row.status);
        let to = from.apply(action)?;
        if !participants::set_status(c, &row.id, from.as_str(), to.as_str(), reason, db::now())? {
            return Err(ErrorCode::InvalidTransition
                .with("The card's status changed meanwhile; read it and retry."));
        }
        audit::record(
            c,
            actor,
            Event {
                action: action.name(),
                target_type: "participant",
                target_id: &row.id,
                details: serde_json::json!({"from": from.as_str(), "to": to.as_str(), "reason": reason}),
            },
        )?;
        load(c, card)
    })?;
    view(cipher, &row)
}
