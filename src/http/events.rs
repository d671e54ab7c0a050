//! `GET /v1/events`: a partner's own event feed, the same payloads webhooks carry, read from
//! the transactional outbox the changes write.

use actix_web::{get, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::auth::Auth;
use super::pagination::PageParams;
use super::problem::ApiError;
use crate::auth::scope::ReadEvents;
use crate::page::CursorKind;
use crate::state::AppState;

/// One event: `{id, type, created_at, data}`, `data` being the resource as the recipient may see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventPage {
    /// Newest first.
    #[schema(value_type = Vec<Object>)]
    pub data: Vec<serde_json::Value>,
    pub next_cursor: Option<String>,
}

/// Your events: `voucher.issued`, `voucher.redeemed`, `voucher.voided`, newest first.
#[utoipa::path(
    tag = "events",
    operation_id = "listEvents",
    params(PageParams),
    security(("bearer" = [])),
    responses((status = 200, body = EventPage))
)]
#[get("/v1/events")]
pub async fn list(
    auth: Auth<ReadEvents>,
    page: web::Query<PageParams>,
    state: web::Data<AppState>,
) -> Result<web::Json<EventPage>, ApiError> {
    let req = page.parse(CursorKind::Time)?;
    let page = state.core.events(&auth.call, req).await?;
    Ok(web::Json(EventPage {
        data: page.items,
        next_cursor: page.next.map(|c| c.encode()),
    }))
}
