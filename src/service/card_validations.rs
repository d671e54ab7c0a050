//! Card validation: every pre-check before an OTP costs an SMS, then the OTP's life (resend,
//! verify, lock, expiry). The SMS goes out after the transaction commits; if the gateway fails,
//! the validation stays and can be resent at once, and the call's idempotency key is forgotten so
//! a retry runs again.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, FixedOffset, NaiveDateTime};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use utoipa::ToSchema;

use super::once::Decision;
use super::purchase::{card_facts, sellable};
use super::{Call, Core, Inner};
use crate::db::card_validations::{self as store, Validation};
use crate::db::participants::{self, Participant};
use crate::db::{self, DbConn};
use crate::domain::mask::mask_name;
use crate::domain::messages;
use crate::domain::otp::{Otp, after_wrong_guess, secs};
use crate::domain::purchase;
use crate::domain::time::to_wib;
use crate::domain::validation::{ValidationState, ValidationStatus, VerifyStep};
use crate::domain::{
    CardNumber, CourseCode, PartnerId, PhoneNumber, Rupiah, ScheduleCode, ValidationId,
};
use crate::error::{Error, ErrorCode};
use crate::metrics::OtpOutcome;

/// Check a card for a course and send the holder an OTP.
#[derive(Debug, Clone)]
pub struct StartValidation {
    pub card: CardNumber,
    pub course: CourseCode,
    pub schedule: Option<ScheduleCode>,
}

