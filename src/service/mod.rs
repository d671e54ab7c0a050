//! Use cases: each joins domain rules and the store in one transaction and records who did it.

pub mod audit;
pub mod card_validations;
pub mod courses;
pub mod import;
pub mod keys;
pub mod participants;
pub mod partners;
pub mod purchase;
pub mod retention;
pub mod sandbox;
pub mod vouchers;
