//! The command line against a test's database: `audit verify`, `rotate-data-key`, `admin create-client`.

use std::collections::BTreeMap;
use std::process::{Command, Output};

use base64::Engine;
use prakerja_api::crypto::PiiCipher;

use crate::helpers::*;

const NEW_KEY: [u8; 32] = [42u8; 32];

fn cli(app: &TestApp, args: &[&str], extra_env: &[(&str, String)]) -> Output {
    let mut cmd = crate::binary::command(&app.database_url);
    cmd.args(args).env("RUST_LOG", "warn");
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    cmd.output().expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
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
async fn create_client_prints_credentials_that_get_a_token() {
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
        &[],
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
