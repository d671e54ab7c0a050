//! Request budgets. Card validations per platform, token requests and holder sessions per source
//! address are shared by every instance (`service/budgets.rs`: the database or Redis), so running
//! more instances does not multiply them; the per-partner requests/s budget is kept by each
//! instance in memory (governor), since it is checked on every request and a round trip there
//! would tax the hot path.
//!
//! Token requests are not also limited per client id: client ids are not secret, so such a limit
//! would let anyone lock a partner out of its own tokens. The password-hashing work is bounded by
//! the per-address budget and the global cap on concurrent secret checks (`service/tokens.rs`).

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::LimitsConfig;
use crate::error::{Error, ErrorCode};
use crate::service::budgets::Budgets;

pub struct Limits {
    partner: DefaultKeyedRateLimiter<String>,
    shared: Budgets,
    config: LimitsConfig,
}

const MINUTE: Duration = Duration::from_secs(60);

fn nz(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN)
}

impl Limits {
    pub fn new(c: &LimitsConfig, shared: Budgets) -> Self {
        Self {
            partner: RateLimiter::keyed(
                Quota::per_second(nz(c.per_second)).allow_burst(nz(c.burst)),
            ),
            shared,
            config: c.clone(),
        }
    }

    pub fn partner(&self, partner_id: &str) -> Result<(), Error> {
        use governor::clock::{Clock, DefaultClock};
        self.partner
            .check_key(&partner_id.to_string())
            .map_err(|not_until| {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                ErrorCode::RateLimited
                    .refusal()
                    .retry_after(wait.as_secs_f64().ceil() as u64)
            })
    }

    /// Card validations started by a platform: bounds card-number probing and SMS flooding.
    pub async fn validation(&self, platform_id: &str) -> Result<(), Error> {
        let limit = self.config.validations_per_minute;
        self.shared
            .spend(format!("validations:{platform_id}"), limit, MINUTE)
            .await
    }

    /// Token requests: each may cost a password hash, so the address asking is bounded.
    pub async fn token(&self, source: Option<IpAddr>) -> Result<(), Error> {
        self.per_address("token", source, self.config.token_requests_per_minute)
            .await
    }

    /// Holder sessions started without a partner token (each sends an OTP): bounded per address.
    pub async fn session(&self, source: Option<IpAddr>) -> Result<(), Error> {
        self.per_address("session", source, self.config.sessions_per_minute)
            .await
    }

    /// Session codes entered: bounded per address too (a session also locks after 5 wrong codes).
    pub async fn session_verify(&self, source: Option<IpAddr>) -> Result<(), Error> {
        self.per_address("session-verify", source, self.config.sessions_per_minute)
            .await
    }

    async fn per_address(
        &self,
        budget: &str,
        source: Option<IpAddr>,
        limit: u32,
    ) -> Result<(), Error> {
        match source {
            Some(ip) => {
                let key = address_key(ip);
                self.shared
                    .spend(format!("{budget}:{key}"), limit, MINUTE)
                    .await
            }
            None => Ok(()),
        }
    }

    /// Forgets idle keys so the limiters' memory (and the counters' table) stays bounded.
    pub async fn shrink(&self) {
        self.partner.retain_recent();
        if let Err(e) = self.shared.forget_old().await {
            tracing::warn!(error = %e, "forgetting old rate limit counters failed");
        }
    }
}

/// The client's address: the peer, or, when the peer is a trusted proxy, the nearest address in
/// `X-Forwarded-For` that is not one (a client cannot forge its way past its own proxy).
pub fn client_ip(req: &actix_web::HttpRequest, trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let forwarded = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    forwarded
        .iter()
        .rev()
        .filter_map(|a| a.parse::<IpAddr>().ok())
        .find(|ip| !trusted.contains(ip))
        .or(Some(peer))
}

/// The key a source address is budgeted under: an IPv4 address, or an IPv6 address's /64 (one
/// subscriber's usual allocation), so rotating through a network's addresses buys no fresh budget.
fn address_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_client_is_the_peer_unless_the_peer_is_a_trusted_proxy() {
        let direct = TestRequest::default()
            .peer_addr("203.0.113.7:5000".parse().unwrap())
            .insert_header(("x-forwarded-for", "198.51.100.1"))
            .to_http_request();
        assert_eq!(
            client_ip(&direct, &[]),
            Some(ip("203.0.113.7")),
            "untrusted: the header is ignored"
        );
        let proxied = TestRequest::default()
            .peer_addr("10.0.0.2:5000".parse().unwrap())
            .insert_header(("x-forwarded-for", "198.51.100.9, 198.51.100.1, 10.0.0.3"))
            .to_http_request();
        let trusted = [ip("10.0.0.2"), ip("10.0.0.3")];
        assert_eq!(
            client_ip(&proxied, &trusted),
            Some(ip("198.51.100.1")),
            "the nearest untrusted hop, not a value the client put first"
        );
    }

    #[test]
    fn an_ipv6_source_is_budgeted_by_its_64_and_a_mapped_ipv4_as_the_ipv4() {
        let a = address_key(ip("2001:db8:1:2:aaaa::1"));
        assert_eq!(a, "2001:db8:1:2::/64");
        assert_eq!(a, address_key(ip("2001:db8:1:2:ffff:1:2:3")));
        assert_ne!(a, address_key(ip("2001:db8:1:3::1")));
        assert_eq!(address_key(ip("::ffff:203.0.113.7")), "203.0.113.7");
        assert_eq!(address_key(ip("203.0.113.7")), "203.0.113.7");
    }
}
