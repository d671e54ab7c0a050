//! `Idempotency-Key` on state-changing POSTs (API.md): the first response is stored per partner and
//! key and replayed on retry; the same key with another body is 422 `idempotency_key_reused`; the same
//! key while the first request runs is 409 `idempotency_in_progress`. Responses to requests refused
//! for their shape, rate limits and our own failures are not stored, so a corrected retry runs.
//! Records live in the database, so the guarantee holds across instances.

use crate::crypto::PiiCipher;
use actix_web::body::{BoxBody, MessageBody, to_bytes};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{CONTENT_TYPE, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpResponse, web};
use futures_util::StreamExt;

use crate::auth::extract::bearer;
use crate::db::idempotency::{self, Claim};
use crate::error::{ApiError, DoNotStore, ErrorCode, PROBLEM_JSON};
use crate::state::AppState;

pub const HEADER: &str = "idempotency-key";

fn valid_key(key: &str) -> bool {
    (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic() || b == b' ')
}

pub async fn layer(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let key = match req.headers().get(HEADER) {
        Some(v) if req.method() == Method::POST => v.to_str().unwrap_or("").to_string(),
        _ => return next.call(req).await.map(|r| r.map_into_boxed_body()),
    };
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return next.call(req).await.map(|r| r.map_into_boxed_body());
    };
    // An unauthenticated request is refused by its handler; nothing to store.
    let Some(partner) = bearer(req.request())
        .and_then(|t| state.keys.verify(t).ok())
        .map(|c| c.sub)
    else {
        return next.call(req).await.map(|r| r.map_into_boxed_body());
    };
    if !valid_key(&key) {
        return Ok(req.error_response(
            ErrorCode::InvalidIdempotencyKey
                .with("Idempotency-Key must be 1-255 visible ASCII characters."),
        ));
    }

    let body = match read_body(&mut req, state.config.max_body_bytes).await {
        Ok(body) => body,
        Err(e) => return Ok(req.error_response(e)),
    };
    let hash = request_hash(
        &state.cipher,
        req.method().as_str(),
        &req.uri().to_string(),
        &body,
    );
    req.set_payload(body.into());

    let claim = {
        let (partner, key) = (partner.clone(), key.clone());
        state
            .db(move |c| {
                Ok(idempotency::claim(
                    c,
                    &partner,
                    &key,
                    &hash,
                    crate::db::now(),
                )?)
            })
            .await
    };
    let claim = match claim {
        Ok(claim) => claim,
        Err(e) => return Ok(req.error_response(e)),
    };
    match claim {
        Claim::Fresh => {}
        Claim::Replay { status, body } => {
            let body = match state.cipher.decrypt(&body, &record_aad(&partner, &key)) {
                Ok(body) => body,
                Err(e) => return Ok(req.error_response(ApiError::internal("idempotent replay", e))),
            };
            let res = HttpResponse::build(StatusCode::from_u16(status).unwrap_or(StatusCode::OK))
                .insert_header((CONTENT_TYPE, content_type(status)))
                .insert_header(("Idempotent-Replayed", "true"))
                .body(body);
            return Ok(req.into_response(res));
        }
        Claim::InProgress => {
            return Ok(req.error_response(
                ErrorCode::IdempotencyInProgress
                    .with("The first request with this Idempotency-Key is still running; retry shortly.")
                    .retry_after(1),
            ));
        }
        Claim::Mismatch => {
            return Ok(req.error_response(ErrorCode::IdempotencyKeyReused.with(
                "This Idempotency-Key was first used with a different method, path or body; use a new key for a new request.",
            )));
        }
    }

    let outcome = next.call(req).await;
    let release = |state: web::Data<AppState>, partner: String, key: String| async move {
        let _ = state
            .db(move |c| Ok(idempotency::release(c, &partner, &key)?))
            .await;
    };
    let res = match outcome {
        Ok(res) => res.map_into_boxed_body(),
        Err(e) => {
            release(state, partner, key).await;
            return Err(e);
        }
    };
    let status = res.status().as_u16();
    if res.response().extensions().contains::<DoNotStore>() || status >= 500 {
        release(state, partner, key).await;
        return Ok(res);
    }
    let (http_req, res) = res.into_parts();
    let (head, body) = res.into_parts();
    let bytes = to_bytes(body).await.unwrap_or_default();
    // Stored responses can hold secrets and personal data (credentials, a revealed NIK): sealed.
    let stored = state.cipher.encrypt(
        &String::from_utf8_lossy(&bytes),
        &record_aad(&partner, &key),
    );
    let saved = state
        .db(move |c| Ok(idempotency::complete(c, &partner, &key, status, &stored)?))
        .await;
    if let Err(e) = saved {
        tracing::error!(error = %e, "could not store an idempotent response");
    }
    Ok(ServiceResponse::new(
        http_req,
        head.set_body(BoxBody::new(bytes)),
    ))
}

/// What a request is, for telling a retry from a different request under the same key: keyed, so
/// a stored hash of a body that held a card number cannot be brute-forced from a dump.
pub fn request_hash(cipher: &PiiCipher, method: &str, uri: &str, body: &[u8]) -> String {
    cipher.digest("Idempotency", &[method.as_bytes(), uri.as_bytes(), body])
}

/// A stored response opens only for its own partner and key.
fn record_aad(partner: &str, key: &str) -> String {
    format!("idempotency:{partner}:{key}")
}

fn content_type(status: u16) -> HeaderValue {
    HeaderValue::from_static(if status >= 400 {
        PROBLEM_JSON
    } else {
        "application/json"
    })
}

/// Reads the whole body (bounded), so it can be hashed and handed on.
async fn read_body(req: &mut ServiceRequest, limit: usize) -> Result<web::Bytes, ApiError> {
    let mut payload = req.take_payload();
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|_| ErrorCode::BadRequest.with("The request body could not be read."))?;
        if body.len() + chunk.len() > limit {
            return Err(ErrorCode::PayloadTooLarge.with(format!("The body exceeds {limit} bytes.")));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}
