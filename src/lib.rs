//! prakerja-api: the partner integration API of a Prakerja-style training-voucher program.

pub mod auth;
pub mod cli;
pub mod config;
pub mod crypto;
pub mod db;
pub mod domain;
pub mod error;
pub mod gateways;
pub mod http;
pub mod metrics;
pub mod openapi;
pub mod page;
pub mod service;
pub mod startup;
pub mod state;
pub mod telemetry;
