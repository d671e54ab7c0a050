//! Stored answers per caller and `Idempotency-Key`. A record is written in the transaction of the
//! change it guards (or, for a refusal, alone: nothing changed), so a replay finds either nothing or
//! the finished answer.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::idempotency_keys as t;

crate::domain::stored_enum! {
    /// How the first request ended.
    pub enum Outcome ("idempotency outcome") {
        Done = "done",
        Refused = "refused",
    }
}

/// A stored answer: `result` is sealed JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub request_hash: String,
    pub outcome: Outcome,
    pub result: String,
}

pub fn find(conn: &mut DbConn, caller: &str, key: &str) -> QueryResult<Option<Stored>> {
    let row: Option<(String, Outcome, String)> = t::table
        .filter(t::caller_id.eq(caller).and(t::idem_key.eq(key)))
        .select((t::request_hash, t::outcome, t::result))
        .get_result(conn)
        .optional()?;
    Ok(row.map(|(request_hash, outcome, result)| Stored {
        request_hash,
        outcome,
        result,
    }))
}

/// Stores an answer; false when a record for this key exists already.
pub fn insert(
    conn: &mut DbConn,
    caller: &str,
    key: &str,
    stored: &Stored,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    super::insert_unless_exists(conn, |c| {
        diesel::insert_into(t::table)
            .values((
                t::caller_id.eq(caller),
                t::idem_key.eq(key),
                t::request_hash.eq(&stored.request_hash),
                t::outcome.eq(stored.outcome),
                t::result.eq(&stored.result),
                t::created_at.eq(now),
            ))
            .execute(c)
    })
}

/// Forgets a key, for a use case whose outbound call failed after its transaction committed: the
/// retry must run again, not replay a success that did not happen.
pub fn forget(conn: &mut DbConn, caller: &str, key: &str) -> QueryResult<usize> {
    diesel::delete(t::table.filter(t::caller_id.eq(caller).and(t::idem_key.eq(key)))).execute(conn)
}

/// On PostgreSQL, claims the key for the rest of this transaction without waiting: false when
/// another live transaction holds it (its request is still running). SQLite needs no claim: its
/// write transactions already run one at a time.
pub fn claim(conn: &mut DbConn, caller: &str, key: &str) -> QueryResult<bool> {
    #[derive(QueryableByName)]
    struct Claimed {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        claimed: bool,
    }
    match conn {
        DbConn::Sqlite(_) => Ok(true),
        DbConn::Pg(pg) => {
            let lock = advisory_key(caller, key);
            let row: Claimed = diesel::sql_query("SELECT pg_try_advisory_xact_lock($1) AS claimed")
                .bind::<diesel::sql_types::BigInt, _>(lock)
                .get_result(pg)?;
            Ok(row.claimed)
        }
    }
}

/// The advisory lock number of a key: 64 bits of its SHA-256.
pub fn advisory_key(caller: &str, key: &str) -> i64 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("idempotency\0{caller}\0{key}"));
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(bytes)
}

/// Deletes records older than `cutoff` (retention).
pub fn purge_before(conn: &mut DbConn, cutoff: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(t::table.filter(t::created_at.lt(cutoff))).execute(conn)
}
