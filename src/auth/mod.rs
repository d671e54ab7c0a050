//! Who is calling: OAuth2 client credentials, JWT access tokens, and one extractor per role.

pub mod extract;
pub mod secret;
pub mod token;

pub use extract::{Admin, AnyCaller, Lpk, Partner, Platform};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Platform,
    Lpk,
    Participant,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Platform => "platform",
            Role::Lpk => "lpk",
            Role::Participant => "participant",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "admin" => Some(Role::Admin),
            "platform" => Some(Role::Platform),
            "lpk" => Some(Role::Lpk),
            "participant" => Some(Role::Participant),
            _ => None,
        }
    }

    /// The scopes a client of this role is granted (and may narrow when asking for a token).
    pub fn scopes(self) -> &'static [&'static str] {
        match self {
            Role::Admin => &[
                "admin",
                "catalog:read",
                "vouchers:read",
                "disbursements:read",
            ],
            Role::Platform => &[
                "catalog:read",
                "cards:validate",
                "vouchers:write",
                "vouchers:read",
                "disbursements:read",
                "events:read",
                "webhooks",
            ],
            Role::Lpk => &[
                "catalog:read",
                "catalog:write",
                "vouchers:redeem",
                "vouchers:read",
                "completions:write",
                "disbursements:read",
                "events:read",
                "webhooks",
            ],
            Role::Participant => &["me"],
        }
    }
}

impl Caller {
    /// The token must carry `scope` (a client may ask for fewer scopes than its role has).
    pub fn require(&self, scope: &str) -> Result<(), crate::error::ApiError> {
        if self.scope.split_whitespace().any(|s| s == scope) {
            return Ok(());
        }
        Err(crate::error::ErrorCode::Forbidden
            .with(format!("This token lacks the {scope:?} scope.")))
    }
}

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The partner's id (`sub`).
    pub id: String,
    pub role: Role,
    pub scope: String,
    /// The request's id, for the audit trail.
    pub request_id: Option<String>,
}
