//! The rows of a JSON import file of any size, one at a time: a JSON array, or JSON lines (one
//! object a line). The array is split into its elements as the bytes arrive (brackets and strings
//! tracked, nothing parsed twice) so memory holds one element, never the file; each element is
//! then parsed alone, and a malformed one is that row's error, as in the CSV reader.

use std::io::{BufRead, Bytes};
use std::iter::Peekable;

use super::import::ParsedRow;
use crate::error::{Error, ErrorCode};

/// A JSON array (`[` first) or JSON lines (`{` first); anything else is refused before any row.
pub fn json_rows<R: BufRead + 'static>(
    mut input: R,
) -> Result<Box<dyn Iterator<Item = ParsedRow>>, Error> {
    let unreadable =
        |e: std::io::Error| ErrorCode::BadRequest.with(format!("Unreadable file: {e}"));
    let first = loop {
        let buf = input.fill_buf().map_err(unreadable)?;
        match buf.iter().position(|b| !b.is_ascii_whitespace()) {
            Some(i) => {
                let b = buf[i];
                input.consume(i);
                break Some(b);
            }
            None if buf.is_empty() => break None,
            None => {
                let n = buf.len();
                input.consume(n);
            }
        }
    };
    match first {
        Some(b'[') => {
            let mut bytes = input.bytes().peekable();
            bytes.next();
            Ok(Box::new(ArrayRows {
                bytes,
                state: Array::First,
            }))
        }
        Some(b'{') => Ok(Box::new(input.lines().filter_map(|line| match line {
            Ok(l) if l.trim().is_empty() => None,
            Ok(l) => Some(row(l.as_bytes())),
            Err(e) => Some(Err(malformed(format!("unreadable line: {e}")))),
        }))),
        _ => Err(ErrorCode::MalformedJson
            .with("Expected a JSON array of participants, or JSON lines (one object a line).")),
    }
}

/// One registration from its JSON text: bad syntax is malformed JSON, a bad field a validation
/// failure (as the whole-body reader of the HTTP import says them).
fn row(text: &[u8]) -> ParsedRow {
    let value: serde_json::Value =
        serde_json::from_slice(text).map_err(|e| malformed(e.to_string()))?;
    serde_json::from_value(value).map_err(|e| ErrorCode::ValidationFailed.with(e.to_string()))
}

fn malformed(detail: String) -> Error {
    ErrorCode::MalformedJson.with(detail)
}

#[derive(PartialEq)]
enum Array {
    /// Just after `[`: an element or `]`.
    First,
    /// After a `,`: an element must follow.
    Next,
    /// `]` seen: only whitespace may follow.
    Closed,
    /// Nothing more (the end, or the structure broken).
    Done,
}

struct ArrayRows<R: std::io::Read> {
    bytes: Peekable<Bytes<R>>,
    state: Array,
}

impl<R: BufRead> ArrayRows<R> {
    fn skip_space(&mut self) {
        while let Some(Ok(b)) = self.bytes.peek() {
            if !b.is_ascii_whitespace() {
                break;
            }
            self.bytes.next();
        }
    }

    /// The next element's bytes, and the byte that ended it (`,` or `]`; `None` at the end of the
    /// file).
    fn element(&mut self) -> Result<(Vec<u8>, Option<u8>), Error> {
        let (mut text, mut depth, mut in_string, mut escaped) = (Vec::new(), 0usize, false, false);
        for b in self.bytes.by_ref() {
            let b = b.map_err(|e| malformed(format!("unreadable file: {e}")))?;
            if in_string {
                match (escaped, b) {
                    (true, _) => escaped = false,
                    (false, b'\\') => escaped = true,
                    (false, b'"') => in_string = false,
                    _ => {}
                }
            } else {
                match b {
                    b'"' => in_string = true,
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' if depth > 0 => depth -= 1,
                    b',' | b']' if depth == 0 => return Ok((text, Some(b))),
                    _ => {}
                }
            }
            text.push(b);
        }
        Ok((text, None))
    }
}

impl<R: BufRead> Iterator for ArrayRows<R> {
    type Item = ParsedRow;

    fn next(&mut self) -> Option<ParsedRow> {
        match self.state {
            Array::Done => return None,
            Array::Closed => return self.end(),
            Array::First | Array::Next => {}
        }
        self.skip_space();
        if self.state == Array::First && matches!(self.bytes.peek(), Some(Ok(b']'))) {
            self.bytes.next();
            return self.end();
        }
        let (text, ended_by) = match self.element() {
            Ok(found) => found,
            Err(e) => {
                self.state = Array::Done;
                return Some(Err(e));
            }
        };
        self.state = match ended_by {
            Some(b',') => Array::Next,
            Some(_) => Array::Closed,
            None => {
                self.state = Array::Done;
                return Some(Err(malformed(
                    "The file ends before the array's closing ].".into(),
                )));
            }
        };
        Some(match text.trim_ascii() {
            [] => Err(malformed(
                "An empty element (two commas, or one before ]).".into(),
            )),
            element => row(element),
        })
    }
}

impl<R: BufRead> ArrayRows<R> {
    /// After `]`: only whitespace may follow.
    fn end(&mut self) -> Option<ParsedRow> {
        self.state = Array::Done;
        self.skip_space();
        self.bytes
            .next()
            .map(|_| Err(malformed("Text after the array's closing ].".into())))
    }
}
