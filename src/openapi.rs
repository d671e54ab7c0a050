//! The OpenAPI document: built from the same route registration the server uses, so the two
//! cannot disagree. `prakerja-api openapi` prints it; `openapi/openapi.json` is that output.

use actix_web::App;
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, ClientCredentials, Flow, HttpAuthScheme, HttpBuilder, OAuth2, Scopes,
    SecurityScheme,
};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

use crate::auth::scope;
use crate::domain::Role;
use crate::error::FieldError;
use crate::http::problem::Problem;

mod cross_cutting;
pub mod error_codes;
pub mod events;
mod generics;
mod links;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "prakerja-api",
        description = "Partner integration API of a Prakerja-style training-voucher program. \
            Errors are RFC 9457 problem+json: map on `code`. Auth: OAuth2 client credentials at \
            `POST /v1/oauth/token`, then `Authorization: Bearer <token>`. State-changing POSTs accept \
            `Idempotency-Key`.",
        license(name = "MIT")
    ),
    modifiers(&BearerScheme),
    components(schemas(Problem, FieldError)),
    tags(
        (name = "auth", description = "Client credentials and tokens"),
        (name = "catalog", description = "Courses and schedules"),
        (name = "buying", description = "Card validation with OTP, then a voucher (platforms)"),
        (name = "vouchers", description = "Reading vouchers"),
        (name = "training", description = "Redemption, attendance, completion and certificates (LPKs)"),
        (name = "participant", description = "The holder's own dashboard: sign in with an OTP, trainings, review, surveys, payout account"),
        (name = "disbursements", description = "Incentive payments of the holders you served"),
        (name = "events", description = "Your event feed (the outbox webhooks deliver)"),
        (name = "webhooks", description = "Your webhook endpoints, and the deliveries of your events to them"),
        (name = "admin", description = "Program management"),
        (name = "sandbox", description = "Sandbox helpers (off in production)"),
        (name = "prakerja-compatible", description = "Prakerja's redeem-code API for LPKs, as its clients call it: \
            requests signed with the headers `client_code`, `timestamp` (unix seconds, within 5 minutes) and \
            `signature` (lowercase hex HMAC-SHA1 under the LPK's signing key of \
            `client_code + timestamp + METHOD + path + raw body`), each signature accepted once; answers in \
            the envelope `{success, message, data}`, a refusal's stable code in `data.code`."),
        (name = "meta", description = "Health, readiness, metrics, error codes"),
    )
)]
pub struct ApiDoc;

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "bearer",
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .bearer_format("JWT")
                        .description(Some(
                            "A partner's token from POST /v1/oauth/token, or a holder's from \
                             POST /v1/participant/sessions/{id}/verify",
                        ))
                        .build(),
                ),
            );
            components.add_security_scheme(
                "oauth2",
                SecurityScheme::OAuth2(OAuth2::with_description(
                    [Flow::ClientCredentials(ClientCredentials::new(
                        "/v1/oauth/token",
                        client_scopes(),
                    ))],
                    "A partner's client credentials, exchanged for a token at POST /v1/oauth/token \
                     (what the docs' Authorize button does). Leave every scope unticked for all \
                     of the client's scopes.",
                )),
            );
            for (name, description) in SIGNED_HEADERS {
                components.add_security_scheme(
                    *name,
                    SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                        *name,
                        *description,
                    ))),
                );
            }
        }
    }
}

/// Every scope a partner's client can be granted, with the roles that get it.
fn client_scopes() -> Scopes {
    let mut scopes: Vec<(&str, Vec<&str>)> = Vec::new();
    for role in [Role::Admin, Role::Platform, Role::Lpk] {
        for s in scope::granted(role) {
            match scopes.iter_mut().find(|(name, _)| name == s) {
                Some((_, roles)) => roles.push(role.as_str()),
                None => scopes.push((s, vec![role.as_str()])),
            }
        }
    }
    scopes
        .into_iter()
        .map(|(name, roles)| {
            (
                name.to_string(),
                format!("Granted to: {}", roles.join(", ")),
            )
        })
        .collect()
}

/// The headers of a Prakerja-compatible signed request, each documented as an API key scheme;
/// an operation requires all three together.
const SIGNED_HEADERS: &[(&str, &str)] = &[
    ("client_code", "The LPK's client_id."),
    (
        "timestamp",
        "Unix time in seconds; refused when more than 5 minutes from the server's clock.",
    ),
    (
        "signature",
        "Lowercase hex HMAC-SHA1, under the LPK's signing key, of client_code + timestamp + \
         METHOD + path + raw body (concatenated). Accepted once.",
    ),
];

/// The full document, as served at `/openapi.json`.
pub fn spec() -> utoipa::openapi::OpenApi {
    let mut api = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(crate::http::routes)
        .split_for_parts()
        .1;
    cross_cutting::document(&mut api);
    generics::refer_to_arguments(&mut api);
    events::document(&mut api);
    links::document(&mut api);
    error_codes::document(&mut api);
    api
}

/// Every operation of the document with its path: the walk each documenting pass makes.
fn operations_mut(
    api: &mut utoipa::openapi::OpenApi,
) -> impl Iterator<Item = (&str, &mut utoipa::openapi::path::Operation)> {
    api.paths.paths.iter_mut().flat_map(|(path, item)| {
        [
            item.get.as_mut(),
            item.post.as_mut(),
            item.put.as_mut(),
            item.delete.as_mut(),
        ]
        .into_iter()
        .flatten()
        .map(move |op| (path.as_str(), op))
    })
}

/// The document as committed in `openapi/openapi.json` and served at `/openapi.json`.
pub fn spec_json() -> String {
    let mut json = links::camel_case(&spec().to_pretty_json().unwrap_or_default());
    json.push('\n');
    json
}
