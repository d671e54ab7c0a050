//! The shape of the code, checked: the core knows nothing of HTTP, files stay small, and a stored
//! state no rule knows fails loudly.

use std::path::{Path, PathBuf};

use diesel::connection::SimpleConnection;
use prakerja_api::db::Backend;
use serde_json::json;

use crate::binary::Binary;
use crate::helpers::*;
use crate::purchase_helpers::*;

pub fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)
        .expect("readable source tree")
        .flatten()
    {
        let path = entry.path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

pub fn src(part: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(part)
}

#[test]
fn the_core_imports_nothing_from_the_web_edge() {
    let core = ["domain", "db", "service", "auth", "config", "gateways"]
        .iter()
        .flat_map(|d| rust_files(&src(d)))
        .chain(["error.rs", "page.rs", "crypto.rs"].iter().map(|f| src(f)));
    let forbidden = [
        "actix",
        "crate::http",
        "http::",
        "ApiError",
        "HttpResponse",
        "ResponseError",
    ];
    let mut found = Vec::new();
    for file in core {
        let text = std::fs::read_to_string(&file).expect("readable");
        let code = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim_start().starts_with("//"));
        for (n, line) in code {
            if let Some(word) = forbidden.iter().find(|w| line.contains(*w)) {
                found.push(format!("{}:{}: {word}", file.display(), n + 1));
            }
        }
    }
    assert!(
        found.is_empty(),
        "the core reaches into the web edge:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_command_line_shares_the_cores_rules_not_the_web_edges() {
    // The CLI is a second edge beside src/http: a rule both need lives in the core, so neither
    // edge depends on the other.
    let mut found = Vec::new();
    for file in rust_files(&src("cli")) {
        let text = std::fs::read_to_string(&file).expect("readable");
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            let tree = code.contains("crate::{") && code.contains("http");
            if tree || code.contains("crate::http") || code.contains("http::") {
                found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "the command line uses the HTTP layer:\n{}",
        found.join("\n")
    );
}

#[test]
fn handlers_reach_neither_the_store_nor_a_gateway() {
    // Module paths (also inside `use crate::{...}` trees), and the core's parts the use cases own.
    let forbidden = [
        "db::",
        "gateways::",
        "db,",
        "gateways,",
        "core.pool",
        "core.sms",
        "core.cipher",
        "core.keys",
        "core.webhook_sender",
    ];
    let mut found = Vec::new();
    for file in rust_files(&src("http")) {
        let text = std::fs::read_to_string(&file).expect("readable");
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if let Some(word) = forbidden.iter().find(|w| code.contains(*w)) {
                found.push(format!("{}:{}: {word}", file.display(), n + 1));
            }
        }
    }
    assert!(
        found.is_empty(),
        "handlers use the store or a gateway:\n{}",
        found.join("\n")
    );
}

#[test]
fn every_json_body_is_read_by_the_extractor_that_names_bad_fields() {
    // `web::Json` answers serde's text without `errors[]`; `http::json::Json` names each field.
    let offenders: Vec<String> = rust_files(&src("http"))
        .into_iter()
        .filter(|f| {
            std::fs::read_to_string(f)
                .unwrap_or_default()
                .contains(": web::Json<")
        })
        .map(|f| f.display().to_string())
        .collect();
    assert!(
        offenders.is_empty(),
        "use http::json::Json in {offenders:?}"
    );
}

#[test]
fn no_source_file_is_over_400_lines() {
    let long: Vec<String> = rust_files(&src(""))
        .into_iter()
        .filter_map(|f| {
            let lines = std::fs::read_to_string(&f).ok()?.lines().count();
            (lines > 400).then(|| format!("{}: {lines}", f.display()))
        })
        .collect();
    assert!(long.is_empty(), "split these files: {long:?}");
}

/// Writes `sql` past the CHECK constraints that would refuse it, as a corrupt row would be.
async fn corrupt(app: &TestApp, sql: &'static str, pg_constraint: &'static str) {
    let backend = backend(app);
    app.db(move |c| {
        let batch = match backend {
            Backend::Sqlite => format!("PRAGMA ignore_check_constraints = ON; {sql}; PRAGMA ignore_check_constraints = OFF;"),
            Backend::Postgres => format!("ALTER TABLE {pg_constraint}; {sql};"),
        };
        c.batch_execute(&batch)?;
        Ok(())
    })
    .await;
}

#[actix_web::test]
async fn a_stored_state_no_rule_knows_fails_the_read_and_is_logged() {
    let app = spawn_app().await;
    let server = Binary::serve(&app.database_url, &[]);
    let admin = server.http.token(ADMIN).await;
    let card = test_card(5).card;
    let voucher = app
        .get("/v1/vouchers?limit=1", &app.token(ADMIN).await)
        .await
        .body["data"][0]["code"]
        .as_str()
        .expect("the seeded voucher")
        .to_string();

    corrupt(
        &app,
        "UPDATE participants SET status = 'suspended' WHERE card_number = '5200000000000064'",
        "participants DROP CONSTRAINT participants_status_check",
    )
    .await;
    server
        .http
        .get(&format!("/v1/admin/participants/{card}"), &admin)
        .await
        .problem(500, "internal_error");

    corrupt(
        &app,
        "UPDATE vouchers SET status = 'lost'",
        "vouchers DROP CONSTRAINT vouchers_status_check",
    )
    .await;
    server
        .http
        .get(&format!("/v1/vouchers/{voucher}"), &admin)
        .await
        .problem(500, "internal_error");

    for value in [
        "unknown card status \\\"suspended\\\"",
        "unknown voucher status \\\"lost\\\"",
    ] {
        let logged_here = |l: &str| l.contains("corrupt row") && l.contains(value);
        let logged = server.lines_when(logged_here).await;
        assert!(
            logged.iter().any(|l| logged_here(l)),
            "the corrupt value is logged: {value} in {logged:#?}"
        );
    }
    // Nothing read it as some other state: a purchase on that card is refused, not allowed.
    let platform = server.http.token(PLATFORM).await;
    let course = sandbox_course(&app, &platform, 500_000).await;
    let res = server
        .http
        .post(
            "/v1/card-validations",
            &platform,
            &validation_body(&card, &course.code, course.schedule.as_deref()),
        )
        .await;
    assert_eq!(res.status, 500, "{}", res.body);
    assert_eq!(res.body["code"], json!("internal_error"));
}
