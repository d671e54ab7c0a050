//! Retention: what the program no longer needs is deleted on a schedule (`serve` runs it hourly;
//! `prakerja-api purge` runs it once).

use chrono::Duration;

use crate::db::{self, DbConn, idempotency, sms_outbox};
use crate::error::ApiError;

/// How many rows each purge removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Purged {
    pub idempotency_records: usize,
    pub sandbox_sms: usize,
}

/// Windows, in hours.
#[derive(Debug, Clone, Copy)]
pub struct Windows {
    pub idempotency_hours: i64,
    pub sandbox_sms_hours: i64,
}

impl Windows {
    pub fn from_config(config: &crate::config::Config) -> Self {
        Windows {
            idempotency_hours: config.retention_idempotency_hours,
            sandbox_sms_hours: config.retention_sms_hours,
        }
    }
}

pub fn purge(conn: &mut DbConn, w: Windows) -> Result<Purged, ApiError> {
    let now = db::now();
    Ok(Purged {
        idempotency_records: idempotency::purge_before(
            conn,
            now - Duration::hours(w.idempotency_hours),
        )?,
        sandbox_sms: sms_outbox::purge_before(conn, now - Duration::hours(w.sandbox_sms_hours))?,
    })
}
