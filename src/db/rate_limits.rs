//! Fixed-window request counters shared by every instance on the database: one row per budget and
//! key, bumped in one atomic statement, so two instances never both take the last request.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::DbConn;

#[derive(QueryableByName)]
struct Bumped {
    #[diesel(sql_type = BigInt)]
    window_start: i64,
    #[diesel(sql_type = BigInt)]
    hits: i64,
}

/// Counts one request in `bucket`'s window containing `now_ms` (a window starts every `window_ms`)
/// and returns `(window_start_ms, hits in it so far)`. The same upsert runs on both backends. Only a
/// later window starts the count again: an instance whose clock lags counts into the current
/// window instead of handing out a fresh budget.
///
/// On PostgreSQL the commit does not wait for the disk: a counter bump lost in a database crash
/// only forgives a request, and waiting for the flush cost about 7 ms of the 9 measured. There the
/// setting is made by the statement itself (`set_config(.., true)` lasts until its implicit
/// transaction commits): one round trip, where BEGIN, SET LOCAL, the upsert and COMMIT were four.
/// Call it outside any transaction: inside one, the setting would hold for that whole transaction.
pub fn bump(
    conn: &mut DbConn,
    bucket: &str,
    now_ms: i64,
    window_ms: i64,
) -> QueryResult<(i64, i64)> {
    let source = match conn {
        DbConn::Pg(_) => {
            "SELECT $1, $2, 1 FROM (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit"
        }
        _ => "VALUES ($1, $2, 1)",
    };
    let window_start = now_ms - now_ms.rem_euclid(window_ms);
    let row: Bumped = diesel::sql_query(format!(
        "INSERT INTO rate_limits (bucket, window_start, hits) {source} \
         ON CONFLICT (bucket) DO UPDATE SET \
           hits = CASE WHEN excluded.window_start > rate_limits.window_start \
                  THEN 1 ELSE rate_limits.hits + 1 END, \
           window_start = CASE WHEN excluded.window_start > rate_limits.window_start \
                  THEN excluded.window_start ELSE rate_limits.window_start END \
         RETURNING window_start, hits"
    ))
    .bind::<Text, _>(bucket)
    .bind::<BigInt, _>(window_start)
    .get_result(conn)?;
    Ok((row.window_start, row.hits))
}

/// Forgets counters whose window ended before `before_ms`.
pub fn forget_before(conn: &mut DbConn, before_ms: i64) -> QueryResult<usize> {
    diesel::sql_query("DELETE FROM rate_limits WHERE window_start < $1")
        .bind::<BigInt, _>(before_ms)
        .execute(conn)
}
