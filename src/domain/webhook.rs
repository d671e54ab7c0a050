//! Webhooks' rules: an endpoint's and a delivery's states, the events an endpoint asks for, its
//! signing secret and the signature of each request, and when a failed delivery is tried again.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::NaiveDateTime;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use super::UnknownValue;
use super::event::EventType;
use crate::error::{Error, FieldError};

super::stored_enum! {
    /// `deleted` is never shown: it keeps the row for the deliveries that point at it.
    pub enum EndpointStatus ("webhook endpoint status") {
        Active = "active",
        Disabled = "disabled",
        Deleted = "deleted",
    }
}

super::stored_enum! {
    pub enum DeliveryStatus ("webhook delivery status") {
        Pending = "pending",
        Delivered = "delivered",
        Failed = "failed",
    }
}

/// Endpoints a partner may have (active or disabled) at once: every event it receives is written
/// once per endpoint, in the transaction of the change it announces.
pub const MAX_ENDPOINTS: usize = 10;

/// The event types an endpoint asks for: at least one, each known, each once (in the order of
/// [`EventType::ALL`], so equal subscriptions are stored equally).
pub fn parse_events(raw: &[String]) -> Result<Vec<EventType>, Error> {
    // Bounded, so a huge list cannot make a huge error answer.
    if raw.is_empty() || raw.len() > 50 {
        return Err(Error::field(
            "events",
            "length",
            "events names 1 to 50 event types.",
        ));
    }
    let mut errors = Vec::new();
    let mut types = Vec::new();
    for (i, name) in raw.iter().enumerate() {
        match name.trim().parse::<EventType>() {
            Ok(t) => types.push(t),
            Err(_) => errors.push(FieldError {
                field: format!("events[{i}]"),
                code: "unknown_event_type".into(),
                message: format!(
                    "{name:?} is not an event type; use one of: {}.",
                    EventType::ALL
                        .iter()
                        .map(|t| t.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }),
        }
    }
    if !errors.is_empty() {
        return Err(Error::validation(errors));
    }
    Ok(EventType::ALL
        .iter()
        .copied()
        .filter(|t| types.contains(t))
        .collect())
}

/// The stored form of an endpoint's events: their names, space-separated.
pub fn events_to_column(types: &[EventType]) -> String {
    types
        .iter()
        .map(|t| t.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The stored form read back; a name no variant has is a corrupt row.
pub fn events_from_column(stored: &str) -> Result<Vec<EventType>, UnknownValue> {
    stored.split_whitespace().map(str::parse).collect()
}

/// A fresh signing secret: `whsec_` and 32 random bytes, base64url. The prefix lets a secret
/// scanner recognise one pasted where it should not be.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("whsec_{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// The `Prakerja-Signature` value of `body` sent at unix time `t`:
/// `t=<t>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. The time is signed with the body, so a
/// captured request cannot be replayed later with a fresh time.
pub fn signature(secret: &str, t: i64, body: &str) -> String {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// When failed deliveries are tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The wait after the first failure; each next one doubles.
    pub first_retry: Duration,
    /// No wait grows beyond this (before jitter).
    pub longest_wait: Duration,
    /// Retries stop this long after the delivery was created.
    pub retry_for: Duration,
}

/// What follows a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    At(NaiveDateTime),
    GiveUp,
}

impl RetryPolicy {
    pub const LONGEST_WAIT: Duration = Duration::from_secs(4 * 3600);

    /// The wait after the `failures`-th failed attempt (1-based): `first_retry * 2^(failures-1)`,
    /// at most [`Self::longest_wait`], plus up to a quarter more by `jitter` (0 to 1), so endpoints
    /// that failed together do not all come back in the same second.
    pub fn wait(&self, failures: u32, jitter: f64) -> Duration {
        let doublings = failures.saturating_sub(1).min(30);
        let base = self
            .first_retry
            .saturating_mul(1 << doublings)
            .min(self.longest_wait);
        base.mul_f64(1.0 + 0.25 * jitter.clamp(0.0, 1.0))
    }

    /// After the `failures`-th failure at `now` of a delivery created at `created_at`: when to try
    /// again, or give up once `retry_for` has passed. The last retry is moved to the deadline
    /// itself, so an endpoint is given the whole window.
    pub fn after_failure(
        &self,
        created_at: NaiveDateTime,
        now: NaiveDateTime,
        failures: u32,
        jitter: f64,
    ) -> Retry {
        let deadline = created_at + chrono_duration(self.retry_for);
        if now >= deadline {
            return Retry::GiveUp;
        }
        let next = now + chrono_duration(self.wait(failures, jitter));
        Retry::At(next.min(deadline))
    }
}

fn chrono_duration(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> NaiveDateTime {
        chrono::DateTime::from_timestamp(1_790_000_000 + secs, 0)
            .unwrap()
            .naive_utc()
    }

    fn policy() -> RetryPolicy {
        RetryPolicy {
            first_retry: Duration::from_secs(10),
            longest_wait: RetryPolicy::LONGEST_WAIT,
            retry_for: Duration::from_secs(25 * 3600),
        }
    }

    #[test]
    fn events_are_known_types_each_once_in_a_fixed_order() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let parsed = parse_events(&names(&[
            "voucher.redeemed",
            "voucher.issued",
            "voucher.issued",
        ]));
        assert_eq!(
            parsed.unwrap(),
            vec![EventType::VoucherIssued, EventType::VoucherRedeemed]
        );
        let e = parse_events(&names(&["voucher.issued", "voucher.eaten"])).unwrap_err();
        assert_eq!(e.errors[0].field, "events[1]");
        assert_eq!(e.errors[0].code, "unknown_event_type");
        assert_eq!(parse_events(&[]).unwrap_err().errors[0].code, "length");
        let many = vec!["voucher.issued".to_string(); 51];
        assert_eq!(parse_events(&many).unwrap_err().errors[0].code, "length");
    }

    #[test]
    fn the_events_column_round_trips_and_refuses_a_corrupt_name() {
        let types = [EventType::VoucherIssued, EventType::CertificateIssued];
        let stored = events_to_column(&types);
        assert_eq!(stored, "voucher.issued certificate.issued");
        assert_eq!(events_from_column(&stored).unwrap(), types);
        assert!(events_from_column("voucher.issued voucher.lost").is_err());
    }

    #[test]
    fn secrets_are_prefixed_32_random_bytes() {
        let s = new_secret();
        let body = s.strip_prefix("whsec_").unwrap();
        assert_eq!(URL_SAFE_NO_PAD.decode(body).unwrap().len(), 32);
        assert_ne!(s, new_secret());
    }

    #[test]
    fn the_signature_is_the_hmac_of_time_dot_body() {
        // Computed independently: printf '1790000000.{"id":"e1"}' | openssl dgst -sha256 -hmac whsec_test
        let sig = signature("whsec_test", 1_790_000_000, r#"{"id":"e1"}"#);
        assert_eq!(
            sig,
            "t=1790000000,v1=fec1d53280e03e42801ca04f7ac540ed04a9ed454feefc5b17a34a262cad202b"
        );
        assert_ne!(
            sig,
            signature("whsec_other", 1_790_000_000, r#"{"id":"e1"}"#)
        );
        assert_ne!(
            sig,
            signature("whsec_test", 1_790_000_001, r#"{"id":"e1"}"#)
        );
    }

    #[test]
    fn waits_double_from_the_first_retry_up_to_a_cap_with_bounded_jitter() {
        let p = policy();
        assert_eq!(p.wait(1, 0.0), Duration::from_secs(10));
        assert_eq!(p.wait(2, 0.0), Duration::from_secs(20));
        assert_eq!(p.wait(5, 0.0), Duration::from_secs(160));
        assert_eq!(p.wait(40, 0.0), RetryPolicy::LONGEST_WAIT);
        assert_eq!(p.wait(1, 1.0), Duration::from_millis(12_500));
        assert!(p.wait(3, 0.5) > p.wait(3, 0.0) && p.wait(3, 0.5) < p.wait(3, 1.0));
    }

    #[test]
    fn the_first_retry_comes_within_a_minute_by_default() {
        let defaults = crate::config::WebhookConfig::default();
        let p = RetryPolicy {
            first_retry: defaults.first_retry,
            ..policy()
        };
        assert!(p.wait(1, 1.0) <= Duration::from_secs(60));
    }

    #[test]
    fn retries_run_for_the_whole_window_then_give_up() {
        let p = policy();
        let created = at(0);
        assert_eq!(p.after_failure(created, at(0), 1, 0.0), Retry::At(at(10)));
        // Near the deadline the next try is the deadline itself, not past it.
        let deadline = at(25 * 3600);
        assert_eq!(
            p.after_failure(created, at(25 * 3600 - 60), 16, 0.0),
            Retry::At(deadline)
        );
        assert_eq!(p.after_failure(created, deadline, 17, 0.0), Retry::GiveUp);
        // Attempts over the window, with no jitter: a retry roughly every few hours at most.
        let (mut now, mut failures) = (created, 0);
        while let Retry::At(next) = p.after_failure(created, now, failures + 1, 0.0) {
            failures += 1;
            now = next;
        }
        assert!((12..=20).contains(&failures), "{failures} retries");
    }
}
