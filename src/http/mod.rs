//! The HTTP edge: one file per resource; every route is registered here, so it reaches the spec.
//! A handler extracts, authorizes (its `Auth<Permission>` argument), parses the request into a
//! command, calls one core method, and maps the result. No business rules, no store, no gateway.

pub mod admin;
pub mod auth;
pub mod card_validations;
pub mod compat;
pub mod completions;
pub mod courses;
pub mod disbursements;
pub mod docs;
pub mod events;
pub mod json;
pub mod limits;
pub mod me;
pub mod meta;
pub mod middleware;
pub mod oauth;
pub mod pagination;
pub mod participant;
pub mod problem;
pub mod sandbox;
pub mod vouchers;
pub mod webhooks;

use actix_web::{error::PathError, error::QueryPayloadError, web};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::ErrorCode;
use problem::ApiError;

/// Registers every route (also used to build the OpenAPI document without a server).
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(meta::healthz)
        .service(meta::readyz)
        .service(meta::metrics)
        .service(meta::errors_page)
        .service(meta::errors_json)
        .service(oauth::token)
        .service(courses::list)
        .service(courses::get)
        .service(courses::submit)
        .service(courses::add_schedule)
        .service(card_validations::start)
        .service(card_validations::get)
        .service(card_validations::resend)
        .service(card_validations::verify)
        .service(vouchers::buy)
        .service(vouchers::list)
        .service(vouchers::get)
        .service(vouchers::redeem)
        .service(vouchers::attendance)
        .service(completions::complete)
        .service(completions::certify)
        .service(completions::batch)
        .service(participant::start)
        .service(participant::verify)
        .service(me::me)
        .service(me::trainings)
        .service(me::review)
        .service(me::survey)
        .service(me::disbursements)
        .service(me::put_payout_account)
        .service(me::confirm_payout_account)
        .service(me::payout_account)
        .service(disbursements::list)
        .service(disbursements::get)
        .service(disbursements::run)
        .service(disbursements::record_result)
        .service(events::list)
        .service(webhooks::create)
        .service(webhooks::list)
        .service(webhooks::remove)
        .service(webhooks::deliveries)
        .service(webhooks::redeliver)
        .service(admin::partners::create)
        .service(admin::partners::rotate_secret)
        .service(admin::partners::rotate_signing_key)
        .service(admin::partners::disable)
        .service(admin::partners::enable)
        .service(admin::participants::register)
        .service(admin::participants::bulk_import)
        .service(admin::participants::get)
        .service(admin::participants::reveal)
        .service(admin::participants::freeze)
        .service(admin::participants::unfreeze)
        .service(admin::participants::revoke)
        .service(admin::courses::approve)
        .service(admin::courses::reject)
        .service(admin::vouchers::void)
        .service(admin::audit::list)
        .service(sandbox::sms)
        .service(sandbox::mint_holder)
        .service(sandbox::reset_test_cards)
        .service(compat::status)
        .service(compat::commit);
}

/// A text field as its value is meant: leading and trailing spaces dropped before any length
/// check, so blank padding never passes for content.
pub fn trimmed<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let s = <String as serde::Deserialize>::deserialize(d)?;
    Ok(s.trim().to_string())
}

/// A whole number as JSON Schema's `integer` means it: `5` and `5.0` alike, never `5.5`.
pub fn whole_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let n = <serde_json::Number as serde::Deserialize>::deserialize(d)?;
    whole(&n).ok_or_else(|| serde::de::Error::custom(format!("expected a whole number, got {n}")))
}

/// [`whole_number`] for an optional field that fits an `i32` (`#[serde(default, ...)]`).
pub fn optional_whole_i32<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i32>, D::Error> {
    let Some(n) = <Option<serde_json::Number> as serde::Deserialize>::deserialize(d)? else {
        return Ok(None);
    };
    whole(&n)
        .and_then(|v| i32::try_from(v).ok())
        .map(Some)
        .ok_or_else(|| serde::de::Error::custom(format!("expected a whole number, got {n}")))
}

fn whole(n: &serde_json::Number) -> Option<i64> {
    n.as_i64().or_else(|| {
        n.as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
            .map(|f| f as i64)
    })
}

/// Extractor configs whose errors are problem+json with stable codes, not actix's plain text.
/// (JSON bodies have their own extractor, [`json::Json`].)
pub fn extractor_configs() -> (web::PathConfig, web::QueryConfig) {
    let path = web::PathConfig::default().error_handler(|err: PathError, _| {
        ApiError(ErrorCode::NotFound.with(format!("Bad path parameter: {err}"))).into()
    });
    let query = web::QueryConfig::default().error_handler(|err: QueryPayloadError, _| {
        ApiError(ErrorCode::MalformedQuery.with(err.to_string())).into()
    });
    (path, query)
}

/// The methods each documented path template takes, for the `Allow` header of a 405.
pub struct AllowedMethods(Vec<(actix_web::dev::ResourceDef, String)>);

impl AllowedMethods {
    pub fn from_spec(api: &utoipa::openapi::OpenApi) -> Self {
        Self(
            api.paths
                .paths
                .iter()
                .map(|(path, item)| {
                    let methods: Vec<&str> = [
                        ("GET", item.get.is_some()),
                        ("POST", item.post.is_some()),
                        ("PUT", item.put.is_some()),
                        ("DELETE", item.delete.is_some()),
                    ]
                    .into_iter()
                    .filter_map(|(m, present)| present.then_some(m))
                    .collect();
                    (
                        actix_web::dev::ResourceDef::new(path.as_str()),
                        methods.join(", "),
                    )
                })
                .collect(),
        )
    }

    /// The `Allow` value for a path some route serves, if any.
    pub fn for_path(&self, path: &str) -> Option<String> {
        // A literal template (`/participants/import`) wins over a parameter one (`/participants/{card}`).
        let matching: Vec<&(actix_web::dev::ResourceDef, String)> = self
            .0
            .iter()
            .filter(|(def, _)| def.is_match(path))
            .collect();
        let literal: Vec<&str> = matching
            .iter()
            .filter(|(def, _)| !def.pattern().unwrap_or("").contains('{'))
            .map(|(_, m)| m.as_str())
            .collect();
        let methods = if literal.is_empty() {
            matching.iter().map(|(_, m)| m.as_str()).collect()
        } else {
            literal
        };
        (!methods.is_empty()).then(|| methods.join(", "))
    }
}
