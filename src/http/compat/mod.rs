//! Prakerja-compatible LPK endpoints: `POST /api/v1/integration/payment/redeem-code/{status,
//! commit}` as Prakerja's own redeem-code API takes them (signed headers, `{"redeem_code",
//! "sequence"?}`, answers in its envelope), so an LPK's existing integration moves here by changing
//! only the host. They call the same use cases as `/v1`: same rules, audit trail and events.
//!
//! `redeem_code` is the voucher code. `commit` without `sequence` redeems the voucher; with one it
//! records attendance of that session as `POST /v1/vouchers/{code}/attendance` does, at the time
//! of the request: 1..the course's `sessions`, or 999 for the post-test, the numbering both APIs
//! share.

pub mod envelope;
pub mod signed;

use actix_web::{HttpResponse, post, web};
use chrono::{SubsecRound, Utc};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::domain::{CardNumber, VoucherCode};
use crate::service::vouchers::{AttendSession, HolderProof, Redeem, VoucherView};
use crate::state::AppState;
use envelope::{CompatError, Envelope, Refusal};
use signed::SignedLpk;

/// The body of both endpoints.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedeemCode {
    /// The voucher code, with or without dashes, any case.
    #[schema(example = "7KQ2-M9XD-4HTR-8WZC")]
    pub redeem_code: String,
    /// `commit`: the session attended (1..sessions, 999 = post-test); without it, `commit`
    /// redeems. `status`: accepted and ignored (the answer lists the attendance recorded).
    #[schema(example = 1, minimum = 1, maximum = 999)]
    #[serde(default, deserialize_with = "crate::http::optional_whole_i32")]
    pub sequence: Option<i32>,
    /// Not in Prakerja's API: the holder's card number. When a redeeming `commit` carries it, it
    /// must be the voucher's (`card_mismatch`), as `/v1` redemption requires; without it the code
    /// alone redeems, and the audit trail records that.
    #[schema(example = "5200000000000015", pattern = "^[0-9]{16}$")]
    pub card_number: Option<String>,
}

/// The voucher's state, as the LPK sees it in `/v1` (the card number masked; no order id).
#[utoipa::path(
    tag = "prakerja-compatible",
    operation_id = "getRedeemCodeStatus",
    request_body = RedeemCode,
    security(("client_code" = [], "timestamp" = [], "signature" = [])),
    responses(
        (status = 200, body = Envelope<VoucherView>),
        (status = 400, description = "malformed_json, bad_request (the body could not be read)", body = Envelope<Refusal>),
        (status = 401, description = "invalid_signature, timestamp_out_of_window, signature_reused", body = Envelope<Refusal>),
        (status = 404, description = "not_found (no voucher of yours), invalid_voucher_code", body = Envelope<Refusal>),
        (status = 422, description = "validation_failed", body = Envelope<Refusal>),
        (status = 413, description = "payload_too_large", body = Envelope<Refusal>),
        (status = 429, description = "rate_limited", body = Envelope<Refusal>),
        (status = 503, description = "service_unavailable", body = Envelope<Refusal>),
    )
)]
#[post("/api/v1/integration/payment/redeem-code/status")]
pub async fn status(
    signed: SignedLpk,
    state: web::Data<AppState>,
) -> Result<HttpResponse, CompatError> {
    let body: RedeemCode = signed.json()?;
    let code = VoucherCode::parse(&body.redeem_code)?;
    let voucher = state.core.voucher(&signed.call, code).await?;
    Ok(envelope::ok("Voucher found.", voucher))
}

/// Redeem the voucher (no `sequence`), or record a session's attendance (`sequence`).
#[utoipa::path(
    tag = "prakerja-compatible",
    operation_id = "commitRedeemCode",
    request_body = RedeemCode,
    security(("client_code" = [], "timestamp" = [], "signature" = [])),
    responses(
        (status = 200, description = "redeemed, or the session recorded (again: a repeat changes nothing)", body = Envelope<VoucherView>),
        (status = 400, description = "malformed_json, bad_request (the body could not be read)", body = Envelope<Refusal>),
        (status = 401, description = "invalid_signature, timestamp_out_of_window, signature_reused", body = Envelope<Refusal>),
        (status = 404, description = "not_found (no voucher of yours), invalid_voucher_code", body = Envelope<Refusal>),
        (status = 422, description = "voucher_already_redeemed, voucher_voided, outside_redeem_window, card_mismatch, invalid_card_number, voucher_not_redeemed, validation_failed (sequence)", body = Envelope<Refusal>),
        (status = 413, description = "payload_too_large", body = Envelope<Refusal>),
        (status = 429, description = "rate_limited", body = Envelope<Refusal>),
        (status = 503, description = "service_unavailable", body = Envelope<Refusal>),
    )
)]
#[post("/api/v1/integration/payment/redeem-code/commit")]
pub async fn commit(
    signed: SignedLpk,
    state: web::Data<AppState>,
) -> Result<HttpResponse, CompatError> {
    let body: RedeemCode = signed.json()?;
    let code = VoucherCode::parse(&body.redeem_code)?;
    let core = &state.core;
    Ok(match body.sequence {
        None => {
            let proof = match body.card_number.as_deref() {
                Some(card) => HolderProof::Card(CardNumber::parse(card)?),
                None => HolderProof::CodeOnly,
            };
            let cmd = Redeem { code, proof };
            envelope::ok(
                "Voucher redeemed.",
                core.redeem_voucher(&signed.call, cmd).await?,
            )
        }
        Some(sequence) => {
            let cmd = AttendSession {
                code,
                sequence,
                // Prakerja's commit carries no time: the session is attended when reported.
                attended_at: Utc::now().naive_utc().trunc_subsecs(0),
            };
            envelope::ok(
                "Attendance recorded.",
                core.record_attendance(&signed.call, cmd).await?,
            )
        }
    })
}
