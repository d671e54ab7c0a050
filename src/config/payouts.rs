//! The payout gateway incentives are paid through when the sandbox is off, and the disbursement
//! run's optional timer inside `serve`.

use std::time::Duration;

use super::ConfigError;
use super::env::Env;
use super::secret::Secret;

#[derive(Clone, Debug)]
pub struct PayoutConfig {
    /// `PRAKERJA_PAYOUT_GATEWAY_URL`: where payments are POSTed when the sandbox is off.
    pub gateway_url: Option<String>,
    /// `PRAKERJA_PAYOUT_GATEWAY_AUTHORIZATION`: the `Authorization` header value for it.
    pub authorization: Option<Secret<String>>,
    /// `PRAKERJA_PAYOUT_TIMEOUT_MS` per attempt (5xx and timeouts are retried with the same key).
    pub timeout: Duration,
    /// `PRAKERJA_DISBURSEMENT_RUN_MINUTES`: run disbursements inside `serve` this often (off when
    /// unset: runs are then started by an operator or a scheduler).
    pub run_every: Option<Duration>,
    /// `PRAKERJA_PAYOUT_CHECK_AFTER_SECONDS`: a payment handed to the gateway and still unanswered
    /// after this long (a crash, a lost answer) is asked about by the next run.
    pub check_after: Duration,
}

impl Default for PayoutConfig {
    fn default() -> Self {
        Self {
            gateway_url: None,
            authorization: None,
            timeout: Duration::from_secs(10),
            run_every: None,
            check_after: Duration::from_secs(120),
        }
    }
}

impl PayoutConfig {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let d = Self::default();
        Ok(Self {
            gateway_url: env.var("PRAKERJA_PAYOUT_GATEWAY_URL"),
            authorization: env
                .var("PRAKERJA_PAYOUT_GATEWAY_AUTHORIZATION")
                .map(Secret::new),
            timeout: env.millis("PRAKERJA_PAYOUT_TIMEOUT_MS", d.timeout)?,
            run_every: env
                .var("PRAKERJA_DISBURSEMENT_RUN_MINUTES")
                .map(|_| env.parse("PRAKERJA_DISBURSEMENT_RUN_MINUTES", 0u64))
                .transpose()?
                .filter(|m| *m > 0)
                .map(|m| Duration::from_secs(m * 60)),
            check_after: env.secs("PRAKERJA_PAYOUT_CHECK_AFTER_SECONDS", d.check_after)?,
        })
    }

    pub fn problems(&self, sandbox: bool) -> Vec<String> {
        if !sandbox && self.gateway_url.is_none() {
            return vec![
                "PRAKERJA_PAYOUT_GATEWAY_URL must be set (incentives are paid through it)".into(),
            ];
        }
        Vec::new()
    }
}
