//! Partners: the kinds of OAuth client and whether a client may still act.

super::stored_enum! {
    // What a partner is; its tokens carry the matching role.
    pub enum PartnerKind ("partner kind") {
        Admin = "admin",
        Platform = "platform",
        Lpk = "lpk",
    }
}

super::stored_enum! {
    // A disabled partner's credentials and tokens stop working.
    pub enum PartnerStatus ("partner status") {
        Active = "active",
        Disabled = "disabled",
    }
}

impl PartnerKind {
    pub fn role(self) -> super::Role {
        match self {
            PartnerKind::Admin => super::Role::Admin,
            PartnerKind::Platform => super::Role::Platform,
            PartnerKind::Lpk => super::Role::Lpk,
        }
    }

    /// The prefix of its generated client ids.
    pub fn client_id_prefix(self) -> &'static str {
        match self {
            PartnerKind::Admin => "adm",
            PartnerKind::Platform => "plt",
            PartnerKind::Lpk => "lpk",
        }
    }
}

/// A partner's name as kept: trimmed, 2 to 200 characters.
pub fn name(raw: &str) -> Result<String, crate::error::Error> {
    let name = raw.trim();
    if !(2..=200).contains(&name.chars().count()) {
        return Err(crate::error::Error::field(
            "name",
            "length",
            "name is 2 to 200 characters.",
        ));
    }
    Ok(name.to_string())
}
