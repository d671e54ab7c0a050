//! Queries on `attendance`, and a voucher's attendance and certificates as two JSON columns of its own row, so that reading one
//! voucher's whole view is one statement (one round trip on PostgreSQL) instead of three.
//!
//! Each column is a correlated subquery written for its backend. They are unit types with a static
//! query id, so the statement that selects them is still prepared once per connection and its SQL
//! never written out again. Times travel as text in diesel's own storage format (`%F %T%.f`), which
//! PostgreSQL is told to print (`to_char`, independent of `DateStyle`) and SQLite already holds.

use chrono::NaiveDateTime;
use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::result::Error as DieselError;
use diesel::sql_types::{Nullable, Text};
use diesel::sqlite::Sqlite;

use super::schema::attendance as a;
use super::vouchers::VoucherDetail;
use super::{DbConn, insert_unless_exists};
use crate::domain::VoucherId;
use crate::domain::completion::CertificateKind;

/// One session's mark, as the view shows it.
pub type Mark = (i32, NaiveDateTime);

/// One certificate, as the view shows it: kind, number, issued at, url.
#[derive(Debug, Clone)]
pub struct IssuedCertificate {
    pub kind: CertificateKind,
    pub number: String,
    pub issued_at: NaiveDateTime,
    pub url: String,
}

/// A voucher with its attendance and certificates: what its view shows.
#[derive(Debug, Clone)]
pub struct VoucherWhole {
    pub detail: VoucherDetail,
    pub marks: Vec<Mark>,
    pub certificates: Vec<IssuedCertificate>,
}

macro_rules! json_column {
    ($(#[$meta:meta])* $name:ident, pg: $pg:expr, sqlite: $sqlite:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, QueryId)]
        pub struct $name;

        impl Expression for $name {
            type SqlType = Nullable<Text>;
        }
        impl<QS> AppearsOnTable<QS> for $name {}
        impl<QS> SelectableExpression<QS> for $name {}
        impl ValidGrouping<()> for $name {
            type IsAggregate = diesel::expression::is_aggregate::No;
        }
        impl QueryFragment<Pg> for $name {
            fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
                out.push_sql($pg);
                Ok(())
            }
        }
        impl QueryFragment<Sqlite> for $name {
            fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
                out.push_sql($sqlite);
                Ok(())
            }
        }
    };
}

json_column!(
    /// `[[sequence, "attended at"], ...]` of the voucher in the row, or NULL (PostgreSQL)
    /// or `[]` (SQLite) when it has none.
    AttendanceJson,
    pg: "(SELECT json_agg(json_build_array(m.sequence, \
         to_char(m.attended_at, 'YYYY-MM-DD HH24:MI:SS.US')))::text \
         FROM attendance m WHERE m.voucher_id = vouchers.id)",
    sqlite: "(SELECT json_group_array(json_array(m.sequence, m.attended_at)) \
             FROM attendance m WHERE m.voucher_id = vouchers.id)"
);

json_column!(
    /// `[["kind", "number", "issued at", "url"], ...]` of the voucher in the row, or NULL.
    CertificatesJson,
    pg: "(SELECT json_agg(json_build_array(k.kind, k.number, \
         to_char(k.issued_at, 'YYYY-MM-DD HH24:MI:SS.US'), k.url))::text \
         FROM certificates k WHERE k.voucher_id = vouchers.id)",
    sqlite: "(SELECT json_group_array(json_array(k.kind, k.number, k.issued_at, k.url)) \
             FROM certificates k WHERE k.voucher_id = vouchers.id)"
);

