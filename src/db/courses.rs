//! Queries on `courses`, `course_platforms` and `schedules`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::page::after_cursor;
use super::schema::{course_platforms as cp, courses as t, schedules as s};
use crate::domain::course::{CourseMode, CourseStatus};
use crate::domain::{CourseCode, CourseId, PartnerId, Rupiah, ScheduleCode, ScheduleId, Viewer};
use crate::page::PageRequest;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = t)]
pub struct Course {
    pub id: CourseId,
    pub course_code: CourseCode,
    pub lpk_id: PartnerId,
    pub title: String,
    pub description: String,
    pub price: Rupiah,
    pub mode: CourseMode,
    pub duration_hours: i32,
    pub sessions: i32,
    pub all_platforms: bool,
    pub status: CourseStatus,
    pub review_reason: Option<String>,
    pub reviewed_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = s)]
pub struct Schedule {
    pub id: ScheduleId,
    pub schedule_code: ScheduleCode,
    pub course_id: CourseId,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub quota: i32,
    pub seats_taken: i32,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, row: &Course, platform_ids: &[PartnerId]) -> QueryResult<()> {
    diesel::insert_into(t::table).values(row).execute(conn)?;
    for pid in platform_ids {
        diesel::insert_into(cp::table)
            .values((cp::course_id.eq(&row.id), cp::platform_id.eq(pid)))
            .execute(conn)?;
    }
    Ok(())
}

/// The courses `viewer` may see: an LPK its own in every status, a platform the approved courses
/// open to every platform or to it, a holder none, admin all.
fn visible(viewer: &Viewer) -> t::BoxedQuery<'static, <DbConn as diesel::Connection>::Backend> {
    let q = t::table.into_boxed();
    match viewer {
        Viewer::Admin => q,
        Viewer::Lpk(id) => q.filter(t::lpk_id.eq(id.clone())),
        Viewer::Platform(id) => q.filter(t::status.eq(CourseStatus::Approved)).filter(
            t::all_platforms.eq(true).or(t::id.eq_any(
                cp::table
                    .filter(cp::platform_id.eq(id.clone()))
                    .select(cp::course_id),
            )),
        ),
        Viewer::Holder(_) => q.filter(t::id.ne(t::id)),
    }
}

/// One course, if this viewer may see it.
pub fn find_visible(
    conn: &mut DbConn,
    viewer: &Viewer,
    code: &CourseCode,
) -> QueryResult<Option<Course>> {
    visible(viewer)
        .filter(t::course_code.eq(code.clone()))
        .select(Course::as_select())
        .get_result(conn)
        .optional()
}

/// One course by id, if this viewer may see it.
pub fn find_visible_by_id(
    conn: &mut DbConn,
    viewer: &Viewer,
    id: &CourseId,
) -> QueryResult<Option<Course>> {
    visible(viewer)
        .filter(t::id.eq(id.clone()))
        .select(Course::as_select())
        .get_result(conn)
        .optional()
}

/// A page of visible courses, newest first.
pub fn page(
    conn: &mut DbConn,
    viewer: &Viewer,
    status: Option<CourseStatus>,
    req: &PageRequest,
) -> QueryResult<Vec<Course>> {
    let mut q = visible(viewer);
    if let Some(st) = status {
        q = q.filter(t::status.eq(st));
    }
    let q = after_cursor!(q, t::created_at, t::id, req.after.as_ref());
    q.order((t::created_at.desc(), t::id.desc()))
        .limit(req.fetch())
        .select(Course::as_select())
        .load(conn)
}

pub fn platform_ids(conn: &mut DbConn, course_id: &CourseId) -> QueryResult<Vec<PartnerId>> {
    cp::table
        .filter(cp::course_id.eq(course_id))
        .order(cp::platform_id.asc())
        .select(cp::platform_id)
        .load(conn)
}

/// Records a review only if the course is still in `from`.
pub fn set_review(
    conn: &mut DbConn,
    id: &CourseId,
    from: CourseStatus,
    to: CourseStatus,
    reason: Option<&str>,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(t::table.filter(t::id.eq(id).and(t::status.eq(from))))
        .set((
            t::status.eq(to),
            t::review_reason.eq(reason),
            t::reviewed_at.eq(at),
        ))
        .execute(conn)
        .map(|n| n == 1)
}

pub fn insert_schedule(conn: &mut DbConn, row: &Schedule) -> QueryResult<()> {
    diesel::insert_into(s::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn schedules(conn: &mut DbConn, course_id: &CourseId) -> QueryResult<Vec<Schedule>> {
    s::table
        .filter(s::course_id.eq(course_id))
        .order((s::starts_at.asc(), s::id.asc()))
        .select(Schedule::as_select())
        .load(conn)
}

pub fn find_course(conn: &mut DbConn, id: &CourseId) -> QueryResult<Course> {
    t::table
        .find(id)
        .select(Course::as_select())
        .get_result(conn)
}

pub fn find_schedule(conn: &mut DbConn, id: &ScheduleId) -> QueryResult<Schedule> {
    s::table
        .find(id)
        .select(Schedule::as_select())
        .get_result(conn)
}

pub fn find_schedule_by_code(
    conn: &mut DbConn,
    course_id: &CourseId,
    code: &ScheduleCode,
) -> QueryResult<Option<Schedule>> {
    s::table
        .filter(s::course_id.eq(course_id).and(s::schedule_code.eq(code)))
        .select(Schedule::as_select())
        .get_result(conn)
        .optional()
}

/// Takes a seat only while one is left: the quota can never be exceeded, whatever the concurrency.
pub fn take_seat(conn: &mut DbConn, schedule_id: &ScheduleId) -> QueryResult<bool> {
    diesel::update(s::table.filter(s::id.eq(schedule_id).and(s::seats_taken.lt(s::quota))))
        .set(s::seats_taken.eq(s::seats_taken + 1))
        .execute(conn)
        .map(|n| n == 1)
}

pub fn release_seat(conn: &mut DbConn, schedule_id: &ScheduleId) -> QueryResult<usize> {
    diesel::update(s::table.filter(s::id.eq(schedule_id).and(s::seats_taken.gt(0))))
        .set(s::seats_taken.eq(s::seats_taken - 1))
        .execute(conn)
}
