//! Embedded migrations, one set per dialect, run at start-up and by `prakerja-api migrate`.

use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::DbConn;

const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");
const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// Applies every pending migration; returns how many ran.
pub fn run_pending(conn: &mut DbConn) -> Result<usize, String> {
    let applied = match conn {
        DbConn::Pg(c) => c.run_pending_migrations(POSTGRES).map(|v| v.len()),
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE).map(|v| v.len()),
    };
    applied.map_err(|e| format!("migration failed: {e}"))
}

/// True when no migration is pending (for `/readyz`).
pub fn up_to_date(conn: &mut DbConn) -> Result<bool, String> {
    let pending = match conn {
        DbConn::Pg(c) => c.has_pending_migration(POSTGRES),
        DbConn::Sqlite(c) => c.has_pending_migration(SQLITE),
    };
    pending.map(|p| !p).map_err(|e| e.to_string())
}
