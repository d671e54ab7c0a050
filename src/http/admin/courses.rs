//! Course review.

use actix_web::{post, web};

use super::Reason;
use crate::auth::Admin;
use crate::error::{ApiError, Problem};
use crate::service::audit::Actor;
use crate::service::courses::{self, CourseView};
use crate::state::AppState;

/// Approve a pending course: platforms may sell it from now on.
#[utoipa::path(
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
    Admin(caller): Admin,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<web::Json<CourseView>, ApiError> {
    caller.require("admin")?;
    let code = path.into_inner().to_ascii_uppercase();
    Ok(web::Json(
        state
            .db(move |c| courses::review(c, &Actor::from(&caller), &code, true, None))
            .await?,
    ))
}

/// Reject a pending course, with the reason the LPK will read.
#[utoipa::path(
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
    Admin(caller): Admin,
    path: web::Path<String>,
    body: web::Json<Reason>,
    state: web::Data<AppState>,
) -> Result<web::Json<CourseView>, ApiError> {
    caller.require("admin")?;
    use validator::Validate;
    body.validate()?;
    let code = path.into_inner().to_ascii_uppercase();
    Ok(web::Json(
        state
            .db(move |c| {
                courses::review(
                    c,
                    &Actor::from(&caller),
                    &code,
                    false,
                    Some(body.reason.trim()),
                )
            })
            .await?,
    ))
}
