//! PostgreSQL's own ceilings on the same server: `pgbench -S` (single-row reads) and the default
//! TPC-B-like script (writes: three updates, a select and an insert a transaction), on a scratch
//! database initialised at scale 10, `-c 16 -j 2 -T <seconds>`. The scratch database is dropped
//! afterwards.

use std::process::Command;

use crate::report::{self, Measured};
use crate::support::{database_url, postgres_admin, postgres_admin_url};

/// `tps = ...` and `latency average = ... ms` from pgbench's report.
fn parse(out: &str) -> Option<(f64, Option<f64>)> {
    let value = |prefix: &str| {
        out.lines()
            .find_map(|l| l.strip_prefix(prefix))?
            .split_whitespace()
            .next()?
            .parse::<f64>()
            .ok()
    };
    Some((value("tps = ")?, value("latency average = ")))
}

fn pgbench(url: &str, args: &[&str]) -> Result<String, String> {
    let out = Command::new("pgbench")
        .args(args)
        .arg(url)
        .output()
        .map_err(|e| format!("pgbench could not be started (is it on PATH?): {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "pgbench {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn measure(url: &str, seconds: u64) -> Result<Vec<Measured>, String> {
    pgbench(url, &["-i", "-s", "10", "-q"])?;
    let t = seconds.to_string();
    let mut rows = Vec::new();
    for (path, extra) in [
        (report::PGBENCH_SELECT, Some("-S")),
        (report::PGBENCH_TPCB, None),
    ] {
        let mut args = vec!["-c", "16", "-j", "2", "-T", &t];
        args.extend(extra);
        let out = pgbench(url, &args)?;
        let (tps, latency) =
            parse(&out).ok_or_else(|| format!("no tps in pgbench's output:\n{out}"))?;
        rows.push(Measured {
            path: path.into(),
            per_second: tps,
            unit: "tx/s",
            p50_ms: None,
            p99_ms: None,
            half_load_p99_ms: None,
            ceiling: None,
            note: format!(
                "scale 10, -c 16 -j 2, latency average {} ms",
                latency
                    .map(|l| format!("{l:.2}"))
                    .unwrap_or_else(|| "?".into())
            ),
        });
    }
    Ok(rows)
}

pub fn run(seconds: u64) -> Vec<Measured> {
    let admin = postgres_admin_url();
    let name = format!(
        "prakerja_bench_suite_pgbench_{}",
        uuid::Uuid::new_v4().simple()
    );
    let result = postgres_admin(&admin, &format!("CREATE DATABASE \"{name}\""))
        .and_then(|()| database_url(&admin, &name))
        .and_then(|url| measure(&url, seconds));
    let dropped = postgres_admin(
        &admin,
        &format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
    );
    if let Err(e) = dropped {
        eprintln!("could not drop the pgbench database: {e}");
    }
    result.unwrap_or_else(|e| {
        eprintln!("pgbench skipped: {e}");
        Vec::new()
    })
}
