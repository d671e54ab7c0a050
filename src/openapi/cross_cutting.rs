//! What every operation shares, documented once instead of in each route: the `Idempotency-Key`
//! header of state-changing POSTs, the errors the layers around the handlers can answer with
//! (auth, rate limit, body parsing, idempotency, an unreachable database), the response headers
//! (`X-Request-Id`, `Retry-After`, `Idempotent-Replayed`), and the client-credentials
//! alternative to a bearer token.

use utoipa::openapi::path::{Operation, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{
    ContentBuilder, HeaderBuilder, OpenApi, Ref, RefOr, Required, Response, ResponseBuilder,
};

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
            let keyed = v1 && !OPEN.contains(&path.as_str());
            if keyed {
                replayable(op);
            }
            // Only `/v1` answers problem+json: the Prakerja-compatible paths document their own.
            if op.request_body.is_some() && v1 {
                add(op, "400", "malformed_json");
                add(op, "400", "bad_request (the body could not be read)");
                add(op, "422", "validation_failed");
                add(op, "413", "payload_too_large");
                add(op, "415", "unsupported_media_type");
            }
            if keyed {
                idempotency(op);
            }
            if v1 {
                common(op);
            }
        }
    }
    for (path, op) in super::operations_mut(api) {
        // A holder's token comes from a session, never from client credentials.
        if !path.starts_with("/v1/me") {
            allow_client_credentials(op);
        }
        response_headers(op);
    }
}

/// Where a bearer token is asked for, a partner may instead let its client credentials fetch one
/// (the `oauth2` scheme, which the docs' Authorize button uses).
fn allow_client_credentials(op: &mut Operation) {
    let Some(security) = op.security.as_mut() else {
        return;
    };
    let bearer = security
        .iter()
        .any(|r| serde_json::to_value(r).is_ok_and(|v| v.get("bearer").is_some()));
    if bearer {
        security.push(SecurityRequirement::new("oauth2", Vec::<String>::new()));
    }
}

/// The request id on every response, and when to come back on those that say so.
fn response_headers(op: &mut Operation) {
    for (status, response) in op.responses.responses.iter_mut() {
        let RefOr::T(response) = response else {
            continue;
        };
        header(
            response,
            "X-Request-Id",
            "This request's id (the caller's own `X-Request-Id` when it sent a valid one): quote \
             it to support. Problems carry it as `request_id` too.",
        );
        // Rate limits, a busy service, an SMS the carrier did not take.
        if ["429", "502", "503"].contains(&status.as_str()) {
            retry_after(response);
        }
    }
}

fn retry_after(response: &mut Response) {
    let seconds = ObjectBuilder::new()
        .schema_type(Type::Integer)
        .minimum(Some(1));
    response.headers.insert(
        "Retry-After".into(),
        HeaderBuilder::new()
            .schema(seconds)
            .description(Some(
                "Seconds to wait before trying again (with the problems that say to retry).",
            ))
            .build(),
    );
}

fn header(response: &mut Response, name: &str, description: &str) {
    let text = ObjectBuilder::new().schema_type(Type::String);
    response.headers.insert(
        name.into(),
        HeaderBuilder::new()
            .schema(text)
            .description(Some(description))
            .build(),
    );
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
    if let Some(RefOr::T(busy)) = op.responses.responses.get_mut("409") {
        retry_after(busy);
    }
}

/// What the use case answers (the responses its route documents, not the layers' around it) is
/// stored with its `Idempotency-Key`, so a retry may get it replayed.
fn replayable(op: &mut Operation) {
    for (status, response) in op.responses.responses.iter_mut() {
        if let RefOr::T(response) = response
            && !status.starts_with('5')
        {
            header(
                response,
                "Idempotent-Replayed",
                "`true` when this is the stored answer to an earlier request with the same \
                 `Idempotency-Key` (nothing was done again); absent otherwise.",
            );
        }
    }
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
