//! Paying an incentive: the sandbox gateway (outcomes fixed by documented test account numbers,
//! remembered in `sandbox_payouts`) or an HTTP payout gateway. Each payment travels under its
//! disbursement id as the idempotency key: asking twice never pays twice, and `status` tells what
//! became of a payment whose answer was lost.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::db::schema::sandbox_payouts as sp;
use crate::db::{self, Pool};
use crate::domain::disbursement::FailureReason;
use crate::domain::payout::PayoutKind;
use crate::domain::{DisbursementId, Rupiah};

/// One payment to make.
#[derive(Clone)]
pub struct PayoutOrder {
    pub id: DisbursementId,
    /// The attempt's idempotency key (`domain::disbursement::payout_key`): asking twice under it
    /// never pays twice.
    pub key: String,
    pub amount: Rupiah,
    pub kind: PayoutKind,
    pub bank_code: Option<String>,
    /// Sealed at rest; only here in clear, on its way to the gateway. Never logged.
    pub account_number: String,
    pub holder_name: String,
}

/// What the gateway says of a payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum PayoutAnswer {
    Paid {
        reference: String,
    },
    Failed {
        failure_reason: FailureReason,
    },
    /// Accepted, not settled yet: ask again later.
    Processing,
}

#[derive(Debug, thiserror::Error)]
pub enum PayoutError {
    #[error("the payout gateway refused the request: HTTP {0}")]
    Rejected(u16),
    #[error("the payout gateway did not answer: {0}")]
    Unreachable(String),
    #[error("the payout gateway's answer is not understood: {0}")]
    Malformed(String),
    #[error("the sandbox gateway's store failed: {0}")]
    Store(String),
}

pub type PayoutFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, PayoutError>> + Send + 'a>>;

pub trait PayoutGateway: Send + Sync {
    /// Pays, or answers as it did the first time for this id.
    fn pay<'a>(&'a self, order: &'a PayoutOrder) -> PayoutFuture<'a, PayoutAnswer>;
    /// What became of a payment's attempt, by its key; `None` when the gateway never received it.
    fn status<'a>(&'a self, key: &'a str) -> PayoutFuture<'a, Option<PayoutAnswer>>;
}

/// The sandbox's test accounts: any bank, these numbers fail with these reasons; every other
/// account is paid.
pub const SANDBOX_FAILING_ACCOUNTS: &[(&str, FailureReason)] = &[
    ("4000000001", FailureReason::AccountInactive),
    ("4000000002", FailureReason::EwalletNotVerified),
    ("4000000003", FailureReason::KycMismatch),
    ("4000000004", FailureReason::EwalletLimit),
];

pub struct SandboxPayouts {
    pub pool: Pool,
}

fn sandbox_answer(order: &PayoutOrder) -> PayoutAnswer {
    match SANDBOX_FAILING_ACCOUNTS
        .iter()
        .find(|(n, _)| *n == order.account_number)
    {
        Some((_, reason)) => PayoutAnswer::Failed {
            failure_reason: *reason,
        },
        None => PayoutAnswer::Paid {
            // The whole attempt key: unique per payment and attempt, like a bank's reference.
            reference: format!("SANDBOX-{}", order.key),
        },
    }
}

fn store_err(e: impl std::fmt::Display) -> PayoutError {
    PayoutError::Store(e.to_string())
}

impl PayoutGateway for SandboxPayouts {
    fn pay<'a>(&'a self, order: &'a PayoutOrder) -> PayoutFuture<'a, PayoutAnswer> {
        let (key, answer) = (order.key.clone(), sandbox_answer(order));
        Box::pin(async move {
            let json = serde_json::to_string(&answer).map_err(store_err)?;
            db::run(&self.pool, move |c| {
                // The first answer for an id is the answer: a repeat reads it back.
                db::insert_unless_exists(c, |c| {
                    diesel::insert_into(sp::table)
                        .values((
                            sp::disbursement_id.eq(&key),
                            sp::outcome.eq(&json),
                            sp::created_at.eq(db::now()),
                        ))
                        .execute(c)
                })?;
                let stored: String = sp::table.find(&key).select(sp::outcome).first(c)?;
                Ok::<_, db::StoreError>(stored)
            })
            .await
            .map_err(store_err)
            .and_then(|s| serde_json::from_str(&s).map_err(store_err))
        })
    }

