//! Program management (PMO) endpoints: admin tokens only.

pub mod audit;
pub mod courses;
pub mod participants;
pub mod partners;
pub mod vouchers;

use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

/// Why management did it: kept in the audit trail.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reason {
    #[validate(length(min = 3, max = 500))]
    #[schema(
        example = "Indikasi kecurangan: laporan platform #4411",
        min_length = 3,
        max_length = 500
    )]
    pub reason: String,
}
