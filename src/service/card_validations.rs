//! Card validation: every pre-check before an OTP costs an SMS, then the OTP's life (resend,
//! verify, lock, expiry). Sending happens outside the transaction; a failed send leaves the
//! validation in place and resendable at once.

use chrono::{DateTime, FixedOffset, NaiveDateTime};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use utoipa::ToSchema;

use crate::crypto::PiiCipher;
use crate::db::card_validations::{self as store, ValidationRow};
use crate::db::courses::{self, CourseRow, ScheduleRow, Viewer};
use crate::db::participants::{self, ParticipantRow};
use crate::db::{self, DbConn, vouchers, write_tx};
use crate::domain::mask::{mask_card, mask_name};
use crate::domain::otp::{Otp, OtpPolicy, after_wrong_guess, secs};
use crate::domain::participant::CardStatus;
use crate::domain::purchase::{self, CardFacts, ScheduleFacts};
use crate::domain::time::to_wib;
use crate::domain::validation::{Stage, ValidationStatus, VerifyStep};
use crate::domain::{CardNumber, PhoneNumber};
use crate::error::{ApiError, ErrorCode};

/// Start a validation: the card the holder gave at checkout, and what they want to buy.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewValidation {
    #[schema(example = "5200000000000015", pattern = "^[0-9]{16}$")]
    pub card_number: String,
    #[schema(example = "CRS-4Q8ZK2MX", pattern = "^CRS-[2-9A-HJ-NP-Z]{8}$")]
    pub course_code: String,
    /// Required when the course runs on schedules.
    #[schema(pattern = "^SCH-[2-9A-HJ-NP-Z]{8}$")]
    pub schedule_code: Option<String>,
}

/// A validation before its OTP: holder data masked.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ValidationView {
    pub id: String,
    pub status: ValidationStatus,
    #[schema(example = "************0015")]
    pub card_number_masked: String,
    #[schema(example = "B*** S******")]
    pub holder_name_masked: String,
    #[schema(example = "+62812****0001")]
    pub phone_masked: String,
    /// When the current OTP stops working.
    pub expires_at: DateTime<FixedOffset>,
    /// When a resend is allowed.
    pub resend_available_at: DateTime<FixedOffset>,
    pub attempts_remaining: i64,
    pub resends_remaining: i64,
}

/// What the holder's OTP unlocks: the full name and the balance.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VerifiedCard {
    pub card_number_masked: String,
    pub holder_name: String,
    /// Rupiah.
    pub balance: i64,
    pub purchase_deadline: DateTime<FixedOffset>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VerifiedValidation {
    pub id: String,
    pub status: ValidationStatus,
    pub card: VerifiedCard,
    /// Buy the voucher before this time.
    pub valid_until: DateTime<FixedOffset>,
}

/// An OTP to send, after the transaction that recorded it.
pub struct Dispatch {
    pub view: ValidationView,
    pub phone: PhoneNumber,
    pub otp: Otp,
    pub validation_id: String,
}

/// What the life-cycle rules read of a stored validation.
pub fn stage(row: &ValidationRow) -> Stage<'_> {
    Stage {
        stored: &row.status,
        otp_expires_at: row.otp_expires_at,
        valid_until: row.valid_until,
    }
}

fn status_of(row: &ValidationRow, now: NaiveDateTime) -> ValidationStatus {
    stage(row).status(now)
}

fn view(
    row: &ValidationRow,
    holder: &ParticipantRow,
    phone: &PhoneNumber,
    policy: &OtpPolicy,
    now: NaiveDateTime,
) -> ValidationView {
    let last = row.last_sent_at.unwrap_or(row.created_at);
    ValidationView {
        id: row.id.clone(),
        status: status_of(row, now),
        card_number_masked: mask_card(&holder.card_number),
        holder_name_masked: mask_name(&holder.full_name),
        phone_masked: phone.masked(),
        expires_at: to_wib(row.otp_expires_at),
        resend_available_at: to_wib(if row.last_sent_at.is_some() {
            policy.resend_available_at(last)
        } else {
            now
        }),
        attempts_remaining: policy.attempts_remaining(row.wrong_attempts),
        resends_remaining: (i64::from(policy.max_resends) - i64::from(row.resends)).max(0),
    }
}

/// The facts the purchase rules read about a card.
pub fn card_facts(conn: &mut DbConn, p: &ParticipantRow) -> Result<CardFacts, ApiError> {
    Ok(CardFacts {
        status: CardStatus::from_db(&p.status),
        purchase_deadline: p.purchase_deadline,
        first_purchase_at: p.first_purchase_at,
        has_unfinished_training: vouchers::has_unfinished(conn, &p.id)?,
        balance: p.balance,
    })
}

