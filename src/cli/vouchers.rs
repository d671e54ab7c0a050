//! `vouchers show | void`.

use std::io::Write;

use clap::Subcommand;

use super::output::{fields, opt};
use super::{Ctx, Failure};
use crate::domain::VoucherCode;
use crate::service::voucher_view::VoucherView;

#[derive(Debug, Subcommand)]
pub enum VoucherCommand {
    /// One voucher, with its attendance and completion.
    Show { code: String },
    /// Void an issued voucher: the amount returns to the balance, the seat to the run.
    Void {
        code: String,
        /// 3 to 500 characters, kept in the audit trail.
        #[arg(long)]
        reason: String,
    },
}

pub async fn run(cmd: VoucherCommand, ctx: &Ctx) -> Result<(), Failure> {
    let call = ctx.call()?;
    let view = match cmd {
        VoucherCommand::Show { code } => {
            ctx.core.voucher(&call, VoucherCode::parse(&code)?).await?
        }
        VoucherCommand::Void { code, reason } => {
            let code = VoucherCode::parse(&code)?;
            let reason = super::participants::reason(reason)?;
            ctx.core.void_voucher(&call, code, reason).await?
        }
    };
    ctx.out.show(&view, |w| human(w, &view))
}

fn human(w: &mut dyn Write, v: &VoucherView) -> std::io::Result<()> {
    let time = |t: &Option<chrono::DateTime<chrono::FixedOffset>>| opt(&t.map(|t| t.to_rfc3339()));
    fields(
        w,
        &[
            ("code", v.code.clone()),
            ("status", v.status.as_str().to_string()),
            ("course_code", v.course_code.as_str().to_string()),
            ("amount", v.amount.to_string()),
            ("card_number", v.card_number_masked.clone()),
            ("platform_id", v.platform_id.as_str().to_string()),
            ("lpk_id", v.lpk_id.as_str().to_string()),
            ("issued_at", v.issued_at.to_rfc3339()),
            ("redeemed_at", time(&v.redeemed_at)),
            ("completed_at", time(&v.completed_at)),
            ("voided_at", time(&v.voided_at)),
            ("sessions_attended", v.attendance.len().to_string()),
        ],
    )
}
