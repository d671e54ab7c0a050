//! An open-loop load: operations started on a fixed schedule whatever the server's answers, each
//! one's latency counted from the time it was due, not from when it was sent. A closed loop (or
//! wrk) waits for an answer before sending again, so a stalled server is asked less and its stall
//! hides in few samples ("coordinated omission"); here a stall delays every operation due during
//! it, and they all count.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use hdrhistogram::Histogram;
use tokio::time::Instant;

pub fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 120_000_000, 3).expect("valid bounds")
}

/// Milliseconds at quantile `q` of a histogram of microseconds.
pub fn quantile_ms(h: &Histogram<u64>, q: f64) -> Option<f64> {
    (!h.is_empty()).then(|| h.value_at_quantile(q) as f64 / 1000.0)
}

/// What an open-loop run measured.
pub struct OpenLoop {
    /// Latencies in microseconds, from each operation's due time.
    pub latencies: Histogram<u64>,
    /// Operations that failed (they are not in the histogram).
    pub failed: u64,
    pub sent: u64,
}

/// Runs `op(state, i)` for operation `i`, due `i / rate` seconds after the start, for
/// `duration`, from one worker per element of `states` (a connection, say): a free worker takes
/// the next operation and waits for its due time; when every worker is busy, an operation starts
/// late and the delay counts in its latency, as a server would make a real client wait. `op`
/// returns its state and the time it spent on untimed work (reading the OTP from the sandbox
/// outbox), taken off its latency, or None when it failed.
pub async fn run<S, F, Fut>(rate: f64, duration: Duration, states: Vec<S>, op: F) -> OpenLoop
where
    S: Send + 'static,
    F: Fn(S, u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = (S, Option<Duration>)> + Send + 'static,
{
    let interval = Duration::from_secs_f64(1.0 / rate.max(1.0));
    let total = (duration.as_secs_f64() * rate.max(1.0)) as u64;
    let next = Arc::new(AtomicU64::new(0));
    let op = Arc::new(op);
    let start = Instant::now();
    let workers = states.into_iter().map(|mut state| {
        let (next, op) = (next.clone(), op.clone());
        tokio::spawn(async move {
            let (mut latencies, mut failed) = (histogram(), 0u64);
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    break;
                }
                let due = start + interval.mul_f64(i as f64);
                tokio::time::sleep_until(due).await;
                let (back, untimed) = op(state, i).await;
                state = back;
                match untimed {
                    Some(untimed) => {
                        let took = due.elapsed().saturating_sub(untimed);
                        let _ = latencies.record(took.as_micros().max(1) as u64);
                    }
                    None => failed += 1,
                }
            }
            (latencies, failed)
        })
    });
    let mut all = histogram();
    let mut failed = 0;
    for w in futures_util::future::join_all(workers).await {
        let (h, f) = w.expect("open-loop worker");
        all.add(h).expect("same bounds");
        failed += f;
    }
    OpenLoop {
        latencies: all,
        failed,
        sent: total,
    }
}
