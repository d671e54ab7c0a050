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

#[test]
fn operation_ids_are_unique_so_client_generators_can_name_methods() {
    let spec: Value = serde_json::from_str(&prakerja_api::openapi::spec_json()).expect("json");
    let mut seen = std::collections::BTreeSet::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("operation") {
            let id = op["operationId"].as_str().unwrap_or_default().to_string();
            assert!(
                !id.is_empty() && seen.insert(id.clone()),
                "{method} {path}: operationId {id:?} repeats"
            );
        }
    }
}
