//! Queries on `otp_challenges`: OTPs the holder receives for their own acts.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{otp_challenges as t, payout_accounts as pa};
use crate::domain::challenge::{ChallengeState, Purpose};
use crate::domain::{ChallengeId, ParticipantId};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = t, treat_none_as_default_value = false)]
pub struct Challenge {
    pub id: ChallengeId,
    pub participant_id: ParticipantId,
    pub purpose: Purpose,
    pub status: ChallengeState,
    pub otp_hash: Option<String>,
    pub otp_expires_at: NaiveDateTime,
    pub wrong_attempts: i32,
    pub created_at: NaiveDateTime,
    pub passed_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConn, row: &Challenge) -> QueryResult<()> {
    diesel::insert_into(t::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// A challenge of this purpose, if it exists.
pub fn find(
    conn: &mut DbConn,
    id: &ChallengeId,
    purpose: Purpose,
) -> QueryResult<Option<Challenge>> {
    t::table
        .filter(t::id.eq(id).and(t::purpose.eq(purpose)))
        .select(Challenge::as_select())
        .get_result(conn)
        .optional()
}

/// Counts a wrong code; locks at `max` and forgets the code. The count after this guess, or None
/// when the challenge no longer waited for a code.
pub fn count_wrong_guess(
    conn: &mut DbConn,
    id: &ChallengeId,
    max: i32,
) -> QueryResult<Option<i32>> {
    let waiting = t::id
        .eq(id)
        .and(t::status.eq(ChallengeState::OtpSent))
        .and(t::wrong_attempts.lt(max));
    let n = diesel::update(t::table.filter(waiting))
        .set(t::wrong_attempts.eq(t::wrong_attempts + 1))
        .execute(conn)?;
    if n == 0 {
        return Ok(None);
    }
    let wrong: i32 = t::table
        .find(id)
        .select(t::wrong_attempts)
        .get_result(conn)?;
    if wrong >= max {
        diesel::update(t::table.find(id))
            .set((
                t::status.eq(ChallengeState::Locked),
                t::otp_hash.eq(None::<String>),
            ))
            .execute(conn)?;
    }
    Ok(Some(wrong))
}

/// Marks the challenge passed if it still waits for this very code; the code is forgotten.
pub fn pass(
    conn: &mut DbConn,
    id: &ChallengeId,
    matched_hash: &str,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let waiting = t::id
        .eq(id)
        .and(t::status.eq(ChallengeState::OtpSent))
        .and(t::otp_hash.eq(matched_hash));
    diesel::update(t::table.filter(waiting))
        .set((
            t::status.eq(ChallengeState::Passed),
            t::passed_at.eq(at),
            t::otp_hash.eq(None::<String>),
        ))
        .execute(conn)
        .map(|n| n == 1)
}

/// Retention: challenges older than `cutoff` that no linked account needs as its proof, and
/// payout accounts never confirmed. Returns `(challenges, pending accounts)` deleted.
pub fn purge_before(conn: &mut DbConn, cutoff: NaiveDateTime) -> QueryResult<(usize, usize)> {
    use crate::domain::payout::PayoutAccountStatus;
    let pending = diesel::delete(
        pa::table.filter(
            pa::created_at
                .lt(cutoff)
                .and(pa::status.eq(PayoutAccountStatus::PendingConfirmation)),
        ),
    )
    .execute(conn)?;
    diesel::update(t::table.filter(t::created_at.lt(cutoff).and(t::otp_hash.is_not_null())))
        .set(t::otp_hash.eq(None::<String>))
        .execute(conn)?;
    // NOT EXISTS, not `id <> ALL (SELECT challenge_id ...)`: PostgreSQL runs the latter as a
    // subplan per row once the kept ids outgrow work_mem (100,000 accounts: minutes), the former
    // as an anti-join on the accounts' unique challenge_id.
    let kept = pa::table.filter(pa::challenge_id.eq(t::id));
    let old = diesel::delete(
        t::table.filter(
            t::created_at
                .lt(cutoff)
                .and(diesel::dsl::not(diesel::dsl::exists(kept))),
        ),
    )
    .execute(conn)?;
    Ok((old, pending))
}
