//! `Idempotency-Key` at the edge: for a POST that carries one, the raw body is read (bounded) and
//! fingerprinted with its method and path, so the core can tell a retry from a different request
//! under the same key. The key itself is checked after authorization (`http/auth.rs`), and the
//! answer is stored and replayed by the use case, in its own transaction (`service/once.rs`).

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, web};

use crate::http::json::read_limited;
use crate::http::problem::ApiError;
use crate::state::AppState;

pub const HEADER: &str = "idempotency-key";

/// The key a request carried and a keyed hash of what it asked.
#[derive(Debug, Clone)]
pub struct Fingerprint {
    pub key: String,
    pub request_hash: String,
}

/// Set by the use case when its answer was a stored one.
#[derive(Clone)]
pub struct Replayed(pub Arc<AtomicBool>);

pub async fn layer(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let key = match req.headers().get(HEADER) {
        // A key that is not even text is kept as is: authorization refuses it later.
        Some(v) if matches!(*req.method(), Method::POST | Method::PUT) => {
            String::from_utf8_lossy(v.as_bytes()).into_owned()
        }
        _ => return next.call(req).await.map(|r| r.map_into_boxed_body()),
    };
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return next.call(req).await.map(|r| r.map_into_boxed_body());
    };
    let body = match read_limited(&mut req.take_payload(), state.config.server.max_body_bytes).await
    {
        Ok(body) => body,
        Err(e) => return Ok(req.error_response(ApiError(e))),
    };
    let request_hash =
        state
            .core
            .request_hash(req.method().as_str(), &req.uri().to_string(), &body);
    req.set_payload(body.into());
    req.extensions_mut()
        .insert(Fingerprint { key, request_hash });
    next.call(req).await.map(|r| r.map_into_boxed_body())
}
