//! Liveness, readiness, metrics, and the error-code documentation that problem `type`s link to.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::migrations;
use crate::error::{ApiError, ErrorCode, Problem};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: String,
}

/// The process is up.
#[utoipa::path(tag = "meta", responses((status = 200, body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> web::Json<Health> {
    web::Json(Health {
        status: "ok".into(),
    })
}

/// The database answers and every migration is applied.
#[utoipa::path(tag = "meta", responses(
    (status = 200, body = Health),
    (status = 503, description = "service_unavailable", body = Problem, content_type = "application/problem+json"),
))]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<web::Json<Health>, ApiError> {
    let ready = state
        .db(|c| Ok(migrations::up_to_date(c).unwrap_or(false)))
        .await?;
    if !ready {
        return Err(ErrorCode::Unavailable
            .with("Migrations are pending.")
            .retry_after(5));
    }
    Ok(web::Json(Health {
        status: "ready".into(),
    }))
}

/// Prometheus text exposition (restrict by network in production).
#[utoipa::path(tag = "meta", responses((status = 200, content_type = "text/plain", body = String)))]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(state.metrics.render())
}

/// Every error code, its HTTP status and meaning; each problem's `type` links to an anchor here.
#[utoipa::path(tag = "meta", responses((status = 200, content_type = "text/html", body = String)))]
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
