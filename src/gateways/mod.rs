//! Outbound calls, each behind a trait with a sandbox and a real (reqwest) implementation.

pub mod payout;
pub mod sms;
pub mod webhook;
