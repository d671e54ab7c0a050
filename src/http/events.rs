//! `GET /v1/events`: a partner's own event feed, the same payloads webhooks will carry, read from
//! the transactional outbox the changes write.

use actix_web::{get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Partner;
use crate::db::events;
use crate::error::ApiError;
use crate::http::pagination::{PageParams, encode_time_cursor};
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
    Partner(caller): Partner,
    page: web::Query<PageParams>,
    state: web::Data<AppState>,
) -> Result<web::Json<EventPage>, ApiError> {
    caller.require("events:read")?;
    let (limit, before) = (page.limit()?, page.time_cursor()?);
    let mut rows = state
        .db(move |c| Ok(events::page(c, &caller.id, before, limit + 1)?))
        .await?;
    let next_cursor = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|(id, at, _)| encode_time_cursor(*at, id))
    } else {
        None
    };
    let data = rows
        .into_iter()
        .map(|(_, _, payload)| serde_json::from_str(&payload).unwrap_or(serde_json::Value::Null))
        .collect();
    Ok(web::Json(EventPage { data, next_cursor }))
}
