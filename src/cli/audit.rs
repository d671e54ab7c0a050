//! `audit verify | tail [--follow]`.

use std::io::Write;
use std::time::Duration;

use clap::Subcommand;

use super::{Ctx, Failure};
use crate::page::{MAX_LIMIT, PageRequest};
use crate::service::audit::{AuditEvent, ChainCheck};

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain; names the first broken link. Exit code 1 when broken.
    Verify,
    /// The latest events, oldest of them first.
    Tail {
        /// How many (1 to 100).
        #[arg(short = 'n', long, default_value_t = 20)]
        lines: i64,
        /// Then print each new event as it commits, until interrupted (with --json, one JSON
        /// object a line).
        #[arg(short = 'f', long)]
        follow: bool,
        /// How often --follow looks for new events, in milliseconds.
        #[arg(long, default_value_t = 1000, value_name = "MS")]
        interval: u64,
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
        AuditCommand::Tail {
            lines,
            follow,
            interval,
        } => {
            let (page, _) = ctx
                .core
                .audit_events(PageRequest::first(lines.clamp(1, MAX_LIMIT)))
                .await?;
            let mut events = page.items;
            events.reverse();
            if !follow {
                return ctx
                    .out
                    .show(&events, |w| events.iter().try_for_each(|e| line(w, e)));
            }
            let mut last = events.last().map_or(0, |e| e.seq);
            loop {
                {
                    let mut out = std::io::stdout().lock();
                    for e in &events {
                        if ctx.out.json {
                            let text = serde_json::to_string(e)
                                .map_err(|e| Failure::Internal(e.to_string()))?;
                            writeln!(out, "{text}")?;
                        } else {
                            line(&mut out, e)?;
                        }
                        last = e.seq;
                    }
                    out.flush()?;
                }
                tokio::time::sleep(Duration::from_millis(interval.max(10))).await;
                events = ctx.core.audit_events_after(last, MAX_LIMIT).await?;
            }
        }
    }
}

fn line(w: &mut dyn Write, e: &AuditEvent) -> std::io::Result<()> {
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
    )
}
