//! The numbers that tell the business, for Prometheus: one registry per running server, reached by
//! the use cases through the core. Flows (vouchers sold, OTPs, gateway calls, refusals) are this
//! instance's counters, moved only after their transaction committed; Prometheus sums instances.
//! Stocks (payments by status, rupiah paid, the oldest undelivered webhook) are read from the
//! database at scrape time, so every instance reports the same truth across restarts.
//! Label values come from bounded sets: partner ids, stable codes, fixed names; never a card.

mod gateways;
mod pool;

use std::time::Instant;

use chrono::NaiveDateTime;
use prometheus::{
    Encoder, Gauge, Histogram, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec,
    Opts, Registry, TextEncoder,
};

pub use gateways::{MeteredPayouts, MeteredSms};
pub use pool::PoolWait;

use crate::domain::disbursement::DisbursementStatus;
use crate::domain::{PartnerId, Rupiah};

/// A step in a voucher's life, as `prakerja_vouchers_total{event}` names it.
#[derive(Debug, Clone, Copy)]
pub enum VoucherEvent {
    Issued,
    Redeemed,
    /// The LPK reported the training ended, passed or not.
    Completed,
    Voided,
}

/// What became of an OTP, as `prakerja_otp_total{outcome}` names it.
#[derive(Debug, Clone, Copy)]
pub enum OtpOutcome {
    Sent,
    Verified,
    /// A wrong guess with attempts left.
    Failed,
    /// The wrong guess that used the last attempt.
    Locked,
}

/// What the database holds at scrape time.
pub struct Stock {
    pub disbursements: Vec<(DisbursementStatus, i64)>,
    pub rupiah_paid: i64,
    pub oldest_undelivered: Option<NaiveDateTime>,
    /// The oldest audit event not yet sealed into the chain (none when the inbox is empty).
    pub oldest_unsealed: Option<NaiveDateTime>,
}

#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    started: Instant,
    vouchers: IntCounterVec,
    debited: IntCounterVec,
    otp: IntCounterVec,
    gateway_requests: IntCounterVec,
    gateway_duration: HistogramVec,
    disbursements: IntGaugeVec,
    rupiah_paid: IntGauge,
    webhook_deliveries: IntCounterVec,
    webhook_oldest: Gauge,
    audit_unsealed: Gauge,
    refusals: IntCounterVec,
    pool_connections: IntGaugeVec,
    pool_max: IntGauge,
    pool_wait: Histogram,
    memory: IntGauge,
    uptime: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// Registers `metric` and hands it back. Names are fixed here, so a clash is a programming error.
fn add<M: prometheus::core::Collector + Clone + 'static>(registry: &Registry, metric: M) -> M {
    registry
        .register(Box::new(metric.clone()))
        .expect("unique, valid metric");
    metric
}

fn counter(r: &Registry, name: &str, help: &str, labels: &[&str]) -> IntCounterVec {
    add(
        r,
        IntCounterVec::new(Opts::new(name, help), labels).expect("valid metric"),
    )
}

impl Metrics {
    pub fn new() -> Self {
        let r = Registry::new();
        let secs = |name: &str, help: &str, buckets: Vec<f64>| {
            HistogramOpts::new(name, help).buckets(buckets)
        };
        let gateway_duration = HistogramVec::new(
            secs(
                "prakerja_gateway_duration_seconds",
                "Time an outbound gateway call took",
                prometheus::DEFAULT_BUCKETS.to_vec(),
            ),
            &["gateway"],
        )
        .expect("valid metric");
        let pool_wait = Histogram::with_opts(secs(
            "prakerja_db_pool_wait_seconds",
            "Time to check a connection out of the pool",
            vec![
                0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0,
            ],
        ))
        .expect("valid metric");
        let gauge = |name: &str, help: &str| IntGauge::new(name, help).expect("valid metric");
        let float = |name: &str, help: &str| Gauge::new(name, help).expect("valid metric");
        let metrics = Self {
            vouchers: counter(
                &r,
                "prakerja_vouchers_total",
                "Voucher lifecycle steps committed",
                &["platform", "event"],
            ),
            debited: counter(
                &r,
                "prakerja_rupiah_debited_total",
                "Rupiah debited from training balances by voucher purchases",
                &["platform"],
            ),
            otp: counter(
                &r,
                "prakerja_otp_total",
                "OTPs sent, verified, failed and locked",
                &["outcome"],
            ),
            gateway_requests: counter(
                &r,
                "prakerja_gateway_requests_total",
                "Outbound gateway calls by outcome",
                &["gateway", "outcome"],
            ),
            gateway_duration: add(&r, gateway_duration),
            disbursements: add(
                &r,
                IntGaugeVec::new(
                    Opts::new(
                        "prakerja_disbursements",
                        "Incentive payments by stored status",
                    ),
                    &["status"],
                )
                .expect("valid metric"),
            ),
            rupiah_paid: add(
                &r,
                gauge(
                    "prakerja_rupiah_paid",
                    "Incentive rupiah paid to holders (from the database)",
                ),
            ),
            webhook_deliveries: counter(
                &r,
                "prakerja_webhook_deliveries_total",
                "Webhook delivery attempts recorded",
                &["outcome"],
            ),
            webhook_oldest: add(
                &r,
                float(
                    "prakerja_webhook_oldest_undelivered_seconds",
                    "Age of the oldest pending webhook delivery (0 when none)",
                ),
            ),
            audit_unsealed: add(
                &r,
                float(
                    "prakerja_audit_oldest_unsealed_seconds",
                    "Age of the oldest audit event not yet sealed into the hash chain (0 when none)",
                ),
            ),
            refusals: counter(
                &r,
                "prakerja_refusals_total",
                "Error answers by their stable code",
                &["code"],
            ),
            pool_connections: add(
                &r,
                IntGaugeVec::new(
                    Opts::new(
                        "prakerja_db_pool_connections",
                        "Open pooled database connections",
                    ),
                    &["state"],
                )
                .expect("valid metric"),
            ),
            pool_max: add(
                &r,
                gauge(
                    "prakerja_db_pool_max",
                    "Largest number of pooled database connections",
                ),
            ),
            pool_wait: add(&r, pool_wait),
            memory: add(
                &r,
                gauge(
                    "process_resident_memory_bytes",
                    "Resident memory of this process",
                ),
            ),
            uptime: add(
                &r,
                float(
                    "prakerja_uptime_seconds",
                    "Seconds since this instance started",
                ),
            ),
            started: Instant::now(),
            registry: r,
        };
        metrics.expose_fixed_series();
        metrics
    }

