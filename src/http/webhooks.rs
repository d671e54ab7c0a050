//! Webhooks: `/v1/webhook-endpoints` (register, list, delete), and one event's deliveries
//! (`/v1/events/{id}/deliveries`, `/v1/events/{id}/redeliver`).

use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::Auth;
use super::problem::{ApiError, Problem};
use crate::auth::scope::ManageWebhooks;
use crate::domain::webhook::parse_events;
use crate::domain::webhook_url::WebhookUrl;
use crate::domain::{EventId, WebhookEndpointId};
use crate::error::{Error, ErrorCode};
use crate::http::json::Json;
use crate::service::webhooks::{CreatedEndpoint, DeliveryView, EndpointView, NewEndpoint};
use crate::state::AppState;

/// Where to send which events.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhookEndpoint {
    /// `https://` (outside the sandbox), on the public internet (in production); no credentials.
    // The pattern is narrower than "a host, a port, a path": the URL standard reads a host whose
    // last label is a number as an IPv4 address, so `a.0` or `1.2.3.4.5` is no URL. Hence: the last
    // label starts with a letter, or the host is four decimal octets.
    #[schema(
        example = "https://partner.example.id/prakerja/webhooks",
        pattern = r##"^https?://(([A-Za-z0-9-]+\.)*[A-Za-z][A-Za-z0-9-]*|((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9]))(:[0-9]{1,4})?(/[!-"$-~]*)?$"##,
        max_length = 2048
    )]
    pub url: String,
    /// 1 to 50 event type names (repeats count once). Read as strings, so an unknown one is a
    /// field error naming it (`unknown_event_type`), not a parse failure.
    #[schema(value_type = Vec<crate::domain::event::EventType>, example = json!(["voucher.issued", "voucher.redeemed"]), min_items = 1, max_items = 50)]
    pub events: Vec<String>,
}

