//! What the command line reads or writes as a stream: a JSON import file taken element by element
//! (an array or JSON lines), and `audit tail --follow`.

use std::io::{BufRead, BufReader, Read};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

use prakerja_api::service::import_json::json_rows;
use serde_json::Value;

use crate::cli::{OPERATOR, operator_json, operator_run, refusal, text};
use crate::helpers::*;

/// A file that yields `head` and then fails: a reader that needs the whole file fails at once.
struct BrokenAfter(std::io::Cursor<Vec<u8>>);

impl Read for BrokenAfter {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self.0.read(buf)? {
            0 => Err(std::io::Error::other(
                "the rest of the file is not there yet",
            )),
            n => Ok(n),
        }
    }
}

#[test]
fn a_json_array_yields_its_first_rows_before_the_rest_of_the_file_is_read() {
    let (a, b) = (participant_body(unique()), participant_body(unique()));
    let head = format!("[ {a},\n{b} , {{\"nik\": \"32730115");
    let mut rows = json_rows(BufReader::new(BrokenAfter(std::io::Cursor::new(
        head.into_bytes(),
    ))))
    .expect("an array");
    let first = rows.next().expect("a row").expect("parsed");
    assert_eq!(first.full_name, "Budi Santoso");
    assert!(rows.next().expect("a row").is_ok(), "the second element");
    let broken = rows.next().expect("the failure").expect_err("unreadable");
    assert_eq!(broken.code.code(), "malformed_json", "{broken:?}");
    assert!(rows.next().is_none(), "nothing after a broken structure");
}

#[test]
fn a_json_file_is_an_array_or_json_lines_and_a_bad_element_is_only_its_row() {
    let (a, b) = (participant_body(unique()), participant_body(unique()));
    let codes = |input: String| -> Vec<String> {
        json_rows(BufReader::new(std::io::Cursor::new(input.into_bytes())))
            .expect("readable")
            .map(|r| r.map_or_else(|e| e.code.code().to_string(), |_| "ok".into()))
            .collect()
    };
    // Brackets and commas inside strings are text; a malformed element is that row alone.
    let mut tricky = a.clone();
    tricky["full_name"] = "Budi \"[x], {y}\" Santoso".into();
    assert_eq!(
        codes(format!("[{tricky}, {{\"nik\": }}, 5, {b}]\n")),
        ["ok", "malformed_json", "validation_failed", "ok"]
    );
    assert_eq!(
        codes(format!("{a}\n\n{{oops\n{b}\n")),
        ["ok", "malformed_json", "ok"]
    );
    assert_eq!(codes(format!("[{a}")), ["malformed_json"], "no closing ]");
    assert_eq!(codes(format!("[{a}] [")), ["ok", "malformed_json"]);
    assert_eq!(codes(format!("[{a},,{b}]")), ["ok", "malformed_json", "ok"]);
    assert!(codes("  []  ".into()).is_empty());
    let neither = json_rows(BufReader::new(std::io::Cursor::new(b"nik,kk\n".to_vec())));
    assert!(neither.is_err(), "neither an array nor JSON lines");
}

#[actix_web::test]
async fn import_reads_json_lines_in_batches_and_reports_the_malformed_line_by_its_row() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().expect("a dir");
    let good: Vec<Value> = (0..3).map(|_| participant_body(unique())).collect();
    let file = dir.path().join("wave9.jsonl");
    std::fs::write(
        &file,
        format!("{}\n{}\n{{\"nik\": oops\n\n{}\n", good[0], good[1], good[2]),
    )
    .expect("written");
    let path = file.to_str().expect("utf-8");
    let out = operator_run(&app, &["participants", "import", path, "--batch-size", "2"]);
    assert_eq!(refusal(&out).0, 1, "{}", text(&out.stderr));
    let summary: Value = serde_json::from_slice(&out.stdout).expect("the summary");
    assert_eq!(
        (
            summary["rows"].as_u64(),
            summary["created"].as_u64(),
            summary["batches"].as_u64()
        ),
        (Some(4), Some(3), Some(2)),
        "{summary}"
    );
    let report =
        std::fs::read_to_string(dir.path().join("wave9.jsonl.errors.csv")).expect("a report");
    let lines: Vec<&str> = report.lines().collect();
    assert_eq!(lines.len(), 2, "{report}");
    assert!(lines[1].starts_with("3,malformed_json,"), "{report}");
}

/// Lines a child prints, as they come; `None` after `secs` of silence.
fn lines_of(stdout: std::process::ChildStdout) -> impl FnMut(u64) -> Option<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    move |secs| rx.recv_timeout(Duration::from_secs(secs)).ok()
}

#[actix_web::test]
async fn audit_tail_follow_prints_each_event_as_it_commits_until_stopped() {
    let app = spawn_app().await;
    let mut child = crate::binary::command(&app.database_url)
        .args([
            "--json",
            "audit",
            "tail",
            "-n",
            "1",
            "--follow",
            "--interval",
            "50",
        ])
        .env("RUST_LOG", "off")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("starts");
    let mut next = lines_of(child.stdout.take().expect("piped"));
    let event = |line: Option<String>| -> Value {
        serde_json::from_str(&line.expect("a line in time")).expect("one JSON object a line")
    };
    let latest = event(next(30));
    assert!(next(1).is_none(), "only the last event before any change");

    for name in ["LPK Satu", "LPK Dua"] {
        operator_json(
            &app,
            &["partners", "create", "--kind", "lpk", "--name", name],
        );
    }
    let (first, second) = (event(next(30)), event(next(30)));
    for (e, seq) in [(&first, 1), (&second, 2)] {
        assert_eq!(e["action"], "partner.create", "{e}");
        assert_eq!(e["actor_id"], OPERATOR, "{e}");
        assert_eq!(
            e["seq"].as_i64(),
            latest["seq"].as_i64().map(|s| s + seq),
            "{e}"
        );
    }
    assert!(
        child.try_wait().expect("a status").is_none(),
        "still following"
    );
    child.kill().expect("stopped");
    child.wait().expect("reaped");
}
