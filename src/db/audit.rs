//! The hash-chained audit trail. Audited writes put their events in the inbox, touching no shared
//! row; the sealer takes the chain head, moves the inbox's committed rows into the chain in id
//! order, and moves the head, all in one transaction: on PostgreSQL the head's row lock orders
//! concurrent sealers, on SQLite the write transaction already does.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::DbConn;
use super::schema::{audit_events as t, audit_head as head, audit_inbox as inbox};
use crate::page::PageRequest;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = t, treat_none_as_default_value = false)]
pub struct AuditRow {
    pub seq: i64,
    pub occurred_at: NaiveDateTime,
    pub actor_id: String,
    pub actor_role: String,
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    pub details: String,
    pub request_id: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// An event recorded and not yet sealed: what the chain will hold, without its place in it.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = inbox, treat_none_as_default_value = false)]
pub struct InboxRow {
    pub occurred_at: NaiveDateTime,
    pub actor_id: String,
    pub actor_role: String,
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    pub details: String,
    pub request_id: Option<String>,
}

/// Puts events in the inbox, in order (their ids rise in that order).
pub fn enqueue(conn: &mut DbConn, rows: &[InboxRow]) -> QueryResult<()> {
    if let [row] = rows {
        // One event (every use case but the bulk import): diesel's cached one-row statement.
        diesel::insert_into(inbox::table)
            .values(row)
            .execute(conn)?;
        return Ok(());
    }
    for chunk in rows.chunks(super::CHUNK) {
        on_backend!(conn, |c| diesel::insert_into(inbox::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(())
}

/// Whether any committed event waits in the inbox (one index probe, no lock).
pub fn inbox_waiting(conn: &mut DbConn) -> QueryResult<bool> {
    inbox::table
        .select(inbox::id)
        .first::<i64>(conn)
        .optional()
        .map(|id| id.is_some())
}

/// Up to `limit` committed inbox rows, oldest id first, with their ids.
pub fn inbox_batch(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<(i64, InboxRow)>> {
    inbox::table
        .order(inbox::id.asc())
        .limit(limit)
        .select((inbox::id, InboxRow::as_select()))
        .load(conn)
}

/// Takes sealed rows out of the inbox by id: never by range, since on PostgreSQL a lower id can
/// commit after a higher one was read, and a range would delete it unsealed.
pub fn forget_sealed(conn: &mut DbConn, ids: &[i64]) -> QueryResult<usize> {
    diesel::delete(inbox::table.filter(inbox::id.eq_any(ids))).execute(conn)
}

#[derive(QueryableByName)]
struct Head {
    #[diesel(sql_type = BigInt)]
    seq: i64,
    #[diesel(sql_type = Text)]
    hash: String,
}

/// Locks the head and returns `(last seq, last hash)`: only the sealer calls it, first in its
/// transaction (the lock and the read in one statement). The row stays locked until the commit.
pub fn lock_head(conn: &mut DbConn) -> QueryResult<(i64, String)> {
    if let DbConn::Pg(pg) = conn {
        // Each later statement must see what committed before it (a sealer that waited here
        // reads the inbox as the previous sealer left it), whatever the role's default says.
        diesel::sql_query("SET TRANSACTION ISOLATION LEVEL READ COMMITTED").execute(pg)?;
    }
    let h: Head =
        diesel::sql_query("UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash")
            .get_result(conn)?;
    Ok((h.seq, h.hash))
}

/// Appends rows already chained (seq and hashes set, in order) and moves the head to the last;
/// the caller took the head with `lock_head`. Many rows go in multi-row statements.
pub fn append(conn: &mut DbConn, rows: &[AuditRow]) -> QueryResult<()> {
    let Some(last) = rows.last() else {
        return Ok(());
    };
    for chunk in rows.chunks(super::CHUNK) {
        on_backend!(conn, |c| diesel::insert_into(t::table)
            .values(chunk)
            .execute(c))?;
    }
    diesel::update(head::table.find(1))
        .set((head::seq.eq(last.seq), head::hash.eq(&last.hash)))
        .execute(conn)
        .map(|_| ())
}

pub fn head(conn: &mut DbConn) -> QueryResult<(i64, String)> {
    head::table
        .find(1)
        .select((head::seq, head::hash))
        .get_result(conn)
}

/// Newest first, after the cursor's sequence number when given.
pub fn page(conn: &mut DbConn, req: &PageRequest) -> QueryResult<Vec<AuditRow>> {
    let mut q = t::table.into_boxed();
    if let Some(seq) = req.after.as_ref().and_then(|c| c.seq()) {
        q = q.filter(t::seq.lt(seq));
    }
    q.order(t::seq.desc())
        .limit(req.fetch())
        .select(AuditRow::as_select())
        .load(conn)
}

/// Oldest first, from `after` (exclusive): for walking the chain in batches.
pub fn batch_after(conn: &mut DbConn, after: i64, limit: i64) -> QueryResult<Vec<AuditRow>> {
    t::table
        .filter(t::seq.gt(after))
        .order(t::seq.asc())
        .limit(limit)
        .select(AuditRow::as_select())
        .load(conn)
}
