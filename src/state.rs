//! What every handler can reach: the pool, settings, keys, limiter and ciphers.

use std::num::NonZeroU32;
use std::sync::Arc;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::auth::token::JwtKeys;
use crate::config::Config;
use crate::crypto::PiiCipher;
use crate::db::{self, Pool};
use crate::error::{ApiError, ErrorCode};
use crate::http::middleware::metrics::Metrics;

pub struct AppState {
    pub pool: Pool,
    pub config: Arc<Config>,
    pub keys: JwtKeys,
    pub cipher: Arc<PiiCipher>,
    pub metrics: Metrics,
    /// The base URL partners use (`PRAKERJA_PUBLIC_URL`, else the bound address).
    pub public_url: String,
    /// Per-partner request budget (`PRAKERJA_RATE_LIMIT_*`).
    partner_limiter: DefaultKeyedRateLimiter<String>,
    /// Card validations started per platform: bounds card-number guessing and SMS flooding.
    validation_limiter: DefaultKeyedRateLimiter<String>,
    /// Where OTP SMS go.
    pub sms: Box<dyn crate::gateways::sms::SmsSender>,
    /// Token requests per client id: each one costs an argon2 verification.
    token_limiter: DefaultKeyedRateLimiter<String>,
}

fn nz(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN)
}

impl AppState {
    pub fn new(pool: Pool, config: Config, public_url: String) -> Result<Self, String> {
        let partner_quota =
            Quota::per_second(nz(config.rate_per_second)).allow_burst(nz(config.rate_burst));
        let token_quota = Quota::per_second(nz(5)).allow_burst(nz(20));
        let validation_quota = Quota::per_minute(nz(config.validations_per_minute))
            .allow_burst(nz(config.validations_per_minute));
        Ok(Self {
            sms: crate::gateways::sms::from_config(&config, &pool)?,
            validation_limiter: RateLimiter::keyed(validation_quota),
            keys: JwtKeys::from_config(&config),
            cipher: Arc::new(PiiCipher::from_config(&config)),
            metrics: Metrics::new(),
            public_url: public_url.trim_end_matches('/').to_string(),
            partner_limiter: RateLimiter::keyed(partner_quota),
            token_limiter: RateLimiter::keyed(token_quota),
            pool,
            config: Arc::new(config),
        })
    }

    /// Runs a store/service call on the blocking pool.
    pub async fn db<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut db::DbConn) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        db::run(&self.pool, f).await
    }

    pub fn check_partner_rate(&self, partner_id: &str) -> Result<(), ApiError> {
        check(&self.partner_limiter, partner_id)
    }

    pub fn check_validation_rate(&self, platform_id: &str) -> Result<(), ApiError> {
        check(&self.validation_limiter, platform_id)
    }

    pub fn check_token_rate(&self, client_id: &str) -> Result<(), ApiError> {
        check(&self.token_limiter, client_id)
    }

    /// Forgets idle keys so the limiters' memory stays bounded.
    pub fn shrink_limiters(&self) {
        self.partner_limiter.retain_recent();
        self.token_limiter.retain_recent();
        self.validation_limiter.retain_recent();
    }
}

fn check(limiter: &DefaultKeyedRateLimiter<String>, key: &str) -> Result<(), ApiError> {
    use governor::clock::{Clock, DefaultClock};
    limiter.check_key(&key.to_string()).map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        ErrorCode::RateLimited
            .with("Too many requests for this client; slow down and retry after the given seconds.")
            .retry_after(wait.as_secs_f64().ceil() as u64)
    })
}
