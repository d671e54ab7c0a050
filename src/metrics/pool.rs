//! How long checkouts wait for a pooled connection, from r2d2's own checkout events.

use prometheus::Histogram;

#[derive(Debug)]
pub struct PoolWait(pub Histogram);

impl r2d2::HandleEvent for PoolWait {
    fn handle_checkout(&self, event: r2d2::event::CheckoutEvent) {
        self.0.observe(event.duration().as_secs_f64());
    }
}

impl super::Metrics {
    /// The pool's event handler feeding `prakerja_db_pool_wait_seconds`.
    pub fn pool_wait(&self) -> PoolWait {
        PoolWait(self.pool_wait.clone())
    }
}
