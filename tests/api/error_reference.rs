//! The error reference partners act on, served at `/errors` and `/errors.json`, held to the
//! codes in the source and in the spec: none missing, none stale, none undocumented.

use std::collections::{BTreeMap, BTreeSet};

use prakerja_api::error::ErrorCode;
use serde_json::Value;

use crate::architecture::{rust_files, src};
use crate::helpers::*;

/// Codes no operation lists, and why.
const NAMED_BY_NO_OPERATION: &[(&str, &str)] = &[
    (
        "method_not_allowed",
        "the router answers it for a path served with other methods: it is no operation's answer",
    ),
    (
        "internal_error",
        "any operation can fail on our side; the spec lists the failures a caller can act on",
    ),
];

fn wire_codes() -> BTreeSet<&'static str> {
    ErrorCode::ALL.iter().map(|c| c.code()).collect()
}

async fn reference(app: &TestApp) -> Vec<Value> {
    let res = app.send(app.client.get(app.url("/errors.json"))).await;
    assert_eq!(res.status, 200, "{}", res.body);
    res.body["data"].as_array().expect("data[]").clone()
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_default()
}

#[actix_web::test]
async fn the_reference_has_each_code_once_with_its_status_meaning_and_both_remedies() {
    let app = spawn_app().await;
    let data = reference(&app).await;
    let codes: Vec<&str> = data.iter().map(|e| text(e, "code")).collect();
    let unique: BTreeSet<&str> = codes.iter().copied().collect();
    assert_eq!(
        unique.len(),
        codes.len(),
        "a code is listed twice: {codes:?}"
    );
    assert_eq!(unique, wire_codes());
    for e in &data {
        let code = ErrorCode::ALL
            .iter()
            .find(|c| c.code() == text(e, "code"))
            .expect("a known code");
        assert_eq!(e["status"], code.status(), "{e}");
        assert_eq!(text(e, "title"), code.title(), "{e}");
        for part in [&e["description"], &e["remedy"]["id"], &e["remedy"]["en"]] {
            assert!(part.as_str().is_some_and(|t| t.len() > 20), "{e}");
        }
    }
}

fn escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[actix_web::test]
async fn every_code_has_an_anchor_with_its_status_meaning_and_remedies_on_the_error_page() {
    let app = spawn_app().await;
    let data = reference(&app).await;
    let page = app.send(app.client.get(app.url("/errors"))).await;
    assert_eq!(page.status, 200);
    let html = page.body.as_str().expect("html");
    for e in &data {
        let code = text(e, "code");
        let row = html
            .split("<tr id=\"")
            .find(|r| r.starts_with(&format!("{code}\"")))
            .unwrap_or_else(|| panic!("no anchor for {code}"));
        let row = row.split("</tr>").next().unwrap_or_default();
        assert!(row.contains(&format!("<td>{}</td>", e["status"])), "{row}");
        for part in [
            text(e, "description"),
            text(&e["remedy"], "id"),
            text(&e["remedy"], "en"),
        ] {
            assert!(
                row.contains(&escaped(part)),
                "{code}: {part:?} not in {row}"
            );
        }
    }
    // A problem's `type` names its anchor.
    let res = app.send(app.client.get(app.url("/v1/vouchers"))).await;
    let type_uri = text(res.problem(401, "invalid_token"), "type").to_string();
    let anchor = type_uri
        .rsplit_once('#')
        .map(|(_, a)| a)
        .unwrap_or_default();
    assert!(html.contains(&format!("id=\"{anchor}\"")), "{type_uri}");
}

/// `code -> [(method path, status)]` of every error response of the spec.
fn codes_in_spec(spec: &Value) -> BTreeMap<String, Vec<(String, String)>> {
    let mut named: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("operations") {
            for (status, response) in op["responses"].as_object().expect("responses") {
                if !status.starts_with(['4', '5']) {
                    continue;
                }
                let codes = response["x-error-codes"].as_array();
                let codes = codes
                    .filter(|c| !c.is_empty())
                    .unwrap_or_else(|| panic!("{method} {path} {status} lists no x-error-codes"));
                for code in codes {
                    let code = code.as_str().expect("a code is a string").to_string();
                    let at = (format!("{method} {path}"), status.clone());
                    named.entry(code).or_default().push(at);
                }
            }
        }
    }
    named
}

