use prakerja_api::domain::Role;
use prakerja_api::domain::event::EventType;
use serde_json::Value;

use crate::helpers::*;

#[actix_web::test]
async fn the_served_spec_is_the_committed_openapi_json() {
    let app = spawn_app().await;
    let res = app.send(app.client.get(app.url("/openapi.json"))).await;
    assert_eq!(res.status, 200);
    let committed: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json"))
            .expect("openapi/openapi.json"),
    )
    .expect("committed spec is JSON");
    assert_eq!(
        res.body, committed,
        "openapi/openapi.json is stale: run `cargo run -- openapi > openapi/openapi.json`"
    );
}

#[test]
fn the_committed_file_is_byte_for_byte_what_the_openapi_command_prints() {
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json"))
            .expect("file");
    assert!(
        committed == prakerja_api::openapi::spec_json(),
        "openapi/openapi.json is stale: run `cargo run -- openapi > openapi/openapi.json`"
    );
}

#[test]
fn every_protected_operation_documents_its_problem_responses_and_bearer_auth() {
    let spec: Value = serde_json::from_str(&prakerja_api::openapi::spec_json()).expect("json");
    assert!(
        spec["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1"))
    );
    assert!(spec["components"]["securitySchemes"]["bearer"].is_object());
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("operation") {
            let responses = op["responses"].as_object().expect("responses");
            // Paths a caller uses before it has a token: getting one, and a holder signing in.
            let open = path == "/v1/oauth/token" || path.starts_with("/v1/participant/sessions");
            if path.starts_with("/v1/") && !open {
                assert!(op["security"].is_array(), "{method} {path} lacks security");
                let unauthorized = &responses.get("401").unwrap_or(&Value::Null)["content"]["application/problem+json"];
                assert!(
                    unauthorized.is_object(),
                    "{method} {path} does not document 401 problem+json"
                );
            }
            // Prakerja's clients parse its envelope: those paths document it, signed, instead.
            let compat = path.starts_with("/api/v1/integration/");
            if compat {
                let signed = &op["security"][0];
                for header in ["client_code", "timestamp", "signature"] {
                    assert!(signed[header].is_array(), "{method} {path} lacks {header}");
                }
            }
            let errors = if compat {
                "application/json"
            } else {
                "application/problem+json"
            };
            for (status, response) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    assert!(
                        response["content"][errors].is_object(),
                        "{method} {path} {status} is not {errors}"
                    );
                }
            }
        }
    }
}

fn spec() -> Value {
    serde_json::from_str(&prakerja_api::openapi::spec_json()).expect("json")
}

/// Every operation of the spec, as `(method, path, operation)`.
fn operations(spec: &Value) -> Vec<(String, String, Value)> {
    let mut all = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("operation") {
            all.push((method.clone(), path.clone(), op.clone()));
        }
    }
    all
}

/// The verbs an operation id may start with: a generated method reads as what it does.
const VERBS: &[&str] = &[
    "add",
    "approve",
    "buy",
    "cancel",
    "commit",
    "confirm",
    "create",
    "delete",
    "disable",
    "enable",
    "freeze",
    "get",
    "import",
    "issue",
    "list",
    "mint",
    "record",
    "redeem",
    "redeliver",
    "register",
    "reject",
    "report",
    "request",
    "resend",
    "reset",
    "reveal",
    "review",
    "revoke",
    "rotate",
    "run",
    "start",
    "submit",
    "unfreeze",
    "update",
    "verify",
    "void",
];

