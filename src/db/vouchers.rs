//! Queries on `vouchers`; their attendance is in `voucher_marks`.
//!
//! A lookup by a unique key (code, id, order id) reads with `get_result`, not `first`: `first`
//! adds `LIMIT ?`, and SQLite's planner reads that bound value, so the statement is re-prepared
//! every time it is bound again (`sqlite3Reprepare` was half the CPU of a voucher GET under load).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::page::after_cursor;
use super::schema::{
    certificates as cert, courses as c, participants as p, schedules as s, vouchers as t,
};
use super::voucher_marks::{self, AttendanceJson, CertificatesJson, VoucherWhole};
use crate::domain::completion::CertificateKind;
use crate::domain::training::TrainingFacts;
use crate::domain::voucher::VoucherStatus;
use crate::domain::{
    CardNumber, CourseCode, CourseId, ParticipantId, PartnerId, Rupiah, ScheduleCode, ScheduleId,
    ValidationId, Viewer, VoucherCode, VoucherId,
};
use crate::page::PageRequest;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = t, treat_none_as_default_value = false)]
pub struct Voucher {
    pub id: VoucherId,
    pub code: VoucherCode,
    pub participant_id: ParticipantId,
    pub course_id: CourseId,
    pub schedule_id: Option<ScheduleId>,
    pub platform_id: PartnerId,
    pub lpk_id: PartnerId,
    pub card_validation_id: ValidationId,
    pub external_order_id: String,
    pub amount: Rupiah,
    pub balance_after: Rupiah,
    pub status: VoucherStatus,
    pub issued_at: NaiveDateTime,
    pub redeemed_at: Option<NaiveDateTime>,
    pub completed_at: Option<NaiveDateTime>,
    pub voided_at: Option<NaiveDateTime>,
    pub void_reason: Option<String>,
    pub score: Option<i32>,
    pub rating: Option<i32>,
    pub review: Option<String>,
    pub reviewed_at: Option<NaiveDateTime>,
}

/// A voucher with what its view needs from other tables.
#[derive(Debug, Clone, Queryable)]
pub struct VoucherDetail {
    pub row: Voucher,
    pub course_code: CourseCode,
    pub card_number: CardNumber,
    pub schedule_code: Option<ScheduleCode>,
    pub course_title: String,
}

