//! What every operation shares, documented once instead of in each route: the `Idempotency-Key`
//! header of state-changing POSTs, and the errors the layers around the handlers can answer with
//! (auth, rate limit, body parsing, idempotency, an unreachable database).

use utoipa::openapi::path::{Operation, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, Required, ResponseBuilder};

/// Paths that take no bearer token and no idempotency key.
const OPEN: &[&str] = &[
    "/v1/oauth/token",
    "/v1/participant/sessions",
    "/v1/participant/sessions/{id}/verify",
];

pub fn document(api: &mut OpenApi) {
    for (path, item) in api.paths.paths.iter_mut() {
        let v1 = path.starts_with("/v1/");
        if let Some(op) = item.get.as_mut() {
            let has_query = op
                .parameters
                .iter()
                .flatten()
                .any(|p| matches!(p.parameter_in, ParameterIn::Query));
            if has_query {
                add(op, "400", "malformed_query");
            }
            let paged = op.parameters.iter().flatten().any(|p| p.name == "limit");
            if paged {
                add(op, "400", "invalid_cursor");
                add(op, "422", "validation_failed");
            }
            if v1 {
                common(op);
            }
        }
        if let Some(op) = item.delete.as_mut()
            && v1
        {
            common(op);
        }
        for op in [item.post.as_mut(), item.put.as_mut()]
            .into_iter()
            .flatten()
        {
            // Only `/v1` answers problem+json: the Prakerja-compatible paths document their own.
            if op.request_body.is_some() && v1 {
                add(op, "400", "malformed_json");
                add(op, "400", "bad_request (the body could not be read)");
                add(op, "422", "validation_failed");
                add(op, "413", "payload_too_large");
                add(op, "415", "unsupported_media_type");
            }
            if v1 && !OPEN.contains(&path.as_str()) {
                idempotency(op);
            }
            if v1 {
                common(op);
            }
        }
    }
}

/// Every `/v1` operation: the token, the rate limit, the database.
fn common(op: &mut Operation) {
    if op.security.is_some() {
        add(op, "401", "invalid_token");
        add(
            op,
            "403",
            "forbidden (another role, or a token without this route's scope)",
        );
        add(op, "429", "rate_limited");
    }
    add(op, "503", "service_unavailable");
}

fn idempotency(op: &mut Operation) {
    let key = ParameterBuilder::new()
        .name("Idempotency-Key")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "1-255 visible ASCII characters. The first response is stored for 24 h and replayed for the same key; \
             the same key with another body is 422 idempotency_key_reused.",
        ))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(255))
                .pattern(Some("^[!-~]+$")),
        ))
        .build();
    op.parameters.get_or_insert_with(Vec::new).push(key);
    add(op, "400", "invalid_idempotency_key");
    add(op, "409", "idempotency_in_progress");
    add(op, "422", "idempotency_key_reused");
}

/// Documents `code` under `status`: a new problem+json response, or one more code in the
/// description of the existing one (`error_codes.rs` reads the codes back into `x-error-codes`).
fn add(op: &mut Operation, status: &str, code: &str) {
    match op.responses.responses.get_mut(status) {
        Some(RefOr::T(response)) => {
            let name = code.split(' ').next().unwrap_or(code);
            if !response.description.split([',', ' ']).any(|c| c == name) {
                response.description = format!("{}, {code}", response.description);
            }
        }
        Some(RefOr::Ref(_)) => {}
        None => {
            let problem = ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build();
            let response = ResponseBuilder::new()
                .description(code)
                .content("application/problem+json", problem)
                .build();
            op.responses
                .responses
                .insert(status.to_string(), RefOr::T(response));
        }
    }
}
