//! The CLI's file commands: `participants import` (batches, a per-row error report) and
//! `disbursements record` (a bank's answers from a CSV, with a report).

use serde_json::Value;

use crate::cli::{assert_audited, operator_run, refusal, text};
use crate::disbursement_helpers::*;
use crate::helpers::*;
use crate::purchase_helpers::*;

async fn holders(app: &TestApp) -> i64 {
    app.db(|c| {
        use diesel::prelude::*;
        use prakerja_api::db::schema::participants as p;
        Ok(p::table.count().get_result::<i64>(c)?)
    })
    .await
}

fn csv_line(body: &Value) -> String {
    let s = |k: &str| body[k].as_str().unwrap_or_default().to_string();
    format!(
        "{},{},{},{},{},{},{}",
        s("nik"),
        s("kk_number"),
        s("full_name"),
        s("phone"),
        s("email"),
        body["wave"],
        s("passed_at")
    )
}

/// The rows of a CSV file written by the CLI, header first.
fn csv_rows(path: &std::path::Path) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(path)
        .expect("a report")
        .records()
        .map(|r| r.expect("a row").iter().map(String::from).collect())
        .collect()
}

#[actix_web::test]
async fn import_registers_a_csv_in_batches_and_reports_each_rejected_row_by_its_number() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().expect("a dir");
    let rows: Vec<Value> = (0..4).map(|_| participant_body(unique())).collect();
    let mut bad_nik = participant_body(unique());
    bad_nik["nik"] = "123".into();
    let lines = [
        csv_line(&rows[0]),
        csv_line(&rows[1]),
        csv_line(&bad_nik),
        csv_line(&rows[2]),
        csv_line(&rows[0]), // the same NIK again
    ];
    let file = dir.path().join("wave7.csv");
    std::fs::write(
        &file,
        format!(
            "nik,kk_number,full_name,phone,email,wave,passed_at\n{}\n",
            lines.join("\n")
        ),
    )
    .expect("written");
    let before = holders(&app).await;

    let path = file.to_str().expect("utf-8");
    let out = operator_run(&app, &["participants", "import", path, "--batch-size", "2"]);
    assert_eq!(
        refusal(&out).0,
        1,
        "rows were rejected: {}",
        text(&out.stderr)
    );
    let summary: Value = serde_json::from_slice(&out.stdout).expect("the summary");
    assert_eq!(
        (
            &summary["rows"],
            &summary["created"],
            &summary["rejected"],
            &summary["batches"]
        ),
        (
            &Value::from(5),
            &Value::from(3),
            &Value::from(2),
            &Value::from(3)
        ),
        "{summary}"
    );
    assert_eq!(holders(&app).await, before + 3);
    assert_audited(&app, "participant.register");

    let report = dir.path().join("wave7.csv.errors.csv");
    assert_eq!(summary["error_report"], report.to_str().expect("utf-8"));
    let reported = csv_rows(&report);
    assert_eq!(reported[0], ["row", "code", "detail", "fields"]);
    let numbered: Vec<(&str, &str)> = reported[1..]
        .iter()
        .map(|r| (r[0].as_str(), r[1].as_str()))
        .collect();
    assert_eq!(
        numbered,
        [("3", "validation_failed"), ("5", "already_registered")],
        "numbered across batches"
    );
    assert!(
        reported[1][3].contains("nik"),
        "the field is named: {:?}",
        reported[1]
    );
}

#[actix_web::test]
async fn import_reads_a_json_array_and_leaves_no_report_when_every_row_is_created() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().expect("a dir");
    let rows: Vec<Value> = (0..3).map(|_| participant_body(unique())).collect();
    let file = dir.path().join("wave8.json");
    std::fs::write(&file, Value::from(rows).to_string()).expect("written");
    let before = holders(&app).await;
    let out = operator_run(
        &app,
        &["participants", "import", file.to_str().expect("utf-8")],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let summary: Value = serde_json::from_slice(&out.stdout).expect("the summary");
    assert_eq!(
        (summary["created"].as_u64(), summary["rejected"].as_u64()),
        (Some(3), Some(0))
    );
    assert!(summary["error_report"].is_null());
    assert!(!dir.path().join("wave8.json.errors.csv").exists());
    assert_eq!(holders(&app).await, before + 3);
}

#[actix_web::test]
async fn record_applies_a_bank_statement_and_reports_each_line() {
    let app = spawn_app().await;
    let t = tokens(&app).await;
    let (holder, _, _) = ready_holder(&app, &t).await;
    run(&app, &t.admin, None).await;
    let list = payments_of(&app, &t.admin, &holder.card).await;
    let (first, second, third) = (
        id_of(&tranche(&list, 1)),
        id_of(&tranche(&list, 2)),
        id_of(&tranche(&list, 3)),
    );
    left_checking(&app, &second, chrono::Duration::zero()).await;
    left_checking(&app, &third, chrono::Duration::zero()).await;
    let dir = tempfile::tempdir().expect("a dir");
    let file = dir.path().join("bca-20261205.csv");
    let unknown = "0190a0a0-0000-7000-8000-000000000000";
    std::fs::write(
        &file,
        format!(
            "disbursement_id,status,failure_reason,reference\n\
             {second},paid,,BCA-1\n\
             {first},paid,,BCA-2\n\
             {unknown},paid,,BCA-3\n\
             {third},failed,account_inactive,BCA-4\n"
        ),
    )
    .expect("written");

    let out = operator_run(
        &app,
        &["disbursements", "record", file.to_str().expect("utf-8")],
    );
    assert_eq!(refusal(&out).0, 1, "two lines were refused");
    let summary: Value = serde_json::from_slice(&out.stdout).expect("the summary");
    assert_eq!(
        (summary["recorded"].as_u64(), summary["refused"].as_u64()),
        (Some(2), Some(2))
    );
    let after = payments_of(&app, &t.admin, &holder.card).await;
    assert_eq!(tranche(&after, 2)["status"], "paid");
    assert_eq!(tranche(&after, 3)["status"], "failed");
    assert_eq!(tranche(&after, 3)["failure_reason"], "account_inactive");
    assert_eq!(
        assert_audited(&app, "disbursement.result")["target_id"],
        third.as_str()
    );

    let report = csv_rows(&dir.path().join("bca-20261205.csv.report.csv"));
    let lines: Vec<(&str, &str, &str)> = report[1..]
        .iter()
        .map(|r| (r[0].as_str(), r[2].as_str(), r[3].as_str()))
        .collect();
    assert_eq!(
        lines,
        [
            ("1", "recorded", "paid"),
            ("2", "refused", "disbursement_not_in_flight"),
            ("3", "refused", "not_found"),
            ("4", "recorded", "failed"),
        ]
    );
}
