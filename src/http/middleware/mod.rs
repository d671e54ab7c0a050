//! Cross-cutting layers, outermost first: request id + problem rendering + access log, metrics,
//! authentication, idempotency fingerprint.

pub mod authenticate;
pub mod idempotency;
pub mod metrics;
pub mod request_id;
