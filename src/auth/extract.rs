//! Extractors: `Admin`, `Platform`, `Lpk`, `Partner` (platform or LPK), `AnyCaller`.
//! Each verifies the bearer token, applies the caller's rate limit, and checks the role:
//! no token or a bad one is 401 `invalid_token`, a wrong role is 403 `forbidden`.

use std::future::{Ready, ready};

use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web};

use super::{Caller, Role};
use crate::error::{ApiError, ErrorCode};
use crate::http::middleware::request_id::RequestId;
use crate::state::AppState;

/// The bearer token of a request, if any.
pub fn bearer(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get("Authorization")?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

fn authenticate(req: &HttpRequest, allowed: &[Role]) -> Result<Caller, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::internal("extractor", "AppState missing"))?;
    let token = bearer(req).ok_or_else(|| {
        ErrorCode::InvalidToken.with("Send an access token: Authorization: Bearer <token>.")
    })?;
    let claims = state.keys.verify(token)?;
    state.check_partner_rate(&claims.sub)?;
    if !allowed.contains(&claims.role) {
        return Err(ErrorCode::Forbidden.with(format!(
            "A {} token cannot call this endpoint.",
            claims.role.as_str()
        )));
    }
    Ok(Caller {
        id: claims.sub,
        role: claims.role,
        scope: claims.scope,
        request_id: req.extensions().get::<RequestId>().map(|r| r.0.clone()),
    })
}

macro_rules! role_extractor {
    ($(#[$doc:meta])* $name:ident => [$($role:ident),+]) => {
        $(#[$doc])*
        pub struct $name(pub Caller);

        impl FromRequest for $name {
            type Error = ApiError;
            type Future = Ready<Result<Self, ApiError>>;

            fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
                ready(authenticate(req, &[$(Role::$role),+]).map($name))
            }
        }
    };
}

role_extractor!(/// Program management.
    Admin => [Admin]);
role_extractor!(/// A digital platform.
    Platform => [Platform]);
role_extractor!(/// A training institution.
    Lpk => [Lpk]);
role_extractor!(/// A digital platform or a training institution.
    Partner => [Platform, Lpk]);
role_extractor!(/// Any partner or admin token.
    AnyCaller => [Admin, Platform, Lpk]);