#[test]
fn operation_ids_are_unique_verb_noun_names_so_generated_methods_read_as_actions() {
    let mut seen = std::collections::BTreeSet::new();
    for (method, path, op) in operations(&spec()) {
        let id = op["operationId"].as_str().unwrap_or_default().to_string();
        let verb: String = id.chars().take_while(|c| c.is_ascii_lowercase()).collect();
        let noun = &id[verb.len()..];
        assert!(
            VERBS.contains(&verb.as_str())
                && noun.starts_with(|c: char| c.is_ascii_uppercase())
                && noun.chars().all(|c| c.is_ascii_alphanumeric()),
            "{method} {path}: operationId {id:?} is not verbNoun (camelCase, a verb first)"
        );
        assert!(
            seen.insert(id.clone()),
            "{method} {path}: operationId {id:?} repeats"
        );
    }
}

#[test]
fn partners_may_authorize_with_client_credentials_and_holders_with_their_bearer_token() {
    let spec = spec();
    let oauth2 = &spec["components"]["securitySchemes"]["oauth2"];
    assert_eq!(oauth2["type"], "oauth2");
    let flow = &oauth2["flows"]["clientCredentials"];
    assert_eq!(flow["tokenUrl"], "/v1/oauth/token");
    for role in [Role::Admin, Role::Platform, Role::Lpk] {
        for scope in prakerja_api::auth::scope::granted(role) {
            assert!(flow["scopes"][scope].is_string(), "scope {scope} missing");
        }
    }
    for (method, path, op) in operations(&spec) {
        let Some(security) = op["security"].as_array() else {
            continue;
        };
        let schemes: Vec<&String> = security
            .iter()
            .flat_map(|r| r.as_object().expect("requirement").keys())
            .collect();
        if !schemes.iter().any(|s| *s == "bearer") {
            continue;
        }
        let holder_only = path.starts_with("/v1/me");
        assert_eq!(
            schemes.iter().any(|s| *s == "oauth2"),
            !holder_only,
            "{method} {path}: {schemes:?}"
        );
    }
}

#[test]
fn the_token_body_is_a_form_and_no_body_shares_one_schema_between_media_types() {
    let spec = spec();
    let token = &spec["paths"]["/v1/oauth/token"]["post"]["requestBody"]["content"];
    assert!(token["application/x-www-form-urlencoded"]["schema"].is_object());
    for (method, path, op) in operations(&spec) {
        let Some(content) = op["requestBody"]["content"].as_object() else {
            continue;
        };
        let schemas: Vec<&Value> = content.values().map(|m| &m["schema"]).collect();
        for (i, a) in schemas.iter().enumerate() {
            assert!(
                !schemas[i + 1..].contains(a),
                "{method} {path}: two media types share the schema {a}"
            );
        }
    }
}

#[test]
fn every_response_documents_its_request_id_and_those_that_say_wait_their_retry_after() {
    for (method, path, op) in operations(&spec()) {
        let keyed = op["parameters"]
            .as_array()
            .is_some_and(|ps| ps.iter().any(|p| p["name"] == "Idempotency-Key"));
        for (status, response) in op["responses"].as_object().expect("responses") {
            let headers = &response["headers"];
            assert!(
                headers["X-Request-Id"]["schema"].is_object(),
                "{method} {path} {status} lacks X-Request-Id"
            );
            if ["429", "503"].contains(&status.as_str()) {
                assert!(
                    headers["Retry-After"]["schema"].is_object(),
                    "{method} {path} {status} lacks Retry-After"
                );
            }
            if keyed && status.starts_with('2') {
                assert!(
                    headers["Idempotent-Replayed"]["schema"].is_object(),
                    "{method} {path} {status} lacks Idempotent-Replayed"
                );
            }
        }
    }
}

#[test]
fn list_items_refer_to_named_schemas_instead_of_inline_copies() {
    let spec = spec();
    let schemas = spec["components"]["schemas"].as_object().expect("schemas");
    let mut lists = 0;
    for (name, schema) in schemas {
        let data = &schema["properties"]["data"];
        if data["type"] == "array" {
            lists += 1;
            assert!(
                data["items"]["$ref"].is_string(),
                "{name}.data items are inline: {}",
                data["items"]
            );
        }
        // No schema holds a copy of another component where it could refer to it.
        for (property, value) in schema["properties"].as_object().into_iter().flatten() {
            let items = &value["items"];
            for (other, copy) in schemas {
                assert!(
                    value != copy && items != copy,
                    "{name}.{property} is an inline copy of {other}"
                );
            }
        }
    }
    assert!(lists >= 5, "only {lists} list schemas found");
}

