//! `GET /v1/admin/audit-events`: the append-only, hash-chained trail.

use actix_web::{get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::scope::Manage;
use crate::http::auth::Auth;
use crate::http::pagination::PageParams;
use crate::http::problem::{ApiError, Problem};
use crate::page::CursorKind;
use crate::service::audit::{AuditEvent, ChainHead};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub data: Vec<AuditEvent>,
    pub next_cursor: Option<String>,
    /// The chain head: seq and hash of the newest event. Record it elsewhere to detect rewrites.
    pub chain_head: ChainHead,
}

/// Who did what, newest first.
#[utoipa::path(
    operation_id = "listAuditEvents",
    tag = "admin",
    params(PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, body = AuditPage),
        (status = 400, description = "invalid_cursor", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/admin/audit-events")]
pub async fn list(
    _auth: Auth<Manage>,
    page: web::Query<PageParams>,
    state: web::Data<AppState>,
) -> Result<web::Json<AuditPage>, ApiError> {
    let req = page.parse(CursorKind::Seq)?;
    let (page, chain_head) = state.core.audit_events(req).await?;
    Ok(web::Json(AuditPage {
        data: page.items,
        next_cursor: page.next.map(|c| c.encode()),
        chain_head,
    }))
}
