//! A card validation's life: `otp_sent` → `verified` → `used`, or `locked` after too many wrong
//! codes; `expired` is read from the clock, never stored. What each step may do from each state.

use chrono::NaiveDateTime;

use crate::error::{ApiError, ErrorCode};

/// `otp_sent` (waiting for the code), `verified` (may buy until `valid_until`), `used` (bought a
/// voucher), `locked` (5 wrong codes), `expired` (the code or the verification ran out).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ValidationStatus {
    OtpSent,
    Verified,
    Used,
    Locked,
    Expired,
}

/// What the rules read of a stored validation.
#[derive(Debug, Clone, Copy)]
pub struct Stage<'a> {
    /// The stored status: `otp_sent`, `verified`, `used` or `locked`.
    pub stored: &'a str,
    pub otp_expires_at: NaiveDateTime,
    pub valid_until: Option<NaiveDateTime>,
}

/// What verifying a code may lead to, before the code is compared.
#[derive(Debug, PartialEq, Eq)]
pub enum VerifyStep {
    /// Waiting for a code that has not expired: compare it.
    Compare,
    /// Already verified: the same code again answers as before; another code is refused.
    AlreadyVerified,
}

fn locked() -> ApiError {
    ErrorCode::ValidationLocked.with("Too many wrong OTPs: start a new card validation.")
}

fn used() -> ApiError {
    ErrorCode::ValidationUsed.with("This validation already bought a voucher.")
}

impl Stage<'_> {
    pub fn status(&self, now: NaiveDateTime) -> ValidationStatus {
        match self.stored {
            "verified" if self.valid_until.is_some_and(|v| now > v) => ValidationStatus::Expired,
            "verified" => ValidationStatus::Verified,
            "used" => ValidationStatus::Used,
            "locked" => ValidationStatus::Locked,
            _ if now > self.otp_expires_at => ValidationStatus::Expired,
            _ => ValidationStatus::OtpSent,
        }
    }

    pub fn verify_step(&self, now: NaiveDateTime) -> Result<VerifyStep, ApiError> {
        match self.stored {
            "used" => Err(used()),
            "locked" => Err(locked()),
            "verified" => Ok(VerifyStep::AlreadyVerified),
            _ if now > self.otp_expires_at => Err(ErrorCode::OtpExpired
                .with("The OTP has expired; ask for a new one with /otp/resend.")),
            _ => Ok(VerifyStep::Compare),
        }
    }

    /// A new code is sent only while the validation waits for one (an expired code may be replaced).
    pub fn check_resendable(&self) -> Result<(), ApiError> {
        match self.stored {
            "otp_sent" => Ok(()),
            "locked" => Err(locked()),
            _ => Err(ErrorCode::ValidationNotPending
                .with("This validation is already verified or used.")),
        }
    }

    /// A voucher is bought with a verified validation, within its validity, once.
    pub fn check_buyable(&self, now: NaiveDateTime) -> Result<(), ApiError> {
        match self.stored {
            "verified" if self.valid_until.is_some_and(|v| now > v) => {
                Err(ErrorCode::ValidationExpired
                    .with("The card was verified too long ago; validate it again."))
            }
            "verified" => Ok(()),
            "used" => Err(used()),
            "locked" => Err(locked()),
            _ => Err(ErrorCode::ValidationNotVerified.with("Verify the OTP first.")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(m: i64) -> NaiveDateTime {
        chrono::DateTime::from_timestamp(1_800_000_000 + m * 60, 0)
            .unwrap()
            .naive_utc()
    }

    fn stage(stored: &str) -> Stage<'_> {
        Stage {
            stored,
            otp_expires_at: t(5),
            valid_until: Some(t(15)),
        }
    }

    #[test]
    fn expiry_is_read_from_the_clock() {
        assert_eq!(stage("otp_sent").status(t(4)), ValidationStatus::OtpSent);
        assert_eq!(stage("otp_sent").status(t(6)), ValidationStatus::Expired);
        assert_eq!(stage("verified").status(t(14)), ValidationStatus::Verified);
        assert_eq!(stage("verified").status(t(16)), ValidationStatus::Expired);
    }

    #[test]
    fn only_a_fresh_verified_validation_buys() {
        assert!(stage("verified").check_buyable(t(10)).is_ok());
        let code = |s: &str, at| stage(s).check_buyable(at).unwrap_err().code;
        assert_eq!(code("verified", t(16)), ErrorCode::ValidationExpired);
        assert_eq!(code("otp_sent", t(1)), ErrorCode::ValidationNotVerified);
        assert_eq!(code("used", t(1)), ErrorCode::ValidationUsed);
        assert_eq!(code("locked", t(1)), ErrorCode::ValidationLocked);
    }

    #[test]
    fn codes_are_compared_only_while_pending_and_unexpired() {
        assert_eq!(
            stage("otp_sent").verify_step(t(1)).unwrap(),
            VerifyStep::Compare
        );
        assert_eq!(
            stage("otp_sent").verify_step(t(6)).unwrap_err().code,
            ErrorCode::OtpExpired
        );
        assert_eq!(
            stage("verified").verify_step(t(6)).unwrap(),
            VerifyStep::AlreadyVerified
        );
        assert_eq!(
            stage("locked").check_resendable().unwrap_err().code,
            ErrorCode::ValidationLocked
        );
        assert!(stage("otp_sent").check_resendable().is_ok());
    }
}
