//! Liveness, readiness, metrics, and the error-code documentation that problem `type`s link to.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::problem::{ApiError, Problem};
use crate::error::ErrorCode;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: String,
}

/// The process is up.
#[utoipa::path(tag = "meta", operation_id = "getHealth", responses((status = 200, body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> web::Json<Health> {
    web::Json(Health {
        status: "ok".into(),
    })
}

/// The database answers and every migration is applied.
#[utoipa::path(tag = "meta", operation_id = "getReadiness", responses(
    (status = 200, body = Health),
    (status = 503, description = "service_unavailable", body = Problem, content_type = "application/problem+json"),
))]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<web::Json<Health>, ApiError> {
    state.core.ready().await?;
    Ok(web::Json(Health {
        status: "ready".into(),
    }))
}

/// Prometheus text exposition. In production it is served here only with
/// `PRAKERJA_METRICS_TOKEN` (as a bearer token); `PRAKERJA_METRICS_BIND` serves it on an internal
/// address instead.
#[utoipa::path(tag = "meta", operation_id = "getMetrics", responses((status = 200, content_type = "text/plain", body = String)))]
#[get("/metrics")]
pub async fn metrics(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let server = &state.config.server;
    if !server.public_metrics(state.config.production) {
        return Err(ErrorCode::MalformedPath.into());
    }
    if let Some(token) = &server.metrics_token {
        let given = super::auth::bearer(&req).unwrap_or("");
        let same: bool =
            subtle::ConstantTimeEq::ct_eq(given.as_bytes(), token.expose().as_bytes()).into();
        if !same {
            return Err(ErrorCode::InvalidToken
                .with("/metrics needs PRAKERJA_METRICS_TOKEN as a bearer token.")
                .into());
        }
    }
    Ok(metrics_page(&state))
}

/// The exposition itself, also served on `PRAKERJA_METRICS_BIND`.
pub fn metrics_page(state: &AppState) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(state.metrics.render())
}

/// Every error code, its HTTP status and meaning; each problem's `type` links to an anchor here.
#[utoipa::path(tag = "meta", operation_id = "getErrorReference", responses((status = 200, content_type = "text/html", body = String)))]
#[get("/errors")]
pub async fn errors_page() -> HttpResponse {
    let mut seen = std::collections::BTreeSet::new();
    let mut rows = String::new();
    for code in ErrorCode::ALL {
        if seen.insert(code.code()) {
            rows.push_str(&format!(
                "<tr id=\"{c}\"><td><a href=\"#{c}\"><code>{c}</code></a></td><td>{s}</td><td>{t}</td></tr>\n",
                c = code.code(),
                s = code.status(),
                t = code.title()
            ));
        }
    }
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>prakerja-api error codes</title></head>\
         <body><h1>Error codes</h1><p>Every error is <code>application/problem+json</code>; map on <code>code</code>.</p>\
         <table><tr><th>code</th><th>status</th><th>meaning</th></tr>\n{rows}</table></body></html>"
    ))
}
