//! `participants register | import | show | freeze | unfreeze | revoke`.

use std::io::{self, Write};
use std::path::PathBuf;

use clap::Subcommand;

use super::output::{fields, opt};
use super::{Ctx, Failure};
use crate::domain::CardNumber;
use crate::domain::participant::CardAction;
use crate::service::participants::{NewParticipant, ParticipantView, Registration};

#[derive(Debug, Subcommand)]
pub enum ParticipantCommand {
    /// Register one holder who passed selection (as `POST /v1/admin/participants`).
    Register {
        /// 16 digits.
        #[arg(long)]
        nik: String,
        /// The family card number, 16 digits.
        #[arg(long)]
        kk_number: String,
        #[arg(long)]
        full_name: String,
        /// Indonesian mobile number.
        #[arg(long)]
        phone: String,
        #[arg(long)]
        email: Option<String>,
        /// The selection wave.
        #[arg(long)]
        wave: i32,
        /// When they passed selection (RFC 3339, e.g. 2026-11-20T10:00:00+07:00).
        #[arg(long)]
        passed_at: String,
    },
    /// Register holders from a CSV or JSON file of any size, in batches, with a per-row error report.
    Import(super::import::ImportArgs),
    /// One holder's record (NIK and KK masked).
    Show { card_number: String },
    /// Freeze a card (purchases and redemptions stop; payments wait).
    Freeze {
        card_number: String,
        /// Why (3 to 500 characters), kept in the audit trail.
        #[arg(long)]
        reason: String,
    },
    /// Unfreeze a frozen card.
    Unfreeze {
        card_number: String,
        #[arg(long)]
        reason: String,
    },
    /// Revoke a card for good.
    Revoke {
        card_number: String,
        #[arg(long)]
        reason: String,
    },
}

pub async fn run(cmd: ParticipantCommand, ctx: &Ctx) -> Result<(), Failure> {
    match cmd {
        ParticipantCommand::Register {
            nik,
            kk_number,
            full_name,
            phone,
            email,
            wave,
            passed_at,
        } => {
            let form: NewParticipant = serde_json::from_value(serde_json::json!({
                "nik": nik, "kk_number": kk_number, "full_name": full_name, "phone": phone,
                "email": email, "wave": wave, "passed_at": passed_at,
            }))
            .map_err(|e| Failure::Usage(format!("--passed-at: {e}")))?;
            let form = Registration::try_from(&form)?;
            let view = ctx.core.register_participant(&ctx.call()?, form).await?;
            show(ctx, &view)
        }
        ParticipantCommand::Import(args) => super::import::run(args, ctx).await,
        ParticipantCommand::Show { card_number } => {
            let view = ctx.core.participant(card(&card_number)?).await?;
            show(ctx, &view)
        }
        ParticipantCommand::Freeze {
            card_number,
            reason,
        } => change(ctx, &card_number, CardAction::Freeze, reason).await,
        ParticipantCommand::Unfreeze {
            card_number,
            reason,
        } => change(ctx, &card_number, CardAction::Unfreeze, reason).await,
        ParticipantCommand::Revoke {
            card_number,
            reason,
        } => change(ctx, &card_number, CardAction::Revoke, reason).await,
    }
}

fn card(raw: &str) -> Result<CardNumber, Failure> {
    Ok(CardNumber::parse(raw)?)
}

/// A reason as the HTTP API keeps it (trimmed, 3 to 500 characters).
pub fn reason(text: String) -> Result<String, Failure> {
    Ok(crate::domain::reason::management_reason(&text)?)
}

async fn change(
    ctx: &Ctx,
    card_number: &str,
    action: CardAction,
    why: String,
) -> Result<(), Failure> {
    let card = card(card_number)?;
    let why = reason(why)?;
    let view = ctx
        .core
        .change_card_status(&ctx.call()?, card, action, why)
        .await?;
    show(ctx, &view)
}

fn show(ctx: &Ctx, v: &ParticipantView) -> Result<(), Failure> {
    ctx.out.show(v, |w| human(w, v))
}

fn human(w: &mut dyn Write, v: &ParticipantView) -> io::Result<()> {
    fields(
        w,
        &[
            ("card_number", v.card_number.as_str().to_string()),
            ("full_name", v.full_name.clone()),
            ("status", v.status.as_str().to_string()),
            ("status_reason", opt(&v.status_reason)),
            ("balance", v.balance.to_string()),
            ("phone", v.phone.clone()),
            ("email", opt(&v.email)),
            ("nik", v.nik_masked.clone()),
            ("kk_number", v.kk_number_masked.clone()),
            ("wave", v.wave.to_string()),
            ("passed_at", v.passed_at.to_rfc3339()),
            ("purchase_deadline", v.purchase_deadline.to_rfc3339()),
        ],
    )
}

/// Where the import's error report goes by default: beside the file.
pub fn default_report(file: &std::path::Path) -> PathBuf {
    let mut name = file.file_name().unwrap_or_default().to_os_string();
    name.push(".errors.csv");
    file.with_file_name(name)
}
