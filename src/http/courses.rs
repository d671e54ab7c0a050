//! The catalog as partners see it: LPKs submit courses and schedules; platforms list what they may sell.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, FixedOffset};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::auth::Auth;
use super::pagination::{Page, PageParams};
use super::problem::{ApiError, Problem};
use crate::auth::scope::{ReadCatalog, WriteCatalog};
use crate::domain::course::{CourseMode, CourseStatus};
use crate::domain::time::to_utc;
use crate::domain::{CourseCode, PartnerId, Rupiah};
use crate::error::Error;
use crate::http::json::Json;
use crate::page::CursorKind;
use crate::service::catalog::{self, CourseView, ScheduleView};
use crate::state::AppState;

/// A course an LPK submits for review.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCourse {
    /// 3 to 200 characters, not counting leading and trailing spaces.
    #[validate(length(min = 3, max = 200))]
    #[serde(deserialize_with = "super::trimmed")]
    #[schema(
        example = "Digital Marketing untuk UMKM",
        min_length = 3,
        max_length = 200,
        pattern = r"[^ \t\n\v\f\r\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][\s\S]{1,}[^ \t\n\v\f\r\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
    )]
    pub title: String,
    /// 1 to 5000 characters, not counting leading and trailing spaces.
    #[validate(length(min = 1, max = 5000))]
    #[serde(deserialize_with = "super::trimmed")]
    #[schema(
        example = "Belajar pemasaran digital: media sosial, iklan, dan analitik.",
        min_length = 1,
        max_length = 5000,
        pattern = r"[^ \t\n\v\f\r\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
    )]
    pub description: String,
    /// Rupiah, 1 to 1,000,000 (no card could pay more).
    #[validate(range(min = 1, max = 1_000_000))]
    #[schema(example = 500000, minimum = 1, maximum = 1000000)]
    pub price: i64,
    pub mode: CourseMode,
    #[validate(range(min = 1, max = 1000))]
    #[schema(example = 12, minimum = 1, maximum = 1000)]
    pub duration_hours: i32,
    /// Number of sessions; attendance is reported per session (1..sessions).
    #[validate(range(min = 1, max = 998))]
    #[schema(example = 4, minimum = 1, maximum = 998)]
    pub sessions: i32,
    /// The platforms that may sell it (their partner ids); empty means every platform.
    #[serde(default)]
    #[validate(length(max = 50))]
    #[schema(value_type = Vec<uuid::Uuid>, max_items = 50)]
    pub platform_ids: Vec<String>,
}

impl TryFrom<NewCourse> for catalog::NewCourse {
    type Error = Error;

    fn try_from(body: NewCourse) -> Result<Self, Error> {
        body.validate()?;
        let platform_ids = body
            .platform_ids
            .iter()
            .map(|p| PartnerId::parse(p).ok_or_else(|| Error::unknown_platform(p)))
            .collect::<Result<_, _>>()?;
        Ok(catalog::NewCourse {
            price: Rupiah::new(body.price)
                .ok_or_else(|| Error::field("price", "range", "price must be positive."))?,
            title: body.title,
            description: body.description,
            mode: body.mode,
            duration_hours: body.duration_hours,
            sessions: body.sessions,
            platform_ids,
        })
    }
}

/// A run of a course.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSchedule {
    #[schema(value_type = String, format = DateTime, example = "2026-12-01T09:00:00+07:00")]
    pub starts_at: DateTime<FixedOffset>,
    #[schema(value_type = String, format = DateTime, example = "2026-12-05T17:00:00+07:00")]
    pub ends_at: DateTime<FixedOffset>,
    /// Seats.
    #[validate(range(min = 1, max = 100_000))]
    #[schema(example = 30, minimum = 1, maximum = 100000)]
    pub quota: i32,
}

impl TryFrom<NewSchedule> for catalog::NewSchedule {
    type Error = Error;

    fn try_from(body: NewSchedule) -> Result<Self, Error> {
        body.validate()?;
        Ok(catalog::NewSchedule {
            starts_at: to_utc(body.starts_at),
            ends_at: to_utc(body.ends_at),
            quota: body.quota,
        })
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CourseFilter {
    /// Only this status (LPKs and admin; platforms only ever see `approved`).
    pub status: Option<CourseStatus>,
}

/// A course code from a path: a malformed one names no course.
pub fn course_code(path: web::Path<String>) -> Result<CourseCode, Error> {
    CourseCode::parse(&path.into_inner()).ok_or_else(|| Error::not_found("course"))
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
    auth: Auth<ReadCatalog>,
    page: web::Query<PageParams>,
    filter: web::Query<CourseFilter>,
    state: web::Data<AppState>,
) -> Result<web::Json<Page<CourseView>>, ApiError> {
    let req = page.parse(CursorKind::Time)?;
    Ok(web::Json(
        state
            .core
            .courses(&auth.call, filter.status, req)
            .await?
            .into(),
    ))
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
    auth: Auth<ReadCatalog>,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<web::Json<CourseView>, ApiError> {
    let code = course_code(path)?;
    Ok(web::Json(state.core.course(&auth.call, code).await?))
}

/// Submit a course for review (LPK). It starts `pending_review`.
#[utoipa::path(
    operation_id = "submitCourse",
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
    auth: Auth<WriteCatalog>,
    body: Json<NewCourse>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let new = catalog::NewCourse::try_from(body.into_inner())?;
    let view = state.core.submit_course(&auth.call, new).await?;
    Ok(HttpResponse::Created().json(view))
}

/// Add a run of one of your courses (LPK); another LPK's course is 404.
#[utoipa::path(
    operation_id = "addCourseSchedule",
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
    auth: Auth<WriteCatalog>,
    path: web::Path<String>,
    body: Json<NewSchedule>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let new = catalog::NewSchedule::try_from(body.into_inner())?;
    let code = course_code(path)?;
    let view = state.core.add_schedule(&auth.call, code, new).await?;
    Ok(HttpResponse::Created().json(view))
}
