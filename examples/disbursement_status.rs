//! A partner pulls the incentive status of a holder it served, against a sandbox server
//! (`cargo run` in another terminal): the program runs disbursements (as admin, here), then the
//! platform that sold the holder's training reads each payment's status, dates and history.
//!
//!     cargo run --example disbursement_status
//!
//! `CARD` (default the sandbox holder 5200000000000098, ready for incentive), `PRAKERJA_URL`
//! (default http://127.0.0.1:8080).

#[path = "support/mod.rs"]
mod support;

use serde_json::json;
use support::{Api, Result};

#[tokio::main]
async fn main() -> Result<()> {
    let api = Api::from_env();
    let card = std::env::var("CARD").unwrap_or_else(|_| "5200000000000098".into());
    let admin = api.token("sandbox-admin", "sandbox-admin-secret").await?;
    let platform = api
        .token("sandbox-platform", "sandbox-platform-secret")
        .await?;

    println!("1. program management runs disbursements as of today");
    let run = api
        .post(&admin, "/v1/admin/disbursements/run", json!({}))
        .await?;
    println!(
        "   scheduled {}, sent {}, paid {}, failed {} (before sending: {})",
        run["scheduled"], run["sent"], run["paid"], run["failed"], run["failed_before_sending"]
    );

    println!("2. the platform that sold the holder's training pulls their incentives");
    let payments = api
        .get(&platform, &format!("/v1/disbursements?card_number={card}"))
        .await?;
    for p in payments["data"].as_array().into_iter().flatten() {
        let text = |k: &str| p[k].as_str().unwrap_or("-").to_string();
        println!(
            "   {} {} Rp{}: {} ({}), scheduled {}, expected by {}{}",
            text("kind"),
            p["tranche"],
            p["amount"],
            text("status"),
            text("status_label_id"),
            text("scheduled_for"),
            text("expected_by"),
            match p["failure_reason"].as_str() {
                Some(reason) => format!(" — {reason}: {}", text("failure_remedy")),
                None => String::new(),
            }
        );
    }

    println!("3. the first tranche's history");
    let first = payments["data"].as_array().and_then(|all| all.last());
    if let Some(id) = first.and_then(|p| p["id"].as_str()) {
        let one = api
            .get(&platform, &format!("/v1/disbursements/{id}"))
            .await?;
        for step in one["history"].as_array().into_iter().flatten() {
            println!("   {} at {}", step["status"], step["at"]);
        }
    }
    println!(
        "done: a webhook endpoint is told of each change (disbursement.updated) without polling."
    );
    Ok(())
}
