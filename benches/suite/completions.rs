//! A cohort's end in one request: `POST /v1/completions/batch` with 1,000 rows, each a passed
//! completion and its two certificates (LPK and national), over vouchers redeemed before; then
//! the same batch again, which changes nothing and answers every row `accepted`.

use std::time::Instant;

use serde_json::{Value, json};

use crate::fixture::Ctx;
use crate::report::Measured;

const ROWS: usize = 1000;

pub fn run(ctx: &mut Ctx) -> Vec<Measured> {
    ctx.top_up_redeemed(ROWS);
    let vouchers = ctx.redeemed.split_off(ctx.redeemed.len() - ROWS);
    let now = chrono::Utc::now().to_rfc3339();
    let items: Vec<Value> = vouchers
        .iter()
        .map(|v| {
            let cert = |kind: &str| {
                let number = format!("{kind}-{}", v.replace('-', ""));
                json!({"kind": kind, "number": number, "issued_at": now, "url": format!("https://lpk.example.id/c/{number}")})
            };
            json!({"voucher_code": v, "completed_at": now, "passed": true, "score": 85, "certificates": [cert("lpk"), cert("national")]})
        })
        .collect();
    let body = json!({"items": items});
    let mut rows = Vec::new();
    for (path, note) in [
        ("POST /v1/completions/batch (1,000 rows)", "applied"),
        (
            "POST /v1/completions/batch (the same again)",
            "all unchanged",
        ),
    ] {
        let t = Instant::now();
        let (s, v) = ctx.rt.block_on(ctx.client.post(
            &ctx.lpk,
            "/v1/completions/batch",
            body.clone(),
        ));
        let took = t.elapsed().as_secs_f64();
        assert_eq!(s, 200, "{v}");
        let accepted = v["results"]
            .as_array()
            .map(|r| r.iter().filter(|r| r["outcome"] == "accepted").count())
            .unwrap_or(0);
        assert_eq!(accepted, ROWS, "every row accepted: {}", v["results"][0]);
        rows.push(Measured {
            path: path.into(),
            per_second: ROWS as f64 / took,
            unit: "rows/s",
            p50_ms: None,
            p99_ms: None,
            half_load_p99_ms: None,
            ceiling: None,
            note: format!("{note}, one request of {took:.2} s, 2 certificates a row"),
        });
    }
    rows
}
