//! An OTP the holder receives for an act of their own (a dashboard session, confirming a payout
//! account): `otp_sent` → `passed` once, or `locked` after too many wrong codes. Unlike a card
//! validation it has no resend: a new act starts a new challenge (under the same per-card cap).

use chrono::NaiveDateTime;

use super::otp::{OtpPolicy, after_wrong_guess};
use crate::error::{Error, ErrorCode};

super::stored_enum! {
    /// Why the holder was sent the code.
    pub enum Purpose ("challenge purpose") {
        Session = "session",
        PayoutAccount = "payout_account",
    }
}

super::stored_enum! {
    pub enum ChallengeState ("challenge state") {
        OtpSent = "otp_sent",
        Passed = "passed",
        Locked = "locked",
    }
}

impl Purpose {
    /// What the holder does to get a new code.
    fn restart(self) -> &'static str {
        match self {
            Purpose::Session => "start a new session",
            Purpose::PayoutAccount => "submit the payout account again",
        }
    }
}

/// Too many wrong codes.
pub fn locked(purpose: Purpose) -> Error {
    ErrorCode::ValidationLocked.with(format!("Too many wrong codes: {}.", purpose.restart()))
}

/// What a wrong code leads to: the count down, or the lock.
pub fn after_wrong_code(policy: &OtpPolicy, purpose: Purpose, wrong_now: i32) -> Error {
    match after_wrong_guess(policy, wrong_now) {
        e if e.code == ErrorCode::ValidationLocked => locked(purpose),
        e => e,
    }
}

/// May a code be compared now? `Err` says why not, in the purpose's own words.
pub fn check_open(
    purpose: Purpose,
    state: ChallengeState,
    expires_at: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<(), Error> {
    let restart = purpose.restart();
    match state {
        ChallengeState::Passed => Err(ErrorCode::OtpAlreadyUsed.with(format!(
            "This code was already used; {restart} for a new one."
        ))),
        ChallengeState::Locked => Err(locked(purpose)),
        ChallengeState::OtpSent if now > expires_at => {
            Err(ErrorCode::OtpExpired
                .with(format!("The code has expired; {restart} for a new one.")))
        }
        ChallengeState::OtpSent => Ok(()),
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

    #[test]
    fn a_code_is_compared_once_while_fresh() {
        let open = |s, now| check_open(Purpose::Session, s, t(5), now);
        assert!(open(ChallengeState::OtpSent, t(4)).is_ok());
        assert_eq!(
            open(ChallengeState::OtpSent, t(6)).unwrap_err().code,
            ErrorCode::OtpExpired
        );
        assert_eq!(
            open(ChallengeState::Passed, t(1)).unwrap_err().code,
            ErrorCode::OtpAlreadyUsed
        );
        assert_eq!(
            open(ChallengeState::Locked, t(1)).unwrap_err().code,
            ErrorCode::ValidationLocked
        );
    }
}
