//! Webhook delivery: timeouts, how often the worker looks, how long it keeps retrying.

use std::time::Duration;

use super::ConfigError;
use super::env::Env;

#[derive(Clone, Debug)]
pub struct WebhookConfig {
    /// `PRAKERJA_WEBHOOK_TIMEOUT_MS`: one delivery attempt's timeout.
    pub timeout: Duration,
    /// `PRAKERJA_WEBHOOK_POLL_MS`: how often the delivery worker in `serve` looks for due deliveries.
    pub poll: Duration,
    /// `PRAKERJA_WEBHOOK_FIRST_RETRY_SECONDS`: the first retry's delay; each next one doubles.
    pub first_retry: Duration,
    /// `PRAKERJA_WEBHOOK_RETRY_HOURS`: how long an event is retried before it is given up.
    pub retry_for: Duration,
    /// `PRAKERJA_WEBHOOK_DISABLE_AFTER`: consecutive failed attempts after which an endpoint is
    /// disabled (once it has also failed for `disable_failing_for`).
    pub disable_after: u32,
    /// `PRAKERJA_WEBHOOK_DISABLE_AFTER_HOURS`: how long an endpoint must have failed without a
    /// success before it is disabled: many deliveries failing during a brief outage do not
    /// disable it.
    pub disable_failing_for: Duration,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(5),
            poll: Duration::from_secs(1),
            first_retry: Duration::from_secs(10),
            retry_for: Duration::from_secs(25 * 3600),
            disable_after: 50,
            disable_failing_for: Duration::from_secs(24 * 3600),
        }
    }
}

impl WebhookConfig {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let d = Self::default();
        Ok(Self {
            timeout: env.millis("PRAKERJA_WEBHOOK_TIMEOUT_MS", d.timeout)?,
            poll: env.millis("PRAKERJA_WEBHOOK_POLL_MS", d.poll)?,
            first_retry: env.secs("PRAKERJA_WEBHOOK_FIRST_RETRY_SECONDS", d.first_retry)?,
            retry_for: env
                .parse("PRAKERJA_WEBHOOK_RETRY_HOURS", d.retry_for.as_secs() / 3600)
                .map(|h: u64| Duration::from_secs(h * 3600))?,
            disable_after: env.parse("PRAKERJA_WEBHOOK_DISABLE_AFTER", d.disable_after)?,
            disable_failing_for: env
                .parse(
                    "PRAKERJA_WEBHOOK_DISABLE_AFTER_HOURS",
                    d.disable_failing_for.as_secs() / 3600,
                )
                .map(|h: u64| Duration::from_secs(h * 3600))?,
        })
    }

    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.retry_for < Duration::from_secs(24 * 3600) {
            out.push("PRAKERJA_WEBHOOK_RETRY_HOURS must be at least 24 (API.md)".into());
        }
        if self.disable_after == 0 {
            out.push("PRAKERJA_WEBHOOK_DISABLE_AFTER must be above 0".into());
        }
        out
    }
}
