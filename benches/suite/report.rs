//! What a scenario measured, and how the suite writes it into benches/RESULTS.md: one table per
//! backend and size, between the markers of its generated section (the rest of the file is prose).

/// One path's figures under load. `ceiling` names the row of the same table (backend and size)
/// this path is compared with, e.g. "GET /healthz" or "pgbench TPC-B"; the ratio is computed when
/// the table is written.
#[derive(Debug, Clone)]
pub struct Measured {
    /// What was measured, as the table shows it: "GET /v1/vouchers/{code}".
    pub path: String,
    /// Operations per second at saturation (requests, transactions or rows, as `unit` says).
    pub per_second: f64,
    pub unit: &'static str,
    pub p50_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    /// p99 at half the saturated rate (open loop), where the issue sets a target.
    pub half_load_p99_ms: Option<f64>,
    pub ceiling: Option<&'static str>,
    /// How it was run (connections, rows), in a few words.
    pub note: String,
}
