//! `rotate-data-key` and `purge`.

use super::output::fields;
use super::{Ctx, Failure};

pub async fn rotate_data_key(ctx: &Ctx, batch_size: i64) -> Result<(), Failure> {
    let n = ctx
        .core
        .rotate_data_key(batch_size.clamp(1, 10_000), |seen, done| {
            eprintln!("checked {seen} holders, re-encrypted {done}")
        })
        .await?;
    let key = &ctx.config.keys.data_key_id;
    let done = serde_json::json!({"reencrypted": n, "key_id": key});
    ctx.out.show(&done, |w| {
        writeln!(w, "re-encrypted {n} holders under key {key:?}")
    })
}

pub async fn purge(ctx: &Ctx) -> Result<(), Failure> {
    let p = ctx.core.purge().await?;
    ctx.out.show(&p, |w| {
        writeln!(w, "purged what the retention windows no longer keep:")?;
        fields(
            w,
            &[
                ("  idempotency records", p.idempotency_records.to_string()),
                ("  sandbox SMS", p.sandbox_sms.to_string()),
                ("  card validations", p.card_validations.to_string()),
                ("  OTP send records", p.otp_sends.to_string()),
                ("  holder OTPs", p.otp_challenges.to_string()),
                (
                    "  unconfirmed payout accounts",
                    p.pending_payout_accounts.to_string(),
                ),
                ("  seen request signatures", p.seen_signatures.to_string()),
            ],
        )
    })
}
