//! The catalog as partners see it: LPKs submit courses and schedules; platforms list what they may sell.

use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::{AnyCaller, Caller, Lpk, Role};
use crate::db::courses::Viewer;
use crate::domain::course::CourseStatus;
use crate::error::{ApiError, Problem};
use crate::http::pagination::{Page, PageParams, encode_time_cursor};
use crate::service::audit::Actor;
use crate::service::courses::{self, CourseView, NewCourse, NewSchedule, ScheduleView};
use crate::state::AppState;

fn viewer(caller: &Caller) -> Viewer<'_> {
    match caller.role {
        Role::Platform => Viewer::Platform(&caller.id),
        Role::Lpk => Viewer::Lpk(&caller.id),
        _ => Viewer::Admin,
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CourseFilter {
    /// Only this status (LPKs and admin; platforms only ever see `approved`).
    pub status: Option<CourseStatus>,
}

/// Courses visible to the caller: platforms see approved courses they may sell; an LPK sees its
/// own in every status; admin sees all.
#[utoipa::path(
    operation_id = "listCourses",
    tag = "catalog",
    params(PageParams, CourseFilter),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Page<CourseView>),
        (status = 400, description = "invalid_cursor, malformed_query", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "validation_failed (limit)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "rate_limited", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/courses")]
pub async fn list(
    AnyCaller(caller): AnyCaller,
    page: web::Query<PageParams>,
    filter: web::Query<CourseFilter>,
    state: web::Data<AppState>,
) -> Result<web::Json<Page<CourseView>>, ApiError> {
    caller.require("catalog:read")?;
    let (limit, before) = (page.limit()?, page.time_cursor()?);
    let status = filter.status;
    let (data, next) = state
        .db(move |c| courses::list(c, &viewer(&caller), status, before, limit))
        .await?;
    Ok(web::Json(Page {
        data,
        next_cursor: next.map(|(at, id)| encode_time_cursor(at, &id)),
    }))
}

/// One course with its schedules, if visible to the caller (else 404).
#[utoipa::path(
    operation_id = "getCourse",
    tag = "catalog",
    params(("course_code" = String, Path, example = "CRS-4Q8ZK2MX", pattern = "^CRS-[2-9A-HJ-NP-Z]{8}$")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = CourseView),
        (status = 404, description = "not_found", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/courses/{course_code}")]
pub async fn get(
    AnyCaller(caller): AnyCaller,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<web::Json<CourseView>, ApiError> {
    caller.require("catalog:read")?;
    let code = path.into_inner().to_ascii_uppercase();
    Ok(web::Json(
        state
            .db(move |c| courses::get(c, &viewer(&caller), &code))
            .await?,
    ))
}

/// Submit a course for review (LPK). It starts `pending_review`.
#[utoipa::path(
    tag = "catalog",
    request_body = NewCourse,
    security(("bearer" = [])),
    responses(
        (status = 201, body = CourseView),
        (status = 400, description = "malformed_json", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "idempotency_in_progress", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "validation_failed, unknown_platform, idempotency_key_reused", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/courses")]
pub async fn submit(
    Lpk(caller): Lpk,
    body: web::Json<NewCourse>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    caller.require("catalog:write")?;
    let view = state
        .db(move |c| courses::submit(c, &Actor::from(&caller), &caller.id, body.into_inner()))
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// Add a run of one of your courses (LPK); another LPK's course is 404.
#[utoipa::path(
    tag = "catalog",
    request_body = NewSchedule,
    params(
        ("course_code" = String, Path, pattern = "^CRS-[2-9A-HJ-NP-Z]{8}$"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 201, body = ScheduleView),
        (status = 404, description = "not_found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "course_rejected, idempotency_in_progress", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "validation_failed (ends_before_start, in_past)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/courses/{course_code}/schedules")]
pub async fn add_schedule(
    Lpk(caller): Lpk,
    path: web::Path<String>,
    body: web::Json<NewSchedule>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    caller.require("catalog:write")?;
    let code = path.into_inner().to_ascii_uppercase();
    let view = state
        .db(move |c| {
            courses::add_schedule(
                c,
                &Actor::from(&caller),
                &caller.id,
                &code,
                body.into_inner(),
            )
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}
