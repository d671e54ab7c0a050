//! Authentication, settled before any extractor runs: a bearer token's signature and expiry, and
//! whether its partner has since been disabled or rotated (a cached stamp, read from the database
//! when stale). Doing the one slow step here keeps the `Auth<P>` extractor synchronous, so its
//! refusal always comes before a body's or a query's, and the rate limit always counts.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, web};

use super::request_id::Caller;
use crate::auth::token::Claims;
use crate::domain::Role;
use crate::http::auth::bearer;
use crate::state::AppState;

/// What the request's bearer token turned out to be.
#[derive(Clone)]
pub struct Verdict(pub Result<Claims, crate::error::Error>);

pub async fn layer(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let token = bearer(req.request()).map(String::from);
    if let (Some(token), Some(state)) = (token, req.app_data::<web::Data<AppState>>().cloned()) {
        let verdict = state.core.authenticate(&token).await;
        if let Ok(claims) = &verdict {
            req.extensions_mut().insert(Caller {
                // A holder's token names the holder: never logged.
                partner: (claims.role != Role::Participant).then(|| claims.sub.clone()),
                role: claims.role,
            });
        }
        req.extensions_mut().insert(Verdict(verdict));
    }
    next.call(req).await
}