#[test]
fn events_are_one_of_a_schema_per_type_told_apart_by_type() {
    let spec = spec();
    let schemas = &spec["components"]["schemas"];
    let event = &schemas["Event"];
    assert_eq!(event["discriminator"]["propertyName"], "type");
    let members = event["oneOf"].as_array().expect("oneOf");
    assert_eq!(members.len(), EventType::ALL.len());
    for t in EventType::ALL {
        let target = event["discriminator"]["mapping"][t.as_str()]
            .as_str()
            .unwrap_or_else(|| panic!("{t} has no mapping"));
        assert!(members.iter().any(|m| m["$ref"] == target), "{t}: {target}");
        let member = &schemas[target.trim_start_matches("#/components/schemas/")];
        assert_eq!(
            member["properties"]["type"]["enum"],
            serde_json::json!([t.as_str()])
        );
        assert!(member["properties"]["data"]["$ref"].is_string(), "{t} data");
        for field in ["id", "type", "created_at", "data"] {
            assert!(
                member["required"]
                    .as_array()
                    .expect("required")
                    .contains(&field.into()),
                "{t} does not require {field}"
            );
        }
    }
    assert_eq!(
        schemas["EventPage"]["properties"]["data"]["items"]["$ref"],
        "#/components/schemas/Event"
    );
}

/// Swagger UI's Authorize button (client credentials) posts a form with `grant_type` and the
/// ticked scopes (empty when none are) and the credentials in HTTP Basic auth.
#[actix_web::test]
async fn the_docs_authorize_button_gets_a_token_that_works() {
    let app = spawn_app().await;
    for scope in ["", "catalog:read"] {
        let res = app
            .send(
                app.client
                    .post(app.url("/v1/oauth/token"))
                    .basic_auth(PLATFORM.0, Some(PLATFORM.1))
                    .form(&[("grant_type", "client_credentials"), ("scope", scope)]),
            )
            .await;
        assert_eq!(res.status, 200, "scope {scope:?}: {}", res.body);
        let token = res.body["access_token"].as_str().expect("token");
        let courses = app.get("/v1/courses", token).await;
        assert_eq!(courses.status, 200, "{}", courses.body);
    }
}

/// The links a stateful client or fuzzer follows along the money path: each names an operation
/// of the document (written `operationId`, as OpenAPI spells it) and passes the id it needs.
#[test]
fn links_lead_from_a_card_validation_to_the_vouchers_completion() {
    let spec = spec();
    let ops = operations(&spec);
    let by_id = |id: &str| {
        ops.iter()
            .find(|(_, _, op)| op["operationId"] == id)
            .map(|(_, _, op)| op.clone())
            .unwrap_or_else(|| panic!("no operation {id}"))
    };
    let mut reached = vec!["createCardValidation".to_string()];
    let mut i = 0;
    while i < reached.len() {
        let op = by_id(&reached[i]);
        for response in op["responses"].as_object().expect("responses").values() {
            for (name, link) in response["links"].as_object().into_iter().flatten() {
                assert!(
                    link.get("operation_id").is_none(),
                    "{name} is written in snake_case"
                );
                let target = link["operationId"].as_str().expect("operationId");
                by_id(target);
                if !reached.iter().any(|r| r == target) {
                    reached.push(target.to_string());
                }
            }
        }
        i += 1;
    }
    for step in [
        "verifyCardValidation",
        "buyVoucher",
        "redeemVoucher",
        "reportCompletion",
    ] {
        assert!(reached.iter().any(|r| r == step), "{step} is not reached");
    }
}
