//! Queries on `certificates`: at most one of each kind per voucher, numbers unique per LPK.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::certificates as t;
use crate::domain::completion::CertificateKind;
use crate::domain::{CertificateId, PartnerId, VoucherId};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = t, treat_none_as_default_value = false)]
pub struct CertificateRow {
    pub id: CertificateId,
    pub voucher_id: VoucherId,
    pub lpk_id: PartnerId,
    pub kind: CertificateKind,
    pub number: String,
    pub issued_at: NaiveDateTime,
    pub url: String,
    pub created_at: NaiveDateTime,
}

/// Inserts a certificate; false when one of its unique keys is taken (a racing writer).
pub fn insert(conn: &mut DbConn, row: &CertificateRow) -> QueryResult<bool> {
    super::insert_unless_exists(conn, |c| {
        diesel::insert_into(t::table).values(row).execute(c)
    })
}

/// The voucher's certificate of this kind, if issued.
pub fn of_kind(
    conn: &mut DbConn,
    voucher: &VoucherId,
    kind: CertificateKind,
) -> QueryResult<Option<CertificateRow>> {
    t::table
        .filter(t::voucher_id.eq(voucher).and(t::kind.eq(kind)))
        .select(CertificateRow::as_select())
        .get_result(conn)
        .optional()
}

/// Whether this LPK has issued a certificate with this number.
pub fn number_taken(conn: &mut DbConn, lpk: &PartnerId, number: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        t::table.filter(t::lpk_id.eq(lpk).and(t::number.eq(number))),
    ))
    .get_result(conn)
}

/// The certificates of several vouchers in one query, LPK's before national.
pub fn of_vouchers(conn: &mut DbConn, ids: &[VoucherId]) -> QueryResult<Vec<CertificateRow>> {
    macro_rules! q {
        () => {
            t::table
                .order((t::voucher_id.asc(), t::kind.asc()))
                .select(CertificateRow::as_select())
        };
    }
    // As `voucher_marks::attendance_of`: `=` for one voucher keeps the statement prepared on SQLite,
    // and the backend's own connection keeps its SQL from being written out on every call.
    match ids {
        [one] => on_backend!(conn, |c| q!().filter(t::voucher_id.eq(one)).load(c)),
        many => q!().filter(t::voucher_id.eq_any(many)).load(conn),
    }
}
