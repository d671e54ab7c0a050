//! A partner's webhook endpoints, and the deliveries of its events: registering (the signing
//! secret shown once, sealed at rest), listing, deleting, and asking for a redelivery. Sending is
//! the worker's (`webhook_delivery.rs`).

use std::time::Duration;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::audit::{self, Event};
use super::{Call, Core};
use crate::config::Config;
use crate::db::webhooks::{self, DeliveryRow, EndpointRow};
use crate::db::{self, DbConn, events};
use crate::domain::event::EventType;
use crate::domain::time::to_wib;
use crate::domain::webhook::{self, DeliveryStatus, EndpointStatus, MAX_ENDPOINTS, RetryPolicy};
use crate::domain::webhook_url::{UrlPolicy, WebhookUrl};
use crate::domain::{EventId, PartnerId, WebhookDeliveryId, WebhookEndpointId};
use crate::error::{Error, ErrorCode};

/// How webhooks behave on this server.
#[derive(Debug, Clone, Copy)]
pub struct WebhookSettings {
    pub urls: UrlPolicy,
    pub retry: RetryPolicy,
    /// One attempt's limit; a worker's claim lasts twice this.
    pub timeout: Duration,
    pub disable_after: u32,
    pub disable_failing_for: Duration,
}

impl WebhookSettings {
    pub fn from_config(config: &Config) -> Self {
        let w = &config.webhooks;
        Self {
            urls: UrlPolicy::new(config.sandbox, config.production),
            retry: RetryPolicy {
                first_retry: w.first_retry,
                longest_wait: RetryPolicy::LONGEST_WAIT,
                retry_for: w.retry_for,
            },
            timeout: w.timeout,
            disable_after: w.disable_after,
            disable_failing_for: w.disable_failing_for,
        }
    }
}

/// What registering an endpoint needs, parsed.
#[derive(Debug, Clone)]
pub struct NewEndpoint {
    pub url: WebhookUrl,
    pub events: Vec<EventType>,
}

/// A shown endpoint's state (deleted ones are not shown).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum EndpointState {
    /// Receives its events.
    Active,
    /// Failed too many times in a row; receives nothing. Register a new one when fixed.
    Disabled,
}

// No `Debug`: it would print the secret.
/// A registered endpoint, with its signing secret: shown only here, store it now.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct CreatedEndpoint {
    #[schema(value_type = String, format = Uuid)]
    pub id: WebhookEndpointId,
    #[schema(example = "https://partner.example.id/prakerja/webhooks")]
    pub url: String,
    pub events: Vec<EventType>,
    /// Verifies `Prakerja-Signature`: HMAC-SHA256 with this key (the whole string, prefix
    /// included).
    #[schema(example = "whsec_kM0nP8sV2xZ4aD7gKx8vQ2mN7pL4rT9wY3zB6cF1hJ5")]
    pub secret: String,
    pub status: EndpointState,
    pub created_at: DateTime<FixedOffset>,
}

/// An endpoint and its health.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EndpointView {
    #[schema(value_type = String, format = Uuid)]
    pub id: WebhookEndpointId,
    pub url: String,
    pub events: Vec<EventType>,
    pub status: EndpointState,
    /// Failed attempts since the last success; at the server's limit the endpoint is disabled.
    pub consecutive_failures: i32,
    /// What the latest failed attempt got (`HTTP 500`, `no answer within 5000 ms`...).
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<FixedOffset>>,
    pub created_at: DateTime<FixedOffset>,
}

/// One event's attempt series to one endpoint (a redelivery is a new one).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DeliveryView {
    #[schema(value_type = String, format = Uuid)]
    pub id: WebhookDeliveryId,
    #[schema(value_type = String, format = Uuid)]
    pub endpoint_id: WebhookEndpointId,
    /// `pending` (being tried), `delivered` (a 2xx answer), or `failed` (given up, or its
    /// endpoint was deleted or disabled).
    pub status: DeliveryStatus,
    pub attempts: i32,
    /// The HTTP status of the latest answer, if there was one.
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    /// When it is tried next, while pending.
    pub next_attempt_at: Option<DateTime<FixedOffset>>,
    pub delivered_at: Option<DateTime<FixedOffset>>,
    pub created_at: DateTime<FixedOffset>,
}

