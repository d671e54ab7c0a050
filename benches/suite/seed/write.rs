//! Writing a batch of seeded rows: COPY (binary) on PostgreSQL, multi-row inserts on SQLite (the
//! caller holds one transaction open around all of them).

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::{PgConnection, SqliteConnection};
use prakerja_api::db::schema::{
    attendance, audit_events, audit_head, card_validations, certificates, disbursement_history,
    disbursements, family_cards, otp_challenges, participants, payout_accounts, vouchers,
};
use prakerja_api::domain::disbursement::DisbursementStatus;

use super::rows::Batch;
use prakerja_api::db::audit::AuditRow;

/// Rows a statement on SQLite: 20 columns a row stays under its 32,766 bind parameters.
const CHUNK: usize = 1000;

pub enum Sink {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

/// One table's rows, by COPY or by multi-row inserts.
macro_rules! put {
    ($sink:expr, $table:expr, $rows:expr) => {
        match $sink {
            Sink::Postgres(c) => {
                diesel::copy_from($table)
                    .from_insertable($rows)
                    .execute(c)?;
            }
            Sink::Sqlite(c) => {
                for chunk in $rows.chunks(CHUNK) {
                    diesel::insert_into($table).values(chunk).execute(c)?;
                }
            }
        }
    };
}

impl Sink {
    /// SQLite: one transaction around the whole seed (a commit per batch would sync each time).
    pub fn begin(&mut self) -> QueryResult<()> {
        match self {
            Sink::Postgres(_) => Ok(()),
            Sink::Sqlite(c) => c.batch_execute("BEGIN"),
        }
    }

    /// Commits; on PostgreSQL also gathers the planner's statistics, as autovacuum would soon
    /// after a load this size, so the plans measured are the ones production settles into.
    pub fn finish(&mut self) -> QueryResult<()> {
        match self {
            Sink::Postgres(c) => c.batch_execute("VACUUM ANALYZE"),
            Sink::Sqlite(c) => c.batch_execute("COMMIT"),
        }
    }

    /// Moves the audit chain's head to the last seeded event.
    pub fn set_audit_head(&mut self, seq: i64, hash: &str) -> QueryResult<()> {
        use audit_head as head;
        let q = diesel::update(head::table.find(1)).set((head::seq.eq(seq), head::hash.eq(hash)));
        match self {
            Sink::Postgres(c) => q.execute(c),
            Sink::Sqlite(c) => q.execute(c),
        }
        .map(|_| ())
    }

    pub fn batch(&mut self, b: &Batch, audit: &[AuditRow]) -> QueryResult<()> {
        use attendance as a;
        use disbursement_history as h;
        use family_cards as f;
        let families: Vec<_> = b
            .families
            .iter()
            .map(|(kk, n)| (f::kk_index.eq(kk), f::holders.eq(n)))
            .collect();
        let attended: Vec<_> = b
            .attendance
            .iter()
            .map(|(v, n, at)| {
                let recorded = *at + chrono::Duration::hours(1);
                (
                    a::voucher_id.eq(v),
                    a::sequence.eq(n),
                    a::attended_at.eq(at),
                    a::recorded_at.eq(recorded),
                )
            })
            .collect();
        // The step the run records when it schedules a payment (`disbursements::changed`).
        let history: Vec<_> = b
            .disbursements
            .iter()
            .map(|d| {
                (
                    h::id.eq(uuid::Uuid::now_v7().to_string()),
                    h::disbursement_id.eq(&d.id),
                    h::status.eq(DisbursementStatus::Scheduled),
                    h::at.eq(d.created_at),
                    h::note.eq(None::<String>),
                )
            })
            .collect();
        put!(self, participants::table, &b.participants);
        put!(self, family_cards::table, &families);
        put!(self, card_validations::table, &b.validations);
        put!(self, vouchers::table, &b.vouchers);
        put!(self, attendance::table, &attended);
        put!(self, certificates::table, &b.certificates);
        put!(self, otp_challenges::table, &b.challenges);
        put!(self, payout_accounts::table, &b.accounts);
        put!(self, disbursements::table, &b.disbursements);
        put!(self, disbursement_history::table, &history);
        put!(self, audit_events::table, audit);
        Ok(())
    }
}
