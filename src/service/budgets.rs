//! Request budgets that must hold across instances: a fixed window per budget and key, counted in
//! the database (`rate_limits`) or, when `PRAKERJA_REDIS_URL` is set, in Redis. Either way the count
//! is bumped in one atomic step, so instances together grant at most `limit` per window.

use std::time::Duration;

use crate::db::{self, Pool};
use crate::error::{Error, ErrorCode};

/// Where the counters live. Cheap to clone.
#[derive(Clone)]
pub enum Budgets {
    Database(Pool),
    Redis(r2d2::Pool<redis::Client>),
}

/// INCR, with the window's expiry set by the request that opens it; answers `{hits, ms left}`.
const REDIS_WINDOW: &str = r"
local hits = redis.call('INCR', KEYS[1])
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  left = tonumber(ARGV[1])
end
return {hits, left}
";

/// How long one Redis read or write may take before the request is refused (503).
const REDIS_IO_TIMEOUT: Duration = Duration::from_millis(500);

/// Set once per connection: a Redis that stops answering without closing the connection must
/// still fail fast.
#[derive(Debug)]
struct RedisTimeouts;

impl r2d2::CustomizeConnection<redis::Connection, redis::RedisError> for RedisTimeouts {
    fn on_acquire(&self, conn: &mut redis::Connection) -> Result<(), redis::RedisError> {
        conn.set_read_timeout(Some(REDIS_IO_TIMEOUT))?;
        conn.set_write_timeout(Some(REDIS_IO_TIMEOUT))
    }
}

impl Budgets {
    /// Redis when a URL is given (connected on first use, so a Redis restart is not a crash),
    /// else the database.
    pub fn new(pool: Pool, redis_url: Option<&str>) -> Result<Self, String> {
        let Some(url) = redis_url else {
            return Ok(Budgets::Database(pool));
        };
        let client =
            redis::Client::open(url).map_err(|e| format!("PRAKERJA_REDIS_URL is unusable: {e}"))?;
        let redis = r2d2::Pool::builder()
            .min_idle(Some(0))
            .max_size(32)
            .connection_timeout(Duration::from_secs(2))
            .connection_customizer(Box::new(RedisTimeouts))
            .build_unchecked(client);
        Ok(Budgets::Redis(redis))
    }

    /// Counts one request against `bucket`; past `limit` in this window it is refused with the
    /// seconds until the window ends.
    pub async fn spend(&self, bucket: String, limit: u32, window: Duration) -> Result<(), Error> {
        let window_ms = window.as_millis().max(1) as i64;
        let (hits, left_ms) = match self {
            Budgets::Database(pool) => {
                let now_ms = chrono::Utc::now().timestamp_millis();
                let (start, hits) = db::run(pool, move |c| {
                    db::rate_limits::bump(c, &bucket, now_ms, window_ms).map_err(Error::from)
                })
                .await?;
                (hits, start + window_ms - now_ms)
            }
            Budgets::Redis(redis) => {
                let redis = redis.clone();
                tokio::task::spawn_blocking(move || redis_bump(&redis, &bucket, window_ms))
                    .await
                    .map_err(|e| Error::internal("budget", e))??
            }
        };
        if hits <= i64::from(limit) {
            return Ok(());
        }
        let wait = (left_ms.max(0) as u64).div_ceil(1000).max(1);
        Err(ErrorCode::RateLimited.refusal().retry_after(wait))
    }

    /// Forgets database counters of windows that ended an hour ago (Redis expires its own).
    pub async fn forget_old(&self) -> Result<usize, Error> {
        match self {
            Budgets::Database(pool) => {
                let before = chrono::Utc::now().timestamp_millis() - 3_600_000;
                db::run(pool, move |c| {
                    db::rate_limits::forget_before(c, before).map_err(Error::from)
                })
                .await
            }
            Budgets::Redis(_) => Ok(0),
        }
    }
}

/// Redis unreachable refuses the request (503) rather than letting it past an unknown budget.
fn redis_bump(
    redis: &r2d2::Pool<redis::Client>,
    bucket: &str,
    window_ms: i64,
) -> Result<(i64, i64), Error> {
    let unavailable = |e: &dyn std::fmt::Display| {
        tracing::warn!(error = %e, "the shared rate limit store (Redis) failed");
        ErrorCode::Unavailable.refusal().retry_after(1)
    };
    let mut conn = redis.get().map_err(|e| unavailable(&e))?;
    redis::Script::new(REDIS_WINDOW)
        .key(format!("prakerja:budget:{bucket}"))
        .arg(window_ms)
        .invoke(&mut *conn)
        .map_err(|e| unavailable(&e))
}
