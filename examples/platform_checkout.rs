//! A digital platform's checkout against a sandbox server (`cargo run` in another terminal):
//! token → course → card validation (OTP by SMS) → verify → voucher.
//!
//!     cargo run --example platform_checkout
//!
//! `PRAKERJA_URL` (default http://127.0.0.1:8080). `CARD` and `PHONE` pick a holder; by default the
//! example mints a fresh active one (`POST /v1/sandbox/holders`), so it can run any number of times.

#[path = "support/mod.rs"]
mod support;

use serde_json::json;
use support::{Api, Result};

#[tokio::main]
async fn main() -> Result<()> {
    let api = Api::from_env();
    println!("1. token for the sandbox platform");
    let platform = api
        .token("sandbox-platform", "sandbox-platform-secret")
        .await?;

    let (card, phone) = match (std::env::var("CARD"), std::env::var("PHONE")) {
        (Ok(card), Ok(phone)) => (card, phone),
        _ => api.new_holder(&platform).await?,
    };
    println!(
        "   the customer's card: ************{}",
        &card[card.len().saturating_sub(4)..]
    );

    println!("2. approved courses this platform may sell");
    let courses = api.get(&platform, "/v1/courses").await?;
    let course = &courses["data"][0];
    let schedule = course["schedules"][0]["schedule_code"].clone();
    println!(
        "   {} {} (Rp{}), schedule {}",
        course["course_code"], course["title"], course["price"], schedule
    );

    println!("3. validate the card: the program sends an OTP to the holder's phone");
    let validation = api
        .post(&platform, "/v1/card-validations", json!({"card_number": card, "course_code": course["course_code"], "schedule_code": schedule}))
        .await?;
    println!(
        "   validation {} for {} ({}), OTP expires {}",
        validation["id"],
        validation["holder_name_masked"],
        validation["phone_masked"],
        validation["expires_at"]
    );

    println!("4. the holder reads the OTP out (the sandbox keeps the SMS)");
    let otp = api.sandbox_otp(&platform, &phone).await?;

    println!("5. verify the OTP");
    let id = validation["id"].as_str().unwrap_or_default();
    let verified = api
        .post(
            &platform,
            &format!("/v1/card-validations/{id}/verify"),
            json!({"otp": otp}),
        )
        .await?;
    println!(
        "   holder {} has Rp{}; buy before {}",
        verified["card"]["holder_name"], verified["card"]["balance"], verified["valid_until"]
    );

    println!("6. buy the voucher");
    let order = format!("ORDER-{}", uuid::Uuid::new_v4().simple());
    let voucher = api
        .post(&platform, "/v1/vouchers", json!({"card_validation_id": id, "course_code": course["course_code"], "schedule_code": schedule, "external_order_id": order}))
        .await?;
    println!(
        "   voucher {} ({}), Rp{} debited, balance now Rp{}",
        voucher["code"], voucher["status"], voucher["amount"], voucher["balance_after"]
    );
    println!("done: give the holder the voucher code; the LPK redeems it.");
    Ok(())
}