    fn status<'a>(&'a self, key: &'a str) -> PayoutFuture<'a, Option<PayoutAnswer>> {
        let key = key.to_string();
        Box::pin(async move {
            let stored = db::run(&self.pool, move |c| {
                sp::table
                    .find(&key)
                    .select(sp::outcome)
                    .first::<String>(c)
                    .optional()
                    .map_err(db::StoreError::from)
            })
            .await
            .map_err(store_err)?;
            stored
                .map(|s| serde_json::from_str(&s).map_err(store_err))
                .transpose()
        })
    }
}

/// A JSON-over-HTTP payout gateway: `POST {url}` with `Idempotency-Key: <key>`, and
/// `GET {url}/{key}` (404: never received). 5xx and timeouts are retried with the same key.
pub struct HttpPayouts {
    client: reqwest::Client,
    url: String,
    authorization: Option<String>,
    backoff: Vec<Duration>,
}

#[derive(Serialize)]
struct PayoutRequest<'a> {
    /// The disbursement's id.
    id: &'a str,
    /// This attempt's idempotency key (also in the `Idempotency-Key` header).
    key: &'a str,
    amount: i64,
    currency: &'static str,
    kind: PayoutKind,
    bank_code: Option<&'a str>,
    account_number: &'a str,
    holder_name: &'a str,
}

impl HttpPayouts {
    pub fn new(
        url: &str,
        authorization: Option<String>,
        timeout: Duration,
    ) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("payout client: {e}"))?;
        Ok(Self {
            client,
            url: url.trim_end_matches('/').to_string(),
            authorization,
            backoff: vec![Duration::from_millis(300), Duration::from_millis(1200)],
        })
    }

    /// One request, retried on 5xx and on no answer; `Ok(None)` for a 404.
    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<Option<T>, PayoutError> {
        let mut waits = self.backoff.iter();
        loop {
            let mut req = build();
            if let Some(auth) = &self.authorization {
                req = req.header("authorization", auth);
            }
            let err = match req.send().await {
                Ok(res) if res.status().as_u16() == 404 => return Ok(None),
                Ok(res) if res.status().is_success() => {
                    return res
                        .json::<T>()
                        .await
                        .map(Some)
                        .map_err(|e| PayoutError::Malformed(e.without_url().to_string()));
                }
                Ok(res) if res.status().is_server_error() => {
                    PayoutError::Rejected(res.status().as_u16())
                }
                Ok(res) => return Err(PayoutError::Rejected(res.status().as_u16())),
                Err(e) => PayoutError::Unreachable(e.without_url().to_string()),
            };
            match waits.next() {
                Some(wait) => {
                    tracing::warn!(error = %err, "payout gateway failed; retrying with the same key");
                    tokio::time::sleep(*wait).await;
                }
                None => return Err(err),
            }
        }
    }
}

impl PayoutGateway for HttpPayouts {
    fn pay<'a>(&'a self, order: &'a PayoutOrder) -> PayoutFuture<'a, PayoutAnswer> {
        Box::pin(async move {
            let body = PayoutRequest {
                id: order.id.as_str(),
                key: &order.key,
                amount: order.amount.amount(),
                currency: "IDR",
                kind: order.kind,
                bank_code: order.bank_code.as_deref(),
                account_number: &order.account_number,
                holder_name: &order.holder_name,
            };
            self.call(|| {
                self.client
                    .post(&self.url)
                    .header("idempotency-key", order.key.as_str())
                    .json(&body)
            })
            .await?
            .ok_or_else(|| PayoutError::Malformed("404 for a payment request".into()))
        })
    }

    fn status<'a>(&'a self, key: &'a str) -> PayoutFuture<'a, Option<PayoutAnswer>> {
        Box::pin(async move {
            let url = format!("{}/{key}", self.url);
            self.call(|| self.client.get(&url)).await
        })
    }
}

/// The gateway this configuration calls for: the sandbox's, else the HTTP one.
pub fn from_config(config: &Config, pool: &Pool) -> Result<Box<dyn PayoutGateway>, String> {
    let p = &config.payouts;
    match (&p.gateway_url, config.sandbox) {
        (_, true) => Ok(Box::new(SandboxPayouts { pool: pool.clone() })),
        (Some(url), false) => Ok(Box::new(HttpPayouts::new(
            url,
            p.authorization.as_ref().map(|a| a.expose().clone()),
            p.timeout,
        )?)),
        (None, false) => {
            Err("PRAKERJA_PAYOUT_GATEWAY_URL must be set when the sandbox is off".into())
        }
    }
}
