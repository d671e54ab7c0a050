//! Cross-cutting layers, outermost first: request id + problem rendering + access log, metrics,
//! idempotency.

pub mod idempotency;
pub mod metrics;
pub mod request_id;