pub fn insert(conn: &mut DbConn, row: &Voucher) -> QueryResult<()> {
    diesel::insert_into(t::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn find_by_order(
    conn: &mut DbConn,
    platform_id: &PartnerId,
    external_order_id: &str,
) -> QueryResult<Option<Voucher>> {
    t::table
        .filter(
            t::platform_id
                .eq(platform_id)
                .and(t::external_order_id.eq(external_order_id)),
        )
        .select(Voucher::as_select())
        .get_result(conn)
        .optional()
}

/// The voucher's own row and what its view needs from its course, holder and schedule.
macro_rules! detail_columns {
    ($($extra:expr),*) => {
        (
            Voucher::as_select(),
            c::course_code,
            p::card_number,
            s::schedule_code.nullable(),
            c::title,
            $($extra),*
        )
    };
}

/// The voucher joined to its course, holder and schedule, and any `$extra` columns (the view's
/// JSON ones: its whole view in one statement). Unboxed, its SQL is fixed by its type, so diesel
/// prepares it once per connection and never builds its text again.
macro_rules! joined {
    ($($extra:expr),*) => {
        t::table
            .inner_join(c::table)
            .inner_join(p::table)
            .left_join(s::table)
            .select(detail_columns!($($extra),*))
    };
}

/// [`joined!`], boxed, filtered for `$viewer`: the platform that sold it, the LPK that runs it,
/// the holder who owns it, admin. For the list, whose filters vary.
macro_rules! visible {
    ($viewer:expr) => {{
        let q = joined!().into_boxed();
        match $viewer {
            Viewer::Admin => q,
            Viewer::Platform(id) => q.filter(t::platform_id.eq(id.clone())),
            Viewer::Lpk(id) => q.filter(t::lpk_id.eq(id.clone())),
            Viewer::Holder(id) => q.filter(t::participant_id.eq(id.clone())),
        }
    }};
}

/// The one row of `$query` for the voucher with this code, if `$viewer` may see it. Each arm has
/// its own type, so each is its own static statement.
macro_rules! one_by_code {
    ($query:expr, $code:expr, $viewer:expr, $c:expr) => {{
        let by_code = $query.filter(t::code.eq($code.clone()));
        match $viewer {
            Viewer::Admin => by_code.get_result($c),
            Viewer::Platform(id) => by_code.filter(t::platform_id.eq(id.clone())).get_result($c),
            Viewer::Lpk(id) => by_code.filter(t::lpk_id.eq(id.clone())).get_result($c),
            Viewer::Holder(id) => by_code
                .filter(t::participant_id.eq(id.clone()))
                .get_result($c),
        }
    }};
}

/// A voucher by code, if this viewer may see it: one static statement per kind of viewer (the
/// hot read path; a boxed query would be rebuilt as text on every call). It runs on the backend's
/// own connection: through the multi-backend one, diesel writes out a statement's whole SQL on
/// every call, even one it has prepared (its `SerializedQuery` wrapper), which was most of the
/// query building left in the read path's profile.
pub fn find_visible(
    conn: &mut DbConn,
    viewer: &Viewer,
    code: &VoucherCode,
) -> QueryResult<Option<VoucherDetail>> {
    // Built inside, once per backend: a selection is typed for the backend it runs on.
    on_backend!(conn, |c| one_by_code!(joined!(), code, viewer, c)).optional()
}

pub fn detail(conn: &mut DbConn, id: &VoucherId) -> QueryResult<VoucherDetail> {
    joined!().filter(t::id.eq(id.clone())).get_result(conn)
}

/// The row of [`joined!`] with the view's JSON columns, as it comes.
#[derive(Queryable)]
struct WholeRow {
    row: Voucher,
    course_code: CourseCode,
    card_number: CardNumber,
    schedule_code: Option<ScheduleCode>,
    course_title: String,
    marks: Option<String>,
    certificates: Option<String>,
}

fn into_whole(w: WholeRow) -> QueryResult<VoucherWhole> {
    Ok(VoucherWhole {
        detail: VoucherDetail {
            row: w.row,
            course_code: w.course_code,
            card_number: w.card_number,
            schedule_code: w.schedule_code,
            course_title: w.course_title,
        },
        marks: voucher_marks::marks(w.marks)?,
        certificates: voucher_marks::certificates(w.certificates)?,
    })
}

/// [`find_visible`] with the voucher's attendance and certificates, in one statement (the read
/// path: one round trip).
pub fn find_visible_whole(
    conn: &mut DbConn,
    viewer: &Viewer,
    code: &VoucherCode,
) -> QueryResult<Option<VoucherWhole>> {
    let row: Option<WholeRow> = on_backend!(conn, |c| {
        one_by_code!(joined!(AttendanceJson, CertificatesJson), code, viewer, c)
    })
    .optional()?;
    row.map(into_whole).transpose()
}

/// One voucher with its attendance and certificates, in one statement.
pub fn whole_by_id(conn: &mut DbConn, id: &VoucherId) -> QueryResult<VoucherWhole> {
    into_whole(on_backend!(conn, |c| joined!(
        AttendanceJson,
        CertificatesJson
    )
    .filter(t::id.eq(id.clone()))
    .get_result(c))?)
}

/// Filters of the voucher list.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub status: Option<VoucherStatus>,
    pub course_code: Option<CourseCode>,
    /// A course code was asked for that no course can have: nothing matches.
    pub no_such_course: bool,
    pub since: Option<NaiveDateTime>,
}

pub fn page(
    conn: &mut DbConn,
    viewer: &Viewer,
    filter: &Filter,
    req: &PageRequest,
) -> QueryResult<Vec<VoucherDetail>> {
    if filter.no_such_course {
        return Ok(Vec::new());
    }
    let mut q = visible!(viewer);
    if let Some(st) = filter.status {
        q = q.filter(t::status.eq(st));
    }
    if let Some(code) = &filter.course_code {
        q = q.filter(c::course_code.eq(code.clone()));
    }
    if let Some(since) = filter.since {
        q = q.filter(t::issued_at.ge(since));
    }
    let q = after_cursor!(q, t::issued_at, t::id, req.after.as_ref());
    q.order((t::issued_at.desc(), t::id.desc()))
        .limit(req.fetch())
        .load(conn)
}

/// What the "finished" rule reads of each of the holder's vouchers, in the order they were bought.
pub fn training_facts(
    conn: &mut DbConn,
    participant_id: &ParticipantId,
) -> QueryResult<Vec<TrainingFacts>> {
    Ok(trainings(conn, participant_id)?
        .into_iter()
        .map(|(_, facts)| facts)
        .collect())
}

/// [`training_facts`], each with its voucher's id: one statement, the LPK certificate joined in
/// (a voucher has at most one, `certificates_voucher_id_kind_key`), since the purchase and each
/// card validation read it.
pub fn trainings(
    conn: &mut DbConn,
    participant_id: &ParticipantId,
) -> QueryResult<Vec<(VoucherId, TrainingFacts)>> {
    let rows: Vec<(
        VoucherId,
        VoucherStatus,
        Option<NaiveDateTime>,
        Option<VoucherId>,
    )> = t::table
        .left_join(
            cert::table.on(cert::voucher_id
                .eq(t::id)
                .and(cert::kind.eq(CertificateKind::Lpk))),
        )
        .filter(t::participant_id.eq(participant_id.clone()))
        .order((t::issued_at.asc(), t::id.asc()))
        .select((
            t::id,
            t::status,
            t::reviewed_at,
            cert::voucher_id.nullable(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, status, reviewed_at, certificate)| {
            let facts = TrainingFacts {
                status,
                lpk_certified: certificate.is_some(),
                reviewed: reviewed_at.is_some(),
            };
            (id, facts)
        })
        .collect())
}

/// Takes the row locks of these vouchers of one LPK, in id order (PostgreSQL; SQLite's write
/// transaction already excludes other writers). A bulk report takes them all before it writes,
/// so two reports naming the same vouchers in different orders take them in one order: one waits
/// for the other instead of each holding what the other needs.
pub fn lock_in_order(
    conn: &mut DbConn,
    lpk: &PartnerId,
    codes: &[&VoucherCode],
) -> QueryResult<()> {
    use diesel::sql_types::{Array, Text};
    if let DbConn::Pg(pg) = conn {
        let codes: Vec<&str> = codes.iter().map(|c| c.as_str()).collect();
        diesel::sql_query(
            "SELECT id FROM vouchers WHERE lpk_id = $1 AND code = ANY($2) ORDER BY id FOR UPDATE",
        )
        .bind::<Text, _>(lpk.as_str())
        .bind::<Array<Text>, _>(codes)
        .execute(pg)?;
    }
    Ok(())
}

/// Records the LPK's completion of a redeemed voucher; false if it moved meanwhile.
pub fn record_completion(
    conn: &mut DbConn,
    id: &VoucherId,
    to: VoucherStatus,
    completed_at: NaiveDateTime,
    score: i32,
) -> QueryResult<bool> {
    let redeemed = t::id.eq(id).and(t::status.eq(VoucherStatus::Redeemed));
    diesel::update(t::table.filter(redeemed))
        .set((
            t::status.eq(to),
            t::completed_at.eq(completed_at),
            t::score.eq(score),
        ))
        .execute(conn)
        .map(|n| n == 1)
}

/// Records the holder's rating and review of a completed voucher, once; false if already given.
pub fn record_review(
    conn: &mut DbConn,
    id: &VoucherId,
    rating: i32,
    review: &str,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let open = t::id
        .eq(id)
        .and(t::status.eq(VoucherStatus::Completed))
        .and(t::reviewed_at.is_null());
    diesel::update(t::table.filter(open))
        .set((
            t::rating.eq(rating),
            t::review.eq(review),
            t::reviewed_at.eq(at),
        ))
        .execute(conn)
        .map(|n| n == 1)
}

/// Moves a voucher from `from` to `to`, stamping the time column of `to`; false if it moved meanwhile.
pub fn transition(
    conn: &mut DbConn,
    id: &VoucherId,
    from: VoucherStatus,
    to: VoucherStatus,
    at: NaiveDateTime,
    reason: Option<&str>,
) -> QueryResult<bool> {
    let target = t::table.filter(t::id.eq(id).and(t::status.eq(from)));
    let n = match to {
        VoucherStatus::Redeemed => diesel::update(target)
            .set((t::status.eq(to), t::redeemed_at.eq(at)))
            .execute(conn)?,
        VoucherStatus::Voided => diesel::update(target)
            .set((
                t::status.eq(to),
                t::voided_at.eq(at),
                t::void_reason.eq(reason),
            ))
            .execute(conn)?,
        // Completion carries a score: `record_completion`.
        VoucherStatus::Completed | VoucherStatus::NotCompleted | VoucherStatus::Issued => 0,
    };
    Ok(n == 1)
}

/// Whether any of a holder's vouchers still holds money (not voided).
pub fn holds_money(conn: &mut DbConn, participant_id: &ParticipantId) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        t::table.filter(
            t::participant_id
                .eq(participant_id.clone())
                .and(t::status.ne(VoucherStatus::Voided)),
        ),
    ))
    .get_result(conn)
}
