//! Partners and their OAuth client credentials.

use crate::auth::{Role, secret};
use crate::db::partners::{self, PartnerRow};
use crate::db::{self, DbConn, write_tx};
use crate::domain::codes;
use crate::error::{ApiError, ErrorCode};
use crate::service::audit::{self, Actor, Event};

/// A client's credentials, the only time the secret is seen.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub partner_id: String,
    pub name: String,
    pub role: Role,
    pub client_id: String,
    pub client_secret: String,
}

fn prefix(role: Role) -> &'static str {
    match role {
        Role::Admin => "adm",
        Role::Platform => "plt",
        Role::Lpk => "lpk",
        Role::Participant => "ptc",
    }
}

/// Registers a partner with fresh credentials (or the given ones, for configured and sandbox clients).
pub fn create(
    conn: &mut DbConn,
    actor: &Actor,
    name: &str,
    role: Role,
    given: Option<(&str, &str)>,
) -> Result<Credentials, ApiError> {
    let client_id = given
        .map(|g| g.0.to_string())
        .unwrap_or_else(|| codes::client_id(prefix(role)));
    let client_secret = given
        .map(|g| g.1.to_string())
        .unwrap_or_else(secret::generate);
    let now = db::now();
    let row = PartnerRow {
        id: uuid::Uuid::now_v7().to_string(),
        name: name.trim().to_string(),
        kind: role.as_str().into(),
        client_id: client_id.clone(),
        secret_hash: secret::hash(&client_secret),
        status: "active".into(),
        secret_rotated_at: now,
        created_at: now,
    };
    write_tx(conn, |c| {
        partners::insert(c, &row)?;
        audit::record(
            c,
            actor,
            Event {
                action: "partner.create",
                target_type: "partner",
                target_id: &row.id,
                details: serde_json::json!({"name": row.name, "kind": row.kind, "client_id": row.client_id}),
            },
        )
    })?;
    Ok(Credentials {
        partner_id: row.id,
        name: row.name,
        role,
        client_id,
        client_secret,
    })
}

/// Makes sure the configured admin client exists with the configured secret.
pub fn ensure_admin(
    conn: &mut DbConn,
    client_id: &str,
    client_secret: &str,
) -> Result<(), ApiError> {
    match partners::find_by_client_id(conn, client_id)? {
        None => create(
            conn,
            &Actor::system("config"),
            "Program management",
            Role::Admin,
            Some((client_id, client_secret)),
        )
        .map(|_| ()),
        Some(row) if secret::verify(client_secret, &row.secret_hash) => Ok(()),
        Some(row) => write_tx(conn, |c| {
            partners::set_secret(c, &row.id, &secret::hash(client_secret), db::now())?;
            audit::record(
                c,
                &Actor::system("config"),
                Event {
                    action: "partner.rotate_secret",
                    target_type: "partner",
                    target_id: &row.id,
                    details: serde_json::json!({"source": "PRAKERJA_ADMIN_CLIENT_SECRET"}),
                },
            )
        }),
    }
}

/// Replaces a partner's secret: the old one stops working at once.
pub fn rotate_secret(
    conn: &mut DbConn,
    actor: &Actor,
    partner_id: &str,
) -> Result<Credentials, ApiError> {
    let row = partners::find(conn, partner_id)?.ok_or_else(|| ApiError::not_found("partner"))?;
    let client_secret = secret::generate();
    let hash = secret::hash(&client_secret);
    write_tx(conn, |c| {
        partners::set_secret(c, &row.id, &hash, db::now())?;
        audit::record(
            c,
            actor,
            Event {
                action: "partner.rotate_secret",
                target_type: "partner",
                target_id: &row.id,
                details: serde_json::json!({"client_id": row.client_id}),
            },
        )
    })?;
    Ok(Credentials {
        partner_id: row.id,
        name: row.name,
        role: Role::parse(&row.kind).unwrap_or(Role::Platform),
        client_id: row.client_id,
        client_secret,
    })
}

/// Checks client credentials; an unknown id and a wrong secret are the same 401, in the same time.
pub fn authenticate(row: Option<PartnerRow>, client_secret: &str) -> Result<PartnerRow, ApiError> {
    let hash = row
        .as_ref()
        .map(|r| r.secret_hash.as_str())
        .unwrap_or(secret::decoy_hash());
    let ok = secret::verify(client_secret, hash);
    match row {
        Some(r) if ok && r.status == "active" => Ok(r),
        _ => Err(ErrorCode::InvalidClient.with("Unknown client_id or wrong client_secret.")),
    }
}