/// A secret opens only for its own endpoint's row.
pub(crate) fn secret_aad(id: &WebhookEndpointId) -> String {
    format!("webhook_secret:{id}")
}

fn state(status: EndpointStatus) -> Result<EndpointState, Error> {
    match status {
        EndpointStatus::Active => Ok(EndpointState::Active),
        EndpointStatus::Disabled => Ok(EndpointState::Disabled),
        EndpointStatus::Deleted => Err(Error::internal("webhooks", "a deleted endpoint shown")),
    }
}

fn endpoint_view(row: EndpointRow) -> Result<EndpointView, Error> {
    let events =
        webhook::events_from_column(&row.events).map_err(|e| Error::internal("corrupt row", e))?;
    Ok(EndpointView {
        status: state(row.status)?,
        id: row.id,
        url: row.url,
        events,
        consecutive_failures: row.consecutive_failures,
        last_error: row.last_error,
        last_error_at: row.last_error_at.map(to_wib),
        created_at: to_wib(row.created_at),
    })
}

pub(crate) fn delivery_view(row: DeliveryRow) -> DeliveryView {
    DeliveryView {
        next_attempt_at: (row.status == DeliveryStatus::Pending)
            .then(|| to_wib(row.next_attempt_at)),
        id: row.id,
        endpoint_id: row.endpoint_id,
        status: row.status,
        attempts: row.attempts,
        last_status: row.last_status,
        last_error: row.last_error,
        delivered_at: row.delivered_at.map(to_wib),
        created_at: to_wib(row.created_at),
    }
}

fn partner(call: &Call) -> Result<PartnerId, Error> {
    call.who()
        .partner_id()
        .cloned()
        .ok_or_else(|| Error::internal("webhooks", "a non-partner managing webhooks"))
}

/// One of the partner's events and its type; another partner's is not found.
fn own_event(c: &mut DbConn, partner: &PartnerId, id: &EventId) -> Result<EventType, Error> {
    let stored = events::type_of(c, partner, id)?.ok_or_else(|| Error::not_found("event"))?;
    stored
        .parse()
        .map_err(|e| Error::internal("corrupt row", e))
}

impl Core {
    /// Registers an endpoint for the caller; answers with its secret, this once.
    pub async fn create_webhook_endpoint(
        &self,
        call: &Call,
        cmd: NewEndpoint,
    ) -> Result<CreatedEndpoint, Error> {
        let partner = partner(call)?;
        let policy = self.webhooks.urls;
        policy.check(&cmd.url)?;
        if policy.public_only
            && let Some(host) = cmd.url.domain()
        {
            let ips = self
                .webhook_sender
                .resolve(host, cmd.url.port())
                .await
                .map_err(|e| webhook_url_unresolvable(&e))?;
            policy.check_resolved(&ips)?;
        }
        let actor = call.actor.clone();
        self.once(call, move |c, core| {
            if webhooks::live_endpoints(c, &partner)?.len() >= MAX_ENDPOINTS {
                return Err(ErrorCode::WebhookEndpointLimit.refusal());
            }
            let id = WebhookEndpointId::new();
            let secret = webhook::new_secret();
            let now = db::now();
            let row = EndpointRow {
                secret_cipher: core.cipher.encrypt(&secret, &secret_aad(&id)),
                id: id.clone(),
                partner_id: partner,
                url: cmd.url.as_str().to_string(),
                events: webhook::events_to_column(&cmd.events),
                status: EndpointStatus::Active,
                consecutive_failures: 0,
                last_error: None,
                last_error_at: None,
                created_at: now,
                updated_at: now,
            };
            webhooks::insert_endpoint(c, &row)?;
            audit::record(
                c,
                &actor,
                Event {
                    action: "webhook_endpoint.create",
                    target_type: "webhook_endpoint",
                    target_id: id.as_str(),
                    // The host only: a query string may hold a token of the partner's, and
                    // the audit trail is kept for good.
                    details: serde_json::json!({"host": cmd.url.host(), "events": cmd.events}),
                },
            )?;
            Ok(CreatedEndpoint {
                id,
                url: row.url,
                events: cmd.events,
                secret,
                status: EndpointState::Active,
                created_at: to_wib(now),
            })
        })
        .await
    }

