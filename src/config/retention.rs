//! How long what the program no longer needs is kept.

use super::ConfigError;
use super::env::Env;

/// A first response is replayed for at least this long (API.md: at least 24 h).
pub const REPLAY_WINDOW_HOURS: i64 = 24;

#[derive(Clone, Copy, Debug)]
pub struct RetentionConfig {
    /// `PRAKERJA_RETENTION_IDEMPOTENCY_HOURS`: stored idempotent responses (never below the replay window).
    pub idempotency_hours: i64,
    /// `PRAKERJA_RETENTION_SMS_HOURS`: sandbox SMS.
    pub sandbox_sms_hours: i64,
    /// `PRAKERJA_RETENTION_VALIDATION_HOURS`: card validations that bought nothing, and OTP send
    /// records (at least 1 h: the per-card cap counts the last hour).
    pub validation_hours: i64,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        Self {
            idempotency_hours: 48,
            sandbox_sms_hours: 24,
            validation_hours: 24,
        }
    }
}

impl RetentionConfig {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let d = Self::default();
        Ok(Self {
            idempotency_hours: env
                .parse("PRAKERJA_RETENTION_IDEMPOTENCY_HOURS", d.idempotency_hours)?,
            sandbox_sms_hours: env.parse("PRAKERJA_RETENTION_SMS_HOURS", d.sandbox_sms_hours)?,
            validation_hours: env
                .parse("PRAKERJA_RETENTION_VALIDATION_HOURS", d.validation_hours)?,
        })
    }

    pub fn problems(&self) -> Vec<String> {
        if self.idempotency_hours < REPLAY_WINDOW_HOURS
            || self.sandbox_sms_hours < 1
            || self.validation_hours < 1
        {
            return vec!["PRAKERJA_RETENTION_IDEMPOTENCY_HOURS must be at least 24, PRAKERJA_RETENTION_SMS_HOURS and PRAKERJA_RETENTION_VALIDATION_HOURS at least 1".into()];
        }
        Vec::new()
    }
}
