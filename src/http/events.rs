//! `GET /v1/events`: a partner's own event feed, the same payloads webhooks carry, read from
//! the transactional outbox the changes write.

use actix_web::{get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::Auth;
use super::problem::ApiError;
use crate::auth::scope::ReadEvents;
use crate::domain::EventId;
use crate::error::Error;
use crate::page::{CursorKind, PageRequest};
use crate::state::AppState;

/// A page of events: `{id, type, created_at, data}` each, `data` being the resource as the
/// recipient may see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventPage {
    #[schema(schema_with = events)]
    pub data: Vec<serde_json::Value>,
    /// The next (older) page; always null with `since` (ask again with the last id).
    pub next_cursor: Option<String>,
}

/// The page's events, each an `Event` (the union the spec builds of one schema per type).
fn events() -> utoipa::openapi::Array {
    utoipa::openapi::ArrayBuilder::new()
        .items(utoipa::openapi::Ref::from_schema_name("Event"))
        .description(Some("Newest first; oldest first with `since`."))
        .build()
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventParams {
    /// 1-100, default 20.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page (not with `since`).
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    pub cursor: Option<String>,
    /// Catch up: the events after this one of yours, oldest first. Pass the last id you
    /// processed; ask again with the last id of each answer until `data` is empty.
    #[param(format = Uuid)]
    pub since: Option<String>,
}

/// Your events (`voucher.*`, `certificate.issued`, `disbursement.updated`): newest first, or
/// with `since` the ones after an event of yours, oldest first, to replay what you missed.
///
/// An event shows once its change commits; `created_at` is when that change was made, so a
/// catch-up may be given a moment's overlap (start from an id a few seconds back) and
/// deduplicated on `id`.
#[utoipa::path(
    tag = "events",
    operation_id = "listEvents",
    params(EventParams),
    security(("bearer" = [])),
    responses(
        (status = 200, body = EventPage),
        (status = 404, description = "not_found: `since` is not one of your events", body = crate::http::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/events")]
pub async fn list(
    auth: Auth<ReadEvents>,
    params: web::Query<EventParams>,
    state: web::Data<AppState>,
) -> Result<web::Json<EventPage>, ApiError> {
    let params = params.into_inner();
    if let Some(since) = params.since {
        if params.cursor.is_some() {
            return Err(Error::field(
                "cursor",
                "not_with_since",
                "Use either cursor (newest first) or since (oldest first), not both.",
            )
            .into());
        }
        let since = EventId::parse(&since).ok_or_else(|| Error::not_found("event"))?;
        let req = PageRequest::parse(params.limit, None, CursorKind::Time)?;
        let data = state
            .core
            .events_since(&auth.call, since, req.limit)
            .await?;
        return Ok(web::Json(EventPage {
            data,
            next_cursor: None,
        }));
    }
    let req = PageRequest::parse(params.limit, params.cursor.as_deref(), CursorKind::Time)?;
    let page = state.core.events(&auth.call, req).await?;
    Ok(web::Json(EventPage {
        data: page.items,
        next_cursor: page.next.map(|c| c.encode()),
    }))
}
