//! `POST /v1/vouchers/{code}/redeem` by the sandbox LPK at saturation: `CLIENTS` concurrent
//! clients over the vouchers bought before (by the purchase scenario, topped up in set-up), each
//! redeemed once, until the load's duration is over or every voucher is redeemed.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::fixture::Ctx;
use crate::openloop::{histogram, quantile_ms};
use crate::report::Measured;

const CLIENTS: usize = 16;
/// The fewest vouchers to go over: with fewer, the load is too short to be a rate.
const AT_LEAST: usize = 1000;

pub fn run(ctx: &mut Ctx) -> Vec<Measured> {
    ctx.top_up_bought(AT_LEAST);
    let vouchers = std::mem::take(&mut ctx.bought);
    let available = vouchers.len();
    let queue = Arc::new(Mutex::new(vouchers));
    let done = Arc::new(Mutex::new((histogram(), Vec::new())));
    let started = Instant::now();
    let until = started + Duration::from_secs(ctx.seconds);
    ctx.rt.block_on(async {
        let tasks = (0..CLIENTS).map(|_| {
            let (c, lpk, queue, done) = (
                ctx.client.clone(),
                ctx.lpk.clone(),
                queue.clone(),
                done.clone(),
            );
            tokio::spawn(async move {
                while Instant::now() < until {
                    let next = queue.lock().expect("queue lock").pop();
                    let Some((code, card)) = next else { break };
                    let t = Instant::now();
                    let path = format!("/v1/vouchers/{code}/redeem");
                    let (s, v) = c.post(&lpk, &path, json!({"card_number": card})).await;
                    let took = t.elapsed();
                    assert_eq!(s, 200, "redeem: {v}");
                    let mut d = done.lock().expect("results lock");
                    let _ = d.0.record(took.as_micros().max(1) as u64);
                    d.1.push(code);
                }
            })
        });
        for t in futures_util::future::join_all(tasks).await {
            t.expect("redeem client");
        }
    });
    let wall = started.elapsed().as_secs_f64();
    let (latencies, codes) = std::mem::replace(
        &mut *done.lock().expect("results lock"),
        (histogram(), Vec::new()),
    );
    ctx.bought = std::mem::take(&mut *queue.lock().expect("queue lock"));
    let redeemed = codes.len();
    ctx.redeemed.extend(codes);
    let dry = if redeemed == available {
        format!(", all {available} redeemed in {wall:.1} s")
    } else {
        format!(" of {available}")
    };
    vec![Measured {
        path: "POST /v1/vouchers/{code}/redeem".into(),
        per_second: redeemed as f64 / wall,
        unit: "req/s",
        p50_ms: quantile_ms(&latencies, 0.5),
        p99_ms: quantile_ms(&latencies, 0.99),
        half_load_p99_ms: None,
        ceiling: None,
        note: format!("sandbox LPK, {CLIENTS} clients, {redeemed} vouchers{dry}"),
    }]
}