    /// Every series of a fixed label set shows from the start, at 0: a rate over a series that
    /// appears only with its first event misses that event, and alerts on absent series misfire.
    fn expose_fixed_series(&self) {
        for outcome in ["sent", "verified", "failed", "locked"] {
            self.otp.with_label_values(&[outcome]);
        }
        for gateway in ["sms", "payout"] {
            for outcome in ["ok", "failed"] {
                self.gateway_requests.with_label_values(&[gateway, outcome]);
            }
            self.gateway_duration.with_label_values(&[gateway]);
        }
        for outcome in ["delivered", "failed"] {
            self.webhook_deliveries.with_label_values(&[outcome]);
        }
    }

    /// The registry, for the HTTP edge's own request metrics.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    pub fn voucher(&self, platform: &PartnerId, event: VoucherEvent) {
        let event = match event {
            VoucherEvent::Issued => "issued",
            VoucherEvent::Redeemed => "redeemed",
            VoucherEvent::Completed => "completed",
            VoucherEvent::Voided => "voided",
        };
        self.vouchers
            .with_label_values(&[platform.as_str(), event])
            .inc();
    }

    pub fn debited(&self, platform: &PartnerId, amount: Rupiah) {
        self.debited
            .with_label_values(&[platform.as_str()])
            .inc_by(u64::try_from(amount.amount()).unwrap_or(0));
    }

    pub fn otp(&self, outcome: OtpOutcome) {
        let outcome = match outcome {
            OtpOutcome::Sent => "sent",
            OtpOutcome::Verified => "verified",
            OtpOutcome::Failed => "failed",
            OtpOutcome::Locked => "locked",
        };
        self.otp.with_label_values(&[outcome]).inc();
    }

    /// One recorded webhook attempt.
    pub fn webhook_attempt(&self, delivered: bool) {
        let outcome = if delivered { "delivered" } else { "failed" };
        self.webhook_deliveries.with_label_values(&[outcome]).inc();
    }

    /// One error answer, by its stable code.
    pub fn refusal(&self, code: &str) {
        self.refusals.with_label_values(&[code]).inc();
    }

    fn gateway_call(&self, gateway: &str, ok: bool, seconds: f64) {
        let outcome = if ok { "ok" } else { "failed" };
        self.gateway_requests
            .with_label_values(&[gateway, outcome])
            .inc();
        self.gateway_duration
            .with_label_values(&[gateway])
            .observe(seconds);
    }

    /// The database's stocks, as read just now.
    pub fn set_stock(&self, stock: &Stock, now: NaiveDateTime) {
        for status in DisbursementStatus::ALL {
            let n = stock
                .disbursements
                .iter()
                .find(|(s, _)| s == status)
                .map_or(0, |(_, n)| *n);
            self.disbursements
                .with_label_values(&[status.as_str()])
                .set(n);
        }
        self.rupiah_paid.set(stock.rupiah_paid);
        let age = |at: Option<NaiveDateTime>| {
            at.map_or(0.0, |at| {
                (now - at).num_milliseconds().max(0) as f64 / 1000.0
            })
        };
        self.webhook_oldest.set(age(stock.oldest_undelivered));
        self.audit_unsealed.set(age(stock.oldest_unsealed));
    }

    /// The pool as it is now.
    pub fn set_pool(&self, state: r2d2::State, max: u32) {
        let idle = i64::from(state.idle_connections);
        let open = i64::from(state.connections);
        self.pool_connections.with_label_values(&["idle"]).set(idle);
        self.pool_connections
            .with_label_values(&["in_use"])
            .set(open - idle);
        self.pool_max.set(i64::from(max));
    }

    /// The Prometheus text exposition, with uptime and memory as of now.
    pub fn render(&self) -> String {
        self.uptime.set(self.started.elapsed().as_secs_f64());
        if let Some(bytes) = resident_bytes() {
            self.memory.set(bytes);
        }
        let mut out = Vec::new();
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut out);
        String::from_utf8(out).unwrap_or_default()
    }
}

/// `VmRSS` of `/proc/self/status` (Linux); `None` elsewhere.
fn resident_bytes() -> Option<i64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: i64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}
