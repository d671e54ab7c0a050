//! Where a webhook may be sent. A partner names the URL, and the server then makes requests to it:
//! left unchecked, that lets a partner make the server call its own internal network (SSRF). So
//! outside the sandbox only `https` is accepted, and in production no address that is not on the
//! public internet, whether written as a literal IP or reached through what the host resolves to.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::error::{Error, ErrorCode};

/// A well-formed absolute `http(s)` URL with a host and no credentials, at most 2,048 characters.
/// Well-formed is not yet allowed: [`UrlPolicy`] decides that. It keeps the text the partner sent
/// (trimmed) to store and show, byte for byte; requests go to the parsed URL, the same address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl {
    url: url::Url,
    raw: String,
}

impl WebhookUrl {
    pub fn parse(raw: &str) -> Result<Self, Error> {
        let bad = |code: &str, msg: &str| Error::field("url", code, msg);
        let raw = raw.trim();
        if raw.len() > 2048 {
            return Err(bad("length", "url is at most 2048 characters."));
        }
        // Kept as sent: nothing the parser would silently drop (tabs, line breaks) may be in it.
        if raw.chars().any(char::is_control) {
            return Err(bad(
                "invalid_url",
                "url must not contain control characters.",
            ));
        }
        let url =
            url::Url::parse(raw).map_err(|_| bad("invalid_url", "url is not a valid URL."))?;
        if !matches!(url.scheme(), "https" | "http") {
            return Err(bad("invalid_url", "url must be an https:// URL."));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(bad("invalid_url", "url has no host."));
        }
        // Credentials in a URL end up in listings and logs; the signature authenticates us instead.
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad(
                "credentials_in_url",
                "url must not carry a user or password; verify Prakerja-Signature instead.",
            ));
        }
        if url.fragment().is_some() {
            return Err(bad("invalid_url", "url must not have a #fragment."));
        }
        Ok(Self {
            url,
            raw: raw.to_string(),
        })
    }

    /// A URL read back from the store, as it was accepted.
    pub fn stored(s: &str) -> Option<Self> {
        let url = url::Url::parse(s).ok()?;
        Some(Self {
            url,
            raw: s.to_string(),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The host as written (a name or an IP), without the path or query that may carry a
    /// partner's own token.
    pub fn host(&self) -> &str {
        self.url.host_str().unwrap_or_default()
    }

    /// The host as a name to resolve, or `None` when the URL names an IP literally.
    pub fn domain(&self) -> Option<&str> {
        self.url.domain()
    }

    /// The port requests go to (the scheme's default when none is written).
    pub fn port(&self) -> u16 {
        self.url.port_or_known_default().unwrap_or(443)
    }

    fn literal_ip(&self) -> Option<IpAddr> {
        match self.url.host()? {
            url::Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
            url::Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
            url::Host::Domain(_) => None,
        }
    }
}

/// Which URLs this server accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UrlPolicy {
    /// Outside the sandbox, payloads and signatures travel encrypted only.
    pub https_only: bool,
    /// In production, only addresses on the public internet.
    pub public_only: bool,
}

impl UrlPolicy {
    pub fn new(sandbox: bool, production: bool) -> Self {
        Self {
            https_only: !sandbox,
            public_only: production,
        }
    }

    /// What can be decided from the URL itself: its scheme, and a literal IP.
    pub fn check(&self, url: &WebhookUrl) -> Result<(), Error> {
        if self.https_only && url.url.scheme() != "https" {
            return Err(refused("not_https", "The URL must be https://."));
        }
        if self.public_only
            && let Some(ip) = url.literal_ip()
            && !is_public(ip)
        {
            return Err(not_public(ip));
        }
        Ok(())
    }

    /// What the host resolved to: every address must be public, or a later lookup could pick the
    /// private one.
    pub fn check_resolved(&self, ips: &[IpAddr]) -> Result<(), Error> {
        if !self.public_only {
            return Ok(());
        }
        if ips.is_empty() {
            return Err(refused(
                "unresolvable",
                "The URL's host does not resolve to any address.",
            ));
        }
        match ips.iter().find(|ip| !is_public(**ip)) {
            Some(ip) => Err(not_public(*ip)),
            None => Ok(()),
        }
    }
}

/// `webhook_url_not_allowed` with a stable `reason` member partners can map on.
pub fn refused(reason: &str, detail: &str) -> Error {
    ErrorCode::WebhookUrlNotAllowed
        .with(detail)
        .extra("reason", reason)
}

fn not_public(ip: IpAddr) -> Error {
    refused(
        "not_public",
        &format!("The URL reaches {ip}, which is not a public internet address."),
    )
}

/// An address on the public internet: not loopback, private, link-local, unspecified, shared
/// (carrier NAT), documentation, benchmarking, multicast, broadcast or reserved. IPv6 forms that
/// carry an IPv4 address (mapped, NAT64, 6to4) are judged by that address.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    let special = ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || a == 0 // "this network"
        || (a == 100 && (64..128).contains(&b)) // shared address space, carrier NAT
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240; // reserved
    !special
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let s = ip.segments();
    let embedded = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
        return is_public_v4(embedded(s[6], s[7])); // NAT64
    }
    if s[0] == 0x2002 {
        return is_public_v4(embedded(s[1], s[2])); // 6to4
    }
    let special = ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00 // unique local
        || (s[0] & 0xffc0) == 0xfe80 // link-local
        || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated, still routed internally)
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || s[..6] == [0, 0, 0, 0, 0, 0]; // IPv4-compatible (deprecated) and the rest of ::/96
    !special
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_code(e: &Error) -> &str {
        e.errors.first().map(|f| f.code.as_str()).unwrap_or("")
    }

    fn reason(e: &Error) -> &str {
        e.extra.get("reason").and_then(|r| r.as_str()).unwrap_or("")
    }

    fn url(s: &str) -> WebhookUrl {
        WebhookUrl::parse(s).unwrap()
    }

    #[test]
    fn a_url_is_kept_as_sent_while_requests_go_to_its_parsed_form() {
        let sent = "https://Hooks.example.id/h?x=';--&y=<svg>";
        let parsed = url(&format!(" {sent} "));
        assert_eq!(parsed.as_str(), sent);
        assert_eq!(parsed.host(), "hooks.example.id");
        assert_eq!(
            WebhookUrl::stored(sent).map(|u| u.as_str().to_string()),
            Some(sent.into())
        );
    }

    #[test]
    fn a_url_needs_a_host_an_http_scheme_and_no_credentials() {
        assert!(WebhookUrl::parse(" https://hooks.example.id/prakerja ").is_ok());
        for (raw, code) in [
            ("hooks.example.id/x", "invalid_url"),
            ("ftp://hooks.example.id/x", "invalid_url"),
            ("https://user:pw@hooks.example.id/x", "credentials_in_url"),
            ("https://hooks.example.id/x#part", "invalid_url"),
            ("https://hooks.example.id/a\nb", "invalid_url"),
            ("https://hooks.example.id/a\tb", "invalid_url"),
            (&format!("https://h.id/{}", "a".repeat(2048)), "length"),
        ] {
            let e = WebhookUrl::parse(raw).unwrap_err();
            assert_eq!(e.code, ErrorCode::ValidationFailed, "{raw}");
            assert_eq!(field_code(&e), code, "{raw}");
        }
    }

    #[test]
    fn outside_the_sandbox_only_https_is_allowed() {
        let sandbox = UrlPolicy::new(true, false);
        let off = UrlPolicy::new(false, false);
        assert!(sandbox.check(&url("http://127.0.0.1:9000/hook")).is_ok());
        let e = off.check(&url("http://hooks.example.id/x")).unwrap_err();
        assert_eq!(e.code, ErrorCode::WebhookUrlNotAllowed);
        assert_eq!(reason(&e), "not_https");
        // Off the sandbox but not in production: a developer's own machine is still fine.
        assert!(off.check(&url("https://127.0.0.1:9000/hook")).is_ok());
    }

    #[test]
    fn production_refuses_literal_addresses_off_the_public_internet() {
        let production = UrlPolicy::new(false, true);
        for raw in [
            "https://127.0.0.1/x",
            "https://0x7f.1/x",
            "https://10.1.2.3/x",
            "https://172.16.0.1/x",
            "https://192.168.1.1/x",
            "https://169.254.169.254/latest/meta-data",
            "https://0.0.0.0/x",
            "https://100.64.0.1/x",
            "https://[::1]/x",
            "https://[::]/x",
            "https://[fe80::1]/x",
            "https://[fd00::1]/x",
            "https://[::ffff:127.0.0.1]/x",
            "https://[64:ff9b::a00:1]/x",
        ] {
            let e = production.check(&url(raw)).unwrap_err();
            assert_eq!(reason(&e), "not_public", "{raw}");
        }
        assert!(production.check(&url("https://203.0.114.7/x")).is_ok());
        assert!(
            production
                .check(&url("https://[2606:4700::1111]/x"))
                .is_ok()
        );
        assert!(production.check(&url("https://hooks.example.id/x")).is_ok());
    }

    #[test]
    fn production_refuses_a_host_that_resolves_to_any_private_address() {
        let production = UrlPolicy::new(false, true);
        let public: IpAddr = "93.184.215.14".parse().unwrap();
        let private: IpAddr = "10.0.0.5".parse().unwrap();
        assert!(production.check_resolved(&[public]).is_ok());
        assert_eq!(
            reason(&production.check_resolved(&[public, private]).unwrap_err()),
            "not_public"
        );
        assert_eq!(
            reason(&production.check_resolved(&[]).unwrap_err()),
            "unresolvable"
        );
        assert!(
            UrlPolicy::new(false, false)
                .check_resolved(&[private])
                .is_ok()
        );
    }

    #[test]
    fn the_port_is_the_written_one_or_the_scheme_default() {
        assert_eq!(url("https://h.example.id/x").port(), 443);
        assert_eq!(url("http://h.example.id/x").port(), 80);
        assert_eq!(url("https://h.example.id:8443/x").port(), 8443);
        assert_eq!(url("https://h.example.id/x").domain(), Some("h.example.id"));
        assert_eq!(url("https://10.0.0.1/x").domain(), None);
    }
}
