//! Use cases: each joins domain rules and the store in one transaction and records who did it.

pub mod audit;
pub mod courses;
pub mod import;
pub mod keys;
pub mod participants;
pub mod partners;
pub mod retention;
pub mod sandbox;
