//! A training institution's side against a sandbox server (`cargo run` in another terminal): it
//! publishes a course running now, a platform sells it, then the LPK redeems the voucher and
//! reports attendance.
//!
//!     cargo run --example lpk_redeem
//!
//! `PRAKERJA_URL` (default http://127.0.0.1:8080).

#[path = "support/mod.rs"]
mod support;

use serde_json::json;
use support::{Api, Result};

#[tokio::main]
async fn main() -> Result<()> {
    let api = Api::from_env();
    let lpk = api.token("sandbox-lpk", "sandbox-lpk-secret").await?;
    let admin = api.token("sandbox-admin", "sandbox-admin-secret").await?;
    let platform = api
        .token("sandbox-platform", "sandbox-platform-secret")
        .await?;

    println!("1. the LPK submits a course and a run that started 30 minutes ago");
    let course = api
        .post(&lpk, "/v1/courses", json!({"title": "Menjahit Dasar", "description": "Pelatihan menjahit untuk pemula.", "price": 350000, "mode": "offline", "duration_hours": 8, "sessions": 2}))
        .await?;
    let code = course["course_code"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let now = chrono::Utc::now();
    let schedule = api
        .post(&lpk, &format!("/v1/courses/{code}/schedules"), json!({"starts_at": (now - chrono::Duration::minutes(30)).to_rfc3339(), "ends_at": (now + chrono::Duration::days(2)).to_rfc3339(), "quota": 20}))
        .await?;
    let schedule_code = schedule["schedule_code"].clone();
    api.post(
        &admin,
        &format!("/v1/admin/courses/{code}/approve"),
        json!({}),
    )
    .await?;
    println!("   {code} approved, run {schedule_code}");

    println!("2. a platform sells it to a holder (see examples/platform_checkout.rs)");
    let (card, phone) = api.new_holder(&admin).await?;
    let voucher_code = api
        .sell(&platform, (&card, &phone), &code, schedule_code)
        .await?;
    println!("   voucher {voucher_code}");

    println!("3. the holder comes with the voucher and card number: the LPK redeems");
    let redeemed = api
        .post(
            &lpk,
            &format!("/v1/vouchers/{voucher_code}/redeem"),
            json!({"card_number": card}),
        )
        .await?;
    println!("   {} at {}", redeemed["status"], redeemed["redeemed_at"]);

    println!("4. attendance: session 1, session 2, then the post-test (999)");
    for sequence in [1, 2, 999] {
        let v = api
            .post(
                &lpk,
                &format!("/v1/vouchers/{voucher_code}/attendance"),
                json!({"sequence": sequence, "attended_at": chrono::Utc::now().to_rfc3339()}),
            )
            .await?;
        println!(
            "   recorded {sequence}: {} entries",
            v["attendance"].as_array().map(Vec::len).unwrap_or(0)
        );
    }
    println!("done.");
    Ok(())
}
