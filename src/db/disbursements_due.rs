//! The disbursement run's reads of what falls due, shaped for a table of national size.

use diesel::prelude::*;

use super::DbConn;
use super::disbursements::Disbursement;
use super::schema::disbursements as t;
use crate::domain::DisbursementId;
use crate::domain::disbursement::DisbursementStatus;

/// The scheduled payments falling due by `last_day` (ISO dates: as text they sort as dates),
/// soonest first; later tranches stay unread (at national size most scheduled rows are future
/// tranches: reading them all only to skip them was 300,000 rows a run).
pub fn scheduled_by(conn: &mut DbConn, last_day: &str) -> QueryResult<Vec<Disbursement>> {
    t::table
        .filter(t::status.eq(DisbursementStatus::Scheduled))
        .filter(t::scheduled_for.le(last_day))
        .order((t::scheduled_for.asc(), t::id.asc()))
        .select(Disbursement::as_select())
        .load(conn)
}

/// Has PostgreSQL sample the payments again, after a run moved many of them into a new status at
/// once. Its statistics still said that status was rare, so it read each payment by the status
/// index (walking every pending one) rather than by its key: 28 ms an update with 100,000 pending
/// (benches/RESULTS.md, "National size"). SQLite plans without statistics and needs nothing.
pub fn refresh_statistics(conn: &mut DbConn) -> QueryResult<()> {
    if let DbConn::Pg(c) = conn {
        diesel::sql_query("ANALYZE disbursements").execute(c)?;
    }
    Ok(())
}

/// Pending payments after `after` (their `(scheduled_for, id)`), soonest first, at most `limit`.
/// The run pages through them by key: payments it cannot send yet (no active account) stay
/// pending, and read from the top each time they would fill the page and hide the rest.
pub fn pending_after(
    conn: &mut DbConn,
    after: Option<&(String, DisbursementId)>,
    limit: i64,
) -> QueryResult<Vec<Disbursement>> {
    let mut q = t::table
        .filter(t::status.eq(DisbursementStatus::Pending))
        .into_boxed();
    if let Some((day, id)) = after {
        q = q.filter(
            t::scheduled_for
                .gt(day.clone())
                .or(t::scheduled_for.eq(day.clone()).and(t::id.gt(id.clone()))),
        );
    }
    q.order((t::scheduled_for.asc(), t::id.asc()))
        .limit(limit)
        .select(Disbursement::as_select())
        .load(conn)
}
