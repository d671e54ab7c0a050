//! Bulk registration: a JSON array or a CSV file, one transaction per row, a result per row.

use serde::Serialize;
use utoipa::ToSchema;

use crate::crypto::PiiCipher;
use crate::db::DbConn;
use crate::error::{ApiError, ErrorCode};
use crate::service::audit::Actor;
use crate::service::participants::{self, NewParticipant};

pub const MAX_ROWS: usize = 5000;

/// What happened to one row.
#[derive(Debug, Serialize, ToSchema)]
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

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReport {
    pub created: usize,
    pub rejected: usize,
    pub results: Vec<RowResult>,
}

/// One row as read from the upload: parsed, or the reason it could not be.
pub type ParsedRow = Result<NewParticipant, ApiError>;

/// Reads a JSON array of registrations; a malformed element becomes that row's error.
pub fn from_json(body: &[u8]) -> Result<Vec<ParsedRow>, ApiError> {
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
pub fn from_csv(body: &[u8]) -> Result<Vec<ParsedRow>, ApiError> {
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

fn check_size(n: usize) -> Result<(), ApiError> {
    if n == 0 || n > MAX_ROWS {
        return Err(ApiError::field(
            "items",
            "length",
            format!("An import holds 1 to {MAX_ROWS} rows."),
        ));
    }
    Ok(())
}

/// Registers each row in its own transaction: one bad row never sinks the others.
pub fn run(
    conn: &mut DbConn,
    cipher: &PiiCipher,
    actor: &Actor,
    rows: Vec<ParsedRow>,
) -> ImportReport {
    let results: Vec<RowResult> = rows
        .into_iter()
        .enumerate()
        .map(|(i, parsed)| {
            let outcome =
                parsed.and_then(|p| participants::register(conn, cipher, actor, &p, None));
            match outcome {
                Ok(view) => RowResult {
                    row: i + 1,
                    outcome: "created".into(),
                    card_number: Some(view.card_number),
                    error: None,
                },
                Err(e) => {
                    let mut body = e.body();
                    if let Some(obj) = body.as_object_mut() {
                        obj.retain(|k, _| matches!(k.as_str(), "code" | "detail" | "errors"));
                    }
                    RowResult {
                        row: i + 1,
                        outcome: "rejected".into(),
                        card_number: None,
                        error: Some(body),
                    }
                }
            }
        })
        .collect();
    let created = results.iter().filter(|r| r.outcome == "created").count();
    ImportReport {
        created,
        rejected: results.len() - created,
        results,
    }
}
