//! The edge's half of a signed request: the `client_code`, `timestamp` and `signature` headers,
//! the method, the path and the raw body (the signature covers the bytes as sent, so the body is
//! read here, before any JSON parsing), handed to the core to authenticate; then the LPK's rate
//! limit, as for a bearer token.

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use super::envelope::CompatError;
use crate::domain::{Role, Who};
use crate::error::{Error, ErrorCode};
use crate::http::middleware::request_id::{Caller, RequestId};
use crate::service::signed_requests::SignedRequest;
use crate::service::{Actor, Call};
use crate::state::AppState;

/// The headers, by the names Prakerja's clients send.
pub const CLIENT_CODE: &str = "client_code";
pub const TIMESTAMP: &str = "timestamp";
pub const SIGNATURE: &str = "signature";

/// A request an LPK signed, authenticated: its call and its raw body.
pub struct SignedLpk {
    pub call: Call,
    body: web::Bytes,
}

impl SignedLpk {
    /// The body as `T`, read as every JSON body is ([`crate::http::json::parse`]).
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        crate::http::json::parse(&self.body)
    }
}

fn header(req: &HttpRequest, name: &str) -> String {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

async fn authenticate(req: HttpRequest, body: web::Bytes) -> Result<SignedLpk, Error> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| Error::internal("extractor", "AppState missing"))?;
    let signed = SignedRequest {
        client_code: header(&req, CLIENT_CODE),
        timestamp: header(&req, TIMESTAMP),
        signature: header(&req, SIGNATURE),
        method: req.method().as_str().to_string(),
        path: req.path().to_string(),
        body: body.to_vec(),
    };
    let lpk = state.core.authenticate_signed(signed).await?;
    state.limits.partner(lpk.as_str())?;
    req.extensions_mut().insert(Caller {
        partner: Some(lpk.as_str().to_string()),
        role: Role::Lpk,
    });
    let request_id = req.extensions().get::<RequestId>().map(|r| r.0.clone());
    Ok(SignedLpk {
        call: Call::by(Actor {
            who: Who::Lpk(lpk),
            request_id,
        }),
        body,
    })
}

impl FromRequest for SignedLpk {
    type Error = CompatError;
    type Future = LocalBoxFuture<'static, Result<Self, CompatError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let body = web::Bytes::from_request(&req, payload);
        Box::pin(async move {
            let body = body.await.map_err(|e| {
                // The body limit (`PRAKERJA_MAX_BODY_BYTES`) or a broken upload.
                let refused = e.as_response_error().status_code().as_u16();
                CompatError(if refused == 413 {
                    ErrorCode::PayloadTooLarge.refusal()
                } else {
                    ErrorCode::BadRequest.with("The request body could not be read.")
                })
            })?;
            authenticate(req, body).await.map_err(CompatError)
        })
    }
}