impl NewWebhookEndpoint {
    fn parse(&self) -> Result<NewEndpoint, Error> {
        let url = WebhookUrl::parse(&self.url);
        let events = parse_events(&self.events);
        match (url, events) {
            (Ok(url), Ok(events)) => Ok(NewEndpoint { url, events }),
            (Err(a), Err(b)) => Err(Error::validation([a.errors, b.errors].concat())),
            (Err(e), _) | (_, Err(e)) => Err(e),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EndpointList {
    pub data: Vec<EndpointView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryList {
    /// Newest first.
    pub data: Vec<DeliveryView>,
}

/// Which endpoint to redeliver to; without it, every active endpoint subscribed to the event's type.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Redelivery {
    #[schema(format = Uuid)]
    pub endpoint_id: Option<String>,
}

fn endpoint_id(raw: &str) -> Result<WebhookEndpointId, Error> {
    WebhookEndpointId::parse(raw).ok_or_else(|| Error::not_found("webhook endpoint"))
}

fn event_id(path: web::Path<String>) -> Result<EventId, Error> {
    EventId::parse(&path.into_inner()).ok_or_else(|| Error::not_found("event"))
}

/// Register an endpoint: each event of the listed types is POSTed to it (the body an `Event`,
/// as `GET /v1/events` lists it), signed with the
/// `secret` answered here (shown this once). See the README's Webhooks section for verifying
/// `Prakerja-Signature`.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "createWebhookEndpoint",
    request_body = NewWebhookEndpoint,
    security(("bearer" = [])),
    responses(
        (status = 201, body = CreatedEndpoint),
        (status = 409, description = "webhook_endpoint_limit", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "validation_failed, webhook_url_not_allowed (reason: not_https, not_public, unresolvable)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/webhook-endpoints")]
pub async fn create(
    auth: Auth<ManageWebhooks>,
    body: Json<NewWebhookEndpoint>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let cmd = body.parse()?;
    let created = state.core.create_webhook_endpoint(&auth.call, cmd).await?;
    Ok(HttpResponse::Created().json(created))
}

/// Your endpoints (deleted ones are not listed), with their health: an endpoint that failed too
/// many times in a row is `disabled`.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "listWebhookEndpoints",
    security(("bearer" = [])),
    responses((status = 200, body = EndpointList))
)]
#[get("/v1/webhook-endpoints")]
pub async fn list(
    auth: Auth<ManageWebhooks>,
    state: web::Data<AppState>,
) -> Result<web::Json<EndpointList>, ApiError> {
    let data = state.core.webhook_endpoints(&auth.call).await?;
    Ok(web::Json(EndpointList { data }))
}

/// Delete an endpoint: nothing is sent to it again (its pending deliveries fail).
#[utoipa::path(
    tag = "webhooks",
    operation_id = "deleteWebhookEndpoint",
    params(("id" = String, Path, description = "endpoint id", format = Uuid)),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "deleted"),
        (status = 404, description = "not_found", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/v1/webhook-endpoints/{id}")]
pub async fn remove(
    auth: Auth<ManageWebhooks>,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = endpoint_id(&path.into_inner())?;
    state.core.delete_webhook_endpoint(&auth.call, id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The deliveries of one of your events: to which endpoint, how many attempts, the last answer.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "listEventDeliveries",
    params(("id" = String, Path, description = "event id", format = Uuid)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = DeliveryList),
        (status = 404, description = "not_found", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/events/{id}/deliveries")]
pub async fn deliveries(
    auth: Auth<ManageWebhooks>,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<web::Json<DeliveryList>, ApiError> {
    let id = event_id(path)?;
    let data = state.core.event_deliveries(&auth.call, id).await?;
    Ok(web::Json(DeliveryList { data }))
}

/// Send one of your events again, as a new delivery: to `endpoint_id`, or (without a body) to
/// each of your active endpoints subscribed to its type. Answers with the deliveries queued.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "redeliverEvent",
    params(("id" = String, Path, description = "event id", format = Uuid)),
    request_body = Option<Redelivery>,
    security(("bearer" = [])),
    responses(
        (status = 202, body = DeliveryList),
        (status = 404, description = "not_found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "webhook_endpoint_disabled", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/events/{id}/redeliver")]
pub async fn redeliver(
    auth: Auth<ManageWebhooks>,
    path: web::Path<String>,
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = event_id(path)?;
    let target = redelivery(&req, &body)?
        .endpoint_id
        .as_deref()
        .map(endpoint_id)
        .transpose()?;
    let data = state.core.redeliver_event(&auth.call, id, target).await?;
    Ok(HttpResponse::Accepted().json(DeliveryList { data }))
}

/// The optional body: none (or blank) means every subscribed endpoint; otherwise JSON, read as
/// strictly as every other body.
fn redelivery(req: &HttpRequest, body: &[u8]) -> Result<Redelivery, Error> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Redelivery::default());
    }
    if !crate::http::json::is_json(req) {
        return Err(ErrorCode::UnsupportedMediaType.refusal());
    }
    // `null` is the spec's "no body" too (the body is optional).
    crate::http::json::parse::<Option<Redelivery>>(body).map(Option::unwrap_or_default)
}

#[cfg(test)]
mod tests {
    use utoipa::PartialSchema;

    use super::*;

    fn url_pattern() -> regex::Regex {
        let schema = serde_json::to_value(NewWebhookEndpoint::schema()).unwrap();
        regex::Regex::new(schema["properties"]["url"]["pattern"].as_str().unwrap()).unwrap()
    }

    #[test]
    fn urls_of_the_spec_pattern_parse_and_a_number_ending_host_is_outside_it() {
        let pattern = url_pattern();
        // Matched by the pattern, so accepted (what fuzzing sent, and the pattern's edges).
        for ok in [
            "http://3uehA-V.a0:44/Y6g+V]e6J'",
            "https://-x-.Y/%zz\\|{}^`[]?q=\"",
            "http://255.255.255.255:9999",
            "http://0.0.0.0/",
            "http://a",
        ] {
            assert!(pattern.is_match(ok), "{ok}");
            assert!(WebhookUrl::parse(ok).is_ok(), "{ok}");
        }
        // Refused by the URL standard, so the pattern must not match them: fuzzing sent the first
        // as schema-valid under the old pattern.
        for refused in [
            "http://3uehA-V.0:44/",
            "http://1.2.3.4.5/",
            "http://256.1.1.1/",
            "http://a.0x1/",
        ] {
            assert!(WebhookUrl::parse(refused).is_err(), "{refused}");
            assert!(!pattern.is_match(refused), "{refused}");
        }
    }
}
