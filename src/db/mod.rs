//! The store: one connection type over PostgreSQL and SQLite, its pool, and transactions. Every
//! function here takes a connection and returns `QueryResult` or [`StoreError`]; none knows HTTP.
//!
//! The variant is picked from the URL scheme (`MultiConnection::establish` would try each in turn and
//! hide why a URL failed). Every diesel call runs inside [`run`], on the blocking thread pool.

/// The same diesel call on whichever connection this is: multi-row inserts are written for each
/// backend, which batches them (the multi-backend connection would not).
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConn::Pg($c) => $body,
            $crate::db::DbConn::Sqlite($c) => $body,
        }
    };
}

/// Rows per multi-row statement: 20 columns a row stays under SQLite's 32,766 bind parameters
/// (and PostgreSQL's 65,535).
pub(crate) const CHUNK: usize = 1000;

pub mod audit;
pub mod card_validations;
pub mod certificates;
pub mod challenges;
pub mod courses;
pub mod disbursements;
mod disbursements_due;
pub mod error;
pub mod events;
pub mod idempotency;
pub mod migrations;
pub mod page;
pub mod participants;
pub mod participants_bulk;
pub mod partners;
pub mod payout_accounts;
pub mod rate_limits;
pub mod sandbox;
pub mod schema;
pub mod signatures;
pub mod sms_outbox;
pub mod stock;
pub mod surveys;
mod types;
pub mod voucher_marks;
pub mod vouchers;
pub mod webhooks;

pub use error::StoreError;

use diesel::connection::{
    AnsiTransactionManager, Instrumentation, InstrumentationEvent, SimpleConnection,
    TransactionManager,
};
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};

#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Pg(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

/// The connection pool, and a first-come-first-served gate in front of it as wide as the pool.
/// r2d2 hands a returned connection to whichever blocked thread wakes first, so under more
/// requests than connections some waited far longer than others (a p99 of hundreds of ms on
/// PostgreSQL at saturation); queued on the gate instead, requests wait as async tasks, in order,
/// and only as many blocking threads as there are connections contend for them.
/// How long a request waits for its turn at the gate, and again for the connection, before it is
/// answered 503 (a database that is down or a pool that is exhausted).
const CHECKOUT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

#[derive(Clone)]
pub struct Pool {
    inner: r2d2::Pool<ConnectionManager>,
    gate: std::sync::Arc<tokio::sync::Semaphore>,
}

impl Pool {
    fn new(inner: r2d2::Pool<ConnectionManager>) -> Self {
        let gate = tokio::sync::Semaphore::new(inner.max_size() as usize);
        Self {
            inner,
            gate: std::sync::Arc::new(gate),
        }
    }
}

impl std::ops::Deref for Pool {
    type Target = r2d2::Pool<ConnectionManager>;

    fn deref(&self) -> &Self::Target {
        &self.inner
    }
}

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Self, String> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else if url.starts_with("sqlite://") {
            Ok(Backend::Sqlite)
        } else {
            Err(format!(
                "DATABASE_URL must start with sqlite://, postgres:// or postgresql:// (got {:?})",
                url.split("://").next().unwrap_or("")
            ))
        }
    }
}

/// The filesystem path of a `sqlite://` URL.
pub fn sqlite_path(url: &str) -> &str {
    url.trim_start_matches("sqlite://")
}

/// An r2d2 manager that opens the variant the URL names and prepares SQLite connections.
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    url: String,
    backend: Backend,
}

impl ConnectionManager {
    pub fn new(url: &str) -> Result<Self, String> {
        Ok(Self {
            url: url.to_string(),
            backend: Backend::from_url(url)?,
        })
    }
}

impl ManageConnection for ConnectionManager {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        match self.backend {
            Backend::Postgres => {
                let mut conn = diesel::PgConnection::establish(&self.url)
                    .map_err(r2d2::Error::ConnectionError)?;
                conn.set_instrumentation(LostWatch::default());
                Ok(DbConn::Pg(conn))
            }
            Backend::Sqlite => {
                let mut conn = diesel::SqliteConnection::establish(sqlite_path(&self.url))
                    .map_err(r2d2::Error::ConnectionError)?;
                // busy_timeout makes writers queue instead of failing; WAL (set once in `pool`) is
                // a property of the file.
                conn.batch_execute(
                    "PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;",
                )
                .map_err(r2d2::Error::QueryError)?;
                conn.set_instrumentation(LostWatch::default());
                Ok(DbConn::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(r2d2::Error::QueryError)
    }

    /// A connection left inside a transaction (a failed rollback, a panic) must not be reused:
    /// on SQLite it would hold the write lock for good. Nor one a query found closed by the
    /// server: checkouts are not tested with a query (a round trip per request), so this is how
    /// a dead connection leaves the pool, after the one request that met it (answered 503).
    fn has_broken(&self, conn: &mut DbConn) -> bool {
        <<DbConn as Connection>::TransactionManager as TransactionManager<DbConn>>::is_broken_transaction_manager(conn)
            || conn
                .instrumentation()
                .downcast_ref::<LostWatch>()
                .is_some_and(|watch| watch.lost)
    }
}

/// Remembers that a query on its connection failed because the connection is gone.
#[derive(Default)]
struct LostWatch {
    lost: bool,
}

impl Instrumentation for LostWatch {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let InstrumentationEvent::FinishQuery { error: Some(e), .. } = event
            && connection_lost(e)
        {
            self.lost = true;
        }
    }
}

/// The error says the connection to the database is gone (closed by the server, or unsendable).
pub fn connection_lost(e: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind as K, Error as D};
    matches!(
        e,
        D::DatabaseError(K::ClosedConnection | K::UnableToSendCommand, _)
    )
}

