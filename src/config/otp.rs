//! One-time passwords and how long a verified card validation may buy.

use std::time::Duration;

use super::ConfigError;
use super::env::Env;
use crate::domain::otp::OtpPolicy;

#[derive(Clone, Debug)]
pub struct OtpConfig {
    /// `PRAKERJA_OTP_TTL_SECONDS`: how long an OTP can be entered.
    pub ttl: Duration,
    /// `PRAKERJA_OTP_MAX_ATTEMPTS`: wrong guesses before the validation locks.
    pub max_attempts: u32,
    /// `PRAKERJA_OTP_RESEND_COOLDOWN_SECONDS`.
    pub resend_cooldown: Duration,
    /// `PRAKERJA_OTP_MAX_RESENDS` per validation.
    pub max_resends: u32,
    /// `PRAKERJA_OTP_PER_CARD_PER_HOUR`: OTP SMS per card per hour, all causes together.
    pub per_card_per_hour: u32,
    /// `PRAKERJA_VALIDATION_TTL_SECONDS`: how long a verified validation can buy.
    pub validation_ttl: Duration,
}

impl Default for OtpConfig {
    fn default() -> Self {
        Self {
            ttl: Duration::from_secs(300),
            max_attempts: 5,
            resend_cooldown: Duration::from_secs(60),
            max_resends: 3,
            per_card_per_hour: 10,
            validation_ttl: Duration::from_secs(900),
        }
    }
}

impl OtpConfig {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let d = Self::default();
        Ok(Self {
            ttl: env.secs("PRAKERJA_OTP_TTL_SECONDS", d.ttl)?,
            max_attempts: env.parse("PRAKERJA_OTP_MAX_ATTEMPTS", d.max_attempts)?,
            resend_cooldown: env.secs("PRAKERJA_OTP_RESEND_COOLDOWN_SECONDS", d.resend_cooldown)?,
            max_resends: env.parse("PRAKERJA_OTP_MAX_RESENDS", d.max_resends)?,
            per_card_per_hour: env.parse("PRAKERJA_OTP_PER_CARD_PER_HOUR", d.per_card_per_hour)?,
            validation_ttl: env.secs("PRAKERJA_VALIDATION_TTL_SECONDS", d.validation_ttl)?,
        })
    }

    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.max_attempts == 0 || self.per_card_per_hour == 0 {
            out.push(
                "PRAKERJA_OTP_MAX_ATTEMPTS and PRAKERJA_OTP_PER_CARD_PER_HOUR must be above 0"
                    .into(),
            );
        }
        if self.ttl.is_zero() || self.validation_ttl.is_zero() {
            out.push(
                "PRAKERJA_OTP_TTL_SECONDS and PRAKERJA_VALIDATION_TTL_SECONDS must be above 0"
                    .into(),
            );
        }
        out
    }

    pub fn policy(&self) -> OtpPolicy {
        OtpPolicy {
            ttl: self.ttl,
            max_attempts: self.max_attempts,
            resend_cooldown: self.resend_cooldown,
            max_resends: self.max_resends,
            per_card_per_hour: self.per_card_per_hour,
        }
    }
}
