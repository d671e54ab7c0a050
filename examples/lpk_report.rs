//! A training institution reports the end of a cohort against a sandbox server (`cargo run` in
//! another terminal): one completion with its two certificates, then the rest of the cohort in one
//! bulk request, a bad row and a repeated row included, and what the holder must still do.
//!
//!     cargo run --example lpk_report
//!
//! `PRAKERJA_URL` (default http://127.0.0.1:8080).

#[path = "support/mod.rs"]
mod support;

use serde_json::{Value, json};
use support::{Api, Result};

#[tokio::main]
async fn main() -> Result<()> {
    let api = Api::from_env();
    let lpk = api.token("sandbox-lpk", "sandbox-lpk-secret").await?;
    let admin = api.token("sandbox-admin", "sandbox-admin-secret").await?;
    let platform = api
        .token("sandbox-platform", "sandbox-platform-secret")
        .await?;

    println!("1. the LPK publishes a self-paced course (no schedule); admin approves it");
    let course = api
        .post(&lpk, "/v1/courses", json!({"title": "Akuntansi Dasar untuk UMKM", "description": "Pembukuan sederhana untuk usaha kecil.", "price": 250000, "mode": "online", "duration_hours": 10, "sessions": 3}))
        .await?;
    let code = course["course_code"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    api.post(
        &admin,
        &format!("/v1/admin/courses/{code}/approve"),
        json!({}),
    )
    .await?;

    println!("2. a cohort of four buys it and the LPK redeems each voucher");
    let mut cohort = Vec::new();
    for _ in 0..4 {
        let (card, phone) = api.new_holder(&admin).await?;
        let voucher = api
            .sell(&platform, (&card, &phone), &code, Value::Null)
            .await?;
        let path = format!("/v1/vouchers/{voucher}/redeem");
        api.post(&lpk, &path, json!({"card_number": card})).await?;
        println!("   {voucher} redeemed");
        cohort.push((voucher, card));
    }
    let now = chrono::Utc::now().to_rfc3339();
    let certificate = |kind: &str, voucher: &str| {
        let number = format!("{}-{}", kind.to_uppercase(), voucher.replace('-', ""));
        json!({"kind": kind, "number": number, "issued_at": now, "url": format!("https://lpk.example.id/sertifikat/{number}")})
    };

    println!("3. one at a time: the first holder passed with 91; its two certificates");
    let cohort: Vec<(String, String)> = cohort;
    let first = &cohort[0].0;
    let done = api
        .post(
            &lpk,
            &format!("/v1/vouchers/{first}/completion"),
            json!({"completed_at": now, "passed": true, "score": 91}),
        )
        .await?;
    println!("   {first}: {} (score {})", done["status"], done["score"]);
    for kind in ["lpk", "national"] {
        let v = api
            .post(
                &lpk,
                &format!("/v1/vouchers/{first}/certificates"),
                certificate(kind, first),
            )
            .await?;
        println!(
            "   {kind} certificate: {} in all",
            v["certificates"].as_array().map(Vec::len).unwrap_or(0)
        );
    }

    println!("4. the rest in bulk, with a bad score and the first row sent again");
    let items = json!([
        {"voucher_code": cohort[1].0, "completed_at": now, "passed": true, "score": 84, "certificates": [certificate("lpk", &cohort[1].0)]},
        {"voucher_code": cohort[2].0, "completed_at": now, "passed": false, "score": 42},
        {"voucher_code": cohort[3].0, "completed_at": now, "passed": true, "score": 120},
        {"voucher_code": first, "completed_at": now, "passed": true, "score": 91, "certificates": [certificate("lpk", first)]},
    ]);
    let report = api
        .post(&lpk, "/v1/completions/batch", json!({"items": items}))
        .await?;
    for r in report["results"].as_array().into_iter().flatten() {
        let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
        let why = match &r["error"] {
            Value::Null => String::new(),
            e => match e["errors"][0]["message"].as_str() {
                Some(field) => format!(": {} ({field})", text(&e["code"])),
                None => format!(": {} ({})", text(&e["code"]), text(&e["detail"])),
            },
        };
        println!(
            "   {} {}{why}",
            text(&r["voucher_code"]),
            text(&r["outcome"])
        );
    }

    println!("5. the first holder's next purchase waits for their rating and review");
    let (status, refusal) = api
        .send(
            &platform,
            "/v1/card-validations",
            json!({"card_number": cohort[0].1, "course_code": code}),
        )
        .await?;
    println!(
        "   HTTP {status}: {}, missing {}",
        refusal["code"], refusal["missing"]
    );
    println!("done: the holder reviews at POST /v1/me/trainings/{{code}}/review.");
    Ok(())
}
