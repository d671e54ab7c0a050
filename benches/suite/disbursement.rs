//! A disbursement run over the due payments of the national-size seed (`seed::national`): each
//! holder of the due cohort finished a training, confirmed a bank account, and has the first
//! tranche of the training incentive scheduled for today. `POST /v1/admin/disbursements/run` as
//! the sandbox's admin until all are paid, against the sandbox payout gateway, timed end to end.

use std::time::Instant;

use serde_json::json;

use crate::report::Measured;
use crate::support::BenchDatabase;

/// Runs the disbursements on `db` (a fresh copy of the seed with `due` payments due) and
/// checks that every one of them was paid.
pub async fn run(db: &BenchDatabase, due: usize) -> Measured {
    let client = db.serve();
    let admin = client.token("sandbox-admin", "sandbox-admin-secret").await;
    // A run sends a bounded number of payments; the rest wait for the next run. Runs follow
    // each other until every due payment is paid, as a scheduler would start them.
    let started = Instant::now();
    let (mut paid, mut runs) = (0, 0);
    while paid < due {
        let (status, summary) = client
            .post(&admin, "/v1/admin/disbursements/run", json!({}))
            .await;
        assert_eq!(status, 200, "{summary}");
        assert_eq!(summary["errors"], 0, "{summary}");
        let now_paid = summary["paid"].as_u64().unwrap_or_default() as usize;
        assert!(now_paid > 0, "a run paid nothing: {summary}");
        paid += now_paid;
        runs += 1;
        eprintln!(
            "  run {runs}: {paid} paid, {:.0} s",
            started.elapsed().as_secs_f64()
        );
    }
    let wall = started.elapsed().as_secs_f64();
    // Its own server, stopped like the suite's: left running, its pool and background jobs
    // stayed beside every scenario after this one.
    client.stop().await;
    // The sandbox seed's documented holders may add one or two of their own.
    assert!(paid < due + 10, "{paid} paid of {due} due: paid twice?");
    Measured {
        path: "disbursement run".into(),
        per_second: paid as f64 / wall,
        unit: "payments",
        p50_ms: None,
        p99_ms: None,
        half_load_p99_ms: None,
        ceiling: None,
        note: format!("{paid} due payments paid in {wall:.1} s by {runs} run(s), sandbox gateway"),
    }
}
