//! Queries on `partners`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::partners as t;
use crate::domain::PartnerId;
use crate::domain::partner::{PartnerKind, PartnerStatus};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = t)]
pub struct Partner {
    pub id: PartnerId,
    pub name: String,
    pub kind: PartnerKind,
    pub client_id: String,
    pub secret_hash: String,
    pub status: PartnerStatus,
    pub secret_rotated_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    /// Tokens issued under an older generation are no longer accepted.
    pub token_generation: i64,
    /// An LPK's request-signing key, sealed for this row (`crypto.rs`); none for other kinds.
    pub signing_key_cipher: Option<String>,
}

/// What a request's token is checked against: cheap to read, cached for seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Queryable)]
pub struct Stamp {
    pub status: PartnerStatus,
    pub token_generation: i64,
}

pub fn insert(conn: &mut DbConn, row: &Partner) -> QueryResult<()> {
    diesel::insert_into(t::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn find(conn: &mut DbConn, id: &PartnerId) -> QueryResult<Option<Partner>> {
    t::table
        .find(id)
        .select(Partner::as_select())
        .get_result(conn)
        .optional()
}

pub fn find_by_client_id(conn: &mut DbConn, client_id: &str) -> QueryResult<Option<Partner>> {
    t::table
        .filter(t::client_id.eq(client_id))
        .select(Partner::as_select())
        .get_result(conn)
        .optional()
}

pub fn stamp(conn: &mut DbConn, id: &PartnerId) -> QueryResult<Option<Stamp>> {
    t::table
        .find(id)
        .select((t::status, t::token_generation))
        .get_result(conn)
        .optional()
}

/// The ids among `ids` that are active platforms.
pub fn platforms_among(conn: &mut DbConn, ids: &[PartnerId]) -> QueryResult<Vec<PartnerId>> {
    t::table
        .filter(
            t::id
                .eq_any(ids)
                .and(t::kind.eq(PartnerKind::Platform))
                .and(t::status.eq(PartnerStatus::Active)),
        )
        .select(t::id)
        .load(conn)
}

/// A new secret; tokens issued before it stop working.
pub fn set_secret(
    conn: &mut DbConn,
    id: &PartnerId,
    hash: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(t::table.find(id))
        .set((
            t::secret_hash.eq(hash),
            t::secret_rotated_at.eq(at),
            t::token_generation.eq(t::token_generation + 1),
        ))
        .execute(conn)
}

/// A new sealed signing key; requests signed with the old one stop verifying at once.
pub fn set_signing_key(conn: &mut DbConn, id: &PartnerId, sealed: &str) -> QueryResult<usize> {
    diesel::update(t::table.find(id))
        .set(t::signing_key_cipher.eq(sealed))
        .execute(conn)
}

/// Every sealed signing key (`rotate-data-key` re-seals them).
pub fn signing_keys(conn: &mut DbConn) -> QueryResult<Vec<(PartnerId, String)>> {
    t::table
        .filter(t::signing_key_cipher.is_not_null())
        .select((t::id, t::signing_key_cipher.assume_not_null()))
        .load(conn)
}

/// Enables or disables a partner; disabling also retires its tokens.
pub fn set_status(conn: &mut DbConn, id: &PartnerId, status: PartnerStatus) -> QueryResult<usize> {
    let retire = i64::from(status == PartnerStatus::Disabled);
    diesel::update(t::table.find(id))
        .set((
            t::status.eq(status),
            t::token_generation.eq(t::token_generation + retire),
        ))
        .execute(conn)
}

pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    t::table.count().get_result(conn)
}

/// Every partner, oldest first (a program has hundreds, not millions).
pub fn all(conn: &mut DbConn) -> QueryResult<Vec<Partner>> {
    t::table
        .order((t::created_at.asc(), t::id.asc()))
        .select(Partner::as_select())
        .load(conn)
}
