//! Cursor pagination, once: newest first, `limit` 1-100 (default 20), an opaque cursor naming the
//! last row seen. The store fetches one row more than asked; [`Page::cut`] keeps `limit` and makes
//! the next cursor from the last row kept.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use chrono::{DateTime, NaiveDateTime};

use crate::error::{Error, ErrorCode};

pub const DEFAULT_LIMIT: i64 = 20;
pub const MAX_LIMIT: i64 = 100;

/// Where a page stops: the last row's `(time, id)`, or its sequence number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cursor {
    Time(NaiveDateTime, String),
    Seq(i64),
}

/// Which kind of cursor a list takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CursorKind {
    Time,
    Seq,
}

impl Cursor {
    pub fn encode(&self) -> String {
        match self {
            Cursor::Time(at, id) => B64.encode(format!("{}|{id}", at.and_utc().timestamp_micros())),
            Cursor::Seq(seq) => B64.encode(seq.to_string()),
        }
    }

    pub fn decode(raw: &str, kind: CursorKind) -> Result<Cursor, Error> {
        let bad = || ErrorCode::InvalidCursor.refusal();
        let text = B64
            .decode(raw)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(bad)?;
        match kind {
            CursorKind::Seq => text.parse().map(Cursor::Seq).map_err(|_| bad()),
            CursorKind::Time => {
                let (micros, id) = text.split_once('|').ok_or_else(bad)?;
                let micros: i64 = micros.parse().map_err(|_| bad())?;
                // Only times this service could have written (PostgreSQL rejects far-off ones).
                let at = DateTime::from_timestamp_micros(micros)
                    .filter(|t| (2000..2200).contains(&chrono::Datelike::year(t)))
                    .ok_or_else(bad)?
                    .naive_utc();
                Ok(Cursor::Time(at, id.to_string()))
            }
        }
    }

    /// The `(time, id)` of a time cursor, for the store's keyset filter.
    pub fn time(&self) -> Option<(NaiveDateTime, String)> {
        match self {
            Cursor::Time(at, id) => Some((*at, id.clone())),
            Cursor::Seq(_) => None,
        }
    }

    pub fn seq(&self) -> Option<i64> {
        match self {
            Cursor::Seq(seq) => Some(*seq),
            Cursor::Time(..) => None,
        }
    }
}

/// A page asked for: how many rows, after which one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: i64,
    pub after: Option<Cursor>,
}

impl PageRequest {
    /// `limit` (1-100, default 20) and a cursor as sent; an empty cursor is the first page.
    pub fn parse(
        limit: Option<i64>,
        cursor: Option<&str>,
        kind: CursorKind,
    ) -> Result<Self, Error> {
        let limit = match limit {
            None => DEFAULT_LIMIT,
            Some(n) if (1..=MAX_LIMIT).contains(&n) => n,
            Some(_) => return Err(Error::field("limit", "range", "limit must be 1-100.")),
        };
        let after = cursor
            .filter(|c| !c.is_empty())
            .map(|c| Cursor::decode(c, kind))
            .transpose()?;
        Ok(Self { limit, after })
    }

    pub fn first(limit: i64) -> Self {
        Self { limit, after: None }
    }

    /// Rows the store should fetch: one more than asked, to know whether another page follows.
    pub fn fetch(&self) -> i64 {
        self.limit + 1
    }
}

/// One page of results and the cursor of the next, if there is one.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<Cursor>,
}

impl<T> Page<T> {
    /// Keeps `limit` of the `fetch()` rows; a next cursor only when a row was left over.
    pub fn cut(mut rows: Vec<T>, req: &PageRequest, cursor_of: impl Fn(&T) -> Cursor) -> Self {
        let more = rows.len() as i64 > req.limit;
        rows.truncate(req.limit.max(0) as usize);
        let next = if more {
            rows.last().map(cursor_of)
        } else {
            None
        };
        Page { items: rows, next }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next: self.next,
        }
    }

    pub fn try_map<U, E>(self, f: impl FnMut(T) -> Result<U, E>) -> Result<Page<U>, E> {
        Ok(Page {
            items: self.items.into_iter().map(f).collect::<Result<_, _>>()?,
            next: self.next,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_keeps_the_limit_and_points_at_its_last_row() {
        let req = PageRequest::first(2);
        let page = Page::cut(vec![5, 4, 3], &req, |n| Cursor::Seq(*n));
        assert_eq!(page.items, vec![5, 4]);
        assert_eq!(page.next, Some(Cursor::Seq(4)));
        let last = Page::cut(vec![5, 4], &req, |n| Cursor::Seq(*n));
        assert_eq!(last.next, None);
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_invalid_cursor() {
        let at = chrono::DateTime::from_timestamp(1_800_000_000, 123_000)
            .unwrap()
            .naive_utc();
        let c = Cursor::Time(at, "id-1".into());
        assert_eq!(Cursor::decode(&c.encode(), CursorKind::Time).unwrap(), c);
        assert_eq!(
            Cursor::decode(&Cursor::Seq(7).encode(), CursorKind::Seq).unwrap(),
            Cursor::Seq(7)
        );
        for bad in ["!!", "bm9waXBl", &B64.encode("99999999999999999|x")] {
            assert_eq!(
                Cursor::decode(bad, CursorKind::Time).unwrap_err().code,
                ErrorCode::InvalidCursor
            );
        }
    }

    #[test]
    fn limits_outside_one_to_a_hundred_are_refused() {
        assert_eq!(
            PageRequest::parse(None, None, CursorKind::Seq)
                .unwrap()
                .limit,
            20
        );
        assert!(PageRequest::parse(Some(0), None, CursorKind::Seq).is_err());
        assert!(PageRequest::parse(Some(101), None, CursorKind::Seq).is_err());
        assert_eq!(
            PageRequest::parse(Some(5), Some(""), CursorKind::Seq)
                .unwrap()
                .after,
            None
        );
    }
}
