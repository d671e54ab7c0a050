//! What the metrics read from the database at scrape time: each an aggregate over an index
//! (`disbursements_status_amount`, `webhook_deliveries_pending_age`, the audit inbox's primary
//! key), cheap at a million rows.

use chrono::NaiveDateTime;
use diesel::dsl::{count_star, min};
use diesel::prelude::*;

use super::DbConn;
use super::schema::{audit_inbox as a, disbursements as d, webhook_deliveries as w};
use crate::domain::disbursement::DisbursementStatus;
use crate::domain::webhook::DeliveryStatus;
use crate::metrics::Stock;

#[derive(QueryableByName)]
struct Total {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

pub fn read(c: &mut DbConn) -> QueryResult<Stock> {
    let disbursements = d::table
        .group_by(d::status)
        .select((d::status, count_star()))
        .load::<(DisbursementStatus, i64)>(c)?;
    // diesel's SUM is NUMERIC; the cast keeps it an integer on both backends.
    // The status is a fixed name of the enum, never input.
    let paid: Total = diesel::sql_query(format!(
        "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) AS n FROM disbursements WHERE status = '{}'",
        DisbursementStatus::Paid.as_str()
    ))
    .get_result(c)?;
    let oldest_undelivered: Option<NaiveDateTime> = w::table
        .filter(w::status.eq(DeliveryStatus::Pending))
        .select(min(w::created_at))
        .first(c)?;
    // The lowest id is the oldest recorded (ids rise as events are recorded).
    let oldest_unsealed: Option<NaiveDateTime> = a::table
        .order(a::id.asc())
        .select(a::occurred_at)
        .first(c)
        .optional()?;
    Ok(Stock {
        disbursements,
        rupiah_paid: paid.n,
        oldest_undelivered,
        oldest_unsealed,
    })
}
