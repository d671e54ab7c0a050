//! One-time passwords: the policy (lifetime, guesses, resends) and its decisions, without storage.

use std::time::Duration;

use chrono::NaiveDateTime;
use rand::Rng;

use crate::error::{Error, ErrorCode};

/// The limits of `PRAKERJA_OTP_*`.
#[derive(Debug, Clone, Copy)]
pub struct OtpPolicy {
    pub ttl: Duration,
    pub max_attempts: u32,
    pub resend_cooldown: Duration,
    pub max_resends: u32,
    pub per_card_per_hour: u32,
}

/// A one-time password: exactly six digits. `Debug` never prints it.
#[derive(Clone, PartialEq, Eq)]
pub struct Otp(String);

impl Otp {
    /// Six digits from a CSPRNG.
    pub fn generate() -> Self {
        Self(format!("{:06}", rand::rng().random_range(0..1_000_000u32)))
    }

    /// A submitted code.
    pub fn parse(s: &str) -> Result<Self, Error> {
        let s = s.trim();
        if s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(s.to_string()))
        } else {
            Err(Error::field("otp", "invalid_otp", "The OTP is 6 digits."))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Otp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Otp(******)")
    }
}

pub fn secs(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::zero())
}

impl OtpPolicy {
    pub fn expires_at(&self, sent_at: NaiveDateTime) -> NaiveDateTime {
        sent_at + secs(self.ttl)
    }

    pub fn resend_available_at(&self, last_sent: NaiveDateTime) -> NaiveDateTime {
        last_sent + secs(self.resend_cooldown)
    }

    pub fn attempts_remaining(&self, wrong: i32) -> i64 {
        (i64::from(self.max_attempts) - i64::from(wrong)).max(0)
    }

    /// May another code be sent now?
    pub fn check_resend(
        &self,
        now: NaiveDateTime,
        last_sent: Option<NaiveDateTime>,
        resends: i32,
    ) -> Result<(), Error> {
        if resends >= self.max_resends as i32 {
            return Err(ErrorCode::OtpResendLimit.with(format!(
                "This validation already had {} resends; start a new validation.",
                self.max_resends
            )));
        }
        if let Some(last) = last_sent {
            let ready = self.resend_available_at(last);
            if now < ready {
                let wait = (ready - now).num_seconds().max(1) as u64;
                return Err(ErrorCode::OtpResendTooSoon
                    .with(format!("Another code can be sent in {wait} s."))
                    .retry_after(wait));
            }
        }
        Ok(())
    }

    /// The per-card cap: `sent_in_window` OTPs in the last hour, the oldest of them at `oldest`.
    pub fn check_card_cap(
        &self,
        now: NaiveDateTime,
        sent_in_window: i64,
        oldest: Option<NaiveDateTime>,
    ) -> Result<(), Error> {
        if sent_in_window < i64::from(self.per_card_per_hour) {
            return Ok(());
        }
        let free_at = oldest
            .map(|o| o + chrono::Duration::hours(1))
            .unwrap_or(now);
        let wait = (free_at - now).num_seconds().max(1) as u64;
        Err(ErrorCode::RateLimited
            .with(format!(
                "This card already received {sent_in_window} OTPs in the last hour."
            ))
            .retry_after(wait))
    }
}

/// What a wrong guess leads to.
pub fn after_wrong_guess(policy: &OtpPolicy, wrong_now: i32) -> Error {
    if wrong_now >= policy.max_attempts as i32 {
        ErrorCode::ValidationLocked.refusal()
    } else {
        ErrorCode::OtpIncorrect
            .refusal()
            .extra("attempts_remaining", policy.attempts_remaining(wrong_now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> OtpPolicy {
        OtpPolicy {
            ttl: Duration::from_secs(300),
            max_attempts: 5,
            resend_cooldown: Duration::from_secs(60),
            max_resends: 3,
            per_card_per_hour: 10,
        }
    }

    fn t(s: i64) -> NaiveDateTime {
        chrono::DateTime::from_timestamp(1_800_000_000 + s, 0)
            .unwrap()
            .naive_utc()
    }

    #[test]
    fn codes_are_six_digits() {
        for _ in 0..100 {
            let c = Otp::generate();
            assert_eq!(Otp::parse(c.as_str()).unwrap(), c);
            assert_eq!(format!("{c:?}"), "Otp(******)");
        }
        assert!(Otp::parse("12345").is_err() && Otp::parse("12a456").is_err());
    }

    #[test]
    fn resends_wait_for_the_cooldown_and_stop_at_the_limit() {
        let p = policy();
        let e = p.check_resend(t(30), Some(t(0)), 0).unwrap_err();
        assert_eq!(
            (e.code, e.retry_after),
            (ErrorCode::OtpResendTooSoon, Some(30))
        );
        assert!(p.check_resend(t(60), Some(t(0)), 2).is_ok());
        assert_eq!(
            p.check_resend(t(600), Some(t(0)), 3).unwrap_err().code,
            ErrorCode::OtpResendLimit
        );
    }

    #[test]
    fn the_fifth_wrong_guess_locks() {
        let p = policy();
        let fourth = after_wrong_guess(&p, 4);
        assert_eq!(
            (fourth.code, fourth.extra["attempts_remaining"].as_i64()),
            (ErrorCode::OtpIncorrect, Some(1))
        );
        assert_eq!(after_wrong_guess(&p, 5).code, ErrorCode::ValidationLocked);
    }

    #[test]
    fn the_card_cap_says_when_the_oldest_send_leaves_the_hour() {
        let p = policy();
        assert!(p.check_card_cap(t(0), 9, Some(t(-100))).is_ok());
        let e = p.check_card_cap(t(0), 10, Some(t(-3000))).unwrap_err();
        assert_eq!((e.code, e.retry_after), (ErrorCode::RateLimited, Some(600)));
    }
}
