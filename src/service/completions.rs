//! The LPK's report when a training ends: completion with a score, then the certificates, one
//! voucher at a time or a cohort in bulk. A report that repeats what is stored changes nothing
//! and answers as before, so an LPK can always re-send.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Actor;
use super::audit::{self, Event};
use super::once::Decision;
use super::voucher_view::{VoucherView, announce, for_viewer, view_by_id};
use super::vouchers::load;
use super::{Call, Core};
use crate::db::certificates::{self, CertificateRow};
use crate::db::vouchers::{self, VoucherDetail};
use crate::db::{self, DbConn};
use crate::domain::completion::{Certificate, Completion, check_reported_at};
use crate::domain::event::EventType;
use crate::domain::voucher::VoucherStatus;
use crate::domain::{CertificateId, PartnerId, Viewer, VoucherCode, VoucherId};
use crate::error::{Error, ErrorCode, RowError};
use crate::metrics::VoucherEvent;

/// Most rows one batch may hold.
pub const MAX_BATCH: usize = 1000;
/// Rows per write transaction: bounds how long a batch holds the write lock (SQLite) and its
/// vouchers' row locks (PostgreSQL), so other writers interleave.
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

/// A voucher loaded for a report, with the events its changes call for.
struct Reporting {
    voucher: VoucherDetail,
    events: Vec<EventType>,
}

/// Records a completion, unless the very same one is recorded already.
fn complete(
    c: &mut DbConn,
    actor: &Actor,
    r: &mut Reporting,
    done: &Completion,
) -> Result<(), Error> {
    let v = &mut r.voucher.row;
    let to = match v.status.complete(done.passed) {
        Ok(to) => to,
        Err(_) if done.is_recorded_as(v.status, v.completed_at, v.score) => return Ok(()),
        Err(e) => return Err(e),
    };
    check_reported_at("completed_at", done.completed_at, v.redeemed_at, db::now())?;
    if !vouchers::record_completion(c, &v.id, to, done.completed_at, done.score.value())? {
        // Another report got there first: the same one is no change, another is a conflict.
        let now = vouchers::detail(c, &v.id)?.row;
        if done.is_recorded_as(now.status, now.completed_at, now.score) {
            return Ok(());
        }
        return Err(ErrorCode::VoucherAlreadyCompleted.with("The voucher changed meanwhile."));
    }
    (v.status, v.completed_at, v.score) = (to, Some(done.completed_at), Some(done.score.value()));
    audit::record(
        c,
        actor,
        Event {
            action: "voucher.complete",
            target_type: "voucher",
            target_id: v.code.as_str(),
            details: serde_json::json!({"passed": done.passed, "score": done.score.value()}),
        },
    )?;
    r.events.push(match to {
        VoucherStatus::Completed => EventType::VoucherCompleted,
        _ => EventType::VoucherNotCompleted,
    });
    Ok(())
}

/// The certificate of this kind the voucher already has: the very same one is no change, another
/// is a conflict.
fn already_issued(
    c: &mut DbConn,
    voucher: &VoucherId,
    cert: &Certificate,
) -> Result<Option<()>, Error> {
    match certificates::of_kind(c, voucher, cert.kind)? {
        Some(e) if cert.is_recorded_as(&e.number, e.issued_at, &e.url) => Ok(Some(())),
        Some(_) => Err(ErrorCode::CertificateAlreadyIssued.refusal()),
        None => Ok(None),
    }
}

/// Records a certificate, unless the very same one is recorded already.
fn certify(
    c: &mut DbConn,
    actor: &Actor,
    lpk: &PartnerId,
    r: &mut Reporting,
    cert: &Certificate,
) -> Result<(), Error> {
    let v = &r.voucher.row;
    if already_issued(c, &v.id, cert)?.is_some() {
        return Ok(());
    }
    v.status.check_completed()?;
    let now = db::now();
    check_reported_at("issued_at", cert.issued_at, v.redeemed_at, now)?;
    // The number is taken, or the kind: by the very same certificate when a concurrent copy of
    // this report committed since the check above (PostgreSQL reads each statement afresh), else
    // by another one.
    let taken = |c: &mut DbConn| match already_issued(c, &v.id, cert)? {
        Some(()) => Ok(()),
        None => Err(ErrorCode::CertificateNumberTaken.refusal()),
    };
    if certificates::number_taken(c, lpk, &cert.number)? {
        return taken(c);
    }
    let row = CertificateRow {
        id: CertificateId::new(),
        voucher_id: v.id.clone(),
        lpk_id: lpk.clone(),
        kind: cert.kind,
        number: cert.number.clone(),
        issued_at: cert.issued_at,
        url: cert.url.clone(),
        created_at: now,
    };
    if !certificates::insert(c, &row)? {
        return taken(c);
    }
    audit::record(
        c,
        actor,
        Event {
            action: "voucher.certificate",
            target_type: "voucher",
            target_id: v.code.as_str(),
            details: serde_json::json!({"kind": cert.kind, "number": cert.number}),
        },
    )?;
    r.events.push(EventType::CertificateIssued);
    Ok(())
}