/// A validation before its OTP: holder data masked.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ValidationView {
    #[schema(value_type = String)]
    pub id: ValidationId,
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
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct VerifiedCard {
    pub card_number_masked: String,
    pub holder_name: String,
    /// Rupiah.
    #[schema(value_type = i64)]
    pub balance: Rupiah,
    pub purchase_deadline: DateTime<FixedOffset>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct VerifiedValidation {
    #[schema(value_type = String)]
    pub id: ValidationId,
    pub status: ValidationStatus,
    pub card: VerifiedCard,
    /// Buy the voucher before this time.
    pub valid_until: DateTime<FixedOffset>,
}

/// An OTP to send once the transaction that recorded it has committed. Never stored.
pub(crate) struct Dispatch {
    pub phone: PhoneNumber,
    pub otp: Otp,
    pub validation: ValidationId,
}

fn view(
    core: &Inner,
    row: &Validation,
    holder: &Participant,
    phone: &PhoneNumber,
    now: NaiveDateTime,
) -> ValidationView {
    let policy = &core.otp;
    ValidationView {
        id: row.id.clone(),
        status: row.stage().status(now),
        card_number_masked: holder.card_number.masked(),
        holder_name_masked: mask_name(&holder.full_name),
        phone_masked: phone.masked(),
        expires_at: to_wib(row.otp_expires_at),
        resend_available_at: to_wib(match row.last_sent_at {
            Some(last) => policy.resend_available_at(last),
            None => now,
        }),
        attempts_remaining: policy.attempts_remaining(row.wrong_attempts),
        resends_remaining: (i64::from(policy.max_resends) - i64::from(row.resends)).max(0),
    }
}

pub(crate) fn holder_phone(core: &Inner, p: &Participant) -> Result<PhoneNumber, Error> {
    let clear = core
        .cipher
        .decrypt(&p.phone_cipher, p.id.as_str())
        .map_err(|e| Error::internal("decrypting a phone", e))?;
    PhoneNumber::parse(&clear).map_err(|_| Error::internal("stored phone", "not a valid phone"))
}

fn load(conn: &mut DbConn, platform: &PartnerId, id: &ValidationId) -> Result<Validation, Error> {
    store::find_for_platform(conn, id, platform)?.ok_or_else(|| Error::not_found("card validation"))
}

/// The course and run first (they are not secret: probing a card needs a real course), then the
/// card, then a new validation with a fresh OTP.
fn start(
    c: &mut DbConn,
    core: &Inner,
    platform: &PartnerId,
    cmd: &StartValidation,
) -> Result<Decision<ValidationView, Dispatch>, Error> {
    let now = db::now();
    let (course, schedule) = sellable(c, platform, &cmd.course, cmd.schedule.as_ref(), now)?;
    // OTP sends to one card queue here, so the hourly cap holds under concurrency.
    let holder = participants::lock_by_card(c, &cmd.card)?
        .ok_or_else(|| ErrorCode::CardNotFound.refusal())?;
    let facts = card_facts(c, &holder)?;
    purchase::check_card(&facts, now)?;
    purchase::check_balance(facts.balance, course.price)?;
    let (sent, oldest) = store::sends_since(c, &holder.id, now - chrono::Duration::hours(1))?;
    core.otp.check_card_cap(now, sent, oldest)?;

    let id = ValidationId::new();
    let otp = Otp::generate();
    let row = Validation {
        id: id.clone(),
        platform_id: platform.clone(),
        participant_id: holder.id.clone(),
        course_id: course.id,
        schedule_id: schedule.map(|s| s.id),
        status: ValidationState::OtpSent,
        otp_hash: Some(core.cipher.otp_hash(id.as_str(), otp.as_str())),
        otp_expires_at: core.otp.expires_at(now),
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
    let phone = holder_phone(core, &holder)?;
    let shown = view(core, &row, &holder, &phone, now);
    Ok(Decision::Done(
        shown,
        Dispatch {
            phone,
            otp,
            validation: id,
        },
    ))
}

/// A new code for a validation still waiting for one; the old code dies.
fn resend(
    c: &mut DbConn,
    core: &Inner,
    platform: &PartnerId,
    id: &ValidationId,
) -> Result<Decision<ValidationView, Dispatch>, Error> {
    let now = db::now();
    let first_look = load(c, platform, id)?;
    // Sends to one card queue on its row: the cooldown, the resend limit and the hourly cap are
    // read after any concurrent send has committed.
    participants::lock(c, &first_look.participant_id)?;
    let row = load(c, platform, id)?;
    row.stage().check_resendable()?;
    // A send that failed left no `last_sent_at`: retrying it is not a resend.
    let counts = row.last_sent_at.is_some();
    if counts {
        core.otp.check_resend(now, row.last_sent_at, row.resends)?;
    }
    let (sent, oldest) =
        store::sends_since(c, &row.participant_id, now - chrono::Duration::hours(1))?;
    core.otp.check_card_cap(now, sent, oldest)?;
    let otp = Otp::generate();
    let hash = core.cipher.otp_hash(row.id.as_str(), otp.as_str());
    if !store::replace_otp(c, &row.id, &hash, core.otp.expires_at(now), now, counts)? {
        return Err(ErrorCode::ValidationNotPending.with("This validation changed meanwhile."));
    }
    store::record_send(c, &row.participant_id, now)?;
    let holder = participants::find(c, &row.participant_id)?;
    let phone = holder_phone(core, &holder)?;
    let fresh = load(c, platform, id)?;
    let shown = view(core, &fresh, &holder, &phone, now);
    Ok(Decision::Done(
        shown,
        Dispatch {
            phone,
            otp,
            validation: row.id,
        },
    ))
}

fn verified_view(
    c: &mut DbConn,
    row: &Validation,
    now: NaiveDateTime,
) -> Result<VerifiedValidation, Error> {
    let holder = participants::find(c, &row.participant_id)?;
    Ok(VerifiedValidation {
        id: row.id.clone(),
        status: row.stage().status(now),
        card: VerifiedCard {
            card_number_masked: holder.card_number.masked(),
            holder_name: holder.full_name,
            balance: holder.balance,
            purchase_deadline: to_wib(holder.purchase_deadline),
        },
        valid_until: to_wib(row.valid_until.unwrap_or(now)),
    })
}

/// Checks the OTP. A wrong guess is counted, and that count commits, before it is refused.
fn verify(
    c: &mut DbConn,
    core: &Inner,
    platform: &PartnerId,
    id: &ValidationId,
    otp: &Otp,
    guessed: &AtomicBool,
) -> Result<Decision<VerifiedValidation, bool>, Error> {
    let now = db::now();
    let row = load(c, platform, id)?;
    let expected = core.cipher.otp_hash(row.id.as_str(), otp.as_str());
    let matches = row
        .otp_hash
        .as_deref()
        .is_some_and(|h| bool::from(h.as_bytes().ct_eq(expected.as_bytes())));
    match row.stage().verify_step(now)? {
        VerifyStep::AlreadyVerified if matches => {
            return Ok(Decision::Done(verified_view(c, &row, now)?, false));
        }
        VerifyStep::AlreadyVerified => {
            return Err(
                ErrorCode::ValidationNotPending.with("This validation is already verified.")
            );
        }
        VerifyStep::Compare => {}
    }
    if !matches {
        let wrong = store::count_wrong_guess(c, &row.id, core.otp.max_attempts as i32)?
            .ok_or_else(|| ErrorCode::ValidationLocked.refusal())?;
        guessed.store(true, Ordering::Relaxed);
        return Ok(Decision::Refuse(after_wrong_guess(&core.otp, wrong)));
    }
    let valid_until = now + secs(core.validation_ttl);
    if !store::mark_verified(c, &row.id, &expected, now, valid_until)? {
        // A resend replaced the code between the read and the update.
        return Err(ErrorCode::OtpIncorrect.with("A newer code was sent; enter that one."));
    }
    // The update matched the row read above and set exactly these: no need to read it again.
    let verified = Validation {
        status: ValidationState::Verified,
        verified_at: Some(now),
        valid_until: Some(valid_until),
        ..row
    };
    Ok(Decision::Done(verified_view(c, &verified, now)?, true))
}

impl Core {
    /// Checks a card for a course and sends the holder an OTP.
    pub async fn start_card_validation(
        &self,
        call: &Call,
        cmd: StartValidation,
    ) -> Result<ValidationView, Error> {
        let platform = call.platform()?;
        let (view, dispatch) = self
            .decide(call, move |c, core| start(c, core, &platform, &cmd))
            .await?;
        self.send_otp(call, view, dispatch).await
    }

    /// A new OTP for a validation still waiting for one.
    pub async fn resend_otp(&self, call: &Call, id: ValidationId) -> Result<ValidationView, Error> {
        let platform = call.platform()?;
        let (view, dispatch) = self
            .decide(call, move |c, core| resend(c, core, &platform, &id))
            .await?;
        self.send_otp(call, view, dispatch).await
    }

    /// Checks the OTP the holder read out.
    pub async fn verify_card_validation(
        &self,
        call: &Call,
        id: ValidationId,
        otp: Otp,
    ) -> Result<VerifiedValidation, Error> {
        let platform = call.platform()?;
        // Set when a wrong guess was counted: the refusal that follows committed it.
        let guessed = Arc::new(AtomicBool::new(false));
        let flag = guessed.clone();
        let verified = self
            .decide(call, move |c, core| {
                verify(c, core, &platform, &id, &otp, &flag)
            })
            .await;
        match &verified {
            Ok((_, Some(true))) => self.metrics.otp(OtpOutcome::Verified),
            Err(e) if guessed.load(Ordering::Relaxed) => self.metrics.otp(match e.code {
                ErrorCode::ValidationLocked => OtpOutcome::Locked,
                _ => OtpOutcome::Failed,
            }),
            _ => {}
        }
        verified.map(|(v, _)| v)
    }

    /// A validation's current state.
    pub async fn card_validation(
        &self,
        call: &Call,
        id: ValidationId,
    ) -> Result<ValidationView, Error> {
        let platform = call.platform()?;
        self.read(move |c, core| {
            let row = load(c, &platform, &id)?;
            let holder = participants::find(c, &row.participant_id)?;
            let phone = holder_phone(core, &holder)?;
            Ok(view(core, &row, &holder, &phone, db::now()))
        })
        .await
    }

    /// Sends a committed OTP (none on a replay). If the gateway fails, the validation stays and the
    /// next resend is allowed at once.
    async fn send_otp(
        &self,
        call: &Call,
        view: ValidationView,
        dispatch: Option<Dispatch>,
    ) -> Result<ValidationView, Error> {
        let Some(d) = dispatch else {
            return Ok(view);
        };
        let message = messages::purchase_otp(d.otp.as_str(), self.otp.ttl);
        let Err(e) = self.sms.send(&d.phone, &message).await else {
            self.metrics.otp(OtpOutcome::Sent);
            return Ok(view);
        };
        tracing::warn!(error = %e, validation = %d.validation, "OTP SMS not sent");
        let id = d.validation.clone();
        self.write(move |c, _| Ok(store::clear_last_sent(c, &id)?))
            .await?;
        self.forget_key(call).await?;
        Err(ErrorCode::SmsDeliveryFailed
            .with("The SMS could not be sent; call POST /v1/card-validations/{id}/otp/resend to retry.")
            .extra("card_validation_id", d.validation.as_str())
            .retry_after(5))
    }
}
