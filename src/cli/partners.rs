//! `partners create | list | rotate-secret | disable | enable`, and `admin create-client` (kept for
//! compatibility: the same as `partners create`).

use std::io::{self, Write};

use clap::{Subcommand, ValueEnum};

use super::output::fields;
use super::{Ctx, Failure};
use crate::domain::PartnerId;
use crate::domain::partner::{PartnerKind, PartnerStatus};
use crate::service::partners::ClientCredentials;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ClientKind {
    Admin,
    Platform,
    Lpk,
}

#[derive(Debug, Subcommand)]
pub enum PartnerCommand {
    /// Register a platform, an LPK (or another admin client); prints its secret once.
    Create {
        #[arg(long)]
        kind: ClientKind,
        /// 2 to 200 characters.
        #[arg(long)]
        name: String,
    },
    /// Every partner, oldest first (never a secret).
    List,
    /// Replace a partner's secret: the old one and its tokens stop working. Prints the new one once.
    RotateSecret { id: String },
    /// Disable a partner: its tokens stop working within seconds.
    Disable { id: String },
    /// Enable a disabled partner again.
    Enable { id: String },
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create a client; prints its id and secret once (the same as `partners create`).
    CreateClient {
        #[arg(long)]
        kind: ClientKind,
        #[arg(long)]
        name: String,
    },
}

pub async fn run_admin(cmd: AdminCommand, ctx: &Ctx) -> Result<(), Failure> {
    let AdminCommand::CreateClient { kind, name } = cmd;
    run(PartnerCommand::Create { kind, name }, ctx).await
}

pub async fn run(cmd: PartnerCommand, ctx: &Ctx) -> Result<(), Failure> {
    match cmd {
        PartnerCommand::Create { kind, name } => {
            let kind = match kind {
                ClientKind::Admin => PartnerKind::Admin,
                ClientKind::Platform => PartnerKind::Platform,
                ClientKind::Lpk => PartnerKind::Lpk,
            };
            let creds = ctx.core.create_partner(&ctx.call()?, name, kind).await?;
            ctx.out.show(&creds, |w| credentials(w, &creds))
        }
        PartnerCommand::List => {
            let all = ctx.core.partners().await?;
            ctx.out.show(&all, |w| {
                writeln!(
                    w,
                    "{:<36}  {:<8}  {:<8}  {:<28}  name",
                    "id", "kind", "status", "client_id"
                )?;
                for p in &all {
                    writeln!(
                        w,
                        "{:<36}  {:<8}  {:<8}  {:<28}  {}",
                        p.id.as_str(),
                        p.kind.as_str(),
                        p.status.as_str(),
                        p.client_id,
                        p.name
                    )?;
                }
                writeln!(w, "{} partners", all.len())
            })
        }
        PartnerCommand::RotateSecret { id } => {
            let creds = ctx.core.rotate_secret(&ctx.call()?, partner(&id)?).await?;
            ctx.out.show(&creds, |w| credentials(w, &creds))
        }
        PartnerCommand::Disable { id } => status(ctx, &id, PartnerStatus::Disabled).await,
        PartnerCommand::Enable { id } => status(ctx, &id, PartnerStatus::Active).await,
    }
}

fn partner(raw: &str) -> Result<PartnerId, Failure> {
    PartnerId::parse(raw)
        .ok_or_else(|| crate::error::Error::not_found("partner"))
        .map_err(Failure::from)
}

async fn status(ctx: &Ctx, id: &str, to: PartnerStatus) -> Result<(), Failure> {
    let id = partner(id)?;
    ctx.core
        .set_partner_status(&ctx.call()?, id.clone(), to)
        .await?;
    let done = serde_json::json!({"id": id, "status": to});
    ctx.out.show(&done, |w| {
        writeln!(w, "partner {} is now {}", id.as_str(), to.as_str())
    })
}

fn credentials(w: &mut dyn Write, c: &ClientCredentials) -> io::Result<()> {
    let mut rows = vec![
        ("partner_id", c.id.as_str().to_string()),
        ("name", c.name.clone()),
        ("kind", c.kind.as_str().to_string()),
        ("client_id", c.client_id.clone()),
        (
            "client_secret",
            format!("{}  (shown once: store it now)", c.client_secret),
        ),
    ];
    if let Some(key) = &c.signing_key {
        rows.push((
            "signing_key",
            format!("{key}  (shown once: signs Prakerja-compatible requests)"),
        ));
    }
    fields(w, &rows)
}