pub fn schedule_facts(s: &ScheduleRow) -> ScheduleFacts {
    ScheduleFacts {
        starts_at: s.starts_at,
        ends_at: s.ends_at,
        quota: s.quota,
        seats_taken: s.seats_taken,
    }
}

/// The course this platform may sell, and the run asked for (required when the course has open runs).
pub fn sellable(
    conn: &mut DbConn,
    platform_id: &str,
    course_code: &str,
    schedule_code: Option<&str>,
    now: NaiveDateTime,
) -> Result<(CourseRow, Option<ScheduleRow>), ApiError> {
    let course = courses::find_visible(
        conn,
        &Viewer::Platform(platform_id),
        &course_code.trim().to_ascii_uppercase(),
    )?
    .ok_or_else(|| {
        ErrorCode::CourseNotAvailable
            .with("No approved course with that code is sold by your platform.")
    })?;
    let schedule = match schedule_code {
        Some(code) => {
            let s = courses::find_schedule_by_code(
                conn,
                &course.id,
                &code.trim().to_ascii_uppercase(),
            )?
            .ok_or_else(|| {
                ErrorCode::ScheduleNotAvailable
                    .with("That schedule is not one of this course's runs.")
            })?;
            purchase::check_schedule(&schedule_facts(&s), now)?;
            Some(s)
        }
        None => {
            if courses::schedules(conn, &course.id)?
                .iter()
                .any(|s| s.ends_at > now)
            {
                return Err(ErrorCode::ScheduleRequired
                    .with("This course runs on schedules: send schedule_code."));
            }
            None
        }
    };
    Ok((course, schedule))
}

fn holder_phone(cipher: &PiiCipher, p: &ParticipantRow) -> Result<PhoneNumber, ApiError> {
    let clear = cipher
        .decrypt(&p.phone_cipher, &p.id)
        .map_err(|e| ApiError::internal("decrypting a phone", e))?;
    PhoneNumber::parse(&clear).map_err(|_| ApiError::internal("stored phone", "not a valid phone"))
}

/// Every pre-check of the contract, then a new validation with a fresh OTP, in one transaction.
pub fn start(
    conn: &mut DbConn,
    cipher: &PiiCipher,
    policy: &OtpPolicy,
    platform_id: &str,
    card: &CardNumber,
    input: &NewValidation,
) -> Result<Dispatch, ApiError> {
    write_tx(conn, |c| {
        let now = db::now();
        let found = participants::find_by_card(c, card.as_str())?
            .ok_or_else(|| ErrorCode::CardNotFound.with("No card has this number."))?;
        // OTP sends to one card queue here, so the hourly cap holds under concurrency.
        let holder = participants::lock(c, &found.id)?;
        let facts = card_facts(c, &holder)?;
        purchase::check_card(&facts, now)?;
        let (course, schedule) = sellable(
            c,
            platform_id,
            &input.course_code,
            input.schedule_code.as_deref(),
            now,
        )?;
        purchase::check_balance(facts.balance, course.price)?;
        let (sent, oldest) = store::sends_since(c, &holder.id, now - chrono::Duration::hours(1))?;
        policy.check_card_cap(now, sent, oldest)?;

        let id = uuid::Uuid::now_v7().to_string();
        let code = Otp::generate();
        let row = ValidationRow {
            id: id.clone(),
            platform_id: platform_id.into(),
            participant_id: holder.id.clone(),
            course_id: course.id.clone(),
            schedule_id: schedule.map(|s| s.id),
            status: "otp_sent".into(),
            otp_hash: Some(cipher.otp_hash(&id, code.as_str())),
            otp_expires_at: policy.expires_at(now),
            wrong_attempts: 0,
            resends: 0,
            last_sent_at: Some(now),
            verified_at: None,
            valid_until: None,
            used_at: None,
            created_at: now,
        };
        store::insert(c, &row)?;
        store::record_send(c, &holder.id, now)?;
        let phone = holder_phone(cipher, &holder)?;
        Ok(Dispatch {
            view: view(&row, &holder, &phone, policy, now),
            phone,
            otp: code,
            validation_id: id,
        })
    })
}

fn load(conn: &mut DbConn, platform_id: &str, id: &str) -> Result<ValidationRow, ApiError> {
    store::find_for_platform(conn, id, platform_id)?
        .ok_or_else(|| ApiError::not_found("card validation"))
}

