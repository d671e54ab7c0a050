//! The read ceiling (`GET /healthz`: constant JSON, no auth, no database) and the authenticated
//! `GET /v1/vouchers/{code}`, both driven by wrk; then the voucher GET again, open loop at half
//! the rate wrk reached, for its latency when the server is not saturated.

use std::sync::Arc;
use std::time::Duration;

use crate::fixture::Ctx;
use crate::http1::Connection;
use crate::openloop::{self, quantile_ms};
use crate::report::{self, Measured};
use crate::wrk;

/// Vouchers the GET goes round over (bought in set-up).
const CODES: usize = 64;
/// Keep-alive connections of the open-loop GET, as many as wrk's.
const CONNECTIONS: usize = 32;

fn warm_then_run(url: &str, seconds: u64, script: Option<&std::path::Path>) -> wrk::WrkRun {
    if let Err(e) = wrk::run(url, 1, script) {
        panic!("{e}");
    }
    wrk::run(url, seconds, script).unwrap_or_else(|e| panic!("{e}"))
}

pub fn healthz(ctx: &mut Ctx) -> Vec<Measured> {
    let url = format!("{}/healthz", ctx.client.base);
    let run = warm_then_run(&url, ctx.seconds, None);
    vec![Measured {
        path: report::HEALTHZ.into(),
        per_second: run.per_second,
        unit: "req/s",
        p50_ms: Some(run.p50_ms),
        p99_ms: Some(run.p99_ms),
        half_load_p99_ms: None,
        ceiling: None,
        note: "wrk -t2 -c32".into(),
    }]
}

pub fn voucher_get(ctx: &mut Ctx) -> Vec<Measured> {
    ctx.top_up_bought(CODES);
    let paths: Vec<String> = ctx.bought[..CODES]
        .iter()
        .map(|(code, _)| format!("/v1/vouchers/{code}"))
        .collect();
    let script = wrk::round_robin_script(&ctx.platform, &paths).unwrap_or_else(|e| panic!("{e}"));
    let run = warm_then_run(&ctx.client.base, ctx.seconds, Some(script.path()));
    assert_eq!(run.non_2xx, 0, "the voucher GET answered errors under wrk");

    let rate = run.per_second / 2.0;
    let ctx_seconds = ctx.seconds;
    let (port, token, paths) = (ctx.client.port, ctx.platform.clone(), Arc::new(paths));
    let half = ctx.rt.block_on(async move {
        let mut connections = Vec::new();
        for _ in 0..CONNECTIONS {
            connections.push(Connection::open(port).await.expect("connected"));
        }
        openloop::run(
            rate,
            Duration::from_secs(ctx_seconds),
            connections,
            move |mut conn, i| {
                let (token, paths) = (token.clone(), paths.clone());
                async move {
                    let path = &paths[i as usize % paths.len()];
                    let ok = matches!(conn.get(path, &token).await, Ok(200));
                    (conn, ok.then_some(Duration::ZERO))
                }
            },
        )
        .await
    });
    assert_eq!(half.failed, 0, "the voucher GET failed at half load");
    let ceiling = match ctx.backend {
        crate::support::Backend::Sqlite => report::HEALTHZ,
        crate::support::Backend::Postgres => report::PGBENCH_SELECT,
    };
    vec![Measured {
        path: report::VOUCHER_GET.into(),
        per_second: run.per_second,
        unit: "req/s",
        p50_ms: Some(run.p50_ms),
        p99_ms: Some(run.p99_ms),
        half_load_p99_ms: quantile_ms(&half.latencies, 0.99),
        ceiling: Some(ceiling),
        note: format!(
            "platform token, {CODES} codes; wrk -t2 -c32; half load {rate:.0}/s open loop on {CONNECTIONS} connections ({} sent)",
            half.sent
        ),
    }]
}
