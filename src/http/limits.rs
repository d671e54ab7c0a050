//! Request budgets kept by each instance in memory: per partner, card validations per platform,
//! token requests and holder sessions per source address.
//!
//! Token requests are not also limited per client id: client ids are not secret, so such a limit
//! would let anyone lock a partner out of its own tokens. The password-hashing work is bounded by
//! the per-address budget and the global cap on concurrent secret checks (`service/tokens.rs`).

use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::LimitsConfig;
use crate::error::{Error, ErrorCode};

pub struct Limits {
    partner: DefaultKeyedRateLimiter<String>,
    validations: DefaultKeyedRateLimiter<String>,
    token_source: DefaultKeyedRateLimiter<IpAddr>,
    session_source: DefaultKeyedRateLimiter<IpAddr>,
}

fn nz(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN)
}

impl Limits {
    pub fn new(c: &LimitsConfig) -> Self {
        let per_minute = |n: u32| Quota::per_minute(nz(n)).allow_burst(nz(n));
        Self {
            partner: RateLimiter::keyed(
                Quota::per_second(nz(c.per_second)).allow_burst(nz(c.burst)),
            ),
            validations: RateLimiter::keyed(per_minute(c.validations_per_minute)),
            token_source: RateLimiter::keyed(per_minute(c.token_requests_per_minute)),
            session_source: RateLimiter::keyed(per_minute(c.sessions_per_minute)),
        }
    }

    pub fn partner(&self, partner_id: &str) -> Result<(), Error> {
        check(&self.partner, &partner_id.to_string())
    }

    /// Card validations started by a platform: bounds card-number probing and SMS flooding.
    pub fn validation(&self, platform_id: &str) -> Result<(), Error> {
        check(&self.validations, &platform_id.to_string())
    }

    /// Token requests: each may cost a password hash, so the address asking is bounded.
    pub fn token(&self, source: Option<IpAddr>) -> Result<(), Error> {
        match source {
            Some(ip) => check(&self.token_source, &ip),
            None => Ok(()),
        }
    }

    /// Holder sessions, started and verified without a partner token: bounded per address.
    pub fn session(&self, source: Option<IpAddr>) -> Result<(), Error> {
        match source {
            Some(ip) => check(&self.session_source, &ip),
            None => Ok(()),
        }
    }

    /// Forgets idle keys so the limiters' memory stays bounded.
    pub fn shrink(&self) {
        self.partner.retain_recent();
        self.validations.retain_recent();
        self.token_source.retain_recent();
        self.session_source.retain_recent();
    }
}

fn check<K: std::hash::Hash + Eq + Clone>(
    limiter: &DefaultKeyedRateLimiter<K>,
    key: &K,
) -> Result<(), Error> {
    use governor::clock::{Clock, DefaultClock};
    limiter.check_key(key).map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        ErrorCode::RateLimited
            .refusal()
            .retry_after(wait.as_secs_f64().ceil() as u64)
    })
}
