//! Cursor pagination: `?limit=` (1-100, default 20) and an opaque `?cursor=`; newest first.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use chrono::{DateTime, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, ErrorCode};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// 1-100, default 20.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A page of results.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T: ToSchema> {
    pub data: Vec<T>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

impl PageParams {
    pub fn limit(&self) -> Result<i64, ApiError> {
        match self.limit {
            None => Ok(20),
            Some(n) if (1..=100).contains(&n) => Ok(n),
            Some(_) => Err(ApiError::field("limit", "range", "limit must be 1-100.")),
        }
    }

    fn raw_cursor(&self) -> Result<Option<String>, ApiError> {
        // An empty `cursor=` is the first page, as if absent.
        self.cursor
            .as_deref()
            .filter(|c| !c.is_empty())
            .map(|c| {
                B64.decode(c)
                    .ok()
                    .and_then(|b| String::from_utf8(b).ok())
                    .ok_or_else(|| {
                        ErrorCode::InvalidCursor.with("Use next_cursor exactly as returned.")
                    })
            })
            .transpose()
    }

    /// A `(created_at, id)` cursor.
    pub fn time_cursor(&self) -> Result<Option<(NaiveDateTime, String)>, ApiError> {
        self.raw_cursor()?
            .map(|raw| {
                let (micros, id) = raw.split_once('|').ok_or_else(bad)?;
                let micros: i64 = micros.parse().map_err(|_| bad())?;
                // Only times this service could have written (PostgreSQL rejects far-off ones).
                let at = DateTime::from_timestamp_micros(micros)
                    .filter(|t| (2000..2200).contains(&chrono::Datelike::year(t)))
                    .ok_or_else(bad)?
                    .naive_utc();
                Ok((at, id.to_string()))
            })
            .transpose()
    }

    /// A sequence-number cursor.
    pub fn seq_cursor(&self) -> Result<Option<i64>, ApiError> {
        self.raw_cursor()?
            .map(|raw| raw.parse().map_err(|_| bad()))
            .transpose()
    }
}

fn bad() -> ApiError {
    ErrorCode::InvalidCursor.with("Use next_cursor exactly as returned.")
}

pub fn encode_time_cursor(at: NaiveDateTime, id: &str) -> String {
    B64.encode(format!("{}|{id}", at.and_utc().timestamp_micros()))
}

pub fn encode_seq_cursor(seq: i64) -> String {
    B64.encode(seq.to_string())
}
