//! The store's own error, and the one place it becomes the core's [`Error`].

use crate::error::{Error, ErrorCode};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    #[error("database pool: {0}")]
    Pool(#[from] r2d2::Error),
    #[error("no turn at the database pool within {0:?}")]
    Busy(std::time::Duration),
    #[error("the blocking task running a query failed: {0}")]
    Blocking(String),
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        use diesel::result::Error as D;
        match e {
            StoreError::Query(D::NotFound) => Error::not_found("resource"),
            // PostgreSQL text cannot hold NUL; SQLite can. Either way it is the caller's input.
            StoreError::Query(D::DatabaseError(_, info)) if info.message().contains("0x00") => {
                Error::field(
                    "body",
                    "nul_character",
                    "Text fields may not contain the NUL character.",
                )
            }
            // A stored value no type accepts (an unknown status, a negative amount): the row is
            // corrupt. Fail loudly; never guess a state.
            StoreError::Query(D::DeserializationError(cause)) => {
                Error::internal("corrupt row", chain(&*cause))
            }
            // The pool could not hand out a connection, or the one it did was closed under us.
            StoreError::Query(e) if super::connection_lost(&e) => unreachable(&e),
            // SQLite's write lock not had within busy_timeout: the database is busy, not broken.
            StoreError::Query(D::DatabaseError(_, ref info)) if info.message() == SQLITE_LOCKED => {
                unreachable(&e)
            }
            StoreError::Pool(e) => unreachable(&e),
            busy @ StoreError::Busy(_) => unreachable(&busy),
            other => Error::internal("database", other),
        }
    }
}

impl From<diesel::result::Error> for Error {
    fn from(e: diesel::result::Error) -> Self {
        StoreError::Query(e).into()
    }
}

/// SQLite's message (SQLITE_BUSY) when another writer held the file past busy_timeout.
const SQLITE_LOCKED: &str = "database is locked";

/// The database cannot be reached right now: a retryable 503.
fn unreachable(e: &dyn std::fmt::Display) -> Error {
    tracing::error!(error = %e, "database pool exhausted or unreachable");
    ErrorCode::Unavailable
        .with("The database is not reachable right now; retry shortly.")
        .retry_after(1)
}

/// An error and its causes, `: `-separated (diesel's field errors keep the why in `source`).
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;

    use crate::error::{Error, ErrorCode};

    /// A writer that outwaits busy_timeout (0 here, 10 s in service) is told to retry (503 with
    /// Retry-After), not that the server failed.
    #[test]
    fn a_sqlite_write_lock_not_had_in_time_is_a_retryable_unavailable() {
        let dir = std::env::temp_dir().join(format!("prakerja-locked-{}", uuid::Uuid::now_v7()));
        let url = format!("sqlite://{}", dir.join("l.db").display());
        let pool = crate::db::pool(&url, 2).unwrap();
        let mut holder = pool.get().unwrap();
        let mut late = pool.get().unwrap();
        holder
            .batch_execute("CREATE TABLE t (n INTEGER NOT NULL); BEGIN IMMEDIATE")
            .unwrap();
        late.batch_execute("PRAGMA busy_timeout = 0").unwrap();
        let refused = crate::db::write_tx(&mut late, |c| -> Result<usize, Error> {
            Ok(diesel::sql_query("INSERT INTO t VALUES (1)").execute(c)?)
        })
        .unwrap_err();
        assert_eq!(refused.code, ErrorCode::Unavailable);
        assert_eq!(refused.retry_after, Some(1));
        holder.batch_execute("ROLLBACK").unwrap();
        drop((holder, late, pool));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