/// One report on one voucher, all or nothing: the completion, then each certificate; then the
/// events, each with the voucher as it now is. Returns the LPK's view and the events: none when
/// nothing changed.
pub(crate) fn report(
    c: &mut DbConn,
    actor: &Actor,
    lpk: &PartnerId,
    code: &VoucherCode,
    completion: Option<&Completion>,
    certs: &[Certificate],
) -> Result<(Vec<EventType>, VoucherView), Error> {
    let viewer = Viewer::Lpk(lpk.clone());
    let mut r = Reporting {
        voucher: load(c, &viewer, code)?,
        events: Vec::new(),
    };
    if let Some(done) = completion {
        complete(c, actor, &mut r, done)?;
    }
    for cert in certs {
        certify(c, actor, lpk, &mut r, cert)?;
    }
    let view = view_by_id(c, &r.voucher.row.id)?;
    for event in &r.events {
        announce(c, &view, *event)?;
    }
    Ok((r.events, for_viewer(view, &viewer)))
}

/// The platform that sold the voucher, when these events record its training's end (the metric
/// `prakerja_vouchers_total{event="completed"}` counts it, once committed).
fn completed_by(events: &[EventType], view: &VoucherView) -> Option<PartnerId> {
    events
        .iter()
        .any(|e| {
            matches!(
                e,
                EventType::VoucherCompleted | EventType::VoucherNotCompleted
            )
        })
        .then(|| view.platform_id.clone())
}

/// A bulk row in its own savepoint. A refusal rejects the row alone; a failure on our side (the
/// database gone) stops the batch, and the rows of this transaction roll back with it.
fn report_in_savepoint(
    c: &mut DbConn,
    actor: &Actor,
    lpk: &PartnerId,
    row: BatchRow,
) -> Result<(BatchResult, Option<PartnerId>), Error> {
    let applied = row.report.and_then(|(cmd, certs)| {
        diesel::Connection::transaction(c, |c| {
            report(c, actor, lpk, &cmd.code, Some(&cmd.completion), &certs)
        })
    });
    let (outcome, error, completed) = match applied {
        Ok((events, view)) => (BatchOutcome::Accepted, None, completed_by(&events, &view)),
        Err(e) if e.code.status() >= 500 => return Err(e),
        Err(e) => (BatchOutcome::Rejected, Some(RowError::from(&e)), None),
    };
    let result = BatchResult {
        voucher_code: row.voucher_code,
        outcome,
        error,
    };
    Ok((result, completed))
}

impl Core {
    /// The LPK reports a redeemed voucher's training ended (passed or not).
    pub async fn report_completion(
        &self,
        call: &Call,
        cmd: ReportCompletion,
    ) -> Result<VoucherView, Error> {
        let lpk = call.lpk()?;
        let actor = call.actor.clone();
        let (view, completed) = self
            .decide(call, move |c, _| {
                let (events, view) =
                    report(c, &actor, &lpk, &cmd.code, Some(&cmd.completion), &[])?;
                let completed = completed_by(&events, &view);
                Ok(Decision::Done(view, completed))
            })
            .await?;
        if let Some(platform) = completed.flatten() {
            self.metrics.voucher(&platform, VoucherEvent::Completed);
        }
        Ok(view)
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
            let certs = [cmd.certificate];
            let (events, voucher) = report(c, &actor, &lpk, &cmd.code, None, &certs)?;
            Ok(Certified {
                created: !events.is_empty(),
                voucher,
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
                        let codes: Vec<&VoucherCode> = chunk
                            .iter()
                            .filter_map(|row| row.report.as_ref().ok().map(|(cmd, _)| &cmd.code))
                            .collect();
                        vouchers::lock_in_order(c, &lpk, &codes)?;
                        chunk
                            .into_iter()
                            .map(|row| report_in_savepoint(c, &actor, &lpk, row))
                            .collect::<Result<Vec<_>, Error>>()
                    })
                    .await?;
                for (result, completed) in done {
                    if let Some(platform) = completed {
                        self.metrics.voucher(&platform, VoucherEvent::Completed);
                    }
                    results.push(result);
                }
            }
            Ok(BatchReport { results })
        })
        .await
    }
}
