//! The LPK's report when a training ends: completion with a score, then the certificates, one
//! voucher at a time or a cohort in bulk. A report that repeats what is stored changes nothing
//! and answers as before, so an LPK can always re-send.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Actor;
use super::audit::{self, Event};
use super::voucher_view::{VoucherView, announce, view_by_id, view_for};
use super::vouchers::load;
use super::{Call, Core};
use crate::db::certificates::{self, CertificateRow};
use crate::db::{self, DbConn, vouchers};
use crate::domain::completion::{Certificate, Completion, check_reported_at};
use crate::domain::event::EventType;
use crate::domain::voucher::VoucherStatus;
use crate::domain::{CertificateId, PartnerId, Viewer, VoucherCode};
use crate::error::{Error, ErrorCode, RowError};

/// Most rows one batch may hold.
pub const MAX_BATCH: usize = 1000;
/// Rows per write transaction: bounds how long a batch holds the write lock (SQLite) and the
/// audit chain's head (PostgreSQL), so other writers interleave.
const ROWS_PER_TRANSACTION: usize = 50;

/// Report a redeemed voucher's training ended.
#[derive(Debug, Clone)]
pub struct ReportCompletion {
    pub code: VoucherCode,
    pub completion: Completion,
}

/// Issue one certificate for a completed voucher.
#[derive(Debug, Clone)]
pub struct IssueCertificate {
    pub code: VoucherCode,
    pub certificate: Certificate,
}

/// A certificate's answer: `created` is false when the very same certificate was already there.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Certified {
    pub created: bool,
    pub voucher: VoucherView,
}

/// One row of a bulk report: the code as sent (echoed back) and the row as parsed.
#[derive(Debug, Clone)]
pub struct BatchRow {
    pub voucher_code: String,
    pub report: Result<(ReportCompletion, Vec<Certificate>), Error>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BatchOutcome {
    Accepted,
    Rejected,
}

/// What became of one row, in request order.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BatchResult {
    pub voucher_code: String,
    pub outcome: BatchOutcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<RowError>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BatchReport {
    pub results: Vec<BatchResult>,
}

/// Records a completion; `Ok(false)` when the very same completion was already recorded.
fn complete(
    c: &mut DbConn,
    actor: &Actor,
    lpk: &Viewer,
    cmd: &ReportCompletion,
) -> Result<bool, Error> {
    let now = db::now();
    let d = load(c, lpk, &cmd.code)?;
    let r = &d.row;
    let done = &cmd.completion;
    let to = match r.status.complete(done.passed) {
        Ok(to) => to,
        Err(e) => {
            let same = r.status == outcome(done.passed)
                && r.completed_at == Some(done.completed_at)
                && r.score == Some(done.score.value());
            return if same { Ok(false) } else { Err(e) };
        }
    };
    check_reported_at("completed_at", done.completed_at, r.redeemed_at, now)?;
    if !vouchers::record_completion(c, &r.id, to, done.completed_at, done.score.value())? {
        return Err(ErrorCode::VoucherAlreadyCompleted.with("The voucher changed meanwhile."));
    }
    audit::record(
        c,
        actor,
        Event {
            action: "voucher.complete",
            target_type: "voucher",
            target_id: r.code.as_str(),
            details: serde_json::json!({"passed": done.passed, "score": done.score.value()}),
        },
    )?;
    let event = if done.passed {
        EventType::VoucherCompleted
    } else {
        EventType::VoucherNotCompleted
    };
    let v = view_by_id(c, &r.id)?;
    announce(c, &v, event)?;
    Ok(true)
}

fn outcome(passed: bool) -> VoucherStatus {
    if passed {
        VoucherStatus::Completed
    } else {
        VoucherStatus::NotCompleted
    }
}

/// Records a certificate; `Ok(false)` when the very same certificate was already recorded.
fn certify(
    c: &mut DbConn,
    actor: &Actor,
    lpk: &PartnerId,
    code: &VoucherCode,
    cert: &Certificate,
) -> Result<bool, Error> {
    let now = db::now();
    let d = load(c, &Viewer::Lpk(lpk.clone()), code)?;
    if let Some(existing) = certificates::of_kind(c, &d.row.id, cert.kind)? {
        let same = existing.number == cert.number
            && existing.issued_at == cert.issued_at
            && existing.url == cert.url;
        return if same {
            Ok(false)
        } else {
            Err(ErrorCode::CertificateAlreadyIssued.refusal())
        };
    }
    d.row.status.check_completed()?;
    check_reported_at("issued_at", cert.issued_at, d.row.redeemed_at, now)?;
    if certificates::number_taken(c, lpk, &cert.number)? {
        return Err(ErrorCode::CertificateNumberTaken.refusal());
    }
    let row = CertificateRow {
        id: CertificateId::new(),
        voucher_id: d.row.id.clone(),
        lpk_id: lpk.clone(),
        kind: cert.kind,
        number: cert.number.clone(),
        issued_at: cert.issued_at,
        url: cert.url.clone(),
        created_at: now,
    };
    if !certificates::insert(c, &row)? {
        // A concurrent report took the kind or the number first.
        return Err(ErrorCode::CertificateAlreadyIssued.with("The voucher changed meanwhile."));
    }
    audit::record(
        c,
        actor,
        Event {
            action: "voucher.certificate",
            target_type: "voucher",
            target_id: d.row.code.as_str(),
            details: serde_json::json!({"kind": cert.kind, "number": cert.number}),
        },
    )?;
    let v = view_by_id(c, &d.row.id)?;
    announce(c, &v, EventType::CertificateIssued)?;
    Ok(true)
}

/// One bulk row, all or nothing: the completion, then each certificate.
fn report_row(
    c: &mut DbConn,
    actor: &Actor,
    lpk: &PartnerId,
    report: &(ReportCompletion, Vec<Certificate>),
) -> Result<(), Error> {
    let (completion, certs) = report;
    complete(c, actor, &Viewer::Lpk(lpk.clone()), completion)?;
    for cert in certs {
        certify(c, actor, lpk, &completion.code, cert)?;
    }
    Ok(())
}

/// A bulk row in its own savepoint. A refusal rejects the row alone; a failure on our side (the
/// database gone) stops the batch, and the rows of this transaction roll back with it.
fn report_in_savepoint(
    c: &mut DbConn,
    actor: &Actor,
    lpk: &PartnerId,
    row: BatchRow,
) -> Result<BatchResult, Error> {
    let applied = row.report.and_then(|report| {
        diesel::Connection::transaction(c, |c| report_row(c, actor, lpk, &report))
    });
    let (outcome, error) = match applied {
        Ok(()) => (BatchOutcome::Accepted, None),
        Err(e) if e.code.status() >= 500 => return Err(e),
        Err(e) => (BatchOutcome::Rejected, Some(RowError::from(&e))),
    };
    Ok(BatchResult {
        voucher_code: row.voucher_code,
        outcome,
        error,
    })
}

impl Core {
    /// The LPK reports a redeemed voucher's training ended (passed or not).
    pub async fn report_completion(
        &self,
        call: &Call,
        cmd: ReportCompletion,
    ) -> Result<VoucherView, Error> {
        let lpk = call.who().viewer();
        let actor = call.actor.clone();
        self.once(call, move |c, _| {
            complete(c, &actor, &lpk, &cmd)?;
            let d = load(c, &lpk, &cmd.code)?;
            view_for(c, &d.row.id, &lpk)
        })
        .await
    }