#[test]
fn the_spec_names_only_codes_of_the_reference_each_under_its_own_status() {
    let spec: Value = serde_json::from_str(&prakerja_api::openapi::spec_json()).expect("json");
    let reference: BTreeMap<&str, u16> = prakerja_api::error::reference()
        .iter()
        .map(|e| (e.code, e.status))
        .collect();
    for (code, places) in codes_in_spec(&spec) {
        let status = reference.get(code.as_str());
        assert!(
            status.is_some(),
            "{code} (in {places:?}) is not in the reference"
        );
        // The Prakerja-compatible paths answer in their own envelope, with their own statuses.
        for (op, at) in places.iter().filter(|(op, _)| op.contains(" /v1/")) {
            assert_eq!(
                Some(at.as_str()),
                status.map(u16::to_string).as_deref(),
                "{op}: {code}"
            );
        }
    }
}

#[test]
fn every_code_of_the_reference_is_named_by_an_operation_unless_listed_with_a_reason() {
    let spec: Value = serde_json::from_str(&prakerja_api::openapi::spec_json()).expect("json");
    let named = codes_in_spec(&spec);
    let exempt: BTreeSet<&str> = NAMED_BY_NO_OPERATION.iter().map(|(c, _)| *c).collect();
    for entry in prakerja_api::error::reference() {
        let listed = named.get(entry.code).is_some_and(|p| !p.is_empty());
        assert_eq!(
            listed,
            !exempt.contains(entry.code),
            "{}: named by an operation = {listed}; exempt = {}",
            entry.code,
            exempt.contains(entry.code)
        );
    }
}

/// Every `ErrorCode::Variant` the source names.
fn variants_in_source() -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for file in rust_files(&src("")) {
        let source = std::fs::read_to_string(&file).expect("readable");
        for (i, _) in source.match_indices("ErrorCode::") {
            let name: String = source[i + "ErrorCode::".len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            if name.starts_with(|c: char| c.is_ascii_uppercase()) && name != "ALL" {
                out.insert(name);
            }
        }
    }
    out
}

#[test]
fn every_code_the_source_answers_with_is_in_the_reference_and_in_the_spec() {
    let spec: Value = serde_json::from_str(&prakerja_api::openapi::spec_json()).expect("json");
    let named = codes_in_spec(&spec);
    let exempt: BTreeSet<&str> = NAMED_BY_NO_OPERATION.iter().map(|(c, _)| *c).collect();
    let reference: BTreeSet<&str> = prakerja_api::error::reference()
        .iter()
        .map(|e| e.code)
        .collect();
    let used = variants_in_source();
    assert!(used.len() > 50, "the source scan found only {used:?}");
    for variant in used {
        let code = ErrorCode::ALL
            .iter()
            .find(|c| format!("{c:?}") == variant)
            .unwrap_or_else(|| panic!("ErrorCode::{variant} is not in ErrorCode::ALL"))
            .code();
        assert!(
            reference.contains(code),
            "{variant} ({code}) is not in the reference"
        );
        assert!(
            named.contains_key(code) || exempt.contains(code),
            "ErrorCode::{variant} ({code}) is answered by the source but listed by no operation"
        );
    }
}

#[test]
fn a_problems_code_is_an_enum_of_exactly_the_reference() {
    let spec: Value = serde_json::from_str(&prakerja_api::openapi::spec_json()).expect("json");
    let reference: Vec<&str> = prakerja_api::error::reference()
        .iter()
        .map(|e| e.code)
        .collect();
    for schema in ["Problem", "Refusal"] {
        let code = &spec["components"]["schemas"][schema]["properties"]["code"];
        let listed: Vec<&str> = code["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("{schema}.code is not an enum: {code}"))
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(listed, reference, "{schema}.code");
    }
}
