//! Partners and their OAuth client credentials.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::audit::{self, Event};
use super::{Actor, Call, Core, Inner};
use crate::auth::{secret, signature};
use crate::crypto::PiiCipher;
use crate::db::partners::{self, Partner};
use crate::db::{self, DbConn, write_tx};
use crate::domain::partner::{PartnerKind, PartnerStatus};
use crate::domain::{PartnerId, Role, codes};
use crate::error::Error;

// No `Debug`: it would print the secret.
/// A client's credentials. The secret is shown only here: store it now.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct ClientCredentials {
    #[schema(value_type = String)]
    pub id: PartnerId,
    pub name: String,
    pub kind: Role,
    pub client_id: String,
    pub client_secret: String,
    /// An LPK's key for signing requests to the Prakerja-compatible endpoints (HMAC-SHA1): shown
    /// when the LPK is registered and when the key is rotated, never again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "sgk_Q2hhbmdlIG1lOiB0aGlzIGlzIG9ubHkgYW4gZXhhbXBsZQ")]
    pub signing_key: Option<String>,
}

/// An LPK's new signing key: shown only here, store it now.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct SigningKey {
    #[schema(value_type = String)]
    pub id: PartnerId,
    /// The `client_code` header of signed requests.
    pub client_id: String,
    pub signing_key: String,
}

/// A partner as management lists it: never its secret or signing key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PartnerSummary {
    pub id: PartnerId,
    pub name: String,
    pub kind: Role,
    pub client_id: String,
    pub status: PartnerStatus,
    pub created_at: chrono::DateTime<chrono::FixedOffset>,
    pub secret_rotated_at: chrono::DateTime<chrono::FixedOffset>,
}

impl From<Partner> for PartnerSummary {
    fn from(p: Partner) -> Self {
        PartnerSummary {
            kind: p.kind.role(),
            created_at: crate::domain::time::to_wib(p.created_at),
            secret_rotated_at: crate::domain::time::to_wib(p.secret_rotated_at),
            id: p.id,
            name: p.name,
            client_id: p.client_id,
            status: p.status,
        }
    }
}

/// Fixed credentials instead of generated ones, for configured and sandbox clients.
pub(crate) struct Given<'a> {
    pub client_id: &'a str,
    pub client_secret: &'a str,
    /// For an LPK; generated when `None`.
    pub signing_key: Option<&'a str>,
}

/// The stored form of a partner's signing key: sealed for its own row.
fn seal_signing_key(cipher: &PiiCipher, id: &PartnerId, key: &str) -> String {
    cipher.encrypt(key, &signing_key_aad(id))
}

/// The associated data a signing key is sealed with: its partner, and what it is.
pub(crate) fn signing_key_aad(id: &PartnerId) -> String {
    format!("signing_key:{id}")
}

/// Registers a partner with fresh credentials (or the given ones, for configured and sandbox
/// clients). Runs in the caller's transaction.
pub(crate) fn create(
    c: &mut DbConn,
    core: &Inner,
    actor: &Actor,
    name: &str,
    kind: PartnerKind,
    given: Option<Given<'_>>,
) -> Result<ClientCredentials, Error> {
    let client_id = given
        .as_ref()
        .map(|g| g.client_id.to_string())
        .unwrap_or_else(|| codes::client_id(kind.client_id_prefix()));
    let client_secret = given
        .as_ref()
        .map(|g| g.client_secret.to_string())
        .unwrap_or_else(secret::generate);
    // Only LPKs call the signed Prakerja-compatible endpoints.
    let signing_key = (kind == PartnerKind::Lpk).then(|| {
        given
            .as_ref()
            .and_then(|g| g.signing_key.map(String::from))
            .unwrap_or_else(signature::generate_key)
    });
    let now = db::now();
    let id = PartnerId::new();
    let row = Partner {
        signing_key_cipher: signing_key
            .as_deref()
            .map(|k| seal_signing_key(&core.cipher, &id, k)),
        id,
        name: name.trim().to_string(),
        kind,
        client_id: client_id.clone(),
        secret_hash: secret::hash(&client_secret),
        status: PartnerStatus::Active,
        secret_rotated_at: now,
        created_at: now,
        token_generation: 0,
    };
    partners::insert(c, &row)?;
    audit::record(
        c,
        actor,
        Event {
            action: "partner.create",
            target_type: "partner",
            target_id: row.id.as_str(),
            details: serde_json::json!({"name": row.name, "kind": row.kind, "client_id": row.client_id}),
        },
    )?;
    Ok(ClientCredentials {
        id: row.id,
        name: row.name,
        kind: kind.role(),
        client_id,
        client_secret,
        signing_key,
    })
}

