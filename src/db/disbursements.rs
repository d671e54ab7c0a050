//! Queries on `disbursements`, their history, the incentive schemes and the holidays. Every move
//! of a payment is a conditional update from the status it was read in: two runs at once move it
//! once. A payment is claimed (`pending` → `checking`) before it is sent.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
pub use super::disbursements_due::{pending_after, refresh_statistics, scheduled_by};
use super::page::after_cursor;
use super::schema::{
    disbursement_history as h, disbursements as t, holidays, incentive_schemes as s, vouchers as v,
};
use crate::domain::disbursement::{DisbursementKind, DisbursementStatus, FailureReason};
use crate::domain::incentive::Scheme;
use crate::domain::{
    CardNumber, DisbursementId, ParticipantId, PartnerId, PayoutAccountId, Rupiah, VoucherId,
};
use crate::page::PageRequest;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = t, treat_none_as_default_value = false)]
pub struct Disbursement {
    pub id: DisbursementId,
    pub participant_id: ParticipantId,
    pub voucher_id: Option<VoucherId>,
    pub kind: DisbursementKind,
    pub tranche: i32,
    pub amount: Rupiah,
    pub status: DisbursementStatus,
    pub failure_reason: Option<FailureReason>,
    /// WIB dates, `YYYY-MM-DD`.
    pub scheduled_for: String,
    pub expected_by: String,
    pub payout_account_id: Option<PayoutAccountId>,
    pub sent_at: Option<NaiveDateTime>,
    pub paid_at: Option<NaiveDateTime>,
    pub failed_at: Option<NaiveDateTime>,
    pub reference: Option<String>,
    /// 1, and one more each time a refused payment is tried again.
    pub attempt: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// One step of a payment's history: `(disbursement, status, at, note)`.
pub type Step = (
    DisbursementId,
    DisbursementStatus,
    NaiveDateTime,
    Option<String>,
);

/// A wave's scheme, or the default one (wave 0).
pub fn scheme(conn: &mut DbConn, wave: i32) -> QueryResult<Scheme> {
    let rows: Vec<(i32, Rupiah, i32, i32, Rupiah, i32)> = s::table
        .filter(s::wave.eq_any([wave, 0]))
        .order(s::wave.desc())
        .select((
            s::wave,
            s::training_amount,
            s::tranches,
            s::tranche_months,
            s::survey_amount,
            s::surveys,
        ))
        .load(conn)?;
    let (_, training_amount, tranches, tranche_months, survey_amount, surveys) = rows
        .into_iter()
        .next()
        .ok_or(diesel::result::Error::NotFound)?;
    Ok(Scheme {
        training_amount,
        tranches,
        tranche_months,
        survey_amount,
        surveys,
    })
}

/// Every listed holiday, `YYYY-MM-DD`.
pub fn holidays(conn: &mut DbConn) -> QueryResult<Vec<String>> {
    holidays::table.select(holidays::day).load(conn)
}

/// Inserts a planned payment; false when the holder already has this kind and tranche.
pub fn insert(conn: &mut DbConn, row: &Disbursement) -> QueryResult<bool> {
    super::insert_unless_exists(conn, |c| {
        diesel::insert_into(t::table).values(row).execute(c)
    })
}

pub fn record_step(
    conn: &mut DbConn,
    id: &DisbursementId,
    status: DisbursementStatus,
    at: NaiveDateTime,
    note: Option<&str>,
) -> QueryResult<()> {
    diesel::insert_into(h::table)
        .values((
            h::id.eq(uuid::Uuid::now_v7().to_string()),
            h::disbursement_id.eq(id),
            h::status.eq(status),
            h::at.eq(at),
            h::note.eq(note),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn find(conn: &mut DbConn, id: &DisbursementId) -> QueryResult<Option<Disbursement>> {
    t::table
        .find(id)
        .select(Disbursement::as_select())
        .get_result(conn)
        .optional()
}

/// A holder's payments, oldest scheduled first.
pub fn of_holder(conn: &mut DbConn, holder: &ParticipantId) -> QueryResult<Vec<Disbursement>> {
    t::table
        .filter(t::participant_id.eq(holder))
        .order((t::scheduled_for.asc(), t::kind.desc(), t::tranche.asc()))
        .select(Disbursement::as_select())
        .load(conn)
}

/// A page of a holder's payments, newest first.
pub fn page_of_holder(
    conn: &mut DbConn,
    holder: &ParticipantId,
    req: &PageRequest,
) -> QueryResult<Vec<Disbursement>> {
    let q = t::table
        .filter(t::participant_id.eq(holder.clone()))
        .into_boxed();
    let q = after_cursor!(q, t::created_at, t::id, req.after.as_ref());
    q.order((t::created_at.desc(), t::id.desc()))
        .limit(req.fetch())
        .select(Disbursement::as_select())
        .load(conn)
}

/// The card numbers of the holders of some payments.
pub fn cards_of(
    conn: &mut DbConn,
    holders: &[ParticipantId],
) -> QueryResult<Vec<(ParticipantId, CardNumber)>> {
    use super::schema::participants as p;
    p::table
        .filter(p::id.eq_any(holders))
        .select((p::id, p::card_number))
        .load(conn)
}

/// The history of several payments, in order.
pub fn steps_of(conn: &mut DbConn, ids: &[DisbursementId]) -> QueryResult<Vec<Step>> {
    h::table
        .filter(h::disbursement_id.eq_any(ids))
        .order((h::at.asc(), h::id.asc()))
        .select((h::disbursement_id, h::status, h::at, h::note))
        .load(conn)
}

/// The payments in `status` (all holders), oldest first, at most `limit`.
pub fn in_status(
    conn: &mut DbConn,
    status: DisbursementStatus,
    limit: i64,
) -> QueryResult<Vec<Disbursement>> {
    t::table
        .filter(t::status.eq(status))
        .order((t::scheduled_for.asc(), t::id.asc()))
        .limit(limit)
        .select(Disbursement::as_select())
        .load(conn)
}

/// Moves a payment from `from`; false when it is no longer there (another run moved it).
pub fn set_status(
    conn: &mut DbConn,
    id: &DisbursementId,
    from: DisbursementStatus,
    to: DisbursementStatus,
    reason: Option<FailureReason>,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let failed_at = (to == DisbursementStatus::Failed).then_some(at);
    diesel::update(t::table.filter(t::id.eq(id).and(t::status.eq(from))))
        .set((
            t::status.eq(to),
            t::failure_reason.eq(reason),
            t::failed_at.eq(failed_at),
            t::updated_at.eq(at),
        ))
        .execute(conn)
        .map(|n| n == 1)
}

/// Dates a payment anew (a failure fixed, later tranches kept a month apart).
pub fn redate(
    conn: &mut DbConn,
    id: &DisbursementId,
    scheduled_for: &str,
    expected_by: &str,
) -> QueryResult<usize> {
    diesel::update(t::table.find(id))
        .set((
            t::scheduled_for.eq(scheduled_for),
            t::expected_by.eq(expected_by),
        ))
        .execute(conn)
}

/// A refused payment will be tried again: a new attempt, under a new idempotency key.
pub fn next_attempt(conn: &mut DbConn, id: &DisbursementId) -> QueryResult<usize> {
    diesel::update(t::table.find(id))
        .set(t::attempt.eq(t::attempt + 1))
        .execute(conn)
}

/// Claims a pending payment for sending to `account`: `checking` from now. False when another
/// run claimed it first. Call inside a write transaction: on SQLite its write lock orders the
/// runs; on PostgreSQL the row is locked with `SKIP LOCKED`, so a run never waits behind another
/// one's claim, and the conditional update still moves it once.
pub fn claim(
    conn: &mut DbConn,
    id: &DisbursementId,
    account: &PayoutAccountId,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let pending = t::id.eq(id).and(t::status.eq(DisbursementStatus::Pending));
    if let DbConn::Pg(pg) = conn {
        let free: Option<DisbursementId> = t::table
            .filter(pending)
            .select(t::id)
            .for_update()
            .skip_locked()
            .first(pg)
            .optional()?;
        if free.is_none() {
            return Ok(false);
        }
    }
    diesel::update(t::table.filter(pending))
        .set((
            t::status.eq(DisbursementStatus::Checking),
            t::payout_account_id.eq(account),
            t::sent_at.eq(at),
            t::updated_at.eq(at),
        ))
        .execute(conn)
        .map(|n| n == 1)
}

/// Records the gateway's (or a bank's) word on a payment still in one of the `from` statuses.
pub fn settle(
    conn: &mut DbConn,
    id: &DisbursementId,
    from: &[DisbursementStatus],
    to: DisbursementStatus,
    reason: Option<FailureReason>,
    reference: Option<&str>,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let open = t::id.eq(id).and(t::status.eq_any(from));
    let paid_at = (to == DisbursementStatus::Paid).then_some(at);
    let failed_at = (to == DisbursementStatus::Failed).then_some(at);
    diesel::update(t::table.filter(open))
        .set((
            t::status.eq(to),
            t::failure_reason.eq(reason),
            t::reference.eq(reference),
            t::paid_at.eq(paid_at),
            t::failed_at.eq(failed_at),
            t::updated_at.eq(at),
        ))
        .execute(conn)
        .map(|n| n == 1)
}

/// Payments sent before `before` and still unanswered (a crash, a lost answer).
pub fn unanswered(
    conn: &mut DbConn,
    before: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<Disbursement>> {
    t::table
        .filter(
            t::status
                .eq(DisbursementStatus::Checking)
                .and(t::sent_at.lt(before)),
        )
        .order(t::sent_at.asc())
        .limit(limit)
        .select(Disbursement::as_select())
        .load(conn)
}

/// A revoked card's payments that never left: removed (the program pays nothing after
/// revocation). The status condition is in the statements themselves, so a payment claimed for
/// sending meanwhile is never removed.
pub fn cancel_unsent(conn: &mut DbConn, holder: &ParticipantId) -> QueryResult<usize> {
    let unsent = || {
        t::table
            .filter(t::participant_id.eq(holder.clone()))
            .filter(t::status.eq_any([
                DisbursementStatus::Scheduled,
                DisbursementStatus::Pending,
                DisbursementStatus::Failed,
                DisbursementStatus::Held,
            ]))
    };
    diesel::delete(h::table.filter(h::disbursement_id.eq_any(unsent().select(t::id))))
        .execute(conn)?;
    diesel::delete(unsent()).execute(conn)
}

/// One payment sent and never received by the gateway, removed because its card was revoked;
/// false when another run took it meanwhile.
pub fn cancel_unreceived(
    conn: &mut DbConn,
    id: &DisbursementId,
    sent_at: NaiveDateTime,
) -> QueryResult<bool> {
    let this = || {
        t::table
            .filter(t::id.eq(id))
            .filter(t::status.eq(DisbursementStatus::Checking))
            .filter(t::sent_at.eq(sent_at))
    };
    diesel::delete(h::table.filter(h::disbursement_id.eq_any(this().select(t::id))))
        .execute(conn)?;
    diesel::delete(this()).execute(conn).map(|n| n == 1)
}

/// Takes a payment sent at `sent_at` and never answered for sending again, so two runs asking
/// about it at once do not both send it; false when another run took it.
pub fn reclaim(
    conn: &mut DbConn,
    id: &DisbursementId,
    sent_at: NaiveDateTime,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        t::table
            .filter(t::id.eq(id))
            .filter(t::status.eq(DisbursementStatus::Checking))
            .filter(t::sent_at.eq(sent_at)),
    )
    .set((t::sent_at.eq(at), t::updated_at.eq(at)))
    .execute(conn)
    .map(|n| n == 1)
}

/// The holders with something that may be owed and not yet scheduled: a completed voucher and no
/// training tranche (the schedule adds all at once), or a survey without its incentive; not
/// every completed holder on every run (at a national wave, minutes of no-op work).
pub fn candidates(conn: &mut DbConn) -> QueryResult<Vec<ParticipantId>> {
    use super::schema::surveys as sv;
    use crate::domain::{disbursement::DisbursementKind as K, voucher::VoucherStatus};
    use diesel::dsl::{exists, not};
    let of = |kind| t::table.filter(t::kind.eq(kind));
    let training = of(K::TrainingIncentive).filter(t::participant_id.eq(v::participant_id));
    let done = v::status.eq(VoucherStatus::Completed);
    let mut ids: Vec<ParticipantId> = v::table
        .filter(done.and(not(exists(training))))
        .select(v::participant_id)
        .distinct()
        .load(conn)?;
    let paid = of(K::SurveyIncentive).filter(t::participant_id.eq(sv::participant_id));
    let surveyed: Vec<ParticipantId> = sv::table
        .filter(not(exists(paid.filter(t::tranche.eq(sv::n)))))
        .select(sv::participant_id)
        .distinct()
        .load(conn)?;
    ids.extend(surveyed);
    ids.sort();
    ids.dedup();
    Ok(ids)
}

/// The partners that served a holder (the platforms that sold any of their vouchers, the LPKs
/// that redeemed one: a voucher voided before the training does not make an LPK the holder's
/// trainer): they may pull the holder's payments and are told when one changes.
pub fn partners_of(conn: &mut DbConn, holder: &ParticipantId) -> QueryResult<Vec<PartnerId>> {
    let rows: Vec<(PartnerId, PartnerId, Option<NaiveDateTime>)> = v::table
        .filter(v::participant_id.eq(holder))
        .select((v::platform_id, v::lpk_id, v::redeemed_at))
        .load(conn)?;
    let mut ids: Vec<PartnerId> = rows
        .into_iter()
        .flat_map(|(p, l, redeemed)| [Some(p), redeemed.map(|_| l)])
        .flatten()
        .collect();
    ids.sort();
    ids.dedup();
    Ok(ids)
}
