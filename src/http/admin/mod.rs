//! Program management (PMO) endpoints: admin tokens only.

pub mod audit;
pub mod courses;
pub mod participants;
pub mod partners;
pub mod vouchers;

use serde::Deserialize;
use utoipa::ToSchema;

use crate::error::Error;

/// Why management did it: kept in the audit trail.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reason {
    /// 3 to 500 characters, not counting leading and trailing spaces.
    #[schema(
        example = "Indikasi kecurangan: laporan platform #4411",
        min_length = 3,
        max_length = 500,
        pattern = r"[^ \t\n\v\f\r\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][\s\S]{1,}[^ \t\n\v\f\r\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
    )]
    pub reason: String,
}

impl Reason {
    /// The reason as kept (the rule is the core's: the command line keeps it the same way).
    pub fn text(self) -> Result<String, Error> {
        crate::domain::reason::management_reason(&self.reason)
    }
}