fn set_secret(
    c: &mut DbConn,
    actor: &Actor,
    row: &Partner,
    secret_hash: &str,
    source: &str,
) -> Result<(), Error> {
    partners::set_secret(c, &row.id, secret_hash, db::now())?;
    audit::record(
        c,
        actor,
        Event {
            action: "partner.rotate_secret",
            target_type: "partner",
            target_id: row.id.as_str(),
            details: serde_json::json!({"client_id": row.client_id, "source": source}),
        },
    )
}

impl Core {
    /// Every partner, oldest first.
    pub async fn partners(&self) -> Result<Vec<PartnerSummary>, Error> {
        self.read(|c, _| {
            Ok(partners::all(c)?
                .into_iter()
                .map(PartnerSummary::from)
                .collect())
        })
        .await
    }

    /// Registers a digital platform or an LPK.
    pub async fn create_partner(
        &self,
        call: &Call,
        name: String,
        kind: PartnerKind,
    ) -> Result<ClientCredentials, Error> {
        let name = crate::domain::partner::name(&name)?;
        let actor = call.actor.clone();
        self.once(call, move |c, core| {
            create(c, core, &actor, &name, kind, None)
        })
        .await
    }

    /// Replaces an LPK's signing key: requests signed with the old one are refused at once, on
    /// every instance (the key is read per request). Its client secret and tokens are untouched:
    /// the two credentials are rotated apart, so a leak of one does not cut off the other.
    pub async fn rotate_signing_key(
        &self,
        call: &Call,
        id: PartnerId,
    ) -> Result<SigningKey, Error> {
        let actor = call.actor.clone();
        self.once(call, move |c, core| {
            let row = partners::find(c, &id)?
                .filter(|p| p.kind == PartnerKind::Lpk)
                .ok_or_else(|| Error::not_found("LPK (only LPKs have signing keys)"))?;
            let signing_key = signature::generate_key();
            partners::set_signing_key(
                c,
                &row.id,
                &seal_signing_key(&core.cipher, &row.id, &signing_key),
            )?;
            audit::record(
                c,
                &actor,
                Event {
                    action: "partner.rotate_signing_key",
                    target_type: "partner",
                    target_id: row.id.as_str(),
                    details: serde_json::json!({"client_id": row.client_id}),
                },
            )?;
            Ok(SigningKey {
                id: row.id,
                client_id: row.client_id,
                signing_key,
            })
        })
        .await
    }

    /// Replaces a partner's secret: the old one, and every token issued under it, stop working.
    pub async fn rotate_secret(
        &self,
        call: &Call,
        id: PartnerId,
    ) -> Result<ClientCredentials, Error> {
        let actor = call.actor.clone();
        let forget = id.clone();
        let creds = self
            .once(call, move |c, _| {
                let row = partners::find(c, &id)?.ok_or_else(|| Error::not_found("partner"))?;
                let client_secret = secret::generate();
                set_secret(c, &actor, &row, &secret::hash(&client_secret), "api")?;
                Ok(ClientCredentials {
                    id: row.id,
                    name: row.name,
                    kind: row.kind.role(),
                    client_id: row.client_id,
                    client_secret,
                    signing_key: None,
                })
            })
            .await?;
        self.tokens.forget(&forget);
        Ok(creds)
    }

    /// Enables or disables a partner; a disabled partner's tokens stop working within seconds.
    pub async fn set_partner_status(
        &self,
        call: &Call,
        id: PartnerId,
        status: PartnerStatus,
    ) -> Result<(), Error> {
        let actor = call.actor.clone();
        let forget = id.clone();
        self.once(call, move |c, _| {
            if partners::set_status(c, &id, status)? == 0 {
                return Err(Error::not_found("partner"));
            }
            audit::record(
                c,
                &actor,
                Event {
                    action: "partner.set_status",
                    target_type: "partner",
                    target_id: id.as_str(),
                    details: serde_json::json!({"status": status}),
                },
            )
        })
        .await?;
        self.tokens.forget(&forget);
        Ok(())
    }

    /// Makes sure the configured admin client exists with the configured secret.
    pub async fn ensure_admin(
        &self,
        client_id: String,
        client_secret: String,
    ) -> Result<(), Error> {
        self.read(move |c, core| {
            let system = Actor::system("config");
            match partners::find_by_client_id(c, &client_id)? {
                None => write_tx(c, |c| {
                    create(
                        c,
                        core,
                        &system,
                        "Program management",
                        PartnerKind::Admin,
                        Some(Given {
                            client_id: &client_id,
                            client_secret: &client_secret,
                            signing_key: None,
                        }),
                    )
                })
                .map(|_| ()),
                Some(row) if secret::verify(&client_secret, &row.secret_hash) => Ok(()),
                Some(row) => write_tx(c, |c| {
                    set_secret(
                        c,
                        &system,
                        &row,
                        &secret::hash(&client_secret),
                        "PRAKERJA_ADMIN_CLIENT_SECRET",
                    )
                }),
            }
        })
        .await
    }
}
