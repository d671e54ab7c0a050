//! `disbursements run | show | record`: incentive payments, and a bank statement reconciled from
//! a CSV.

use std::io::Write;
use std::path::PathBuf;

use clap::Subcommand;
use serde::{Deserialize, Serialize};

use super::output::{fields, opt};
use super::{Ctx, Failure};
use crate::domain::DisbursementId;
use crate::domain::disbursement::FailureReason;
use crate::error::{Error, RowError};
use crate::service::disbursements::{DisbursementView, RecordedStatus, ResultBody};

#[derive(Debug, Subcommand)]
pub enum DisbursementCommand {
    /// One disbursement run (as `POST /v1/admin/disbursements/run`); prints its summary.
    Run {
        /// The business date (WIB, YYYY-MM-DD) to run as of; today by default.
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
    },
    /// One payment, with its history.
    Show { id: String },
    /// Record the bank's answers from a CSV (disbursement_id,status,failure_reason,reference),
    /// each as `POST /v1/admin/disbursements/{id}/result`; writes a report row per line.
    Record {
        file: PathBuf,
        /// Where the per-row report goes (CSV: row,disbursement_id,outcome,code,detail);
        /// default FILE.report.csv.
        #[arg(long)]
        report: Option<PathBuf>,
    },
}

/// One line of a bank statement.
#[derive(Debug, Deserialize)]
struct BankRow {
    disbursement_id: String,
    status: RecordedStatus,
    failure_reason: Option<FailureReason>,
    reference: String,
}

/// How one line ended, as the report file and `--json` hold it.
#[derive(Debug, Serialize)]
struct Line {
    row: usize,
    disbursement_id: String,
    outcome: &'static str,
    code: String,
    detail: String,
}

#[derive(Debug, Serialize)]
struct RecordSummary {
    recorded: usize,
    refused: usize,
    report: String,
}

pub async fn run(cmd: DisbursementCommand, ctx: &Ctx) -> Result<(), Failure> {
    match cmd {
        DisbursementCommand::Run { as_of } => {
            let s = ctx.core.run_disbursements(&ctx.call()?, as_of).await?;
            ctx.out.show(&s, |w| {
                fields(
                    w,
                    &[
                        ("as_of", s.as_of.to_string()),
                        ("scheduled", s.scheduled.to_string()),
                        ("rescheduled", s.rescheduled.to_string()),
                        ("failed_before_sending", s.failed_before_sending.to_string()),
                        ("sent", s.sent.to_string()),
                        ("paid", s.paid.to_string()),
                        ("failed", s.failed.to_string()),
                        ("reconciled", s.reconciled.to_string()),
                        ("checking", s.checking.to_string()),
                        ("errors", s.errors.to_string()),
                    ],
                )
            })
        }
        DisbursementCommand::Show { id } => {
            let view = ctx.core.disbursement(&ctx.call()?, parse_id(&id)?).await?;
            ctx.out.show(&view, |w| human(w, &view))
        }
        DisbursementCommand::Record { file, report } => record(ctx, file, report).await,
    }
}

fn parse_id(raw: &str) -> Result<DisbursementId, Error> {
    DisbursementId::parse(raw).ok_or_else(|| Error::not_found("disbursement"))
}

async fn record(ctx: &Ctx, file: PathBuf, report: Option<PathBuf>) -> Result<(), Failure> {
    let call = ctx.call()?;
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(&file)
        .map_err(|e| Failure::Usage(format!("cannot read {}: {e}", file.display())))?;
    let report_path = report.unwrap_or_else(|| {
        let mut name = file.file_name().unwrap_or_default().to_os_string();
        name.push(".report.csv");
        file.with_file_name(name)
    });
    let failed = |e: csv::Error| Failure::Internal(format!("report: {e}"));
    let mut out = csv::Writer::from_path(&report_path).map_err(failed)?;
    let (mut recorded, mut refused) = (0, 0);
    for (i, rec) in reader.deserialize::<BankRow>().enumerate() {
        let line = match rec {
            Err(e) => Line {
                row: i + 1,
                disbursement_id: String::new(),
                outcome: "refused",
                code: "validation_failed".into(),
                detail: format!("unreadable line: {e}"),
            },
            Ok(bank) => {
                let id = bank.disbursement_id.clone();
                let done = async {
                    let body = ResultBody {
                        status: bank.status,
                        failure_reason: bank.failure_reason,
                        reference: bank.reference,
                    };
                    let (result, reference) = body.parse()?;
                    ctx.core
                        .record_disbursement_result(&call, parse_id(&id)?, result, reference)
                        .await
                }
                .await;
                match done {
                    Ok(v) => Line {
                        row: i + 1,
                        disbursement_id: id,
                        outcome: "recorded",
                        code: v.status.as_str().into(),
                        detail: String::new(),
                    },
                    Err(e) if e.code.status() >= 500 => return Err(e.into()),
                    Err(e) => {
                        let e = RowError::from(&e);
                        Line {
                            row: i + 1,
                            disbursement_id: id,
                            outcome: "refused",
                            code: e.code,
                            detail: e.detail,
                        }
                    }
                }
            }
        };
        if line.outcome == "recorded" {
            recorded += 1;
        } else {
            refused += 1;
        }
        out.serialize(&line).map_err(failed)?;
    }
    out.flush()
        .map_err(|e| Failure::Internal(format!("report: {e}")))?;
    let summary = RecordSummary {
        recorded,
        refused,
        report: report_path.display().to_string(),
    };
    ctx.out.show(&summary, |w| {
        writeln!(
            w,
            "recorded {recorded}, refused {refused}; report: {}",
            summary.report
        )
    })?;
    match refused {
        0 => Ok(()),
        n => Err(Failure::Check(format!(
            "{n} lines refused; see {}",
            summary.report
        ))),
    }
}

fn human(w: &mut dyn Write, d: &DisbursementView) -> std::io::Result<()> {
    fields(
        w,
        &[
            ("id", d.id.as_str().to_string()),
            ("card_number", d.card_number.as_str().to_string()),
            ("kind", d.kind.as_str().to_string()),
            ("tranche", d.tranche.to_string()),
            ("amount", d.amount.to_string()),
            ("status", d.status.as_str().to_string()),
            ("scheduled_for", d.scheduled_for.to_string()),
            ("expected_by", d.expected_by.to_string()),
            ("paid_at", opt(&d.paid_at.map(|t| t.to_rfc3339()))),
            ("failure_reason", opt(&d.failure_reason.map(|r| r.as_str()))),
            ("history", format!("{} steps", d.history.len())),
        ],
    )
}
