//! A card validation's life: `otp_sent` → `verified` → `used`, or `locked` after too many wrong
//! codes; `expired` is read from the clock, never stored. What each step may do from each state.

use chrono::NaiveDateTime;

use crate::error::{Error, ErrorCode};

super::stored_enum! {
    /// `otp_sent` (waiting for the code), `verified` (may buy until `valid_until`), `used` (bought a
    /// voucher), `locked` (5 wrong codes), `expired` (the code or the verification ran out).
    pub enum ValidationStatus ("validation status") {
        OtpSent = "otp_sent",
        Verified = "verified",
        Used = "used",
        Locked = "locked",
        Expired = "expired",
    }
}

super::stored_enum! {
    // What is stored; `expired` is read from the clock, never stored.
    pub enum ValidationState ("stored validation state") {
        OtpSent = "otp_sent",
        Verified = "verified",
        Used = "used",
        Locked = "locked",
    }
}

/// What the rules read of a stored validation.
#[derive(Debug, Clone, Copy)]
pub struct Stage {
    pub stored: ValidationState,
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

impl Stage {
    pub fn status(&self, now: NaiveDateTime) -> ValidationStatus {
        use ValidationState as S;
        match self.stored {
            S::Verified if self.valid_until.is_some_and(|v| now > v) => ValidationStatus::Expired,
            S::Verified => ValidationStatus::Verified,
            S::Used => ValidationStatus::Used,
            S::Locked => ValidationStatus::Locked,
            S::OtpSent if now > self.otp_expires_at => ValidationStatus::Expired,
            S::OtpSent => ValidationStatus::OtpSent,
        }
    }

    pub fn verify_step(&self, now: NaiveDateTime) -> Result<VerifyStep, Error> {
        use ValidationState as S;
        match self.stored {
            S::Used => Err(ErrorCode::ValidationUsed.refusal()),
            S::Locked => Err(ErrorCode::ValidationLocked.refusal()),
            S::Verified => Ok(VerifyStep::AlreadyVerified),
            S::OtpSent if now > self.otp_expires_at => Err(ErrorCode::OtpExpired.refusal()),
            S::OtpSent => Ok(VerifyStep::Compare),
        }
    }

    /// A new code is sent only while the validation waits for one (an expired code may be replaced).
    pub fn check_resendable(&self) -> Result<(), Error> {
        use ValidationState as S;
        match self.stored {
            S::OtpSent => Ok(()),
            S::Locked => Err(ErrorCode::ValidationLocked.refusal()),
            S::Verified | S::Used => Err(ErrorCode::ValidationNotPending.refusal()),
        }
    }

    /// A voucher is bought with a verified validation, within its validity, once.
    pub fn check_buyable(&self, now: NaiveDateTime) -> Result<(), Error> {
        use ValidationState as S;
        match self.stored {
            S::Verified if self.valid_until.is_some_and(|v| now > v) => {
                Err(ErrorCode::ValidationExpired.refusal())
            }
            S::Verified => Ok(()),
            S::Used => Err(ErrorCode::ValidationUsed.refusal()),
            S::Locked => Err(ErrorCode::ValidationLocked.refusal()),
            S::OtpSent => Err(ErrorCode::ValidationNotVerified.refusal()),
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

    fn stage(stored: &str) -> Stage {
        Stage {
            stored: stored.parse().unwrap(),
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
