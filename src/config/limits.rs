//! Rate limits and the bound on password-hashing work.

use std::time::Duration;

use super::ConfigError;
use super::env::Env;

#[derive(Clone, Debug)]
pub struct LimitsConfig {
    /// `PRAKERJA_RATE_LIMIT_PER_SECOND`, per partner.
    pub per_second: u32,
    /// `PRAKERJA_RATE_LIMIT_BURST`, per partner.
    pub burst: u32,
    /// `PRAKERJA_VALIDATIONS_PER_MINUTE`: card validations a platform may start per minute.
    pub validations_per_minute: u32,
    /// `PRAKERJA_TOKEN_REQUESTS_PER_MINUTE`: token requests per source address (each may cost a
    /// password hash).
    pub token_requests_per_minute: u32,
    /// `PRAKERJA_SECRET_CHECKS_IN_FLIGHT`: client secrets verified at once, all callers together;
    /// more wait briefly, then get 503 with `Retry-After`.
    pub secret_checks_in_flight: u32,
    /// `PRAKERJA_SECRET_CHECK_WAIT_MS`: how long a token request waits for a free check.
    pub secret_check_wait: Duration,
    /// `PRAKERJA_SESSIONS_PER_MINUTE`: holder sessions (each sends an OTP) started per source
    /// address per minute, and as many session codes entered; the per-card OTP cap applies too.
    pub sessions_per_minute: u32,
    /// `PRAKERJA_REDIS_URL` (e.g. `redis://127.0.0.1:6379`): keep the budgets shared across
    /// instances in Redis instead of the database.
    pub redis_url: Option<String>,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            per_second: 100,
            burst: 200,
            validations_per_minute: 60,
            token_requests_per_minute: 60,
            secret_checks_in_flight: 2,
            secret_check_wait: Duration::from_secs(2),
            sessions_per_minute: 10,
            redis_url: None,
        }
    }
}

impl LimitsConfig {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let d = Self::default();
        Ok(Self {
            per_second: env.parse("PRAKERJA_RATE_LIMIT_PER_SECOND", d.per_second)?,
            burst: env.parse("PRAKERJA_RATE_LIMIT_BURST", d.burst)?,
            validations_per_minute: env
                .parse("PRAKERJA_VALIDATIONS_PER_MINUTE", d.validations_per_minute)?,
            token_requests_per_minute: env.parse(
                "PRAKERJA_TOKEN_REQUESTS_PER_MINUTE",
                d.token_requests_per_minute,
            )?,
            secret_checks_in_flight: env.parse(
                "PRAKERJA_SECRET_CHECKS_IN_FLIGHT",
                d.secret_checks_in_flight,
            )?,
            secret_check_wait: env.millis("PRAKERJA_SECRET_CHECK_WAIT_MS", d.secret_check_wait)?,
            sessions_per_minute: env
                .parse("PRAKERJA_SESSIONS_PER_MINUTE", d.sessions_per_minute)?,
            redis_url: env.var("PRAKERJA_REDIS_URL").filter(|u| !u.is_empty()),
        })
    }

    pub fn problems(&self) -> Vec<String> {
        let redis = self
            .redis_url
            .as_deref()
            .filter(|u| !(u.starts_with("redis://") || u.starts_with("unix://")));
        let redis =
            redis.map(|_| "PRAKERJA_REDIS_URL must start with redis:// or unix://".to_string());
        let zero = [
            ("PRAKERJA_RATE_LIMIT_PER_SECOND", self.per_second),
            ("PRAKERJA_RATE_LIMIT_BURST", self.burst),
            (
                "PRAKERJA_VALIDATIONS_PER_MINUTE",
                self.validations_per_minute,
            ),
            (
                "PRAKERJA_TOKEN_REQUESTS_PER_MINUTE",
                self.token_requests_per_minute,
            ),
            (
                "PRAKERJA_SECRET_CHECKS_IN_FLIGHT",
                self.secret_checks_in_flight,
            ),
            ("PRAKERJA_SESSIONS_PER_MINUTE", self.sessions_per_minute),
        ];
        zero.iter()
            .filter(|(_, v)| *v == 0)
            .map(|(name, _)| format!("{name} must be above 0"))
            .chain(redis)
            .collect()
    }
}
