//! Bulk registration: a JSON array or a CSV file, a savepoint per row, a result per row. The whole
//! import commits as one transaction, so it is replayed whole under an `Idempotency-Key`.

use diesel::Connection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::participants::{self, NewParticipant, Registration};
use super::{Call, Core};
use crate::error::{Error, ErrorCode};

pub const MAX_ROWS: usize = 5000;

/// What happened to one row.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RowResult {
    /// 1-based position in the upload (CSV: data rows, header excluded).
    pub row: usize,
    /// `created` or `rejected`.
    pub outcome: String,
    pub card_number: Option<String>,
    /// The problem (code, detail, errors) when rejected.
    #[schema(value_type = Option<Object>)]
    pub error: Option<serde_json::Value>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ImportReport {
    pub created: usize,
    pub rejected: usize,
    pub results: Vec<RowResult>,
}

/// One row as read from the upload: parsed, or the reason it could not be.
pub type ParsedRow = Result<NewParticipant, Error>;

/// Reads a JSON array of registrations; a malformed element becomes that row's error.
pub fn from_json(body: &[u8]) -> Result<Vec<ParsedRow>, Error> {
    let items: Vec<serde_json::Value> = serde_json::from_slice(body).map_err(|e| {
        ErrorCode::MalformedJson.with(format!("Expected a JSON array of participants: {e}"))
    })?;
    check_size(items.len())?;
    Ok(items
        .into_iter()
        .map(|v| {
            serde_json::from_value(v).map_err(|e| ErrorCode::ValidationFailed.with(e.to_string()))
        })
        .collect())
}

/// Reads CSV with the header `nik,kk_number,full_name,phone,email,wave,passed_at`.
pub fn from_csv(body: &[u8]) -> Result<Vec<ParsedRow>, Error> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(body);
    let headers = reader
        .headers()
        .map_err(|e| ErrorCode::BadRequest.with(format!("The CSV header cannot be read: {e}")))?
        .clone();
    let rows: Vec<ParsedRow> = reader
        .records()
        .map(|rec| {
            let rec = rec.map_err(|e| {
                ErrorCode::ValidationFailed.with(format!("Unreadable CSV row: {e}"))
            })?;
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
        })
        .collect();
    check_size(rows.len())?;
    Ok(rows)
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

fn rejected(row: usize, e: &Error) -> RowResult {
    let mut error = serde_json::json!({"code": e.code.code(), "detail": e.detail});
    if !e.errors.is_empty() {
        error["errors"] = serde_json::json!(e.errors);
    }
    RowResult {
        row,
        outcome: "rejected".into(),
        card_number: None,
        error: Some(error),
    }
}

impl Core {
    /// Registers each row in its own savepoint: one bad row never sinks the others.
    pub async fn import_participants(
        &self,
        call: &Call,
        rows: Vec<ParsedRow>,
    ) -> Result<ImportReport, Error> {
        let actor = call.actor.clone();
        self.once(call, move |c, core| {
            let mut results = Vec::with_capacity(rows.len());
            for (i, parsed) in rows.iter().enumerate() {
                let outcome = parsed
                    .clone()
                    .and_then(|form| Registration::try_from(&form))
                    .and_then(|reg| {
                        c.transaction(|c| participants::register(c, core, &actor, &reg, None))
                    });
                results.push(match outcome {
                    Ok(view) => RowResult {
                        row: i + 1,
                        outcome: "created".into(),
                        card_number: Some(view.card_number.as_str().to_string()),
                        error: None,
                    },
                    Err(e) => rejected(i + 1, &e),
                });
            }
            let created = results.iter().filter(|r| r.outcome == "created").count();
            Ok(ImportReport {
                created,
                rejected: results.len() - created,
                results,
            })
        })
        .await
    }
}
