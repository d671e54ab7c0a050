//! The program's rules and values, as plain Rust: no actix, no diesel.
//! A value that exists has been checked: parse once at the edge, then the type carries the proof.

pub mod card_number;
pub mod codes;
pub mod course;
pub mod digits;
pub mod eligibility;
pub mod mask;
pub mod nik;
pub mod otp;
pub mod participant;
pub mod phone;
pub mod purchase;
pub mod rupiah;
pub mod time;
pub mod validation;
pub mod voucher;
pub mod voucher_code;

pub use card_number::CardNumber;
pub use nik::{KkNumber, Nik};
pub use phone::PhoneNumber;
pub use rupiah::Rupiah;
pub use voucher_code::VoucherCode;
