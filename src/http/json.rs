//! JSON request bodies, read the one way every endpoint shares: JSON content type (415), the body
//! limit (413), syntax (400 `malformed_json`), then the shape, where each missing, mistyped or
//! unknown member is a 422 `validation_failed` entry in `errors[]` naming its path
//! (`items[3].score`, `account.bank_code`), as the validator's field errors do.

use std::ops::Deref;

use actix_web::dev::{Decompress, Payload};
use actix_web::error::PayloadError;
use actix_web::{FromRequest, HttpMessage, HttpRequest, mime, web};
use futures_util::{Stream, StreamExt, future::LocalBoxFuture};
use serde::de::{DeserializeOwned, IgnoredAny};
use serde_path_to_error::Segment;

use crate::error::{Error, ErrorCode, FieldError};
use crate::http::problem::ApiError;
use crate::state::AppState;

/// A JSON body, parsed as [`parse`] does; use it instead of `web::Json` for every body.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T> Json<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Json<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req
            .app_data::<web::Data<AppState>>()
            .map(|s| s.config.server.max_body_bytes);
        let json = is_json(req);
        // As `web::Json` does: a `Content-Encoding` body is read decompressed.
        let mut payload = Decompress::from_headers(payload.take(), req.headers());
        Box::pin(async move {
            if !json {
                return Err(ErrorCode::UnsupportedMediaType.refusal().into());
            }
            let limit = limit.ok_or_else(|| Error::internal("extractor", "AppState missing"))?;
            let body = read_limited(&mut payload, limit).await?;
            Ok(Json(parse(&body)?))
        })
    }
}

/// `application/json`, or any `+json` type.
pub fn is_json(req: &HttpRequest) -> bool {
    matches!(req.mime_type(), Ok(Some(m))
        if m.subtype() == mime::JSON || m.suffix() == Some(mime::JSON))
}

/// Reads the whole body, refusing it once it passes `limit` bytes.
pub async fn read_limited<S>(payload: &mut S, limit: usize) -> Result<web::Bytes, Error>
where
    S: Stream<Item = Result<web::Bytes, PayloadError>> + Unpin,
{
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|_| ErrorCode::BadRequest.with("The request body could not be read."))?;
        if body.len() + chunk.len() > limit {
            return Err(Error::too_large(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// A body as `T`: not JSON at all is `malformed_json`; JSON of the wrong shape is
/// `validation_failed` with one field error naming where.
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, Error> {
    // Syntax first, so a broken body is never reported as a wrong field.
    serde_json::from_slice::<IgnoredAny>(body)
        .map_err(|e| ErrorCode::MalformedJson.with(without_position(&e)))?;
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut de).map_err(shape_error)?;
    Ok(value)
}

/// An already parsed JSON value (a row of a batch) as `T`, with the same field errors.
pub fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, Error> {
    serde_path_to_error::deserialize(value).map_err(shape_error)
}

fn shape_error(err: serde_path_to_error::Error<serde_json::Error>) -> Error {
    if !err.inner().is_data() {
        return ErrorCode::MalformedJson.with(without_position(err.inner()));
    }
    let message = without_position(err.inner());
    let mut path = field_path(err.path().iter());
    let (code, named) = classify(&message);
    // serde names a missing member in its parent's error; an unknown one may be the path already.
    if let Some(name) = named {
        let last = err.path().iter().next_back();
        if !matches!(last, Some(Segment::Map { key }) if *key == name) {
            path = join(&path, &name);
        }
    }
    let field = if path.is_empty() { "body".into() } else { path };
    Error::validation(vec![FieldError {
        message: format!("{field}: {message}"),
        field,
        code: code.into(),
    }])
}

/// The field code of a serde data error, and the member it names when it is about a missing or
/// unknown one. serde's wording is stable: `missing field `x``, `unknown field `x`, expected ...`.
fn classify(message: &str) -> (&'static str, Option<String>) {
    let named = |prefix: &str| {
        message
            .strip_prefix(prefix)
            .and_then(|rest| rest.split('`').next())
            .map(str::to_string)
    };
    if let Some(name) = named("missing field `") {
        ("required", Some(name))
    } else if let Some(name) = named("unknown field `") {
        ("unknown_field", Some(name))
    } else {
        ("invalid_type", None)
    }
}

/// `account.bank_code`, `items[3].score`: the convention of the validator's field errors.
fn field_path<'a>(segments: impl Iterator<Item = &'a Segment>) -> String {
    let mut out = String::new();
    for segment in segments {
        match segment {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } => out = join(&out, key),
            Segment::Unknown => out = join(&out, "?"),
        }
    }
    out
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

/// serde_json's message without its ` at line 1 column 9`: the field says where.
fn without_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    text.strip_suffix(&suffix).unwrap_or(&text).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Item {
        voucher_code: String,
        score: u8,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        items: Vec<Item>,
    }

    fn field_error(body: &str) -> FieldError {
        let e = parse::<Body>(body.as_bytes()).expect_err("refused");
        assert_eq!(e.code, ErrorCode::ValidationFailed, "{e}");
        assert_eq!(e.errors.len(), 1, "{e:?}");
        e.errors[0].clone()
    }

    #[test]
    fn a_missing_member_is_required_at_its_own_path() {
        let e = field_error(r#"{"items": []}"#);
        assert_eq!((e.field.as_str(), e.code.as_str()), ("name", "required"));
        let e = field_error(r#"{"name": "x", "items": [{"score": 1}]}"#);
        assert_eq!(
            (e.field.as_str(), e.code.as_str()),
            ("items[0].voucher_code", "required")
        );
    }

    #[test]
    fn a_wrong_type_is_invalid_type_at_its_path_without_a_line_number() {
        let e = field_error(
            r#"{"name": "x", "items": [{"voucher_code": "A", "score": 1}, {"voucher_code": "B", "score": "high"}]}"#,
        );
        assert_eq!(
            (e.field.as_str(), e.code.as_str()),
            ("items[1].score", "invalid_type")
        );
        assert!(!e.message.contains("line"), "{}", e.message);
        let e = field_error(r#"{"name": 5, "items": []}"#);
        assert_eq!(
            (e.field.as_str(), e.code.as_str()),
            ("name", "invalid_type")
        );
    }

    #[test]
    fn an_unknown_member_is_unknown_field_at_its_path() {
        let e = field_error(r#"{"name": "x", "items": [], "extra": 1}"#);
        assert_eq!(
            (e.field.as_str(), e.code.as_str()),
            ("extra", "unknown_field")
        );
        let e =
            field_error(r#"{"name": "x", "items": [{"voucher_code": "A", "score": 1, "x": 2}]}"#);
        assert_eq!(
            (e.field.as_str(), e.code.as_str()),
            ("items[0].x", "unknown_field")
        );
    }

    #[test]
    fn a_body_of_the_wrong_kind_names_the_body() {
        let e = field_error(r#""a string""#);
        assert_eq!(
            (e.field.as_str(), e.code.as_str()),
            ("body", "invalid_type")
        );
    }

    #[test]
    fn broken_json_is_malformed_even_after_a_wrong_member() {
        for body in [
            r#"{"name": 5, "#,
            "",
            r#"{"name": "x", "items": []} trailing"#,
        ] {
            let e = parse::<Body>(body.as_bytes()).expect_err("refused");
            assert_eq!(e.code, ErrorCode::MalformedJson, "{body}: {e}");
            assert!(e.errors.is_empty());
        }
    }
}
