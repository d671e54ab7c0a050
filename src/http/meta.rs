//! Liveness, readiness, metrics, and the error-code documentation that problem `type`s link to.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::problem::{ApiError, Problem};
use crate::error::{ErrorCode, ErrorEntry};
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
    Ok(metrics_page(&state).await)
}

/// The exposition itself, also served on `PRAKERJA_METRICS_BIND`.
pub async fn metrics_page(state: &AppState) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(state.core.metrics_exposition().await)
}

/// Every error code: its HTTP status, what it means, and what to tell the holder (Bahasa
/// Indonesia and English). Each problem's `type` links to the anchor of its code here.
#[utoipa::path(tag = "meta", operation_id = "getErrorReference", responses((status = 200, content_type = "text/html", body = String)))]
#[get("/errors")]
pub async fn errors_page() -> HttpResponse {
    let mut rows = String::new();
    for e in crate::error::reference() {
        rows.push_str(&format!(
            "<tr id=\"{c}\"><td><a href=\"#{c}\"><code>{c}</code></a></td><td>{s}</td>\
             <td><strong>{t}</strong><br>{d}</td><td lang=\"id\">{id}</td><td lang=\"en\">{en}</td></tr>\n",
            c = escape(e.code),
            s = e.status,
            t = escape(e.title),
            d = escape(e.description),
            id = escape(e.remedy.id),
            en = escape(e.remedy.en),
        ));
    }
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>prakerja-api error codes</title>\
         <style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}\
         td,th{{border:1px solid #ccc;padding:.4em;vertical-align:top;text-align:left}}:target{{background:#ffd}}</style></head>\
         <body><h1>Error codes</h1><p>Every error is <code>application/problem+json</code>; map on <code>code</code>, \
         never on text. The same list as data: <a href=\"/errors.json\"><code>/errors.json</code></a>.</p>\
         <table><tr><th>code</th><th>status</th><th>meaning</th><th>tell the holder (Bahasa Indonesia)</th>\
         <th>tell the holder (English)</th></tr>\n{rows}</table></body></html>"
    ))
}

/// The error reference as data.
#[derive(Serialize, ToSchema)]
pub struct ErrorReference {
    /// One entry per code, as on `/errors`.
    pub data: Vec<ErrorEntry>,
}

/// Every error code with its status, meaning and what to tell the holder, as on `/errors`.
#[utoipa::path(tag = "meta", operation_id = "listErrorCodes", responses((status = 200, description = "The error reference: one entry per code", body = ErrorReference)))]
#[get("/errors.json")]
pub async fn errors_json() -> web::Json<ErrorReference> {
    web::Json(ErrorReference {
        data: crate::error::reference(),
    })
}

/// Text made safe inside HTML elements and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn escape_leaves_no_markup() {
        assert_eq!(
            super::escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
