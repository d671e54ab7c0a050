//! The core: one value, [`Core`], with one async method per use case. Each method owns its whole
//! story: it loads facts, asks the domain, writes in one transaction (with its audit event, its
//! outbox events and its idempotency record), makes its outbound call, and cleans up when that call
//! fails. Nothing here knows HTTP: callers pass typed commands and get typed results or an
//! [`Error`].

pub mod audit;
pub mod budgets;
pub mod call;
pub mod card_validations;
pub mod catalog;
mod challenges;
pub mod completions;
pub mod disbursement_run;
mod disbursement_send;
pub mod disbursements;
pub mod events;
pub mod health;
pub mod holder_sessions;
pub mod import;
mod import_batch;
pub mod import_json;
pub mod keys;
pub mod me;
mod once;
pub mod participants;
pub mod partners;
pub mod payout_accounts;
pub mod purchase;
pub mod registration;
pub mod retention;
pub mod sandbox;
pub mod sandbox_holders;
pub mod sandbox_reset;
mod sandbox_seed;
pub mod sandbox_sms;
mod sandbox_trainings;
pub mod signed_requests;
pub mod tokens;
pub mod voucher_view;
pub mod vouchers;
pub mod webhook_delivery;
pub mod webhooks;

use std::sync::Arc;
use std::time::Duration;

pub use call::{Actor, Call, IdempotencyKey};

use crate::auth::token::JwtKeys;
use crate::config::{Config, RetentionConfig};
use crate::crypto::PiiCipher;
use crate::db::{self, DbConn, Pool};
use crate::domain::otp::OtpPolicy;
use crate::error::Error;
use crate::gateways::payout::PayoutGateway;
use crate::gateways::sms::SmsSender;
use crate::gateways::webhook::WebhookSender;
use crate::metrics::{MeteredPayouts, MeteredSms, Metrics};

/// The core. Cheap to clone: every clone shares the same parts.
#[derive(Clone)]
pub struct Core(Arc<Inner>);

/// What the use cases work with.
pub struct Inner {
    pub pool: Pool,
    pub cipher: PiiCipher,
    pub keys: JwtKeys,
    pub otp: OtpPolicy,
    /// How long a verified card validation may buy.
    pub validation_ttl: Duration,
    /// How long a holder's dashboard token lives.
    pub participant_token_ttl: Duration,
    pub sandbox: bool,
    pub retention: RetentionConfig,
    pub sms: Box<dyn SmsSender>,
    pub payouts: Box<dyn PayoutGateway>,
    /// How long a sent, unanswered payment waits before a run asks the gateway about it.
    pub payout_check_after: Duration,
    pub tokens: tokens::TokenGuard,
    pub webhooks: webhooks::WebhookSettings,
    pub webhook_sender: Box<dyn WebhookSender>,
    /// This instance's business metrics (`crate::metrics`).
    pub metrics: Metrics,
    /// Request budgets shared by every instance (the database, or Redis).
    pub budgets: budgets::Budgets,
    /// Idempotency keys of multi-transaction use cases running now (`once.rs`).
    leases: once::Leases,
}

impl std::ops::Deref for Core {
    type Target = Inner;

    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl Core {
    /// The core over a migrated database, with the gateways the configuration calls for.
    pub fn new(pool: Pool, config: &Config) -> Result<Self, String> {
        Self::observed(pool, config, Metrics::new())
    }

    /// As [`Core::new`], counting into `metrics` (the server's, which `/metrics` shows).
    pub fn observed(pool: Pool, config: &Config, metrics: Metrics) -> Result<Self, String> {
        let cipher = PiiCipher::from_config(config);
        Ok(Core(Arc::new(Inner {
            sms: Box::new(MeteredSms {
                inner: crate::gateways::sms::from_config(config, &pool)?,
                metrics: metrics.clone(),
            }),
            payouts: Box::new(MeteredPayouts {
                inner: crate::gateways::payout::from_config(config, &pool)?,
                metrics: metrics.clone(),
            }),
            payout_check_after: config.payouts.check_after,
            keys: JwtKeys::from_config(config),
            otp: config.otp.policy(),
            validation_ttl: config.otp.validation_ttl,
            participant_token_ttl: config.auth.participant_token_ttl,
            sandbox: config.sandbox,
            retention: config.retention,
            tokens: tokens::TokenGuard::new(config, cipher.clone()),
            webhooks: webhooks::WebhookSettings::from_config(config),
            webhook_sender: crate::gateways::webhook::from_config(config)?,
            leases: Default::default(),
            metrics,
            budgets: budgets::Budgets::new(pool.clone(), config.limits.redis_url.as_deref())?,
            cipher,
            pool,
        })))
    }

    /// Runs `f` with a connection on the blocking pool (reads, and writes that manage their own
    /// transactions).
    pub(crate) async fn read<T, F>(&self, f: F) -> Result<T, Error>
    where
        F: FnOnce(&mut DbConn, &Inner) -> Result<T, Error> + Send + 'static,
        T: Send + 'static,
    {
        let core = self.clone();
        db::run(&self.pool, move |c| f(c, &core)).await
    }

    /// Runs `f` in one write transaction: all of it commits, or none.
    pub(crate) async fn write<T, F>(&self, f: F) -> Result<T, Error>
    where
        F: FnOnce(&mut DbConn, &Inner) -> Result<T, Error> + Send + 'static,
        T: Send + 'static,
    {
        self.read(move |c, core| db::write_tx(c, |c| f(c, core)))
            .await
    }
}
