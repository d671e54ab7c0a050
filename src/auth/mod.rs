//! Who is calling: client secrets, access tokens, and what each role and scope may do. Plain Rust:
//! the HTTP edge's extractor (`http/auth.rs`) applies these rules to a request.

pub mod scope;
pub mod secret;
pub mod signature;
pub mod token;

pub use crate::domain::Role;