/// Attendance of several vouchers in one query: `(voucher_id, sequence, attended_at)`.
pub fn attendance_of(
    conn: &mut DbConn,
    voucher_ids: &[VoucherId],
) -> QueryResult<Vec<(VoucherId, i32, NaiveDateTime)>> {
    let q = a::table
        .order((a::voucher_id.asc(), a::sequence.asc()))
        .select((a::voucher_id, a::sequence, a::attended_at));
    // One voucher is the common case (its view): `=` keeps the statement prepared, where SQLite's
    // `IN (?, ...)` is prepared afresh on every call (diesel cannot cache it); on the backend's own
    // connection, as `find_visible`, so its SQL is not written out again on every call.
    match voucher_ids {
        [one] => on_backend!(conn, |c| q.filter(a::voucher_id.eq(one)).load(c)),
        many => q.filter(a::voucher_id.eq_any(many)).load(conn),
    }
}

/// Records a session once; false when that sequence was already reported.
pub fn add_attendance(
    conn: &mut DbConn,
    voucher_id: &VoucherId,
    sequence: i32,
    attended_at: NaiveDateTime,
) -> QueryResult<bool> {
    let now = super::now();
    insert_unless_exists(conn, |c| {
        diesel::insert_into(a::table)
            .values((
                a::voucher_id.eq(voucher_id),
                a::sequence.eq(sequence),
                a::attended_at.eq(attended_at),
                a::recorded_at.eq(now),
            ))
            .execute(c)
    })
}

/// The marks in [`AttendanceJson`], in session order.
pub fn marks(json: Option<String>) -> QueryResult<Vec<Mark>> {
    let rows: Vec<(i32, String)> = parse(json)?;
    let mut marks = rows
        .into_iter()
        .map(|(sequence, at)| Ok((sequence, time(&at)?)))
        .collect::<QueryResult<Vec<_>>>()?;
    marks.sort_by_key(|(sequence, _)| *sequence);
    Ok(marks)
}

/// The certificates in [`CertificatesJson`], the LPK's before the national one (as
/// `certificates::of_vouchers` orders them).
pub fn certificates(json: Option<String>) -> QueryResult<Vec<IssuedCertificate>> {
    let rows: Vec<(String, String, String, String)> = parse(json)?;
    let mut certs = rows
        .into_iter()
        .map(|(kind, number, at, url)| {
            Ok(IssuedCertificate {
                // A kind the code does not know fails the read, as the typed column would.
                kind: kind.parse().map_err(|e| corrupt(format!("{e}")))?,
                number,
                issued_at: time(&at)?,
                url,
            })
        })
        .collect::<QueryResult<Vec<_>>>()?;
    certs.sort_by_key(|c| c.kind.as_str());
    Ok(certs)
}

fn parse<T: serde::de::DeserializeOwned + Default>(json: Option<String>) -> QueryResult<T> {
    match json {
        None => Ok(T::default()),
        Some(text) => serde_json::from_str(&text).map_err(|e| corrupt(e.to_string())),
    }
}

/// A stored time: diesel writes `%F %T%.f` on SQLite; PostgreSQL prints it so above.
fn time(text: &str) -> QueryResult<NaiveDateTime> {
    ["%F %T%.f", "%FT%T%.f"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
        .ok_or_else(|| corrupt(format!("unreadable stored time {text:?}")))
}

fn corrupt(why: String) -> DieselError {
    DieselError::DeserializationError(why.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_rows_is_an_empty_list() {
        assert!(marks(None).unwrap().is_empty());
        assert!(certificates(None).unwrap().is_empty());
    }

    #[test]
    fn marks_come_back_in_session_order_with_their_microseconds() {
        let json = r#"[[2,"2026-12-01 10:00:00.123456"],[1,"2026-11-30 09:00:00"]]"#;
        let got = marks(Some(json.into())).unwrap();
        assert_eq!(got[0].0, 1);
        assert_eq!(got[1].1.and_utc().timestamp_subsec_micros(), 123_456);
    }

    #[test]
    fn an_unknown_certificate_kind_or_time_fails_the_read() {
        let kind = r#"[["gold","N-1","2026-12-01 10:00:00","https://x.id/1"]]"#;
        assert!(certificates(Some(kind.into())).is_err());
        let at = r#"[["lpk","N-1","yesterday","https://x.id/1"]]"#;
        assert!(certificates(Some(at.into())).is_err());
    }
}
