//! The catalog: LPKs submit courses and schedules, management reviews, partners read what they may.

use chrono::{DateTime, FixedOffset, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::audit::{self, Event};
use super::{Call, Core};
use crate::db::courses::{self, Course, Schedule};
use crate::db::{self, DbConn, partners};
use crate::domain::course::{self as rules, CourseMode, CourseStatus};
use crate::domain::time::to_wib;
use crate::domain::{CourseCode, CourseId, PartnerId, Rupiah, ScheduleCode, ScheduleId, Viewer};
use crate::error::{Error, ErrorCode};
use crate::page::{Cursor, Page, PageRequest};

/// A course to submit, its fields already checked at the edge.
#[derive(Debug, Clone)]
pub struct NewCourse {
    pub title: String,
    pub description: String,
    pub price: Rupiah,
    pub mode: CourseMode,
    pub duration_hours: i32,
    pub sessions: i32,
    /// The platforms that may sell it; empty means every platform.
    pub platform_ids: Vec<PartnerId>,
}

/// A run of a course.
#[derive(Debug, Clone)]
pub struct NewSchedule {
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub quota: i32,
}

/// Management's decision on a pending course.
#[derive(Debug, Clone)]
pub enum Review {
    Approve,
    Reject { reason: String },
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ScheduleView {
    #[schema(value_type = String, example = "SCH-7K2M9QRT")]
    pub schedule_code: ScheduleCode,
    pub starts_at: DateTime<FixedOffset>,
    pub ends_at: DateTime<FixedOffset>,
    pub quota: i32,
    pub seats_left: i32,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CourseView {
    #[schema(value_type = String, example = "CRS-4Q8ZK2MX")]
    pub course_code: CourseCode,
    pub title: String,
    pub description: String,
    /// Rupiah.
    #[schema(value_type = i64)]
    pub price: Rupiah,
    pub mode: CourseMode,
    pub duration_hours: i32,
    pub sessions: i32,
    /// Platforms that may sell it; empty means every platform.
    #[schema(value_type = Vec<String>)]
    pub platform_ids: Vec<PartnerId>,
    pub status: CourseStatus,
    /// Why it was rejected.
    pub review_reason: Option<String>,
    /// The LPK that owns it.
    #[schema(value_type = String)]
    pub lpk_id: PartnerId,
    pub created_at: DateTime<FixedOffset>,
    pub schedules: Vec<ScheduleView>,
}

fn schedule_view(s: &Schedule) -> ScheduleView {
    ScheduleView {
        schedule_code: s.schedule_code.clone(),
        starts_at: to_wib(s.starts_at),
        ends_at: to_wib(s.ends_at),
        quota: s.quota,
        seats_left: s.quota - s.seats_taken,
    }
}

fn view(conn: &mut DbConn, row: Course) -> Result<CourseView, Error> {
    Ok(CourseView {
        platform_ids: courses::platform_ids(conn, &row.id)?,
        schedules: courses::schedules(conn, &row.id)?
            .iter()
            .map(schedule_view)
            .collect(),
        course_code: row.course_code,
        title: row.title,
        description: row.description,
        price: row.price,
        mode: row.mode,
        duration_hours: row.duration_hours,
        sessions: row.sessions,
        status: row.status,
        review_reason: row.review_reason,
        lpk_id: row.lpk_id,
        created_at: to_wib(row.created_at),
    })
}

fn visible(conn: &mut DbConn, viewer: &Viewer, code: &CourseCode) -> Result<Course, Error> {
    courses::find_visible(conn, viewer, code)?.ok_or_else(|| Error::not_found("course"))
}

impl Core {
    /// An LPK submits a course for review (`pending_review`).
    pub async fn submit_course(&self, call: &Call, new: NewCourse) -> Result<CourseView, Error> {
        rules::check_price(new.price)?;
        let lpk = call.lpk()?;
        let actor = call.actor.clone();
        self.once(call, move |c, _| {
            let mut platform_ids = new.platform_ids.clone();
            platform_ids.sort();
            platform_ids.dedup();
            let known = partners::platforms_among(c, &platform_ids)?;
            if let Some(unknown) = platform_ids.iter().find(|p| !known.contains(p)) {
                return Err(Error::unknown_platform(unknown.as_str()));
            }
            let row = Course {
                id: CourseId::new(),
                course_code: CourseCode::generate(),
                lpk_id: lpk,
                title: new.title.trim().into(),
                description: new.description.trim().into(),
                price: new.price,
                mode: new.mode,
                duration_hours: new.duration_hours,
                sessions: new.sessions,
                all_platforms: platform_ids.is_empty(),
                status: CourseStatus::PendingReview,
                review_reason: None,
                reviewed_at: None,
                created_at: db::now(),
            };
            courses::insert(c, &row, &platform_ids)?;
            audit::record(
                c,
                &actor,
                Event {
                    action: "course.submit",
                    target_type: "course",
                    target_id: row.course_code.as_str(),
                    details: serde_json::json!({"price": row.price, "platform_ids": platform_ids}),
                },
            )?;
            view(c, row)
        })
        .await
    }

    /// An LPK adds a run to one of its own courses (another LPK's course is 404).
    pub async fn add_schedule(
        &self,
        call: &Call,
        course: CourseCode,
        new: NewSchedule,
    ) -> Result<ScheduleView, Error> {
        rules::check_new_schedule(new.starts_at, new.ends_at, db::now())?;
        let viewer = call.who().viewer();
        let actor = call.actor.clone();
        self.once(call, move |c, _| {
            let course = visible(c, &viewer, &course)?;
            course.status.accepts_schedules()?;
            let row = Schedule {
                id: ScheduleId::new(),
                schedule_code: ScheduleCode::generate(),
                course_id: course.id.clone(),
                starts_at: new.starts_at,
                ends_at: new.ends_at,
                quota: new.quota,
                seats_taken: 0,
                created_at: db::now(),
            };
            courses::insert_schedule(c, &row)?;
            audit::record(
                c,
                &actor,
                Event {
                    action: "schedule.create",
                    target_type: "course",
                    target_id: course.course_code.as_str(),
                    details: serde_json::json!({"schedule_code": row.schedule_code, "quota": row.quota}),
                },
            )?;
            Ok(schedule_view(&row))
        })
        .await
    }

    /// Management approves or rejects a pending course, once.
    pub async fn review_course(
        &self,
        call: &Call,
        code: CourseCode,
        review: Review,
    ) -> Result<CourseView, Error> {
        let actor = call.actor.clone();
        self.once(call, move |c, _| {
            let course = visible(c, &Viewer::Admin, &code)?;
            let (approve, reason) = match &review {
                Review::Approve => (true, None),
                Review::Reject { reason } => (false, Some(reason.as_str())),
            };
            let to = course.status.review(approve)?;
            if !courses::set_review(c, &course.id, course.status, to, reason, db::now())? {
                return Err(
                    ErrorCode::CourseNotReviewable.with("The course was reviewed meanwhile.")
                );
            }
            audit::record(
                c,
                &actor,
                Event {
                    action: if approve {
                        "course.approve"
                    } else {
                        "course.reject"
                    },
                    target_type: "course",
                    target_id: course.course_code.as_str(),
                    details: serde_json::json!({"reason": reason}),
                },
            )?;
            let reviewed = visible(c, &Viewer::Admin, &code)?;
            view(c, reviewed)
        })
        .await
    }

    /// One course, if the caller may see it (else 404).
    pub async fn course(&self, call: &Call, code: CourseCode) -> Result<CourseView, Error> {
        let viewer = call.who().viewer();
        self.read(move |c, _| {
            let course = visible(c, &viewer, &code)?;
            view(c, course)
        })
        .await
    }

    /// A page of the courses the caller may see, newest first.
    pub async fn courses(
        &self,
        call: &Call,
        status: Option<CourseStatus>,
        req: PageRequest,
    ) -> Result<Page<CourseView>, Error> {
        let viewer = call.who().viewer();
        self.read(move |c, _| {
            let rows = courses::page(c, &viewer, status, &req)?;
            Page::cut(rows, &req, |r| Cursor::Time(r.created_at, r.id.to_string()))
                .try_map(|row| view(c, row))
        })
        .await
    }
}
