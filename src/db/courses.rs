//! Queries on `courses`, `course_platforms` and `schedules`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{course_platforms as cp, courses as t, schedules as s};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = t)]
pub struct CourseRow {
    pub id: String,
    pub course_code: String,
    pub lpk_id: String,
    pub title: String,
    pub description: String,
    pub price: i64,
    pub mode: String,
    pub duration_hours: i32,
    pub sessions: i32,
    pub all_platforms: bool,
    pub status: String,
    pub review_reason: Option<String>,
    pub reviewed_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = s)]
pub struct ScheduleRow {
    pub id: String,
    pub schedule_code: String,
    pub course_id: String,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub quota: i32,
    pub seats_taken: i32,
    pub created_at: NaiveDateTime,
}

/// Who is looking at the catalog.
pub enum Viewer<'a> {
    Admin,
    /// Sees approved courses open to every platform or to this one.
    Platform(&'a str),
    /// Sees its own courses in every status.
    Lpk(&'a str),
}

pub fn insert(conn: &mut DbConn, row: &CourseRow, platform_ids: &[String]) -> QueryResult<()> {
    diesel::insert_into(t::table).values(row).execute(conn)?;
    for pid in platform_ids {
        diesel::insert_into(cp::table)
            .values((cp::course_id.eq(&row.id), cp::platform_id.eq(pid)))
            .execute(conn)?;
    }
    Ok(())
}

fn visible<'a>(viewer: &Viewer<'a>) -> t::BoxedQuery<'a, <DbConn as diesel::Connection>::Backend> {
    let q = t::table.into_boxed();
    match *viewer {
        Viewer::Admin => q,
        Viewer::Lpk(id) => q.filter(t::lpk_id.eq(id)),
        Viewer::Platform(id) => q.filter(t::status.eq("approved")).filter(
            t::all_platforms.eq(true).or(t::id.eq_any(
                cp::table
                    .filter(cp::platform_id.eq(id))
                    .select(cp::course_id),
            )),
        ),
    }
}

/// One course, if this viewer may see it.
pub fn find_visible(
    conn: &mut DbConn,
    viewer: &Viewer<'_>,
    code: &str,
) -> QueryResult<Option<CourseRow>> {
    visible(viewer)
        .filter(t::course_code.eq(code))
        .select(CourseRow::as_select())
        .first(conn)
        .optional()
}

/// A page of visible courses, newest first, strictly older than `before` (created_at, id).
pub fn page(
    conn: &mut DbConn,
    viewer: &Viewer<'_>,
    status: Option<&str>,
    before: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<CourseRow>> {
    let mut q = visible(viewer);
    if let Some(st) = status {
        q = q.filter(t::status.eq(st.to_string()));
    }
    if let Some((at, id)) = before {
        q = q.filter(
            t::created_at
                .lt(at)
                .or(t::created_at.eq(at).and(t::id.lt(id))),
        );
    }
    q.order((t::created_at.desc(), t::id.desc()))
        .limit(limit)
        .select(CourseRow::as_select())
        .load(conn)
}

pub fn platform_ids(conn: &mut DbConn, course_id: &str) -> QueryResult<Vec<String>> {
    cp::table
        .filter(cp::course_id.eq(course_id))
        .order(cp::platform_id.asc())
        .select(cp::platform_id)
        .load(conn)
}

/// Records a review only if the course is still in `from`.
pub fn set_review(
    conn: &mut DbConn,
    id: &str,
    from: &str,
    to: &str,
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

pub fn insert_schedule(conn: &mut DbConn, row: &ScheduleRow) -> QueryResult<()> {
    diesel::insert_into(s::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn schedules(conn: &mut DbConn, course_id: &str) -> QueryResult<Vec<ScheduleRow>> {
    s::table
        .filter(s::course_id.eq(course_id))
        .order((s::starts_at.asc(), s::id.asc()))
        .select(ScheduleRow::as_select())
        .load(conn)
}

pub fn find_course(conn: &mut DbConn, id: &str) -> QueryResult<CourseRow> {
    t::table.find(id).select(CourseRow::as_select()).first(conn)
}

pub fn find_schedule(conn: &mut DbConn, id: &str) -> QueryResult<ScheduleRow> {
    s::table
        .find(id)
        .select(ScheduleRow::as_select())
        .first(conn)
}

pub fn find_schedule_by_code(
    conn: &mut DbConn,
    course_id: &str,
    code: &str,
) -> QueryResult<Option<ScheduleRow>> {
    s::table
        .filter(s::course_id.eq(course_id).and(s::schedule_code.eq(code)))
        .select(ScheduleRow::as_select())
        .first(conn)
        .optional()
}

/// Takes a seat only while one is left: the quota can never be exceeded, whatever the concurrency.
pub fn take_seat(conn: &mut DbConn, schedule_id: &str) -> QueryResult<bool> {
    diesel::update(s::table.filter(s::id.eq(schedule_id).and(s::seats_taken.lt(s::quota))))
        .set(s::seats_taken.eq(s::seats_taken + 1))
        .execute(conn)
        .map(|n| n == 1)
}

pub fn release_seat(conn: &mut DbConn, schedule_id: &str) -> QueryResult<usize> {
    diesel::update(s::table.filter(s::id.eq(schedule_id).and(s::seats_taken.gt(0))))
        .set(s::seats_taken.eq(s::seats_taken - 1))
        .execute(conn)
}
