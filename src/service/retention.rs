//! Retention: what the program no longer needs is deleted on a schedule (`serve` runs it hourly;
//! `prakerja-api purge` runs it once).

use chrono::Duration;
use serde::Serialize;

use super::Core;
use crate::auth::signature::WINDOW_SECONDS;
use crate::config::RetentionConfig;
use crate::db::{self, DbConn, card_validations, challenges, idempotency, signatures, sms_outbox};
use crate::error::Error;

/// How many rows each purge removed.
#[derive(Debug, Default, PartialEq, Eq, Serialize)]
pub struct Purged {
    pub idempotency_records: usize,
    pub sandbox_sms: usize,
    pub card_validations: usize,
    pub otp_sends: usize,
    /// Holder OTPs (sessions, payout confirmations) no linked account needs as its proof.
    pub otp_challenges: usize,
    /// Payout accounts submitted and never confirmed.
    pub pending_payout_accounts: usize,
    /// Accepted request signatures whose timestamp left the window (they could not be replayed).
    pub seen_signatures: usize,
}

pub fn purge(conn: &mut DbConn, w: RetentionConfig) -> Result<Purged, Error> {
    let now = db::now();
    let hours = Duration::hours;
    let (card_validations, otp_sends) =
        card_validations::purge_before(conn, now - hours(w.validation_hours))?;
    let (otp_challenges, pending_payout_accounts) =
        challenges::purge_before(conn, now - hours(w.validation_hours))?;
    Ok(Purged {
        idempotency_records: idempotency::purge_before(conn, now - hours(w.idempotency_hours))?,
        sandbox_sms: sms_outbox::purge_before(conn, now - hours(w.sandbox_sms_hours))?,
        card_validations,
        otp_sends,
        otp_challenges,
        pending_payout_accounts,
        // Twice the window: a margin for instances whose clocks differ a little.
        seen_signatures: signatures::purge_before(
            conn,
            now - Duration::seconds(2 * WINDOW_SECONDS),
        )?,
    })
}

impl Core {
    /// Applies the configured retention windows once.
    pub async fn purge(&self) -> Result<Purged, Error> {
        self.read(|c, core| purge(c, core.retention)).await
    }
}
