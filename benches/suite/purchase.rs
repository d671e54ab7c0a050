//! The whole purchase flow at saturation: `CLIENTS` concurrent clients each run checkouts back to
//! back (validation with its pre-checks and OTP SMS, the OTP read from the sandbox outbox
//! (untimed), verification, purchase) for the load's duration, each with a holder registered in
//! set-up; then open loop at half that rate. A checkout commits three write transactions
//! (validation, verify, voucher), so the flow's write rate is three times its checkouts.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

use crate::fixture::{Ctx, checkout};
use crate::openloop::{self, histogram, quantile_ms};
use crate::report::{self, Measured};
use crate::support::Backend;

const CLIENTS: usize = 8;
/// Clients of the open loop at half load: twice the saturating ones, so that a free one is
/// there when a checkout is due.
const HALF_LOAD_WORKERS: usize = 2 * CLIENTS;
/// Holders registered per second of load, above any rate this machine reached (SQLite's best
/// was 406 checkouts a second with 8 clients, where 400 had been enough before); a run that uses
/// them all ends early and says so.
const HOLDERS_PER_SECOND: u64 = 800;

#[derive(Default)]
struct Steps {
    validation: Vec<Duration>,
    verify: Vec<Duration>,
    voucher: Vec<Duration>,
    flow: Vec<Duration>,
}

fn hist(v: &[Duration]) -> Histogram<u64> {
    let mut h = histogram();
    for d in v {
        let _ = h.record(d.as_micros().max(1) as u64);
    }
    h
}

pub fn run(ctx: &mut Ctx) -> Vec<Measured> {
    let holders = ctx.holders((ctx.seconds * HOLDERS_PER_SECOND) as usize);
    let queue = Arc::new(Mutex::new(holders));
    let steps = Arc::new(Mutex::new(Steps::default()));
    let codes = Arc::new(Mutex::new(Vec::new()));
    let duration = Duration::from_secs(ctx.seconds);
    let started = Instant::now();
    let ran_dry = ctx.rt.block_on(async {
        let until = started + duration;
        let tasks = (0..CLIENTS).map(|w| {
            let (c, platform, course) =
                (ctx.client.clone(), ctx.platform.clone(), ctx.course.clone());
            let (queue, steps, codes) = (queue.clone(), steps.clone(), codes.clone());
            tokio::spawn(async move {
                let mut n = 0;
                while Instant::now() < until {
                    let next = queue.lock().expect("queue lock").pop();
                    let Some(holder) = next else { return true };
                    let order = format!("S-{w}-{n}");
                    n += 1;
                    let done = checkout(&c, &platform, &course, &holder, &order)
                        .await
                        .unwrap_or_else(|e| panic!("checkout at saturation: {e}"));
                    let mut s = steps.lock().expect("steps lock");
                    s.validation.push(done.validation);
                    s.verify.push(done.verify);
                    s.voucher.push(done.voucher);
                    s.flow.push(done.validation + done.verify + done.voucher);
                    codes
                        .lock()
                        .expect("codes lock")
                        .push((done.code, holder.0));
                }
                false
            })
        });
        futures_util::future::join_all(tasks)
            .await
            .into_iter()
            .any(|dry| dry.expect("checkout client"))
    });
    let wall = started.elapsed().as_secs_f64();
    let steps = std::mem::take(&mut *steps.lock().expect("steps lock"));
    let checkouts_per_second = steps.flow.len() as f64 / wall;
    ctx.bought
        .extend(std::mem::take(&mut *codes.lock().expect("codes lock")));

    // Half load: a checkout due every 2 / rate seconds, each with its own fresh holder.
    let rate = checkouts_per_second / 2.0;
    let half_holders = ctx.holders((rate * ctx.seconds as f64 * 1.05) as usize + 1);
    let half_queue = Arc::new(Mutex::new(half_holders));
    let half_codes = Arc::new(Mutex::new(Vec::new()));
    let (c, platform, course) = (ctx.client.clone(), ctx.platform.clone(), ctx.course.clone());
    let (q, hc) = (half_queue.clone(), half_codes.clone());
    let workers = vec![(); HALF_LOAD_WORKERS];
    // Its start on the log, to line it up with what else the machine did at the time.
    eprintln!("  half load: {rate:.0} checkouts/s for {} s", ctx.seconds);
    let half = ctx
        .rt
        .block_on(openloop::run(rate, duration, workers, move |(), i| {
            let (c, platform, course, q, hc) = (
                c.clone(),
                platform.clone(),
                course.clone(),
                q.clone(),
                hc.clone(),
            );
            async move {
                let Some(holder) = q.lock().expect("queue lock").pop() else {
                    return ((), None);
                };
                let order = format!("H-{i}");
                match checkout(&c, &platform, &course, &holder, &order).await {
                    Ok(done) => {
                        hc.lock().expect("codes lock").push((done.code, holder.0));
                        ((), Some(done.otp_read))
                    }
                    Err(e) => {
                        eprintln!("checkout at half load: {e}");
                        ((), None)
                    }
                }
            }
        }));
    assert_eq!(half.failed, 0, "checkouts failed at half load");
    ctx.bought
        .extend(std::mem::take(&mut *half_codes.lock().expect("codes lock")));

    let dry = if ran_dry {
        format!(", ran out of holders after {wall:.1} s")
    } else {
        String::new()
    };
    let step = |path: &str, v: &[Duration]| {
        let h = hist(v);
        Measured {
            path: path.into(),
            per_second: checkouts_per_second,
            unit: "req/s",
            p50_ms: quantile_ms(&h, 0.5),
            p99_ms: quantile_ms(&h, 0.99),
            half_load_p99_ms: None,
            ceiling: None,
            note: format!("one per checkout, {CLIENTS} clients"),
        }
    };
    let flow = hist(&steps.flow);
    let ceiling = match ctx.backend {
        Backend::Postgres => report::PGBENCH_TPCB,
        Backend::Sqlite => report::DB_CEILING,
    };
    vec![
        step("POST /v1/card-validations", &steps.validation),
        step("POST /v1/card-validations/{id}/verify", &steps.verify),
        step("POST /v1/vouchers", &steps.voucher),
        Measured {
            path: report::PURCHASE_FLOW.into(),
            per_second: checkouts_per_second * 3.0,
            unit: "write tx/s",
            p50_ms: quantile_ms(&flow, 0.5),
            p99_ms: quantile_ms(&flow, 0.99),
            half_load_p99_ms: quantile_ms(&half.latencies, 0.99),
            ceiling: Some(ceiling),
            note: format!(
                "{checkouts_per_second:.0} checkouts/s from {CLIENTS} clients{dry}; latency: the three steps, OTP read not counted; half load {rate:.0} checkouts/s open loop, {HALF_LOAD_WORKERS} clients ({} sent)",
                half.sent
            ),
        },
    ]
}
