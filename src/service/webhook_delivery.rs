//! The delivery worker: claims due deliveries, sends each signed, and records how it went.
//! Several instances may run it side by side: a claim (`claimed_until`, twice an attempt's
//! timeout) keeps one delivery with one worker at a time, and a worker that lost its claim (it
//! stalled past it) records nothing. Delivery is at least once: a crash between the partner's
//! answer and the record means the attempt is made again once the claim lapses.

use chrono::NaiveDateTime;

use super::Core;
use super::webhooks::{WebhookSettings, secret_aad};
use crate::db::webhooks::{self, AttemptRecord, Claimed};
use crate::db::{self, DbConn};
use crate::domain::webhook::{self, DeliveryStatus, Retry};
use crate::error::Error;
use crate::gateways::webhook::{Attempt, Outgoing};

/// Deliveries claimed per round; the worker goes again at once while rounds come back full.
pub const BATCH: usize = 25;

impl Core {
    /// Sends what is due now, at most [`BATCH`] deliveries, concurrently (so all finish within
    /// their claim); answers how many were attempted.
    pub async fn deliver_due_webhooks(&self) -> Result<usize, Error> {
        let now = db::now();
        if !self
            .read(move |c, _| Ok(webhooks::any_due(c, now)?))
            .await?
        {
            return Ok(0);
        }
        let claim = now
            + chrono::Duration::from_std(self.webhooks.timeout * 2)
                .map_err(|e| Error::internal("webhook claim", e))?;
        let claimed = self
            .write(move |c, _| Ok(webhooks::claim_due(c, now, claim, BATCH as i64)?))
            .await?;
        let attempted = claimed.len();
        let results =
            futures_util::future::join_all(claimed.into_iter().map(|d| self.attempt(d, claim)))
                .await;
        for failed in results.into_iter().filter_map(Result::err) {
            tracing::warn!(error = %failed, "recording a webhook attempt failed");
        }
        Ok(attempted)
    }

    async fn attempt(&self, d: Claimed, claim: NaiveDateTime) -> Result<(), Error> {
        let outcome = match self
            .cipher
            .decrypt(&d.secret_cipher, &secret_aad(&d.endpoint_id))
        {
            Ok(secret) => {
                let signature =
                    webhook::signature(&secret, chrono::Utc::now().timestamp(), &d.payload);
                let req = Outgoing {
                    url: &d.url,
                    body: &d.payload,
                    signature: &signature,
                    event_id: d.event_id.as_str(),
                    delivery_id: d.id.as_str(),
                };
                self.webhook_sender.send(&req).await
            }
            Err(e) => {
                // Our fault (a data key removed too early), logged as ours; it is retried like
                // any failure, so restoring the key lets the deliveries through.
                tracing::error!(endpoint = %d.endpoint_id, error = %e, "webhook secret does not open");
                Attempt::Failed {
                    status: None,
                    error: "the server could not sign the request".into(),
                }
            }
        };
        let jitter: f64 = rand::random();
        let delivered = matches!(outcome, Attempt::Delivered { .. });
        let recorded = self
            .write(move |c, core| record(c, &core.webhooks, &d, claim, &outcome, jitter))
            .await?;
        if recorded {
            self.metrics.webhook_attempt(delivered);
        }
        Ok(())
    }
}

/// Records one attempt on the delivery and on its endpoint, in one transaction; false when the
/// claim was lost and nothing was recorded.
fn record(
    c: &mut DbConn,
    settings: &WebhookSettings,
    d: &Claimed,
    claim: NaiveDateTime,
    outcome: &Attempt,
    jitter: f64,
) -> Result<bool, Error> {
    let now = db::now();
    match outcome {
        Attempt::Delivered { status } => {
            let r = AttemptRecord {
                status: DeliveryStatus::Delivered,
                http_status: Some(i32::from(*status)),
                error: None,
                next_attempt_at: now,
                delivered_at: Some(now),
            };
            if !webhooks::record_attempt(c, &d.id, claim, &r)? {
                return Ok(false);
            }
            webhooks::endpoint_succeeded(c, &d.endpoint_id, now)?;
        }
        Attempt::Failed { status, error } => {
            let failures = u32::try_from(d.attempts).unwrap_or(0) + 1;
            let (status_after, next) =
                match settings
                    .retry
                    .after_failure(d.created_at, now, failures, jitter)
                {
                    Retry::At(at) => (DeliveryStatus::Pending, at),
                    Retry::GiveUp => (DeliveryStatus::Failed, now),
                };
            let r = AttemptRecord {
                status: status_after,
                http_status: status.map(i32::from),
                error: Some(error),
                next_attempt_at: next,
                delivered_at: None,
            };
            if !webhooks::record_attempt(c, &d.id, claim, &r)? {
                return Ok(false);
            }
            let limit = i32::try_from(settings.disable_after).unwrap_or(i32::MAX);
            let failing_for = chrono::Duration::from_std(settings.disable_failing_for)
                .unwrap_or(chrono::Duration::MAX);
            if webhooks::endpoint_failed(c, &d.endpoint_id, error, now, limit, failing_for)? {
                tracing::warn!(endpoint = %d.endpoint_id, failures = limit, "webhook endpoint disabled");
                webhooks::fail_pending_of(c, &d.endpoint_id, "endpoint disabled")?;
            }
        }
    }
    Ok(true)
}
