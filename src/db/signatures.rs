//! Queries on `seen_signatures`: the signed requests already accepted, for replay protection.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::seen_signatures as t;
use super::{DbConn, insert_unless_exists};
use crate::domain::PartnerId;

/// Records a signature as used; `false` when it already was (on this instance or another: the
/// primary key decides).
pub fn record(
    conn: &mut DbConn,
    partner: &PartnerId,
    signature: &str,
    signed_at: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    insert_unless_exists(conn, |c| {
        diesel::insert_into(t::table)
            .values((
                t::partner_id.eq(partner),
                t::signature.eq(signature),
                t::signed_at.eq(signed_at),
                t::seen_at.eq(now),
            ))
            .execute(c)
    })
}

/// Deletes signatures whose timestamp is before `cutoff` (retention).
pub fn purge_before(conn: &mut DbConn, cutoff: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(t::table.filter(t::signed_at.lt(cutoff))).execute(conn)
}