/// Opens the pool; creates the SQLite file's folder when it does not exist.
pub fn pool(url: &str, size: u32) -> Result<Pool, String> {
    pool_with(url, size, r2d2::NopEventHandler)
}

/// As [`pool`], telling `events` of every checkout (how long it waited, for the metrics).
pub fn pool_with(
    url: &str,
    size: u32,
    events: impl r2d2::HandleEvent + 'static,
) -> Result<Pool, String> {
    let manager = ConnectionManager::new(url)?;
    if manager.backend == Backend::Sqlite
        && let Some(dir) = std::path::Path::new(sqlite_path(url)).parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    if manager.backend == Backend::Sqlite {
        // WAL lets readers run beside the writer. Switching needs the file to itself, so it is done
        // once here, before the pool opens its connections side by side.
        let mut first = manager
            .connect()
            .map_err(|e| format!("cannot open the database: {e}"))?;
        first
            .batch_execute("PRAGMA journal_mode = WAL;")
            .map_err(|e| format!("cannot switch SQLite to WAL: {e}"))?;
    }
    r2d2::Pool::builder()
        .max_size(size)
        // No `SELECT 1` before every checkout: broken connections are caught by `has_broken`.
        .test_on_check_out(false)
        .connection_timeout(CHECKOUT_TIMEOUT)
        .event_handler(Box::new(events))
        .build(manager)
        .map(Pool::new)
        .map_err(|e| format!("cannot open the database: {e}"))
}

/// Runs `f` with a pooled connection on the blocking thread pool: the async workers (actix's are
/// single-threaded runtimes) must never wait on the database themselves.
pub async fn run<T, E, F>(pool: &Pool, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<StoreError> + Send + 'static,
{
    let pool = pool.clone();
    let permit = tokio::time::timeout(CHECKOUT_TIMEOUT, pool.gate.clone().acquire_owned())
        .await
        .map_err(|_| StoreError::Busy(CHECKOUT_TIMEOUT))?
        .map_err(|e| StoreError::Blocking(e.to_string()))?;
    tokio::task::spawn_blocking(move || {
        let _turn = permit;
        let mut conn = pool.get().map_err(StoreError::from)?;
        f(&mut conn)
    })
    .await
    .map_err(|e| StoreError::Blocking(e.to_string()))?
}

/// A write transaction. On SQLite it starts with `BEGIN IMMEDIATE`, taking the write lock up front:
/// a deferred transaction that reads and then writes can fail with SQLITE_BUSY at once, whatever the
/// busy_timeout, when another writer got in between. PostgreSQL uses its default (read committed);
/// money and seats move by conditional updates, which are safe there.
pub fn write_tx<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    if matches!(conn, DbConn::Pg(_)) {
        return conn.transaction(f);
    }
    if let DbConn::Sqlite(c) = conn {
        AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?;
    }
    let result = f(conn);
    let DbConn::Sqlite(c) = conn else {
        unreachable!("the variant cannot change inside the transaction")
    };
    match result {
        Ok(value) => match AnsiTransactionManager::commit_transaction(c) {
            Ok(()) => Ok(value),
            Err(e) => {
                let _ = AnsiTransactionManager::rollback_transaction(c);
                Err(e.into())
            }
        },
        Err(e) => {
            AnsiTransactionManager::rollback_transaction(c)?;
            Err(e)
        }
    }
}

/// Runs `f` in a savepoint so that a unique violation it hits can be handled without aborting the
/// surrounding PostgreSQL transaction. Returns `Ok(false)` on a unique violation.
pub fn insert_unless_exists<F>(conn: &mut DbConn, f: F) -> QueryResult<bool>
where
    F: FnOnce(&mut DbConn) -> QueryResult<usize>,
{
    use diesel::result::{DatabaseErrorKind, Error};
    match conn.transaction(f) {
        Ok(_) => Ok(true),
        Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Serialises transactions that take the same `key` (PostgreSQL: an advisory lock held until the
/// transaction ends). SQLite's write transactions already run one at a time.
pub fn lock_for_transaction(conn: &mut DbConn, key: i64) -> QueryResult<()> {
    if let DbConn::Pg(pg) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<diesel::sql_types::BigInt, _>(key)
            .execute(pg)?;
    }
    Ok(())
}

/// True when the error is a unique-constraint violation.
pub fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(
        e,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

/// The current time, truncated to microseconds (PostgreSQL's precision) so values round-trip exactly.
pub fn now() -> chrono::NaiveDateTime {
    use chrono::{SubsecRound, Utc};
    Utc::now().naive_utc().trunc_subsecs(6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backend_comes_from_the_url_scheme_and_others_are_named_in_the_error() {
        assert_eq!(Backend::from_url("sqlite://data/x.db"), Ok(Backend::Sqlite));
        assert_eq!(
            Backend::from_url("postgres://u@h/db"),
            Ok(Backend::Postgres)
        );
        assert_eq!(
            Backend::from_url("postgresql://u@h/db"),
            Ok(Backend::Postgres)
        );
        let err = Backend::from_url("mysql://u@h/db").unwrap_err();
        for scheme in ["sqlite://", "postgres://", "postgresql://", "mysql"] {
            assert!(err.contains(scheme), "{err}");
        }
    }
}
