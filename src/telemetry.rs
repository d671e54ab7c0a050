//! Structured logs. What never goes in them: secrets, OTPs, full card numbers, NIK, KK, phone
//! (the access log names route patterns, not paths; domain types print masked in `Debug`).

use tracing_subscriber::{EnvFilter, fmt};

pub fn init(json: bool) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = fmt().with_env_filter(filter).with_target(false);
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
