//! Black-box tests through HTTP against the real server (`cargo test`; with `TEST_DATABASE_URL`
//! set to a PostgreSQL URL, every test gets its own PostgreSQL database instead of a SQLite file).

mod helpers;

mod architecture;
mod audit;
mod auth;
mod binary;
mod card_validations;
mod chromium;
mod cli;
mod cli_actions;
mod cli_files;
mod cli_streams;
mod compat;
mod compat_helpers;
mod completion_races;
mod completions;
mod courses;
mod deploy;
mod disbursement_helpers;
mod disbursement_races;
mod disbursements;
mod docs_browser;
mod error_reference;
mod errors;
mod events;
mod hardening;
mod idempotency;
mod logs;
mod meta;
mod openapi;
mod participant;
mod participants;
mod payout_gateway;
mod pii;
mod post_training_helpers;
mod purchase_helpers;
mod races;
mod retention;
mod sandbox;
mod sandbox_holders;
mod sms_gateway;
mod vouchers;
mod webhook_helpers;
mod webhooks;
