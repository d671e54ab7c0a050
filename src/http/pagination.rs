//! The wire form of pages: `?limit=&cursor=` in, `{data, next_cursor}` out. The rules live in
//! `crate::page`.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::Error;
use crate::page::{CursorKind, PageRequest};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// 1-100, default 20.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    pub cursor: Option<String>,
}

impl PageParams {
    pub fn parse(&self, kind: CursorKind) -> Result<PageRequest, Error> {
        PageRequest::parse(self.limit, self.cursor.as_deref(), kind)
    }
}

/// A page of results.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T: ToSchema> {
    pub data: Vec<T>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

impl<T: ToSchema> From<crate::page::Page<T>> for Page<T> {
    fn from(p: crate::page::Page<T>) -> Self {
        Page {
            data: p.items,
            next_cursor: p.next.map(|c| c.encode()),
        }
    }
}
