//! The hash-chained audit trail. Appending takes the chain head row first: on PostgreSQL that row
//! lock orders concurrent writers, on SQLite the write transaction already does.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::DbConn;
use super::schema::{audit_events as t, audit_head as head};
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

#[derive(QueryableByName)]
struct Head {
    #[diesel(sql_type = BigInt)]
    seq: i64,
    #[diesel(sql_type = Text)]
    hash: String,
}

/// Locks the head and returns `(last seq, last hash)`. Call inside the write transaction, as late
/// as it can come: the row stays locked until the commit, and every audited write waits for it.
/// One statement (the lock and the read together), so the hold is one round trip shorter.
pub fn lock_head(conn: &mut DbConn) -> QueryResult<(i64, String)> {
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
    if let [row] = rows {
        // One event (every use case but the bulk import): diesel's cached one-row statement.
        diesel::insert_into(t::table).values(row).execute(conn)?;
    } else {
        for chunk in rows.chunks(super::CHUNK) {
            on_backend!(conn, |c| diesel::insert_into(t::table)
                .values(chunk)
                .execute(c))?;
        }
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
        .first(conn)
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
