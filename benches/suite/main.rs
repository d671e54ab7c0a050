//! Trying the national-size seed and the disbursement run on their own (the suite's main wires
//! them in with the other scenarios).

#[path = "../support/mod.rs"]
mod support;

mod disbursement;
mod plans;
mod report;
mod seed;

fn main() {
    let admin = std::env::var("BENCH_DATABASE_URL").ok();
    let size = seed::Size::from_env();
    let db = seed::national(admin.as_deref(), size);
    if std::env::var("BENCH_SEED_ONLY").is_ok() {
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    // BENCH_EXPLAIN_MS: log every plan of at least that many ms (PostgreSQL's auto_explain).
    if let (Some(admin), Ok(ms)) = (&admin, std::env::var("BENCH_EXPLAIN_MS")) {
        plans::explain_all(admin, &db, ms.parse().expect("milliseconds"));
    }
    if std::env::var("BENCH_PLANS").is_ok() {
        runtime.block_on(plans::walk(&db));
        return;
    }
    let m = runtime.block_on(disbursement::run(&db, size.due));
    println!(
        "{} {}: {:.0} {}/s; {}",
        db.backend, m.path, m.per_second, m.unit, m.note
    );
    // The suite's table reads the rest; here only that nothing is set.
    assert!(m.p50_ms.is_none() && m.p99_ms.is_none() && m.half_load_p99_ms.is_none());
    assert!(m.ceiling.is_none());
}
