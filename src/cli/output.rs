//! What a command prints and how it exits: human text by default, JSON with `--json`, an exit code
//! that says what failed, and a quiet stop when the reader of stdout goes away.

use std::io::{self, Write};
use std::process::ExitCode;

use serde::Serialize;

use crate::error::Error;

/// Why a command did not succeed; each kind has its own exit code (listed in `--help`).
#[derive(Debug)]
pub enum Failure {
    /// A business rule or a validation refused the command (exit 1).
    Refused(Error),
    /// The audit chain or another check found a fault (exit 1).
    Check(String),
    /// Bad arguments or environment (exit 2; clap uses 2 for its own usage errors too).
    Usage(String),
    /// What the command names does not exist (exit 3).
    NotFound(Error),
    /// The database cannot be reached (exit 4).
    Unreachable(String),
    /// Our own failure (exit 5).
    Internal(String),
    /// The reader of stdout went away (`| head`): stop quietly, exit 0.
    ClosedPipe,
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        match e.code.status() {
            404 => Failure::NotFound(e),
            503 => Failure::Unreachable(e.detail),
            s if s >= 500 => Failure::Internal(e.to_string()),
            _ => Failure::Refused(e),
        }
    }
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Self {
        if e.kind() == io::ErrorKind::BrokenPipe {
            Failure::ClosedPipe
        } else {
            Failure::Internal(format!("cannot write the output: {e}"))
        }
    }
}

impl Failure {
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(match self {
            Failure::ClosedPipe => 0,
            Failure::Refused(_) | Failure::Check(_) => 1,
            Failure::Usage(_) => 2,
            Failure::NotFound(_) => 3,
            Failure::Unreachable(_) => 4,
            Failure::Internal(_) => 5,
        })
    }

    /// Tells stderr what failed: `error: code: detail` (and field errors), or the problem as JSON.
    pub fn report(&self, json: bool) {
        let (code, detail, errors) = match self {
            Failure::ClosedPipe => return,
            Failure::Refused(e) | Failure::NotFound(e) => {
                (e.code.code(), e.detail.clone(), e.errors.clone())
            }
            Failure::Check(m) => ("check_failed", m.clone(), vec![]),
            Failure::Usage(m) => ("usage", m.clone(), vec![]),
            Failure::Unreachable(m) => ("database_unreachable", m.clone(), vec![]),
            Failure::Internal(m) => ("internal_error", m.clone(), vec![]),
        };
        let mut err = io::stderr().lock();
        let _ = if json {
            let problem = serde_json::json!({"code": code, "detail": detail, "errors": errors});
            writeln!(err, "{problem}")
        } else {
            let mut text = format!("error: {code}: {detail}");
            for f in &errors {
                text.push_str(&format!("\n  {}: {} ({})", f.field, f.message, f.code));
            }
            writeln!(err, "{text}")
        };
    }
}

/// Where a command's result goes.
#[derive(Debug, Clone, Copy)]
pub struct Out {
    pub json: bool,
}

impl Out {
    /// Prints `value` as JSON with `--json`, else what `human` writes.
    pub fn show<T: Serialize>(
        &self,
        value: &T,
        human: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    ) -> Result<(), Failure> {
        let mut out = io::stdout().lock();
        if self.json {
            let text = serde_json::to_string_pretty(value)
                .map_err(|e| Failure::Internal(e.to_string()))?;
            writeln!(out, "{text}")?;
        } else {
            human(&mut out)?;
        }
        out.flush()?;
        Ok(())
    }

    /// Prints raw text (the OpenAPI document), whatever the format.
    pub fn raw(&self, text: &str) -> Result<(), Failure> {
        let mut out = io::stdout().lock();
        out.write_all(text.as_bytes())?;
        out.flush()?;
        Ok(())
    }
}

/// `name: value` lines, aligned.
pub fn fields(out: &mut dyn Write, rows: &[(&str, String)]) -> io::Result<()> {
    let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0) + 1;
    for (k, v) in rows {
        writeln!(out, "{:<width$} {v}", format!("{k}:"), width = width)?;
    }
    Ok(())
}

/// An optional value as text (`-` when absent).
pub fn opt<T: std::fmt::Display>(v: &Option<T>) -> String {
    v.as_ref().map_or_else(|| "-".into(), |v| v.to_string())
}