    /// The caller's endpoints (not deleted), oldest first.
    pub async fn webhook_endpoints(&self, call: &Call) -> Result<Vec<EndpointView>, Error> {
        let partner = partner(call)?;
        self.read(move |c, _| {
            webhooks::live_endpoints(c, &partner)?
                .into_iter()
                .map(endpoint_view)
                .collect()
        })
        .await
    }

    /// Deletes one of the caller's endpoints: nothing is sent to it again, and what was still
    /// pending for it fails.
    pub async fn delete_webhook_endpoint(
        &self,
        call: &Call,
        id: WebhookEndpointId,
    ) -> Result<(), Error> {
        let partner = partner(call)?;
        let actor = call.actor.clone();
        self.write(move |c, _| {
            if webhooks::delete_endpoint(c, &partner, &id, db::now())? == 0 {
                return Err(Error::not_found("webhook endpoint"));
            }
            webhooks::fail_pending_of(c, &id, "endpoint deleted")?;
            audit::record(
                c,
                &actor,
                Event {
                    action: "webhook_endpoint.delete",
                    target_type: "webhook_endpoint",
                    target_id: id.as_str(),
                    details: serde_json::json!({}),
                },
            )
        })
        .await
    }

    /// The deliveries of one of the caller's events, newest first.
    pub async fn event_deliveries(
        &self,
        call: &Call,
        event: EventId,
    ) -> Result<Vec<DeliveryView>, Error> {
        let partner = partner(call)?;
        self.read(move |c, _| {
            own_event(c, &partner, &event)?;
            Ok(webhooks::deliveries_of(c, &event)?
                .into_iter()
                .map(delivery_view)
                .collect())
        })
        .await
    }

    /// Queues one of the caller's events again: to `endpoint` if given (one of the caller's
    /// active endpoints, subscribed or not: the partner asked for it by name), else to each
    /// active endpoint subscribed to its type. Answers with the new deliveries.
    pub async fn redeliver_event(
        &self,
        call: &Call,
        event: EventId,
        endpoint: Option<WebhookEndpointId>,
    ) -> Result<Vec<DeliveryView>, Error> {
        let partner = partner(call)?;
        self.once(call, move |c, _| {
            let event_type = own_event(c, &partner, &event)?;
            let targets = match endpoint {
                Some(id) => {
                    let row = webhooks::find_live(c, &partner, &id)?
                        .ok_or_else(|| Error::not_found("webhook endpoint"))?;
                    if row.status == EndpointStatus::Disabled {
                        return Err(ErrorCode::WebhookEndpointDisabled.refusal());
                    }
                    vec![row.id]
                }
                None => webhooks::subscribed(c, &partner, event_type)?,
            };
            let now = db::now();
            let mut out = Vec::with_capacity(targets.len());
            for target in targets {
                let row = DeliveryRow::new(target, event.clone(), now);
                webhooks::insert_delivery(c, &row)?;
                out.push(delivery_view(row));
            }
            Ok(out)
        })
        .await
    }
}

fn webhook_url_unresolvable(detail: &str) -> Error {
    crate::domain::webhook_url::refused(
        "unresolvable",
        &format!("The URL's host could not be resolved ({detail})."),
    )
}