/// A new code for a validation still waiting for one; the old code dies.
pub fn resend(
    conn: &mut DbConn,
    cipher: &PiiCipher,
    policy: &OtpPolicy,
    platform_id: &str,
    id: &str,
) -> Result<Dispatch, ApiError> {
    write_tx(conn, |c| {
        let now = db::now();
        let first_look = load(c, platform_id, id)?;
        // Sends to one card queue on its row: the cooldown, the resend limit and the hourly cap
        // are read after any concurrent send has committed.
        participants::lock(c, &first_look.participant_id)?;
        let row = load(c, platform_id, id)?;
        stage(&row).check_resendable()?;
        // A send that failed left no `last_sent_at`: retrying it is not a resend.
        let counts = row.last_sent_at.is_some();
        if counts {
            policy.check_resend(now, row.last_sent_at, row.resends)?;
        }
        let (sent, oldest) =
            store::sends_since(c, &row.participant_id, now - chrono::Duration::hours(1))?;
        policy.check_card_cap(now, sent, oldest)?;
        let code = Otp::generate();
        if !store::replace_otp(
            c,
            &row.id,
            &cipher.otp_hash(&row.id, code.as_str()),
            policy.expires_at(now),
            now,
            counts,
        )? {
            return Err(ErrorCode::ValidationNotPending.with("This validation changed meanwhile."));
        }
        store::record_send(c, &row.participant_id, now)?;
        let holder = participants::find(c, &row.participant_id)?;
        let phone = holder_phone(cipher, &holder)?;
        let fresh = load(c, platform_id, id)?;
        Ok(Dispatch {
            view: view(&fresh, &holder, &phone, policy, now),
            phone,
            otp: code,
            validation_id: row.id,
        })
    })
}

/// After a failed send: the validation stays, and the next resend is allowed at once.
pub fn send_failed(conn: &mut DbConn, validation_id: &str) -> Result<(), ApiError> {
    store::clear_last_sent(conn, validation_id)?;
    Ok(())
}

fn verified_view(
    conn: &mut DbConn,
    row: &ValidationRow,
    now: NaiveDateTime,
) -> Result<VerifiedValidation, ApiError> {
    let holder = participants::find(conn, &row.participant_id)?;
    Ok(VerifiedValidation {
        id: row.id.clone(),
        status: status_of(row, now),
        card: VerifiedCard {
            card_number_masked: mask_card(&holder.card_number),
            holder_name: holder.full_name,
            balance: holder.balance,
            purchase_deadline: to_wib(holder.purchase_deadline),
        },
        valid_until: to_wib(row.valid_until.unwrap_or(now)),
    })
}

/// Checks the OTP. A wrong guess is counted (and committed) before it is refused.
pub fn verify(
    conn: &mut DbConn,
    cipher: &PiiCipher,
    policy: &OtpPolicy,
    validation_ttl: std::time::Duration,
    platform_id: &str,
    id: &str,
    code: &str,
) -> Result<VerifiedValidation, ApiError> {
    let code = Otp::parse(code)?;
    // Refusals that must stick (a counted wrong guess) come back as Ok(Err(..)) so they commit.
    write_tx(
        conn,
        |c| -> Result<Result<VerifiedValidation, ApiError>, ApiError> {
            let now = db::now();
            let row = load(c, platform_id, id)?;
            let matches = row.otp_hash.as_deref().is_some_and(|h| {
                bool::from(
                    h.as_bytes()
                        .ct_eq(cipher.otp_hash(&row.id, code.as_str()).as_bytes()),
                )
            });
            match stage(&row).verify_step(now)? {
                VerifyStep::AlreadyVerified if matches => {
                    return Ok(Ok(verified_view(c, &row, now)?));
                }
                VerifyStep::AlreadyVerified => {
                    return Err(ErrorCode::ValidationNotPending
                        .with("This validation is already verified."));
                }
                VerifyStep::Compare => {}
            }
            if !matches {
                let wrong = store::count_wrong_guess(c, &row.id, policy.max_attempts as i32)?
                    .ok_or_else(|| {
                        ErrorCode::ValidationLocked
                            .with("Too many wrong OTPs: start a new card validation.")
                    })?;
                return Ok(Err(after_wrong_guess(policy, wrong)));
            }
            let matched = row.otp_hash.clone().unwrap_or_default();
            if !store::mark_verified(c, &row.id, &matched, now, now + secs(validation_ttl))? {
                // A resend replaced the code between the read and the update.
                return Err(ErrorCode::OtpIncorrect.with("A newer code was sent; enter that one."));
            }
            let fresh = load(c, platform_id, id)?;
            Ok(Ok(verified_view(c, &fresh, now)?))
        },
    )?
}

/// A validation's current state.
pub fn get(
    conn: &mut DbConn,
    cipher: &PiiCipher,
    policy: &OtpPolicy,
    platform_id: &str,
    id: &str,
) -> Result<ValidationView, ApiError> {
    let row = load(conn, platform_id, id)?;
    let holder = participants::find(conn, &row.participant_id)?;
    let phone = holder_phone(cipher, &holder)?;
    Ok(view(&row, &holder, &phone, policy, db::now()))
}
