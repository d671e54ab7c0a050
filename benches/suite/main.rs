//! The bench suite: every scenario of issue 11 on SQLite and PostgreSQL in one run, against the
//! real server (release build, in-process on port 0), each beside its ceiling, written into the
//! generated section of benches/RESULTS.md.
//!
//!     cargo bench --bench suite
//!
//! `BENCH_BACKENDS` (`sqlite,postgres`), `BENCH_SIZES` (`small,national`), `BENCH_ONLY` (scenario names, for development: the results file is then left alone),
//! `BENCH_SECONDS` (10, each timed load), `BENCH_DATABASE_URL` (the PostgreSQL server), `BENCH_POOL_SIZE`
//! (10, the server's connection pool).

#[path = "../support/mod.rs"]
mod support;

mod completions;
mod db_ceiling;
mod disbursement;
mod fixture;
mod http1;
mod machine;
mod openloop;
mod pgbench;
mod plans;
mod purchase;
mod reads;
mod redeem;
mod report;
mod seed;
mod wrk;

use std::time::Instant;

use fixture::Ctx;
use report::{Measured, Table};
use support::{Backend, BenchDatabase, backend_name};

type Scenario = fn(&mut Ctx) -> Vec<Measured>;

const DEFAULT_SIZES: &str = "small,national";

fn pgbench_ceilings(ctx: &mut Ctx) -> Vec<Measured> {
    match ctx.backend {
        Backend::Postgres => pgbench::run(ctx.seconds),
        Backend::Sqlite => Vec::new(),
    }
}

/// In order: the purchase buys the vouchers redeem redeems, redeem redeems those the bulk
/// completion reports (each tops up alone if run without the one before).
const SCENARIOS: &[(&str, Scenario)] = &[
    ("healthz", reads::healthz),
    ("voucher_get", reads::voucher_get),
    ("purchase", purchase::run),
    ("redeem", redeem::run),
    ("completions", completions::run),
    // Over the seed's due payments: at national size only (a small database owes nothing).
    ("disbursement", |ctx| match ctx.due {
        0 => Vec::new(),
        due => vec![ctx.rt.block_on(disbursement::run(&ctx.db, due))],
    }),
    ("db_ceiling", db_ceiling::run),
    ("pgbench", pgbench_ceilings),
];

fn list(name: &str, default: &str) -> Vec<String> {
    std::env::var(name)
        .unwrap_or_else(|_| default.to_string())
        .split(',')
        .map(|s| s.trim().to_lowercase())
        .filter(|s| !s.is_empty())
        .collect()
}

/// A database of the given size, or why there is none.
fn database(backend: Backend, size: &str) -> Result<BenchDatabase, String> {
    match size {
        "small" => BenchDatabase::fresh(backend),
        "national" => {
            let admin = match backend {
                Backend::Postgres => Some(support::postgres_admin_url()),
                Backend::Sqlite => None,
            };
            Ok(seed::national(admin.as_deref(), seed::Size::from_env()))
        }
        other => Err(format!("unknown size {other:?} (small or national)")),
    }
}

/// The command as run, with the variables that changed it.
fn command() -> String {
    let vars = [
        "BENCH_BACKENDS",
        "BENCH_SIZES",
        "BENCH_ONLY",
        "BENCH_SECONDS",
        "BENCH_DATABASE_URL",
        "BENCH_POOL_SIZE",
    ];
    let mut parts: Vec<String> = vars
        .iter()
        .filter_map(|v| std::env::var(v).ok().map(|x| format!("{v}={x}")))
        .collect();
    parts.push("cargo bench --bench suite".into());
    parts.join(" ")
}

fn main() {
    let started = Instant::now();
    let seconds = support::env_or("BENCH_SECONDS", 10) as u64;
    let backends = list("BENCH_BACKENDS", "sqlite,postgres");
    let sizes = list("BENCH_SIZES", DEFAULT_SIZES);
    let only = list("BENCH_ONLY", "");
    let before = machine::Machine::now();
    let mut tables = Vec::new();
    for size in &sizes {
        let size: &'static str = match size.as_str() {
            "small" => "small",
            "national" => "national",
            other => {
                eprintln!("skipping size {other:?}: small or national");
                continue;
            }
        };
        for name in &backends {
            let backend = match name.as_str() {
                "sqlite" => Backend::Sqlite,
                "postgres" | "postgresql" => Backend::Postgres,
                other => {
                    eprintln!("skipping backend {other:?}: sqlite or postgres");
                    continue;
                }
            };
            let db = match database(backend, size) {
                Ok(db) => db,
                Err(why) => {
                    eprintln!("{}, {size}: skipped: {why}", backend_name(backend));
                    continue;
                }
            };
            eprintln!("== {}, {size} size", backend_name(backend));
            if let (Backend::Postgres, Ok(ms)) = (backend, std::env::var("BENCH_EXPLAIN_MS")) {
                plans::explain_all(&support::postgres_admin_url(), &db, ms.parse().expect("ms"));
            }
            if std::env::var("BENCH_SEED_ONLY").is_ok() {
                continue;
            }
            if std::env::var("BENCH_PLANS").is_ok() {
                let rt = tokio::runtime::Runtime::new().expect("tokio runtime");
                rt.block_on(plans::walk(&db));
                continue;
            }
            let mut ctx = Ctx::start(db, seconds);
            if size == "national" {
                ctx.due = seed::Size::from_env().due;
            }
            let mut rows = Vec::new();
            for (scenario, run) in SCENARIOS {
                if !only.is_empty() && !only.iter().any(|o| o == scenario) {
                    continue;
                }
                // A scenario can outlast a token (the disbursement run at national size takes
                // longer than their lifetime): each starts with fresh ones.
                ctx.fresh_tokens();
                let t = Instant::now();
                let measured = run(&mut ctx);
                if !measured.is_empty() {
                    eprintln!("  {scenario}: {:.1} s", t.elapsed().as_secs_f64());
                }
                rows.extend(measured);
            }
            ctx.rt.block_on(ctx.client.stop());
            let table = Table {
                backend: backend_name(backend),
                size,
                rows,
            };
            println!("\n{}", table.markdown());
            tables.push(table);
        }
    }
    let after = machine::Machine::now();
    let comparison = report::size_comparison(&tables);
    if let Some(c) = &comparison {
        println!("\n{c}");
    }
    let wall = started.elapsed();
    let mut section = machine::header(&command(), &before, &after, wall);
    for t in &tables {
        section.push('\n');
        section.push_str(&t.markdown());
    }
    if let Some(c) = comparison {
        section.push('\n');
        section.push_str(&c);
    }
    if !sizes.iter().any(|s| s == "national") {
        section.push_str("\nNational size: not run in this run (`BENCH_SIZES`).\n");
    }
    println!("\nWall time of the whole run: {:.0} s", wall.as_secs_f64());
    // Part of the scenarios, or none: the figures are not the suite's, so the file keeps its own.
    if let Some(var) = ["BENCH_ONLY", "BENCH_SEED_ONLY", "BENCH_PLANS"]
        .into_iter()
        .find(|v| std::env::var(v).is_ok_and(|x| !x.is_empty()))
    {
        println!("{var} is set: benches/RESULTS.md left as it was.");
        return;
    }
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/RESULTS.md");
    let file = std::fs::read_to_string(path).unwrap_or_default();
    std::fs::write(path, report::splice(&file, &section)).expect("benches/RESULTS.md written");
    println!("Written into the generated section of benches/RESULTS.md.");
}
