//! Retention: what the program no longer needs is deleted on a schedule (`serve` runs it hourly;
//! `prakerja-api purge` runs it once).

use chrono::Duration;

use crate::db::{self, DbConn, card_validations, idempotency, sms_outbox};
use crate::error::ApiError;

/// How many rows each purge removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Purged {
    pub idempotency_records: usize,
    pub sandbox_sms: usize,
    pub card_validations: usize,
    pub otp_sends: usize,
}

/// Windows, in hours.
#[derive(Debug, Clone, Copy)]
pub struct Windows {
    pub idempotency_hours: i64,
    pub sandbox_sms_hours: i64,
    pub validation_hours: i64,
}

impl Windows {
    pub fn from_config(config: &crate::config::Config) -> Self {
        Windows {
            idempotency_hours: config.retention_idempotency_hours,
            sandbox_sms_hours: config.retention_sms_hours,
            validation_hours: config.retention_validation_hours,
        }
    }
}

pub fn purge(conn: &mut DbConn, w: Windows) -> Result<Purged, ApiError> {
    let now = db::now();
    let hours = Duration::hours;
    let (card_validations, otp_sends) =
        card_validations::purge_before(conn, now - hours(w.validation_hours))?;
    Ok(Purged {
        idempotency_records: idempotency::purge_before(conn, now - hours(w.idempotency_hours))?,
        sandbox_sms: sms_outbox::purge_before(conn, now - hours(w.sandbox_sms_hours))?,
        card_validations,
        otp_sends,
    })
}
