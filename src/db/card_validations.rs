//! Queries on `card_validations` and `otp_sends`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{card_validations as t, otp_sends as s};
use crate::domain::validation::{Stage, ValidationState};
use crate::domain::{CourseId, ParticipantId, PartnerId, ScheduleId, ValidationId};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = t, treat_none_as_default_value = false)]
pub struct Validation {
    pub id: ValidationId,
    pub platform_id: PartnerId,
    pub participant_id: ParticipantId,
    pub course_id: CourseId,
    pub schedule_id: Option<ScheduleId>,
    pub status: ValidationState,
    pub otp_hash: Option<String>,
    pub otp_expires_at: NaiveDateTime,
    pub wrong_attempts: i32,
    pub resends: i32,
    pub last_sent_at: Option<NaiveDateTime>,
    pub verified_at: Option<NaiveDateTime>,
    pub valid_until: Option<NaiveDateTime>,
    pub used_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

impl Validation {
    /// What the life-cycle rules read of it.
    pub fn stage(&self) -> Stage {
        Stage {
            stored: self.status,
            otp_expires_at: self.otp_expires_at,
            valid_until: self.valid_until,
        }
    }
}

pub fn insert(conn: &mut DbConn, row: &Validation) -> QueryResult<()> {
    diesel::insert_into(t::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// A validation, if it belongs to this platform.
pub fn find_for_platform(
    conn: &mut DbConn,
    id: &ValidationId,
    platform_id: &PartnerId,
) -> QueryResult<Option<Validation>> {
    t::table
        .filter(t::id.eq(id).and(t::platform_id.eq(platform_id)))
        .select(Validation::as_select())
        .get_result(conn)
        .optional()
}

/// A new code replaces the old one, only while the validation still waits for an OTP.
pub fn replace_otp(
    conn: &mut DbConn,
    id: &ValidationId,
    hash: &str,
    expires_at: NaiveDateTime,
    sent_at: NaiveDateTime,
    count_as_resend: bool,
) -> QueryResult<bool> {
    diesel::update(t::table.filter(t::id.eq(id).and(t::status.eq(ValidationState::OtpSent))))
        .set((
            t::otp_hash.eq(hash),
            t::otp_expires_at.eq(expires_at),
            t::last_sent_at.eq(sent_at),
            t::resends.eq(t::resends + i32::from(count_as_resend)),
        ))
        .execute(conn)
        .map(|n| n == 1)
}

/// Marks the last send failed, so a resend may follow at once.
pub fn clear_last_sent(conn: &mut DbConn, id: &ValidationId) -> QueryResult<usize> {
    diesel::update(t::table.find(id))
        .set(t::last_sent_at.eq(None::<NaiveDateTime>))
        .execute(conn)
}

/// Counts a wrong guess; locks at `max`. Returns the wrong-guess count after this one, or None if
/// the validation was no longer waiting for an OTP.
pub fn count_wrong_guess(
    conn: &mut DbConn,
    id: &ValidationId,
    max: i32,
) -> QueryResult<Option<i32>> {
    let n = diesel::update(
        t::table.filter(
            t::id
                .eq(id)
                .and(t::status.eq(ValidationState::OtpSent))
                .and(t::wrong_attempts.lt(max)),
        ),
    )
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
                t::status.eq(ValidationState::Locked),
                t::otp_hash.eq(None::<String>),
            ))
            .execute(conn)?;
    }
    Ok(Some(wrong))
}

/// Verifies only if the code that matched is still the current one (a resend may have replaced it).
pub fn mark_verified(
    conn: &mut DbConn,
    id: &ValidationId,
    matched_hash: &str,
    at: NaiveDateTime,
    valid_until: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        t::table.filter(
            t::id
                .eq(id)
                .and(t::status.eq(ValidationState::OtpSent))
                .and(t::otp_hash.eq(matched_hash)),
        ),
    )
    .set((
        t::status.eq(ValidationState::Verified),
        t::verified_at.eq(at),
        t::valid_until.eq(valid_until),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// Uses a verified validation; false when another purchase got it first.
pub fn mark_used(conn: &mut DbConn, id: &ValidationId, at: NaiveDateTime) -> QueryResult<bool> {
    diesel::update(t::table.filter(t::id.eq(id).and(t::status.eq(ValidationState::Verified))))
        .set((t::status.eq(ValidationState::Used), t::used_at.eq(at)))
        .execute(conn)
        .map(|n| n == 1)
}

pub fn record_send(
    conn: &mut DbConn,
    participant_id: &ParticipantId,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(s::table)
        .values((
            s::id.eq(uuid::Uuid::now_v7().to_string()),
            s::participant_id.eq(participant_id),
            s::sent_at.eq(at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// OTPs sent to a card since `since`, and the oldest of them.
pub fn sends_since(
    conn: &mut DbConn,
    participant_id: &ParticipantId,
    since: NaiveDateTime,
) -> QueryResult<(i64, Option<NaiveDateTime>)> {
    // Both aggregates in one statement: one round trip on every validation, resend and challenge.
    s::table
        .filter(
            s::participant_id
                .eq(participant_id)
                .and(s::sent_at.gt(since)),
        )
        .select((diesel::dsl::count_star(), diesel::dsl::min(s::sent_at)))
        .get_result(conn)
}

/// Retention: OTP send records, and validations that never bought, older than `cutoff`. A used
/// validation is its voucher's proof of the holder's presence: it stays, without its OTP hash.
/// Returns `(validations deleted, send records deleted)`.
pub fn purge_before(conn: &mut DbConn, cutoff: NaiveDateTime) -> QueryResult<(usize, usize)> {
    let sends = diesel::delete(s::table.filter(s::sent_at.lt(cutoff))).execute(conn)?;
    let old = t::created_at.lt(cutoff);
    // The status written into the statement, not bound: the partial index
    // card_validations_otp_kept (`status = 'used' AND otp_hash IS NOT NULL`) serves a query only
    // when the planner can prove that predicate, which a bound value does not let it do in a
    // plan made for any value.
    let used = format!(
        "card_validations.status = '{}'",
        ValidationState::Used.as_str()
    );
    let used = diesel::dsl::sql::<diesel::sql_types::Bool>(&used);
    diesel::update(t::table.filter(old.and(used).and(t::otp_hash.is_not_null())))
        .set(t::otp_hash.eq(None::<String>))
        .execute(conn)?;
    let unused = diesel::delete(t::table.filter(old.and(t::status.ne(ValidationState::Used))))
        .execute(conn)?;
    Ok((unused, sends))
}
