//! `GET /v1/admin/audit-events`: the append-only, hash-chained trail.

use actix_web::{get, web};
use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Admin;
use crate::db::audit;
use crate::domain::time::to_wib;
use crate::error::{ApiError, Problem};
use crate::http::pagination::{PageParams, encode_seq_cursor};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEvent {
    /// Position in the chain (1 = first).
    pub seq: i64,
    pub occurred_at: DateTime<FixedOffset>,
    /// The partner id, or `config`/`sandbox-seed`/`cli` for the system.
    pub actor_id: String,
    pub actor_role: String,
    #[schema(example = "participant.freeze")]
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    pub request_id: Option<String>,
    pub prev_hash: String,
    /// SHA-256 of this event's content and `prev_hash`.
    pub hash: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub data: Vec<AuditEvent>,
    pub next_cursor: Option<String>,
    /// The chain head: seq and hash of the newest event. Record it elsewhere to detect rewrites.
    pub chain_head: ChainHead,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChainHead {
    pub seq: i64,
    pub hash: String,
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
    Admin(caller): Admin,
    page: web::Query<PageParams>,
    state: web::Data<AppState>,
) -> Result<web::Json<AuditPage>, ApiError> {
    caller.require("admin")?;
    let (limit, before) = (page.limit()?, page.seq_cursor()?);
    let (mut rows, head) = state
        .db(move |c| Ok((audit::page(c, before, limit + 1)?, audit::head(c)?)))
        .await?;
    let next_cursor = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| encode_seq_cursor(r.seq))
    } else {
        None
    };
    Ok(web::Json(AuditPage {
        data: rows
            .into_iter()
            .map(|r| AuditEvent {
                seq: r.seq,
                occurred_at: to_wib(r.occurred_at),
                actor_id: r.actor_id,
                actor_role: r.actor_role,
                action: r.action,
                target_type: r.target_type,
                target_id: r.target_id,
                details: serde_json::from_str(&r.details).unwrap_or(serde_json::Value::Null),
                request_id: r.request_id,
                prev_hash: r.prev_hash,
                hash: r.hash,
            })
            .collect(),
        next_cursor,
        chain_head: ChainHead {
            seq: head.0,
            hash: head.1,
        },
    }))
}
