//! OTPs the holder receives for their own acts (a dashboard session, a payout account): opened
//! inside the act's transaction under the same per-card hourly cap as card validations, answered
//! once, sent after the transaction commits.

use chrono::NaiveDateTime;
use subtle::ConstantTimeEq;

use super::card_validations::holder_phone;
use super::once::Decision;
use super::{Call, Core, Inner};
use crate::db::DbConn;
use crate::db::card_validations::{record_send, sends_since};
use crate::db::challenges::{self as store, Challenge};
use crate::db::participants::Participant;
use crate::domain::challenge::{ChallengeState, Purpose, after_wrong_code, check_open, locked};
use crate::domain::otp::Otp;
use crate::domain::{ChallengeId, PhoneNumber};
use crate::error::{Error, ErrorCode};

/// A message to send once the transaction that recorded it has committed. Never stored.
pub(crate) struct Dispatch {
    pub phone: PhoneNumber,
    pub message: String,
}

/// A challenge just opened: its row, and the code and phone its message needs.
pub(crate) struct Opened {
    pub challenge: Challenge,
    pub phone: PhoneNumber,
    pub otp: Otp,
}

/// Opens a challenge for `holder`, whose row the caller has locked (sends to one card queue there,
/// so the hourly cap holds under concurrency). Counts as one OTP send to the card.
pub(crate) fn open(
    c: &mut DbConn,
    core: &Inner,
    holder: &Participant,
    purpose: Purpose,
    now: NaiveDateTime,
) -> Result<Opened, Error> {
    let (sent, oldest) = sends_since(c, &holder.id, now - chrono::Duration::hours(1))?;
    core.otp.check_card_cap(now, sent, oldest)?;
    let id = ChallengeId::new();
    let otp = Otp::generate();
    let row = Challenge {
        otp_hash: Some(core.cipher.otp_hash(id.as_str(), otp.as_str())),
        id,
        participant_id: holder.id.clone(),
        purpose,
        status: ChallengeState::OtpSent,
        otp_expires_at: core.otp.expires_at(now),
        wrong_attempts: 0,
        created_at: now,
        passed_at: None,
    };
    store::insert(c, &row)?;
    record_send(c, &holder.id, now)?;
    Ok(Opened {
        challenge: row,
        phone: holder_phone(core, holder)?,
        otp,
    })
}

/// How a code was taken.
pub(crate) enum Answer {
    /// The right code: the challenge is passed (once).
    Passed,
    /// A wrong code, counted: commit the count, then refuse with this.
    Wrong(Error),
}

impl Answer {
    /// The use case's decision: go on with `then` when passed, else commit the count and refuse.
    pub(crate) fn then<T, S>(
        self,
        then: impl FnOnce() -> Result<Decision<T, S>, Error>,
    ) -> Result<Decision<T, S>, Error> {
        match self {
            Answer::Passed => then(),
            Answer::Wrong(e) => Ok(Decision::Refuse(e)),
        }
    }
}

/// Checks a code: a wrong one is counted before it is refused; the right one passes the
/// challenge, once.
pub(crate) fn answer(
    c: &mut DbConn,
    core: &Inner,
    challenge: &Challenge,
    otp: &Otp,
    now: NaiveDateTime,
) -> Result<Answer, Error> {
    check_open(
        challenge.purpose,
        challenge.status,
        challenge.otp_expires_at,
        now,
    )?;
    let expected = core.cipher.otp_hash(challenge.id.as_str(), otp.as_str());
    let matches = challenge
        .otp_hash
        .as_deref()
        .is_some_and(|h| bool::from(h.as_bytes().ct_eq(expected.as_bytes())));
    if !matches {
        let max = core.otp.max_attempts as i32;
        // None: it stopped waiting meanwhile (a concurrent guess locked it).
        let wrong = store::count_wrong_guess(c, &challenge.id, max)?
            .ok_or_else(|| locked(challenge.purpose))?;
        return Ok(Answer::Wrong(after_wrong_code(
            &core.otp,
            challenge.purpose,
            wrong,
        )));
    }
    if !store::pass(c, &challenge.id, &expected, now)? {
        return Err(ErrorCode::OtpAlreadyUsed.refusal());
    }
    Ok(Answer::Passed)
}

impl Core {
    /// Tells the holder something that already happened; a failed send is logged, not an error.
    pub(crate) async fn notify(&self, notice: Dispatch) {
        if let Err(e) = self.sms.send(&notice.phone, &notice.message).await {
            tracing::warn!(error = %e, "holder notice SMS not sent");
        }
    }

    /// Sends a committed challenge's OTP (nothing on a replay). A challenge has no resend: when
    /// the gateway fails, the holder starts the act again, and the call's key is forgotten so that
    /// retry runs.
    pub(crate) async fn send_challenge(
        &self,
        call: Option<&Call>,
        dispatch: Option<Dispatch>,
    ) -> Result<(), Error> {
        let Some(d) = dispatch else {
            return Ok(());
        };
        let Err(e) = self.sms.send(&d.phone, &d.message).await else {
            return Ok(());
        };
        tracing::warn!(error = %e, "holder OTP SMS not sent");
        if let Some(call) = call {
            self.forget_key(call).await?;
        }
        Err(ErrorCode::SmsDeliveryFailed
            .with("The SMS could not be sent; try again in a moment.")
            .retry_after(5))
    }
}
