//! `participants import FILE`: a CSV, a JSON array or JSON lines, streamed (any size), registered
//! batch by batch through the same use case as `POST /v1/admin/participants/import` (each batch
//! one transaction); a progress bar on a terminal; every rejected row written to an error report.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use super::{Ctx, Failure};
use crate::service::import::{self, MAX_ROWS, ParsedRow, RowOutcome};
use crate::service::import_json;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Csv,
    Json,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// CSV with the header nik,kk_number,full_name,phone,email,wave,passed_at, a JSON array of
    /// the same fields, or JSON lines (one object a line).
    pub file: PathBuf,
    /// The file's format; by default its extension (.json and .jsonl are JSON, anything else CSV).
    #[arg(long)]
    pub format: Option<Format>,
    /// Rows per transaction (1 to 5000).
    #[arg(long, default_value_t = 1000)]
    pub batch_size: usize,
    /// Where rejected rows are written (CSV: row,code,detail,fields); default FILE.errors.csv.
    #[arg(long)]
    pub errors: Option<PathBuf>,
}

/// What an import did.
#[derive(Debug, Serialize)]
struct Summary {
    file: String,
    rows: usize,
    created: usize,
    rejected: usize,
    batches: usize,
    /// Written only when a row was rejected.
    error_report: Option<String>,
    seconds: f64,
}

pub async fn run(args: ImportArgs, ctx: &Ctx) -> Result<(), Failure> {
    if !(1..=MAX_ROWS).contains(&args.batch_size) {
        return Err(Failure::Usage(format!("--batch-size is 1 to {MAX_ROWS}")));
    }
    let call = ctx.call()?;
    let file = File::open(&args.file)
        .map_err(|e| Failure::Usage(format!("cannot open {}: {e}", args.file.display())))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let bar = progress_bar(size);
    let format = args.format.unwrap_or_else(|| guess(&args.file));
    let rows: Box<dyn Iterator<Item = ParsedRow>> = match format {
        Format::Csv => Box::new(import::csv_rows(BufReader::new(bar.wrap_read(file)))?),
        Format::Json => import_json::json_rows(BufReader::new(bar.wrap_read(file)))?,
    };
    let report_path = args
        .errors
        .clone()
        .unwrap_or_else(|| super::participants::default_report(&args.file));
    let mut report = Report::new(report_path);
    let started = Instant::now();
    let (mut created, mut seen, mut batches) = (0, 0, 0);
    let mut rows = rows.peekable();
    while rows.peek().is_some() {
        let batch: Vec<ParsedRow> = rows.by_ref().take(args.batch_size).collect();
        let n = batch.len();
        let done = match ctx.core.import_rows(&call, batch, seen + 1).await {
            Ok(done) => done,
            Err(e) => {
                bar.finish_and_clear();
                eprintln!(
                    "import stopped: rows 1 to {seen} were done ({created} created); \
                     the batch from row {} was not committed",
                    seen + 1
                );
                return Err(e.into());
            }
        };
        for r in done
            .results
            .iter()
            .filter(|r| r.outcome == RowOutcome::Rejected)
        {
            report.write(r)?;
        }
        created += done.created;
        seen += n;
        batches += 1;
        bar.set_message(format!(
            "{seen} rows: {created} created, {} rejected",
            seen - created
        ));
    }
    bar.finish_and_clear();
    let summary = Summary {
        file: args.file.display().to_string(),
        rows: seen,
        created,
        rejected: seen - created,
        batches,
        error_report: report.finish()?,
        seconds: (started.elapsed().as_secs_f64() * 10.0).round() / 10.0,
    };
    ctx.out.show(&summary, |w| {
        writeln!(
            w,
            "imported {}: {} rows, {} created, {} rejected, in {} batches, {:.1}s",
            summary.file,
            summary.rows,
            summary.created,
            summary.rejected,
            summary.batches,
            summary.seconds
        )?;
        match &summary.error_report {
            Some(p) => writeln!(w, "rejected rows: {p}"),
            None => Ok(()),
        }
    })?;
    match summary.rejected {
        0 => Ok(()),
        n => Err(Failure::Check(format!(
            "{n} of {} rows rejected; see {}",
            summary.rows,
            summary.error_report.unwrap_or_default()
        ))),
    }
}

fn guess(path: &Path) -> Format {
    match path.extension().and_then(|e| e.to_str()) {
        Some(e)
            if ["json", "jsonl", "ndjson"]
                .iter()
                .any(|j| e.eq_ignore_ascii_case(j)) =>
        {
            Format::Json
        }
        _ => Format::Csv,
    }
}

/// A bar over the file's bytes, drawn on stderr only when it is a terminal.
fn progress_bar(bytes: u64) -> ProgressBar {
    let bar = ProgressBar::new(bytes);
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} (eta {eta}) {msg}",
    ) {
        bar.set_style(style);
    }
    bar
}

/// The error report: created on the first rejected row, so a clean import leaves no file.
struct Report {
    path: PathBuf,
    writer: Option<csv::Writer<File>>,
}

impl Report {
    fn new(path: PathBuf) -> Self {
        Report { path, writer: None }
    }

    fn write(&mut self, r: &import::RowResult) -> Result<(), Failure> {
        let failed = |e: csv::Error| Failure::Internal(format!("error report: {e}"));
        if self.writer.is_none() {
            let mut w = csv::Writer::from_path(&self.path).map_err(failed)?;
            w.write_record(["row", "code", "detail", "fields"])
                .map_err(failed)?;
            self.writer = Some(w);
        }
        let (code, detail, fields) = match &r.error {
            Some(e) => (
                e.code.clone(),
                e.detail.clone(),
                e.errors
                    .iter()
                    .map(|f| format!("{}: {}", f.field, f.code))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            None => Default::default(),
        };
        if let Some(w) = self.writer.as_mut() {
            w.write_record([r.row.to_string(), code, detail, fields])
                .map_err(failed)?;
        }
        Ok(())
    }

    fn finish(self) -> Result<Option<String>, Failure> {
        match self.writer {
            None => Ok(None),
            Some(mut w) => {
                w.flush()
                    .map_err(|e| Failure::Internal(format!("error report: {e}")))?;
                Ok(Some(self.path.display().to_string()))
            }
        }
    }
}