    /// The LPK issues one certificate for a completed voucher.
    pub async fn issue_certificate(
        &self,
        call: &Call,
        cmd: IssueCertificate,
    ) -> Result<Certified, Error> {
        let lpk = call.lpk()?;
        let actor = call.actor.clone();
        self.once(call, move |c, _| {
            let created = certify(c, &actor, &lpk, &cmd.code, &cmd.certificate)?;
            let viewer = Viewer::Lpk(lpk.clone());
            let d = load(c, &viewer, &cmd.code)?;
            Ok(Certified {
                created,
                voucher: view_for(c, &d.row.id, &viewer)?,
            })
        })
        .await
    }

    /// A cohort's completions and certificates: each row in its own savepoint, a few dozen rows
    /// per transaction. Rows are idempotent (a repeat changes nothing), so a batch cut off midway
    /// can simply be sent again.
    pub async fn report_completions(
        &self,
        call: &Call,
        rows: Vec<BatchRow>,
    ) -> Result<BatchReport, Error> {
        if rows.len() > MAX_BATCH {
            return Err(ErrorCode::BatchTooLarge.with(format!(
                "The batch has {} items; send at most {MAX_BATCH} per batch.",
                rows.len()
            )));
        }
        if rows.is_empty() {
            return Err(Error::field(
                "items",
                "length",
                format!("A batch holds 1 to {MAX_BATCH} items."),
            ));
        }
        let lpk = call.lpk()?;
        self.replayed_or(call, || async move {
            let mut results = Vec::with_capacity(rows.len());
            let mut rows = rows.into_iter().peekable();
            while rows.peek().is_some() {
                let chunk: Vec<BatchRow> = rows.by_ref().take(ROWS_PER_TRANSACTION).collect();
                let (actor, lpk) = (call.actor.clone(), lpk.clone());
                let done = self
                    .write(move |c, _| {
                        chunk
                            .into_iter()
                            .map(|row| report_in_savepoint(c, &actor, &lpk, row))
                            .collect::<Result<Vec<_>, Error>>()
                    })
                    .await?;
                results.extend(done);
            }
            Ok(BatchReport { results })
        })
        .await
    }
}
