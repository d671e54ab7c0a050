//! `audit verify | tail`.

use clap::Subcommand;

use super::{Ctx, Failure};
use crate::page::{MAX_LIMIT, PageRequest};
use crate::service::audit::ChainCheck;

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain; names the first broken link. Exit code 1 when broken.
    Verify,
    /// The latest events, oldest of them first.
    Tail {
        /// How many (1 to 100).
        #[arg(short = 'n', long, default_value_t = 20)]
        lines: i64,
    },
}

pub async fn run(cmd: AuditCommand, ctx: &Ctx) -> Result<(), Failure> {
    match cmd {
        AuditCommand::Verify => {
            let progress = !ctx.out.json;
            let check = ctx
                .core
                .verify_audit_chain(move |seq| {
                    if progress {
                        eprintln!("verified up to event {seq}")
                    }
                })
                .await?;
            match check {
                ChainCheck::Intact { events, head } => {
                    let done = serde_json::json!({"intact": true, "events": events, "head": head});
                    ctx.out.show(&done, |w| {
                        writeln!(w, "audit chain intact: {events} events, head {head}")
                    })
                }
                ChainCheck::Broken { seq, reason } => {
                    let done =
                        serde_json::json!({"intact": false, "broken_at": seq, "reason": reason});
                    ctx.out.show(&done, |_| Ok(()))?;
                    Err(Failure::Check(format!(
                        "audit chain broken at event {seq}: {reason}"
                    )))
                }
            }
        }
        AuditCommand::Tail { lines } => {
            let (page, _) = ctx
                .core
                .audit_events(PageRequest::first(lines.clamp(1, MAX_LIMIT)))
                .await?;
            let mut events = page.items;
            events.reverse();
            ctx.out.show(&events, |w| {
                for e in &events {
                    writeln!(
                        w,
                        "{:>6}  {}  {} {}  {}  {} {}  {}",
                        e.seq,
                        e.occurred_at.to_rfc3339(),
                        e.actor_role,
                        e.actor_id,
                        e.action,
                        e.target_type,
                        e.target_id,
                        e.details
                    )?;
                }
                Ok(())
            })
        }
    }
}
