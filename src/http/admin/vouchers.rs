//! Voiding a voucher (fraud, refund): management only.

use actix_web::{post, web};

use super::Reason;
use crate::auth::scope::Manage;
use crate::domain::VoucherCode;
use crate::http::auth::Auth;
use crate::http::json::Json;
use crate::http::problem::{ApiError, Problem};
use crate::service::vouchers::VoucherView;
use crate::state::AppState;

/// Void an issued voucher: the amount returns to the balance and the seat to the schedule.
#[utoipa::path(
    operation_id = "voidVoucher",
    tag = "admin",
    request_body = Reason,
    params(("code" = String, Path, pattern = "^[2-9A-HJ-NP-Za-hj-np-z]{4}-?[2-9A-HJ-NP-Za-hj-np-z]{4}-?[2-9A-HJ-NP-Za-hj-np-z]{4}-?[2-9A-HJ-NP-Za-hj-np-z]{4}$")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = VoucherView),
        (status = 404, description = "not_found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "voucher_not_voidable", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "validation_failed, invalid_voucher_code", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/admin/vouchers/{code}/void")]
pub async fn void(
    auth: Auth<Manage>,
    path: web::Path<String>,
    body: Json<Reason>,
    state: web::Data<AppState>,
) -> Result<web::Json<VoucherView>, ApiError> {
    let code = VoucherCode::parse(&path.into_inner())?;
    let reason = body.into_inner().text()?;
    Ok(web::Json(
        state.core.void_voucher(&auth.call, code, reason).await?,
    ))
}
