//! Authenticating a request signed the way Prakerja's redeem-code API signs them: the LPK named by
//! `client_code`, its sealed signing key, the HMAC over the request, the timestamp window, and a
//! signature accepted once (recorded in the database, so the rule holds across instances).

use chrono::DateTime;

use super::Core;
use super::partners::signing_key_aad;
use crate::auth::signature::{self, Signed};
use crate::db::{self, partners, signatures};
use crate::domain::PartnerId;
use crate::domain::partner::{PartnerKind, PartnerStatus};
use crate::error::{Error, ErrorCode};

/// A request as it arrived: its signature headers, method, path and raw body.
#[derive(Debug, Clone)]
pub struct SignedRequest {
    pub client_code: String,
    pub timestamp: String,
    pub signature: String,
    pub method: String,
    pub path: String,
    pub body: Vec<u8>,
}

impl Core {
    /// The LPK that signed this request, once: a wrong signature, a client code that is not an
    /// active LPK's (one refusal for both, so client codes cannot be probed), a timestamp outside
    /// the window, or a signature seen before are refused.
    pub async fn authenticate_signed(&self, req: SignedRequest) -> Result<PartnerId, Error> {
        let missing: Vec<&str> = [
            ("client_code", &req.client_code),
            ("timestamp", &req.timestamp),
            ("signature", &req.signature),
        ]
        .into_iter()
        .filter(|(_, value)| value.is_empty())
        .map(|(name, _)| name)
        .collect();
        if !missing.is_empty() {
            return Err(ErrorCode::InvalidSignature.with(format!(
                "Sign the request: the {} header is missing.",
                missing.join(", ")
            )));
        }
        let now = db::now();
        let at = signature::check_timestamp(&req.timestamp, now.and_utc().timestamp())?;
        let signed_at = DateTime::from_timestamp(at, 0)
            .ok_or_else(|| ErrorCode::TimestampOutOfWindow.refusal())?
            .naive_utc();
        let invalid = || ErrorCode::InvalidSignature.refusal();
        if req.client_code.len() > 200 || req.signature.len() > 200 {
            return Err(invalid());
        }
        self.read(move |c, core| {
            let partner = partners::find_by_client_id(c, &req.client_code)?
                .filter(|p| p.kind == PartnerKind::Lpk && p.status == PartnerStatus::Active)
                .ok_or_else(invalid)?;
            let sealed = partner.signing_key_cipher.as_deref().ok_or_else(invalid)?;
            let key = core
                .cipher
                .decrypt(sealed, &signing_key_aad(&partner.id))
                .map_err(|e| Error::internal("signing key", e))?;
            let signed = Signed {
                client_code: &req.client_code,
                timestamp: &req.timestamp,
                method: &req.method,
                path: &req.path,
                body: &req.body,
            };
            if !signature::verify(key.as_bytes(), &signed, &req.signature) {
                return Err(invalid());
            }
            // Lowercase, so the same MAC in capitals is the same signature.
            let seen = req.signature.to_ascii_lowercase();
            let first = db::write_tx(c, |c| {
                signatures::record(c, &partner.id, &seen, signed_at, now)
            })?;
            if !first {
                return Err(ErrorCode::SignatureReused.refusal());
            }
            Ok(partner.id)
        })
        .await
    }
}
