//! Partners and their OAuth client credentials.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::audit::{self, Event};
use super::{Actor, Call, Core};
use crate::auth::secret;
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
}

/// Registers a partner with fresh credentials (or the given ones, for configured and sandbox
/// clients). Runs in the caller's transaction.
pub(crate) fn create(
    c: &mut DbConn,
    actor: &Actor,
    name: &str,
    kind: PartnerKind,
    given: Option<(&str, &str)>,
) -> Result<ClientCredentials, Error> {
    let client_id = given
        .map(|g| g.0.to_string())
        .unwrap_or_else(|| codes::client_id(kind.client_id_prefix()));
    let client_secret = given
        .map(|g| g.1.to_string())
        .unwrap_or_else(secret::generate);
    let now = db::now();
    let row = Partner {
        id: PartnerId::new(),
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
    /// Registers a digital platform or an LPK.
    pub async fn create_partner(
        &self,
        call: &Call,
        name: String,
        kind: PartnerKind,
    ) -> Result<ClientCredentials, Error> {
        let actor = call.actor.clone();
        self.once(call, move |c, _| create(c, &actor, &name, kind, None))
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
        self.read(move |c, _| {
            let system = Actor::system("config");
            match partners::find_by_client_id(c, &client_id)? {
                None => write_tx(c, |c| {
                    create(
                        c,
                        &system,
                        "Program management",
                        PartnerKind::Admin,
                        Some((&client_id, &client_secret)),
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
