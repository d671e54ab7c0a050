//! What every handler can reach: the core, the edge's own limits and metrics, and the settings the
//! edge reads.

use std::sync::Arc;

use crate::config::Config;
use crate::http::limits::Limits;
use crate::http::middleware::metrics::Metrics;
use crate::service::Core;

pub struct AppState {
    pub core: Core,
    pub config: Arc<Config>,
    pub limits: Limits,
    pub metrics: Metrics,
    /// The base URL partners use (`PRAKERJA_PUBLIC_URL`, else the bound address).
    pub public_url: String,
}

impl AppState {
    pub fn new(core: Core, config: Config, public_url: String) -> Self {
        Self {
            limits: Limits::new(&config.limits, core.budgets.clone()),
            metrics: Metrics::new(core.metrics.registry()),
            public_url: public_url.trim_end_matches('/').to_string(),
            config: Arc::new(config),
            core,
        }
    }
}
