//! `X-Request-Id` on every response, every error as problem+json carrying that id (in Prakerja's
//! envelope on the compatible paths), a `request` span around it all (exported with OpenTelemetry
//! when that is on), and one access log line per request: id, caller (partner id and role), route,
//! status, error code and latency. The log names the route pattern, never the raw path: paths can
//! hold card numbers; and the partner id, never a holder's card.

use actix_web::body::{BoxBody, MessageBody, to_bytes_limited};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{CONTENT_TYPE, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};
use tracing::Instrument;
use tracing::field::Empty;

use crate::domain::Role;
use crate::error::{Error as Refusal, ErrorCode};
use crate::http::compat::envelope;
use crate::http::problem::{PROBLEM_JSON, Refused, body as problem_body};
use crate::state::AppState;

/// The id of the current request.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

/// Who is calling, once authenticated: the partner (none for a holder) and the role.
#[derive(Clone, Debug)]
pub struct Caller {
    pub partner: Option<String>,
    pub role: Role,
}

const HEADER: &str = "x-request-id";

/// A caller's id is echoed only if it is short, visible ASCII (it lands in logs and headers).
fn accepted(value: &str) -> bool {
    (1..=128).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_graphic())
}

pub async fn layer(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let id = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| accepted(v))
        .map(String::from)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    // No clone of the request may live across `next.call`: routing needs sole ownership of it.
    let method = req.method().clone();
    let started = std::time::Instant::now();
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %method,
        route = Empty,
        status = Empty,
    );

    // Inner layers answer errors as responses; an `Err` here would come from actix itself.
    let res = next
        .call(req)
        .instrument(span.clone())
        .await?
        .map_into_boxed_body();
    let mut res = if res.status().as_u16() >= 400 && envelope::serves(res.request().path()) {
        // Prakerja-compatible clients parse their own envelope, not problem+json.
        envelope::restate(res).await
    } else if res.status().as_u16() >= 400 {
        let base = res
            .request()
            .app_data::<actix_web::web::Data<AppState>>()
            .map(|s| s.public_url.clone())
            .unwrap_or_default();
        as_problem(res, &id, &base).await
    } else {
        res
    };
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut()
            .insert(HEADER.parse().expect("static header name"), v);
    }
    let replayed = res
        .request()
        .extensions()
        .get::<super::idempotency::Replayed>()
        .is_some_and(|r| r.0.load(std::sync::atomic::Ordering::Relaxed));
    if replayed {
        res.headers_mut().insert(
            "idempotent-replayed".parse().expect("static header name"),
            HeaderValue::from_static("true"),
        );
    }
    let pattern = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "<unmatched>".into());
    let status = res.status().as_u16();
    let code = res
        .response()
        .extensions()
        .get::<Refused>()
        .map(|r| r.0.clone());
    if let (Some(code), Some(state)) = (
        &code,
        res.request().app_data::<actix_web::web::Data<AppState>>(),
    ) {
        state.core.metrics.refusal(code);
    }
    let caller = res.request().extensions().get::<Caller>().cloned();
    span.record("route", pattern.as_str());
    span.record("status", status);
    tracing::info!(
        request_id = %id,
        partner_id = caller.as_ref().and_then(|c| c.partner.as_deref()),
        role = caller.as_ref().map(|c| c.role.as_str()),
        method = %method,
        route = %pattern,
        status,
        code = code.as_deref(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "request"
    );
    Ok(res)
}

/// Makes sure an error response is problem+json with this request's id.
async fn as_problem(
    res: ServiceResponse<BoxBody>,
    id: &str,
    base: &str,
) -> ServiceResponse<BoxBody> {
    let is_problem = res
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    let status = res.status().as_u16();
    let (req, res) = res.into_parts();
    let (head, body) = res.into_parts();
    let mut problem = match to_bytes_limited(body, 64 * 1024).await {
        Ok(Ok(bytes)) if is_problem => serde_json::from_slice::<serde_json::Value>(&bytes).ok(),
        _ => None,
    }
    .unwrap_or_else(|| problem_body(&fallback(status)));
    problem["request_id"] = serde_json::Value::String(id.to_string());
    if let Some(relative) = problem["type"].as_str().filter(|t| t.starts_with('/')) {
        problem["type"] = serde_json::Value::String(format!("{base}{relative}"));
    }
    problem["status"] = serde_json::Value::from(status);
    let mut head = head;
    if head.extensions().get::<Refused>().is_none()
        && let Some(code) = problem["code"].as_str()
    {
        head.extensions_mut().insert(Refused(code.to_string()));
    }
    head.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    ServiceResponse::new(req, head.set_body(BoxBody::new(problem.to_string())))
}

/// The problem for an error actix produced itself (unknown route, wrong method...).
fn fallback(status: u16) -> Refusal {
    let code = match status {
        404 => ErrorCode::NotFound,
        405 => ErrorCode::MethodNotAllowed,
        413 => ErrorCode::PayloadTooLarge,
        415 => ErrorCode::UnsupportedMediaType,
        400..=499 => ErrorCode::BadRequest,
        _ => ErrorCode::Internal,
    };
    match code {
        ErrorCode::NotFound => ErrorCode::MalformedPath.refusal(),
        ErrorCode::BadRequest => code.with(code.title()),
        _ => code.refusal(),
    }
}
