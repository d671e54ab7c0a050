//! The command line against a test's database: `audit verify`, `rotate-data-key`, `admin create-client`,
//! the closed pipe, `--help`, the exit codes; and the helpers the other CLI tests run it with.

use std::collections::BTreeMap;
use std::process::{Command, Output};

use base64::Engine;
use prakerja_api::crypto::PiiCipher;

use prakerja_api::service::sandbox::card;

use crate::helpers::*;

const NEW_KEY: [u8; 32] = [42u8; 32];

pub fn cli(app: &TestApp, args: &[&str], extra_env: &[(&str, String)]) -> Output {
    let mut cmd = crate::binary::command(&app.database_url);
    cmd.args(args).env("RUST_LOG", "warn");
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    cmd.output().expect("the binary runs")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The operator every test names with `--as`.
pub const OPERATOR: &str = "siti.pmo";

/// Runs `--json --as siti.pmo ARGS`, asserts exit 0 and returns the JSON it printed.
pub fn operator_json(app: &TestApp, args: &[&str]) -> serde_json::Value {
    let out = operator_run(app, args);
    assert!(
        out.status.success(),
        "{args:?}: {} {}",
        text(&out.stdout),
        text(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{args:?} printed no JSON ({e}): {}", text(&out.stdout)))
}

/// Runs `--json --as siti.pmo ARGS` and returns how it ended.
pub fn operator_run(app: &TestApp, args: &[&str]) -> Output {
    let mut all = vec!["--json", "--as", OPERATOR];
    all.extend_from_slice(args);
    cli(app, &all, &[])
}

/// A refused command: its exit code and the problem's `code` (the last JSON line on stderr: log
/// lines may come before or after it).
pub fn refusal(out: &Output) -> (i32, String) {
    let stderr = text(&out.stderr);
    let problem = stderr
        .lines()
        .rev()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["code"].is_string())
        .unwrap_or_else(|| panic!("no JSON problem on stderr: {stderr}"));
    (
        out.status.code().expect("an exit code"),
        problem["code"].as_str().expect("a code").to_string(),
    )
}

/// The latest audit event, as `audit tail -n 1 --json` prints it.
pub fn last_audit(app: &TestApp) -> serde_json::Value {
    let events = operator_json(app, &["audit", "tail", "-n", "1"]);
    events[0].clone()
}

/// Asserts the latest audit event is `action` by the operator; returns it.
pub fn assert_audited(app: &TestApp, action: &str) -> serde_json::Value {
    let e = last_audit(app);
    assert_eq!(e["action"], action, "{e}");
    assert_eq!(e["actor_id"], OPERATOR, "{e}");
    assert_eq!(e["actor_role"], "operator", "{e}");
    e
}

#[actix_web::test]
async fn audit_verify_passes_then_names_the_first_edited_event_and_fails() {
    let app = spawn_app().await;
    let ok = cli(&app, &["audit", "verify"], &[]);
    assert!(ok.status.success(), "{}", text(&ok.stderr));
    assert!(
        text(&ok.stdout).contains("audit chain intact"),
        "{}",
        text(&ok.stdout)
    );

    app.sql("UPDATE audit_events SET actor_id = 'someone-else' WHERE seq = 4")
        .await;
    let broken = cli(&app, &["audit", "verify"], &[]);
    assert!(!broken.status.success());
    assert!(
        text(&broken.stderr).contains("broken at event 4"),
        "{}",
        text(&broken.stderr)
    );
}

#[actix_web::test]
async fn rotate_data_key_reencrypts_every_holder_with_progress() {
    let app = spawn_app().await;
    let old = &app.state.config.keys.data_keys;
    let b64 = |k: &[u8; 32]| base64::engine::general_purpose::STANDARD.encode(k);
    let keys = format!("dev:{},k2:{}", b64(old["dev"].expose()), b64(&NEW_KEY));
    let out = cli(
        &app,
        &["rotate-data-key", "--batch-size", "2"],
        &[
            ("PRAKERJA_DATA_KEYS", keys),
            ("PRAKERJA_DATA_KEY_ID", "k2".into()),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("checked 2 holders"),
        "progress per batch: {}",
        text(&out.stderr)
    );
    assert!(
        text(&out.stdout).contains("re-encrypted 9 holders"),
        "{}",
        text(&out.stdout)
    );

    let only_new = PiiCipher::new(
        &BTreeMap::from([("k2".to_string(), NEW_KEY)]),
        "k2",
        *app.state.config.keys.index_key.expose(),
    );
    let opened = app
        .db(move |c| {
            use diesel::prelude::*;
            use prakerja_api::db::schema::participants as p;
            let rows: Vec<(String, String, String)> = p::table
                .select((p::id, p::nik_cipher, p::phone_cipher))
                .load(c)?;
            Ok(rows.iter().all(|(id, nik, phone)| {
                only_new.decrypt(nik, id).is_ok() && only_new.decrypt(phone, id).is_ok()
            }))
        })
        .await;
    assert!(opened, "every holder opens with the new key alone");
}

#[actix_web::test]
async fn create_client_prints_credentials_that_get_a_token_recorded_as_user() {
    let app = spawn_app().await;
    let out = cli(
        &app,
        &[
            "admin",
            "create-client",
            "--kind",
            "lpk",
            "--name",
            "LPK Maju",
        ],
        &[("USER", "budi.ops".to_string())],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let field = |name: &str| {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .map(String::from)
            .unwrap_or_else(|| panic!("{name} missing from {stdout}"))
    };
    let (id, secret) = (field("client_id:"), field("client_secret:"));
    let token = app.token((&id, &secret)).await;
    assert_eq!(
        app.state
            .core
            .keys
            .verify(&token)
            .expect("valid")
            .role
            .as_str(),
        "lpk"
    );
    let event = last_audit(&app);
    assert_eq!(
        (
            event["action"].as_str(),
            event["actor_id"].as_str(),
            event["actor_role"].as_str()
        ),
        (Some("partner.create"), Some("budi.ops"), Some("operator")),
        "the operator is $USER without --as"
    );
}

#[test]
fn production_refuses_to_start_and_names_the_variables_to_set() {
    let out = Command::new(env!("CARGO_BIN_EXE_prakerja-api"))
        .args(["migrate"])
        .env_clear()
        .env("PRAKERJA_ENV", "production")
        .env("PRAKERJA_SANDBOX", "true")
        .env("DATABASE_URL", "sqlite://unused.db")
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let err = text(&out.stderr);
    for var in [
        "PRAKERJA_SANDBOX",
        "PRAKERJA_JWT_SECRET",
        "PRAKERJA_DATA_KEYS",
        "PRAKERJA_INDEX_KEY",
    ] {
        assert!(err.contains(var), "{err}");
    }
}

#[test]
fn a_closed_pipe_ends_the_output_quietly() {
    use std::io::Read;
    let mut child = Command::new(env!("CARGO_BIN_EXE_prakerja-api"))
        .arg("openapi")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("runs");
    let mut first = [0u8; 1];
    let mut stdout = child.stdout.take().expect("stdout");
    stdout.read_exact(&mut first).expect("a first byte");
    drop(stdout); // as `| head -c1` does: the spec is far larger than a pipe's buffer
    let out = child.wait_with_output().expect("ends");
    assert_eq!(first[0], b'{');
    assert!(out.status.success(), "exit {:?}", out.status.code());
    assert!(out.stderr.is_empty(), "quiet: {}", text(&out.stderr));
}

#[test]
fn help_names_the_environment_the_readme_documents_and_the_exit_codes() {
    let out = Command::new(env!("CARGO_BIN_EXE_prakerja-api"))
        .arg("--help")
        .output()
        .expect("runs");
    assert!(out.status.success());
    let help = text(&out.stdout);
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let named: Vec<&str> = help
        .split(|c: char| !(c.is_ascii_uppercase() || c == '_'))
        .filter(|w| w.starts_with("PRAKERJA_") || *w == "DATABASE_URL")
        .collect();
    for var in [
        "DATABASE_URL",
        "PRAKERJA_DATA_KEYS",
        "PRAKERJA_INDEX_KEY",
        "PRAKERJA_ENV",
    ] {
        assert!(named.contains(&var), "--help lacks {var}: {help}");
    }
    for var in named {
        assert!(readme.contains(&format!("`{var}`")), "README lacks {var}");
    }
    for code in [
        "3  not found",
        "4  the database cannot be reached",
        "2  usage",
    ] {
        assert!(help.contains(code), "--help lacks exit code {code:?}");
    }
}

#[actix_web::test]
async fn exit_codes_say_what_failed() {
    let app = spawn_app().await;
    let (code, problem) = refusal(&operator_run(
        &app,
        &["participants", "show", card("529999999999999").as_str()],
    ));
    assert_eq!((code, problem.as_str()), (3, "card_not_found"));
    let (code, problem) = refusal(&operator_run(&app, &["participants", "show", "12"]));
    assert_eq!((code, problem.as_str()), (1, "invalid_card_number"));
    let usage = cli(&app, &["participants", "freeze"], &[]);
    assert_eq!(usage.status.code(), Some(2), "clap's usage error");
    // A change names its operator: no --as and no $USER is a usage error, and nothing changes.
    let nobody = cli(
        &app,
        &[
            "partners",
            "create",
            "--kind",
            "lpk",
            "--name",
            "LPK Tanpa Nama",
        ],
        &[],
    );
    assert_eq!(nobody.status.code(), Some(2), "{}", text(&nobody.stderr));
    assert!(
        text(&nobody.stderr).contains("--as"),
        "{}",
        text(&nobody.stderr)
    );
    let unreachable = crate::binary::command("postgres://nobody@127.0.0.1:9/none")
        .args(["--json", "audit", "tail"])
        .env("PRAKERJA_DB_POOL_SIZE", "1")
        .env("RUST_LOG", "off")
        .output()
        .expect("runs");
    let (code, problem) = refusal(&unreachable);
    assert_eq!((code, problem.as_str()), (4, "database_unreachable"));
}

#[actix_web::test]
async fn purge_prints_a_summary_not_a_debug_struct() {
    let app = spawn_app().await;
    let human = cli(&app, &["purge"], &[]);
    assert!(human.status.success(), "{}", text(&human.stderr));
    let stdout = text(&human.stdout);
    assert!(stdout.contains("idempotency records:"), "{stdout}");
    assert!(
        !stdout.contains('{') && !stdout.contains("Purged"),
        "{stdout}"
    );
    let json = operator_json(&app, &["purge"]);
    for key in ["idempotency_records", "card_validations", "seen_signatures"] {
        assert!(json[key].is_u64(), "{key} in {json}");
    }
}
