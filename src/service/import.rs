//! Bulk registration: a JSON array or a CSV file, checked and written set-wise (`import_batch`), a
//! result per row. The whole import commits as one transaction, so it is replayed whole under an
//! `Idempotency-Key`.

use diesel::Connection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::import_batch::{self, BatchFailure};
use super::participants::{self, NewParticipant, Registration};
use super::{Call, Core};
use crate::error::{Error, ErrorCode, RowError};

pub const MAX_ROWS: usize = 5000;

/// How one row ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RowOutcome {
    Created,
    Rejected,
}

/// What happened to one row.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RowResult {
    /// 1-based position in the upload (CSV: data rows, header excluded).
    pub row: usize,
    pub outcome: RowOutcome,
    pub card_number: Option<String>,
    /// Why, when rejected.
    pub error: Option<RowError>,
}

/// An upload's format, as its `Content-Type` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upload {
    /// A JSON array of registrations.
    Json,
    /// CSV with the header `nik,kk_number,full_name,phone,email,wave,passed_at`.
    Csv,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ImportReport {
    pub created: usize,
    pub rejected: usize,
    pub results: Vec<RowResult>,
}

/// One row as read from the upload: parsed, or the reason it could not be.
pub type ParsedRow = Result<NewParticipant, Error>;

/// Reads a JSON array of registrations; a malformed element becomes that row's error. (The
/// command line streams files of any size through `import_json` instead.)
fn from_json(body: &[u8]) -> Result<Vec<ParsedRow>, Error> {
    let items: Vec<serde_json::Value> = serde_json::from_slice(body).map_err(|e| {
        ErrorCode::MalformedJson.with(format!("Expected a JSON array of participants: {e}"))
    })?;
    let rows: Vec<ParsedRow> = items
        .into_iter()
        .map(|v| {
            serde_json::from_value(v).map_err(|e| ErrorCode::ValidationFailed.with(e.to_string()))
        })
        .collect();
    check_size(rows.len())?;
    Ok(rows)
}

/// Reads CSV with the header `nik,kk_number,full_name,phone,email,wave,passed_at`.
fn from_csv(body: &[u8]) -> Result<Vec<ParsedRow>, Error> {
    let rows: Vec<ParsedRow> = csv_rows(body)?.collect();
    check_size(rows.len())?;
    Ok(rows)
}

/// The rows of a CSV upload, one at a time: the command line streams files of any size through it.
pub fn csv_rows<R: std::io::Read>(input: R) -> Result<impl Iterator<Item = ParsedRow>, Error> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(input);
    let headers = reader
        .headers()
        .map_err(|e| ErrorCode::BadRequest.with(format!("The CSV header cannot be read: {e}")))?
        .clone();
    Ok(reader.into_records().map(move |rec| {
        let rec =
            rec.map_err(|e| ErrorCode::ValidationFailed.with(format!("Unreadable CSV row: {e}")))?;
        let mut obj = serde_json::Map::new();
        for (h, v) in headers.iter().zip(rec.iter()) {
            let value = match h {
                "wave" => v
                    .parse::<i64>()
                    .map(serde_json::Value::from)
                    .unwrap_or_else(|_| v.into()),
                "email" if v.is_empty() => serde_json::Value::Null,
                _ => v.into(),
            };
            obj.insert(h.to_string(), value);
        }
        serde_json::from_value(serde_json::Value::Object(obj))
            .map_err(|e| ErrorCode::ValidationFailed.with(e.to_string()))
    }))
}

fn check_size(n: usize) -> Result<(), Error> {
    if n == 0 || n > MAX_ROWS {
        return Err(Error::field(
            "items",
            "length",
            format!("An import holds 1 to {MAX_ROWS} rows."),
        ));
    }
    Ok(())
}

impl Core {
    /// Registers each row of an upload: one bad row never sinks the others.
    pub async fn import_participants(
        &self,
        call: &Call,
        format: Upload,
        body: &[u8],
    ) -> Result<ImportReport, Error> {
        let rows = match format {
            Upload::Json => from_json(body)?,
            Upload::Csv => from_csv(body)?,
        };
        self.import_rows(call, rows, 1).await
    }

    /// Registers parsed rows (1 to [`MAX_ROWS`]) in one transaction, set-wise (`import_batch`), or
    /// a savepoint per row when another writer got in between; the results number the rows from
    /// `first_row`. The command line imports a file batch by batch through this.
    pub async fn import_rows(
        &self,
        call: &Call,
        rows: Vec<ParsedRow>,
        first_row: usize,
    ) -> Result<ImportReport, Error> {
        check_size(rows.len())?;
        let actor = call.actor.clone();
        self.once(call, move |c, core| {
            let regs: Vec<Result<Registration, Error>> = rows
                .into_iter()
                .map(|parsed| parsed.and_then(|form| Registration::try_from(&form)))
                .collect();
            let fast = c.transaction(|c| import_batch::register_all(c, core, &actor, &regs));
            let outcomes = match fast {
                Ok(done) => done,
                Err(BatchFailure::Failed(e)) => return Err(e),
                // Another writer got in between: each row alone, in its own savepoint.
                Err(BatchFailure::Race) => regs
                    .iter()
                    .map(|reg| {
                        let reg = reg.as_ref().map_err(Clone::clone)?;
                        c.transaction(|c| participants::register(c, core, &actor, reg, None))
                            .map(|view| view.card_number)
                    })
                    .collect(),
            };
            let results: Vec<RowResult> = outcomes
                .into_iter()
                .enumerate()
                .map(|(i, outcome)| RowResult {
                    row: first_row + i,
                    outcome: match outcome {
                        Ok(_) => RowOutcome::Created,
                        Err(_) => RowOutcome::Rejected,
                    },
                    error: outcome.as_ref().err().map(RowError::from),
                    card_number: outcome.ok().map(|c| c.as_str().to_string()),
                })
                .collect();
            let created = results
                .iter()
                .filter(|r| r.outcome == RowOutcome::Created)
                .count();
            Ok(ImportReport {
                created,
                rejected: results.len() - created,
                results,
            })
        })
        .await
    }
}
