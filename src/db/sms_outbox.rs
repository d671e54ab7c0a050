//! The sandbox SMS outbox.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::sms_outbox as t;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = t)]
pub struct SmsRow {
    pub id: String,
    pub to_phone: String,
    pub body: String,
    pub sent_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, row: &SmsRow) -> QueryResult<()> {
    diesel::insert_into(t::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// Messages to `phone`, newest first.
pub fn for_phone(conn: &mut DbConn, phone: &str, limit: i64) -> QueryResult<Vec<SmsRow>> {
    t::table
        .filter(t::to_phone.eq(phone))
        .order((t::sent_at.desc(), t::id.desc()))
        .limit(limit)
        .select(SmsRow::as_select())
        .load(conn)
}

pub fn purge_before(conn: &mut DbConn, cutoff: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(t::table.filter(t::sent_at.lt(cutoff))).execute(conn)
}
