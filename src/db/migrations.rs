//! Embedded migrations, one set per dialect, run at start-up and by `prakerja-api migrate`.
//!
//! Several instances may start at once on one empty database: without a lock each would try to
//! create the same tables and all but one would fail. PostgreSQL serialises them with an advisory
//! lock; SQLite with its write lock, taken before the first migration is read.

use diesel::RunQueryDsl;
use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::DbConn;

const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");
const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// Any fixed number: the advisory lock every instance takes while migrating.
const MIGRATION_LOCK: i64 = 0x7072_616b_6572_6a61; // "prakerja"

/// Applies every pending migration; returns how many ran.
pub fn run_pending(conn: &mut DbConn) -> Result<usize, String> {
    let failed = |e: &dyn std::fmt::Display| format!("migration failed: {e}");
    match conn {
        DbConn::Pg(c) => {
            diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))
                .execute(c)
                .map_err(|e| failed(&e))?;
            let applied = c.run_pending_migrations(POSTGRES).map(|v| v.len());
            let unlocked =
                diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))
                    .execute(c);
            let applied = applied.map_err(|e| failed(&e))?;
            unlocked.map_err(|e| failed(&e))?;
            Ok(applied)
        }
        DbConn::Sqlite(c) => {
            // Each migration then runs in a savepoint inside this write transaction.
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")
                .map_err(|e| failed(&e))?;
            match c.run_pending_migrations(SQLITE).map(|v| v.len()) {
                Ok(applied) => {
                    AnsiTransactionManager::commit_transaction(c).map_err(|e| failed(&e))?;
                    Ok(applied)
                }
                Err(e) => {
                    let _ = AnsiTransactionManager::rollback_transaction(c);
                    Err(failed(&e))
                }
            }
        }
    }
}

/// True when no migration is pending (for `/readyz`).
pub fn up_to_date(conn: &mut DbConn) -> Result<bool, String> {
    let pending = match conn {
        DbConn::Pg(c) => c.has_pending_migration(POSTGRES),
        DbConn::Sqlite(c) => c.has_pending_migration(SQLITE),
    };
    pending.map(|p| !p).map_err(|e| e.to_string())
}
