//! Webhook requests to partners' endpoints. There is no sandbox stand-in: a sandbox partner
//! integrates against its own receiver, so the sandbox sends real requests too (only the URL
//! rules are looser, `domain/webhook_url.rs`).
//!
//! Redirects are not followed and no proxy is used: an endpoint's URL was checked when it was
//! registered, and a redirect or a proxy would send the request somewhere that was not. In
//! production the client also resolves names through [`PublicOnly`], so a host re-pointed at an
//! internal address after registration is still refused.

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::time::Duration;

use crate::config::Config;
use crate::domain::webhook_url::is_public;

/// One signed request.
pub struct Outgoing<'a> {
    pub url: &'a str,
    /// The event exactly as stored.
    pub body: &'a str,
    pub signature: &'a str,
    pub event_id: &'a str,
    pub delivery_id: &'a str,
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// A 2xx answer.
    Delivered { status: u16 },
    /// Another answer (`status`), or none (a timeout, a refused connection: `status` is `None`).
    Failed { status: Option<u16>, error: String },
}

pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Attempt> + Send + 'a>>;
pub type ResolveFuture<'a> = Pin<Box<dyn Future<Output = Result<Vec<IpAddr>, String>> + Send + 'a>>;

/// Sends webhook requests, and resolves an endpoint's host when it is registered.
pub trait WebhookSender: Send + Sync {
    fn send<'a>(&'a self, req: &'a Outgoing<'a>) -> SendFuture<'a>;
    /// Every address `host` resolves to.
    fn resolve<'a>(&'a self, host: &'a str, port: u16) -> ResolveFuture<'a>;
}

/// The reqwest implementation.
pub struct HttpWebhooks {
    client: reqwest::Client,
    timeout: Duration,
}

impl HttpWebhooks {
    /// `public_only`: resolve names to public addresses only (production).
    pub fn new(timeout: Duration, public_only: bool) -> Result<Self, String> {
        let mut builder = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .user_agent(concat!("prakerja-webhooks/", env!("CARGO_PKG_VERSION")));
        if public_only {
            builder = builder.dns_resolver(PublicOnly);
        }
        let client = builder
            .build()
            .map_err(|e| format!("webhook client: {e}"))?;
        Ok(Self { client, timeout })
    }

    /// What a failed request says, for the endpoint's `last_error`: reqwest's own message hides
    /// the cause (refused, reset, TLS), so the chain is appended. The URL is left out: the
    /// partner knows it, and it has no place in our logs.
    fn describe(&self, e: reqwest::Error) -> String {
        if e.is_timeout() {
            return format!("no answer within {} ms", self.timeout.as_millis());
        }
        let mut causes = Vec::new();
        let mut cause = std::error::Error::source(&e);
        while let Some(c) = cause {
            causes.push(c.to_string());
            cause = c.source();
        }
        let mut text = e.without_url().to_string();
        for c in causes {
            if !text.contains(&c) {
                text.push_str(": ");
                text.push_str(&c);
            }
        }
        text.chars().take(300).collect()
    }
}

impl WebhookSender for HttpWebhooks {
    fn send<'a>(&'a self, req: &'a Outgoing<'a>) -> SendFuture<'a> {
        Box::pin(async move {
            let sent = self
                .client
                .post(req.url)
                .header("content-type", "application/json")
                .header("prakerja-signature", req.signature)
                .header("prakerja-event-id", req.event_id)
                .header("prakerja-delivery-id", req.delivery_id)
                .body(req.body.to_string())
                .send()
                .await;
            match sent {
                Ok(res) if res.status().is_success() => Attempt::Delivered {
                    status: res.status().as_u16(),
                },
                Ok(res) => {
                    let status = res.status();
                    let error = if status.is_redirection() {
                        format!("HTTP {} (redirects are not followed)", status.as_u16())
                    } else {
                        format!("HTTP {}", status.as_u16())
                    };
                    Attempt::Failed {
                        status: Some(status.as_u16()),
                        error,
                    }
                }
                Err(e) => Attempt::Failed {
                    status: None,
                    error: self.describe(e),
                },
            }
        })
    }

    fn resolve<'a>(&'a self, host: &'a str, port: u16) -> ResolveFuture<'a> {
        Box::pin(async move { lookup(host, port).await })
    }
}

async fn lookup(host: &str, port: u16) -> Result<Vec<IpAddr>, String> {
    tokio::net::lookup_host((host, port))
        .await
        .map(|addrs| addrs.map(|a| a.ip()).collect())
        .map_err(|e| format!("{host} does not resolve: {e}"))
}

/// A resolver that drops every address not on the public internet.
pub struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            let all = lookup(&host, 0).await?;
            let public: Vec<SocketAddr> = all
                .into_iter()
                .filter(|ip| is_public(*ip))
                .map(|ip| SocketAddr::new(ip, 0))
                .collect();
            if public.is_empty() {
                return Err(format!("{host} resolves to no public address").into());
            }
            let addrs: reqwest::dns::Addrs = Box::new(public.into_iter());
            Ok(addrs)
        })
    }
}

/// The sender this configuration calls for.
pub fn from_config(config: &Config) -> Result<Box<dyn WebhookSender>, String> {
    Ok(Box::new(HttpWebhooks::new(
        config.webhooks.timeout,
        config.production,
    )?))
}
