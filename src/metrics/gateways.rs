//! The SMS and payout gateways, timed and counted: a call that returns an error is `failed`, one
//! that answers (even "this payment failed") is `ok`, since the gateway itself worked.

use std::time::Instant;

use super::Metrics;
use crate::domain::PhoneNumber;
use crate::gateways::payout::{PayoutAnswer, PayoutFuture, PayoutGateway, PayoutOrder};
use crate::gateways::sms::{SendFuture, SmsSender};

pub struct MeteredSms {
    pub inner: Box<dyn SmsSender>,
    pub metrics: Metrics,
}

impl SmsSender for MeteredSms {
    fn send<'a>(&'a self, to: &'a PhoneNumber, message: &'a str) -> SendFuture<'a> {
        Box::pin(async move {
            let started = Instant::now();
            let sent = self.inner.send(to, message).await;
            let seconds = started.elapsed().as_secs_f64();
            self.metrics.gateway_call("sms", sent.is_ok(), seconds);
            sent
        })
    }
}

pub struct MeteredPayouts {
    pub inner: Box<dyn PayoutGateway>,
    pub metrics: Metrics,
}

impl MeteredPayouts {
    async fn timed<T, E>(&self, call: impl Future<Output = Result<T, E>>) -> Result<T, E> {
        let started = Instant::now();
        let answer = call.await;
        let seconds = started.elapsed().as_secs_f64();
        self.metrics.gateway_call("payout", answer.is_ok(), seconds);
        answer
    }
}

impl PayoutGateway for MeteredPayouts {
    fn pay<'a>(&'a self, order: &'a PayoutOrder) -> PayoutFuture<'a, PayoutAnswer> {
        Box::pin(self.timed(self.inner.pay(order)))
    }

    fn status<'a>(&'a self, key: &'a str) -> PayoutFuture<'a, Option<PayoutAnswer>> {
        Box::pin(self.timed(self.inner.status(key)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gateways::sms::SmsError;

    struct Down;

    impl SmsSender for Down {
        fn send<'a>(&'a self, _: &'a PhoneNumber, _: &'a str) -> SendFuture<'a> {
            Box::pin(async { Err(SmsError::Unreachable("refused".into())) })
        }
    }

    #[test]
    fn a_send_that_errs_counts_as_a_failed_sms_call_and_is_timed() {
        let metrics = Metrics::new();
        let sms = MeteredSms {
            inner: Box::new(Down),
            metrics: metrics.clone(),
        };
        let phone = PhoneNumber::parse("081234566789").expect("a phone");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime");
        assert!(runtime.block_on(sms.send(&phone, "x")).is_err());
        let text = metrics.render();
        assert!(
            text.contains(r#"prakerja_gateway_requests_total{gateway="sms",outcome="failed"} 1"#),
            "{text}"
        );
        assert!(
            text.contains(r#"prakerja_gateway_duration_seconds_count{gateway="sms"} 1"#),
            "{text}"
        );
    }
}
