//! OpenAPI links along the money path: a card validation to its verification, the verified
//! validation to the voucher it buys, the voucher to its redemption, attendance, completion and
//! certificate. A client generator or a stateful fuzzer (CI's schemathesis) follows them to chain
//! calls with the ids each answer carries.

use serde_json::json;
use utoipa::openapi::link::LinkBuilder;
use utoipa::openapi::{OpenApi, RefOr};

/// (from operation, status, link name, to operation, its `parameters`, its `requestBody`).
type Step = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    serde_json::Value,
    Option<serde_json::Value>,
);

fn steps() -> Vec<Step> {
    let validation = || json!({ "id": "$response.body#/id" });
    let voucher = || json!({ "code": "$response.body#/code" });
    let none = json!({});
    vec![
        (
            "createCardValidation",
            "201",
            "GetCardValidation",
            "getCardValidation",
            validation(),
            None,
        ),
        (
            "createCardValidation",
            "201",
            "ResendOtp",
            "resendCardValidationOtp",
            validation(),
            None,
        ),
        (
            "createCardValidation",
            "201",
            "Verify",
            "verifyCardValidation",
            validation(),
            None,
        ),
        (
            "verifyCardValidation",
            "200",
            "BuyVoucher",
            "buyVoucher",
            none,
            Some(json!({ "card_validation_id": "$response.body#/id" })),
        ),
        (
            "buyVoucher",
            "201",
            "GetVoucher",
            "getVoucher",
            voucher(),
            None,
        ),
        (
            "buyVoucher",
            "201",
            "Redeem",
            "redeemVoucher",
            voucher(),
            None,
        ),
        ("buyVoucher", "201", "Void", "voidVoucher", voucher(), None),
        (
            "redeemVoucher",
            "200",
            "RecordAttendance",
            "recordAttendance",
            voucher(),
            None,
        ),
        (
            "redeemVoucher",
            "200",
            "ReportCompletion",
            "reportCompletion",
            voucher(),
            None,
        ),
        (
            "reportCompletion",
            "200",
            "IssueCertificate",
            "issueCertificate",
            voucher(),
            None,
        ),
    ]
}

pub fn document(api: &mut OpenApi) {
    let steps = steps();
    for (_, op) in super::operations_mut(api) {
        let Some(id) = op.operation_id.clone() else {
            continue;
        };
        for (from, status, name, to, parameters, body) in &steps {
            if *from != id {
                continue;
            }
            let Some(RefOr::T(response)) = op.responses.responses.get_mut(*status) else {
                continue;
            };
            let mut link = LinkBuilder::new()
                .operation_id(*to)
                .request_body(body.clone());
            if let Some(map) = parameters.as_object() {
                for (param, value) in map {
                    link = link.parameter(param, value.clone());
                }
            }
            response
                .links
                .insert((*name).to_string(), RefOr::T(link.build()));
        }
    }
}

/// utoipa 5 writes a Link's `operationId` and `requestBody` as `operation_id` and `request_body`;
/// no other object of the document has keys of those names, so they are renamed in the text.
pub fn camel_case(json: &str) -> String {
    json.replace("\"operation_id\": ", "\"operationId\": ")
        .replace("\"request_body\": ", "\"requestBody\": ")
}
