//! Readiness: the database answers and every migration is applied. The metrics exposition.

use super::Core;
use crate::db::{self, migrations, stock};
use crate::error::{Error, ErrorCode};

impl Core {
    pub async fn ready(&self) -> Result<(), Error> {
        let ready = self
            .read(|c, _| Ok(migrations::up_to_date(c).unwrap_or(false)))
            .await?;
        if !ready {
            return Err(ErrorCode::Unavailable
                .with("Migrations are pending.")
                .retry_after(5));
        }
        Ok(())
    }
}

impl Core {
    /// The Prometheus exposition: this instance's counters, and the stocks and the pool as they
    /// are now. With the database down the stocks keep their last values and the rest still shows.
    pub async fn metrics_exposition(&self) -> String {
        match self.read(|c, _| Ok(stock::read(c)?)).await {
            Ok(stock) => self.metrics.set_stock(&stock, db::now()),
            Err(e) => tracing::warn!(error = %e, "metrics: the database stocks were not read"),
        }
        self.metrics
            .set_pool(self.pool.state(), self.pool.max_size());
        self.metrics.render()
    }
}
