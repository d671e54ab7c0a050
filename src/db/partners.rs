//! Queries on `partners`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::partners as t;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = t)]
pub struct PartnerRow {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub client_id: String,
    pub secret_hash: String,
    pub status: String,
    pub secret_rotated_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, row: &PartnerRow) -> QueryResult<()> {
    diesel::insert_into(t::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<PartnerRow>> {
    t::table
        .find(id)
        .select(PartnerRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_client_id(conn: &mut DbConn, client_id: &str) -> QueryResult<Option<PartnerRow>> {
    t::table
        .filter(t::client_id.eq(client_id))
        .select(PartnerRow::as_select())
        .first(conn)
        .optional()
}

/// The ids among `ids` that are active platforms.
pub fn platforms_among(conn: &mut DbConn, ids: &[String]) -> QueryResult<Vec<String>> {
    t::table
        .filter(
            t::id
                .eq_any(ids)
                .and(t::kind.eq("platform"))
                .and(t::status.eq("active")),
        )
        .select(t::id)
        .load(conn)
}

pub fn set_secret(
    conn: &mut DbConn,
    id: &str,
    hash: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(t::table.find(id))
        .set((t::secret_hash.eq(hash), t::secret_rotated_at.eq(at)))
        .execute(conn)
}

pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    t::table.count().get_result(conn)
}
