//! Stored first responses, per partner and `Idempotency-Key`.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::schema::idempotency_records as t;
use super::{DbConn, is_unique_violation};

/// How long a first response is replayed for.
pub const REPLAY_WINDOW_HOURS: i64 = 24;
/// A claim still "in progress" after this long belongs to a request that died: it may be taken over.
pub const ABANDONED_AFTER_MINUTES: i64 = 5;

#[derive(Debug, PartialEq)]
pub enum Claim {
    /// First use of the key: run the request.
    Fresh,
    /// Seen and finished: send this again.
    Replay { status: u16, body: String },
    /// Seen, still running.
    InProgress,
    /// Seen with a different request.
    Mismatch,
}

#[derive(Queryable)]
struct Row {
    request_hash: String,
    state: String,
    response_status: Option<i32>,
    response_body: Option<String>,
    created_at: NaiveDateTime,
}

fn insert(
    conn: &mut DbConn,
    partner: &str,
    key: &str,
    hash: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::insert_into(t::table)
        .values((
            t::partner_id.eq(partner),
            t::idem_key.eq(key),
            t::request_hash.eq(hash),
            t::state.eq("in_progress"),
            t::created_at.eq(now),
        ))
        .execute(conn)
}

/// Claims `key` for a request whose content hashes to `hash`.
pub fn claim(
    conn: &mut DbConn,
    partner: &str,
    key: &str,
    hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Claim> {
    for _ in 0..2 {
        match insert(conn, partner, key, hash, now) {
            Ok(_) => return Ok(Claim::Fresh),
            Err(e) if is_unique_violation(&e) => {}
            Err(e) => return Err(e),
        }
        let row: Option<Row> = t::table
            .filter(t::partner_id.eq(partner).and(t::idem_key.eq(key)))
            .select((
                t::request_hash,
                t::state,
                t::response_status,
                t::response_body,
                t::created_at,
            ))
            .first(conn)
            .optional()?;
        let Some(row) = row else { continue };
        let expired = row.created_at < now - Duration::hours(REPLAY_WINDOW_HOURS);
        let abandoned = row.state == "in_progress"
            && row.created_at < now - Duration::minutes(ABANDONED_AFTER_MINUTES);
        if expired || abandoned {
            // Only the caller that deletes this exact row retries the insert.
            diesel::delete(
                t::table.filter(
                    t::partner_id
                        .eq(partner)
                        .and(t::idem_key.eq(key))
                        .and(t::created_at.eq(row.created_at)),
                ),
            )
            .execute(conn)?;
            continue;
        }
        if row.request_hash != hash {
            return Ok(Claim::Mismatch);
        }
        return Ok(
            match (row.state.as_str(), row.response_status, row.response_body) {
                ("completed", Some(status), Some(body)) => Claim::Replay {
                    status: status as u16,
                    body,
                },
                _ => Claim::InProgress,
            },
        );
    }
    Ok(Claim::InProgress)
}

/// Stores the response of a claimed key.
pub fn complete(
    conn: &mut DbConn,
    partner: &str,
    key: &str,
    status: u16,
    body: &str,
) -> QueryResult<()> {
    diesel::update(t::table.filter(t::partner_id.eq(partner).and(t::idem_key.eq(key))))
        .set((
            t::state.eq("completed"),
            t::response_status.eq(i32::from(status)),
            t::response_body.eq(body),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Frees a claimed key whose request must not be replayed (refused for its shape, or failed on our side).
pub fn release(conn: &mut DbConn, partner: &str, key: &str) -> QueryResult<()> {
    diesel::delete(
        t::table.filter(
            t::partner_id
                .eq(partner)
                .and(t::idem_key.eq(key))
                .and(t::state.eq("in_progress")),
        ),
    )
    .execute(conn)
    .map(|_| ())
}

/// Deletes records older than `cutoff` (retention).
pub fn purge_before(conn: &mut DbConn, cutoff: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(t::table.filter(t::created_at.lt(cutoff))).execute(conn)
}
