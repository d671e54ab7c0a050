//! Course review.

use actix_web::{post, web};

use super::Reason;
use crate::auth::scope::Manage;
use crate::http::auth::Auth;
use crate::http::courses::course_code;
use crate::http::json::Json;
use crate::http::problem::{ApiError, Problem};
use crate::service::catalog::{CourseView, Review};
use crate::state::AppState;

/// Approve a pending course: platforms may sell it from now on.
#[utoipa::path(
    operation_id = "approveCourse",
    tag = "admin",
    params(("course_code" = String, Path, pattern = "^CRS-[2-9A-HJ-NP-Z]{8}$")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = CourseView),
        (status = 404, description = "not_found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "course_already_reviewed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/admin/courses/{course_code}/approve")]
pub async fn approve(
    auth: Auth<Manage>,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<web::Json<CourseView>, ApiError> {
    let code = course_code(path)?;
    Ok(web::Json(
        state
            .core
            .review_course(&auth.call, code, Review::Approve)
            .await?,
    ))
}

/// Reject a pending course, with the reason the LPK will read.
#[utoipa::path(
    operation_id = "rejectCourse",
    tag = "admin",
    request_body = Reason,
    params(("course_code" = String, Path, pattern = "^CRS-[2-9A-HJ-NP-Z]{8}$")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = CourseView),
        (status = 404, description = "not_found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "course_already_reviewed", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "validation_failed (reason)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/admin/courses/{course_code}/reject")]
pub async fn reject(
    auth: Auth<Manage>,
    path: web::Path<String>,
    body: Json<Reason>,
    state: web::Data<AppState>,
) -> Result<web::Json<CourseView>, ApiError> {
    let code = course_code(path)?;
    let review = Review::Reject {
        reason: body.into_inner().text()?,
    };
    Ok(web::Json(
        state.core.review_course(&auth.call, code, review).await?,
    ))
}
