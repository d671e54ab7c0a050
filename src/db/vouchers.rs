//! Queries on `vouchers` and `attendance`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::courses::Viewer;
use super::schema::{
    attendance as a, courses as c, participants as p, schedules as s, vouchers as t,
};
use super::{DbConn, insert_unless_exists};
use crate::domain::voucher::VoucherStatus;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = t)]
pub struct VoucherRow {
    pub id: String,
    pub code: String,
    pub participant_id: String,
    pub course_id: String,
    pub schedule_id: Option<String>,
    pub platform_id: String,
    pub lpk_id: String,
    pub card_validation_id: String,
    pub external_order_id: String,
    pub amount: i64,
    pub balance_after: i64,
    pub status: String,
    pub issued_at: NaiveDateTime,
    pub redeemed_at: Option<NaiveDateTime>,
    pub completed_at: Option<NaiveDateTime>,
    pub voided_at: Option<NaiveDateTime>,
    pub void_reason: Option<String>,
}

pub fn insert(conn: &mut DbConn, row: &VoucherRow) -> QueryResult<()> {
    diesel::insert_into(t::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn find_by_order(
    conn: &mut DbConn,
    platform_id: &str,
    external_order_id: &str,
) -> QueryResult<Option<VoucherRow>> {
    t::table
        .filter(
            t::platform_id
                .eq(platform_id)
                .and(t::external_order_id.eq(external_order_id)),
        )
        .select(VoucherRow::as_select())
        .first(conn)
        .optional()
}

/// A voucher with what its view needs from other tables.
#[derive(Debug, Clone, Queryable)]
pub struct VoucherDetail {
    pub row: VoucherRow,
    pub course_code: String,
    pub card_number: String,
    pub schedule_code: Option<String>,
}

/// The voucher joined to its course, holder and schedule, boxed, filtered for `$viewer`.
macro_rules! visible {
    ($viewer:expr) => {{
        let q = t::table
            .inner_join(c::table)
            .inner_join(p::table)
            .left_join(s::table)
            .select((
                VoucherRow::as_select(),
                c::course_code,
                p::card_number,
                s::schedule_code.nullable(),
            ))
            .into_boxed();
        match *$viewer {
            Viewer::Admin => q,
            Viewer::Platform(id) => q.filter(t::platform_id.eq(id)),
            Viewer::Lpk(id) => q.filter(t::lpk_id.eq(id)),
        }
    }};
}

/// A voucher by code, if this viewer sold it, runs it, or is admin.
pub fn find_visible(
    conn: &mut DbConn,
    viewer: &Viewer<'_>,
    code: &str,
) -> QueryResult<Option<VoucherDetail>> {
    visible!(viewer)
        .filter(t::code.eq(code))
        .first(conn)
        .optional()
}

pub fn detail(conn: &mut DbConn, id: &str) -> QueryResult<VoucherDetail> {
    visible!(&Viewer::Admin).filter(t::id.eq(id)).first(conn)
}

/// Filters of the voucher list.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub status: Option<VoucherStatus>,
    pub course_code: Option<String>,
    pub since: Option<NaiveDateTime>,
}

pub fn page(
    conn: &mut DbConn,
    viewer: &Viewer<'_>,
    filter: &Filter,
    before: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<VoucherDetail>> {
    let mut q = visible!(viewer);
    if let Some(st) = filter.status {
        q = q.filter(t::status.eq(st.as_str()));
    }
    if let Some(code) = &filter.course_code {
        q = q.filter(c::course_code.eq(code.clone()));
    }
    if let Some(since) = filter.since {
        q = q.filter(t::issued_at.ge(since));
    }
    if let Some((at, id)) = before {
        q = q.filter(
            t::issued_at
                .lt(at)
                .or(t::issued_at.eq(at).and(t::id.lt(id))),
        );
    }
    q.order((t::issued_at.desc(), t::id.desc()))
        .limit(limit)
        .load(conn)
}

/// Attendance of several vouchers in one query: `(voucher_id, sequence, attended_at)`.
pub fn attendance_of(
    conn: &mut DbConn,
    voucher_ids: &[String],
) -> QueryResult<Vec<(String, i32, NaiveDateTime)>> {
    a::table
        .filter(a::voucher_id.eq_any(voucher_ids))
        .order((a::voucher_id.asc(), a::sequence.asc()))
        .select((a::voucher_id, a::sequence, a::attended_at))
        .load(conn)
}

/// True when the holder has a voucher whose training is not finished.
pub fn has_unfinished(conn: &mut DbConn, participant_id: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        t::table.filter(
            t::participant_id
                .eq(participant_id)
                .and(t::status.eq_any(VoucherStatus::UNFINISHED)),
        ),
    ))
    .get_result(conn)
}

/// Moves a voucher from `from` to `to`, stamping the time column of `to`; false if it moved meanwhile.
pub fn transition(
    conn: &mut DbConn,
    id: &str,
    from: VoucherStatus,
    to: VoucherStatus,
    at: NaiveDateTime,
    reason: Option<&str>,
) -> QueryResult<bool> {
    let target = t::table.filter(t::id.eq(id).and(t::status.eq(from.as_str())));
    let n = match to {
        VoucherStatus::Redeemed => diesel::update(target)
            .set((t::status.eq(to.as_str()), t::redeemed_at.eq(at)))
            .execute(conn)?,
        VoucherStatus::Voided => diesel::update(target)
            .set((
                t::status.eq(to.as_str()),
                t::voided_at.eq(at),
                t::void_reason.eq(reason),
            ))
            .execute(conn)?,
        VoucherStatus::Completed | VoucherStatus::NotCompleted => diesel::update(target)
            .set((t::status.eq(to.as_str()), t::completed_at.eq(at)))
            .execute(conn)?,
        VoucherStatus::Issued => 0,
    };
    Ok(n == 1)
}

/// Records a session once; false when that sequence was already reported.
pub fn add_attendance(
    conn: &mut DbConn,
    voucher_id: &str,
    sequence: i32,
    attended_at: NaiveDateTime,
) -> QueryResult<bool> {
    let now = super::now();
    insert_unless_exists(conn, |c| {
        diesel::insert_into(a::table)
            .values((
                a::voucher_id.eq(voucher_id),
                a::sequence.eq(sequence),
                a::attended_at.eq(attended_at),
                a::recorded_at.eq(now),
            ))
            .execute(c)
    })
}

/// Sum of the amounts of a holder's vouchers that still hold money (not voided).
pub fn committed_amount(conn: &mut DbConn, participant_id: &str) -> QueryResult<i64> {
    let amounts: Vec<i64> = t::table
        .filter(
            t::participant_id
                .eq(participant_id)
                .and(t::status.ne("voided")),
        )
        .select(t::amount)
        .load(conn)?;
    Ok(amounts.into_iter().sum())
}
