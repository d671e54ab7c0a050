//! The catalog: LPKs submit courses and schedules, management reviews, partners read what they may.

use chrono::{DateTime, FixedOffset, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::db::courses::{self, CourseRow, ScheduleRow, Viewer};
use crate::db::{self, DbConn, partners, write_tx};
use crate::domain::codes;
use crate::domain::course::{CourseMode, CourseStatus, check_schedule_window};
use crate::domain::rupiah::TRAINING_BALANCE;
use crate::domain::time::{to_utc, to_wib};
use crate::error::{ApiError, ErrorCode};
use crate::service::audit::{self, Actor, Event};

/// A course an LPK submits for review.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCourse {
    #[validate(length(min = 3, max = 200))]
    #[schema(
        example = "Digital Marketing untuk UMKM",
        min_length = 3,
        max_length = 200
    )]
    pub title: String,
    #[validate(length(min = 1, max = 5000))]
    #[schema(
        example = "Belajar pemasaran digital: media sosial, iklan, dan analitik.",
        min_length = 1,
        max_length = 5000
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
    /// The platforms that may sell it; empty means every platform.
    #[serde(default)]
    #[validate(length(max = 50))]
    pub platform_ids: Vec<String>,
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

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScheduleView {
    #[schema(example = "SCH-7K2M9QRT")]
    pub schedule_code: String,
    pub starts_at: DateTime<FixedOffset>,
    pub ends_at: DateTime<FixedOffset>,
    pub quota: i32,
    pub seats_left: i32,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CourseView {
    #[schema(example = "CRS-4Q8ZK2MX")]
    pub course_code: String,
    pub title: String,
    pub description: String,
    /// Rupiah.
    pub price: i64,
    pub mode: CourseMode,
    pub duration_hours: i32,
    pub sessions: i32,
    /// Platforms that may sell it; empty means every platform.
    pub platform_ids: Vec<String>,
    pub status: CourseStatus,
    /// Why it was rejected.
    pub review_reason: Option<String>,
    /// The LPK that owns it.
    pub lpk_id: String,
    pub created_at: DateTime<FixedOffset>,
    pub schedules: Vec<ScheduleView>,
}

fn schedule_view(s: &ScheduleRow) -> ScheduleView {
    ScheduleView {
        schedule_code: s.schedule_code.clone(),
        starts_at: to_wib(s.starts_at),
        ends_at: to_wib(s.ends_at),
        quota: s.quota,
        seats_left: s.quota - s.seats_taken,
    }
}

fn view(conn: &mut DbConn, row: &CourseRow) -> Result<CourseView, ApiError> {
    Ok(CourseView {
        course_code: row.course_code.clone(),
        title: row.title.clone(),
        description: row.description.clone(),
        price: row.price,
        mode: CourseMode::from_db(&row.mode),
        duration_hours: row.duration_hours,
        sessions: row.sessions,
        platform_ids: courses::platform_ids(conn, &row.id)?,
        status: CourseStatus::from_db(&row.status),
        review_reason: row.review_reason.clone(),
        lpk_id: row.lpk_id.clone(),
        created_at: to_wib(row.created_at),
        schedules: courses::schedules(conn, &row.id)?
            .iter()
            .map(schedule_view)
            .collect(),
    })
}

/// Submits a course for review (`pending_review`).
pub fn submit(
    conn: &mut DbConn,
    actor: &Actor,
    lpk_id: &str,
    input: NewCourse,
) -> Result<CourseView, ApiError> {
    input.validate()?;
    if input.price > TRAINING_BALANCE.amount() {
        return Err(ApiError::field(
            "price",
            "range",
            "price cannot exceed the Rp1,000,000 training balance.",
        ));
    }
    let mut platform_ids = input.platform_ids.clone();
    platform_ids.sort();
    platform_ids.dedup();
    let row = write_tx(conn, |c| {
        let known = partners::platforms_among(c, &platform_ids)?;
        if let Some(unknown) = platform_ids.iter().find(|p| !known.contains(p)) {
            return Err(ErrorCode::UnknownPlatform
                .with(format!("{unknown:?} is not a registered digital platform.")));
        }
        let row = CourseRow {
            id: uuid::Uuid::now_v7().to_string(),
            course_code: codes::course_code(),
            lpk_id: lpk_id.into(),
            title: input.title.trim().into(),
            description: input.description.trim().into(),
            price: input.price,
            mode: input.mode.as_str().into(),
            duration_hours: input.duration_hours,
            sessions: input.sessions,
            all_platforms: platform_ids.is_empty(),
            status: CourseStatus::PendingReview.as_str().into(),
            review_reason: None,
            reviewed_at: None,
            created_at: db::now(),
        };
        courses::insert(c, &row, &platform_ids)?;
        audit::record(
            c,
            actor,
            Event {
                action: "course.submit",
                target_type: "course",
                target_id: &row.course_code,
                details: serde_json::json!({"price": row.price, "platform_ids": platform_ids}),
            },
        )?;
        Ok(row)
    })?;
    view(conn, &row)
}

/// Adds a run to one of the LPK's own courses (another LPK's course is 404).
pub fn add_schedule(
    conn: &mut DbConn,
    actor: &Actor,
    lpk_id: &str,
    course_code: &str,
    input: NewSchedule,
) -> Result<ScheduleView, ApiError> {
    input.validate()?;
    let (starts, ends) = (to_utc(input.starts_at), to_utc(input.ends_at));
    check_schedule_window(starts, ends)?;
    if ends <= db::now() {
        return Err(ApiError::field(
            "ends_at",
            "in_past",
            "ends_at must be in the future.",
        ));
    }
    write_tx(conn, |c| {
        let course = courses::find_visible(c, &Viewer::Lpk(lpk_id), course_code)?
            .ok_or_else(|| ApiError::not_found("course"))?;
        CourseStatus::from_db(&course.status).accepts_schedules()?;
        let row = ScheduleRow {
            id: uuid::Uuid::now_v7().to_string(),
            schedule_code: codes::schedule_code(),
            course_id: course.id.clone(),
            starts_at: starts,
            ends_at: ends,
            quota: input.quota,
            seats_taken: 0,
            created_at: db::now(),
        };
        courses::insert_schedule(c, &row)?;
        audit::record(
            c,
            actor,
            Event {
                action: "schedule.create",
                target_type: "course",
                target_id: &course.course_code,
                details: serde_json::json!({"schedule_code": row.schedule_code, "quota": row.quota}),
            },
        )?;
        Ok(schedule_view(&row))
    })
}

/// Approves or rejects a pending course, once.
pub fn review(
    conn: &mut DbConn,
    actor: &Actor,
    course_code: &str,
    approve: bool,
    reason: Option<&str>,
) -> Result<CourseView, ApiError> {
    let row = write_tx(conn, |c| {
        let course = courses::find_visible(c, &Viewer::Admin, course_code)?
            .ok_or_else(|| ApiError::not_found("course"))?;
        let from = CourseStatus::from_db(&course.status);
        let to = from.review(approve)?;
        if !courses::set_review(c, &course.id, from.as_str(), to.as_str(), reason, db::now())? {
            return Err(ErrorCode::CourseNotReviewable.with("The course was reviewed meanwhile."));
        }
        audit::record(
            c,
            actor,
            Event {
                action: if approve {
                    "course.approve"
                } else {
                    "course.reject"
                },
                target_type: "course",
                target_id: &course.course_code,
                details: serde_json::json!({"reason": reason}),
            },
        )?;
        courses::find_visible(c, &Viewer::Admin, course_code)?
            .ok_or_else(|| ApiError::not_found("course"))
    })?;
    view(conn, &row)
}

pub fn get(
    conn: &mut DbConn,
    viewer: &Viewer<'_>,
    course_code: &str,
) -> Result<CourseView, ApiError> {
    let row = courses::find_visible(conn, viewer, course_code)?
        .ok_or_else(|| ApiError::not_found("course"))?;
    view(conn, &row)
}

/// Where a newest-first page stops: the last row's `(created_at, id)`.
pub type TimeCursor = (NaiveDateTime, String);

/// A page of visible courses and the cursor of the next page.
pub fn list(
    conn: &mut DbConn,
    viewer: &Viewer<'_>,
    status: Option<CourseStatus>,
    before: Option<TimeCursor>,
    limit: i64,
) -> Result<(Vec<CourseView>, Option<TimeCursor>), ApiError> {
    let mut rows = courses::page(
        conn,
        viewer,
        status.map(CourseStatus::as_str),
        before,
        limit + 1,
    )?;
    let next = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| (r.created_at, r.id.clone()))
    } else {
        None
    };
    let views = rows
        .iter()
        .map(|r| view(conn, r))
        .collect::<Result<_, _>>()?;
    Ok((views, next))
}
