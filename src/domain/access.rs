//! Who acts, and what each actor may see: the one place that rule is written.

use super::ids::{ParticipantId, PartnerId};

super::stored_enum! {
    /// The role a token carries.
    pub enum Role ("role") {
        Admin = "admin",
        Platform = "platform",
        Lpk = "lpk",
        Participant = "participant",
    }
}

/// Who is acting: a partner in its role, a card holder, an operator at the command line (by name),
/// or the system itself (start-up, timers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Who {
    Admin(PartnerId),
    Platform(PartnerId),
    Lpk(PartnerId),
    Holder(ParticipantId),
    /// Program management acting on the database directly (`prakerja-api <noun> <verb> --as NAME`).
    Operator(String),
    System(String),
}

/// Whose data a read may return. Derived from [`Who`] exhaustively: a new kind of actor must be
/// given a rule here before it compiles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Viewer {
    /// Program management and the system: everything.
    Admin,
    /// What this platform sold, and the approved courses it may sell.
    Platform(PartnerId),
    /// The courses this LPK owns and the vouchers for them.
    Lpk(PartnerId),
    /// The holder's own card, trainings and payments.
    Holder(ParticipantId),
}

impl Who {
    /// A partner of `role` (a participant token is never a partner).
    pub fn partner(role: Role, id: PartnerId) -> Option<Who> {
        match role {
            Role::Admin => Some(Who::Admin(id)),
            Role::Platform => Some(Who::Platform(id)),
            Role::Lpk => Some(Who::Lpk(id)),
            Role::Participant => None,
        }
    }

    pub fn viewer(&self) -> Viewer {
        match self {
            Who::Admin(_) | Who::Operator(_) | Who::System(_) => Viewer::Admin,
            Who::Platform(id) => Viewer::Platform(id.clone()),
            Who::Lpk(id) => Viewer::Lpk(id.clone()),
            Who::Holder(id) => Viewer::Holder(id.clone()),
        }
    }

    /// The actor's id as the audit trail records it.
    pub fn id(&self) -> &str {
        match self {
            Who::Admin(id) | Who::Platform(id) | Who::Lpk(id) => id.as_str(),
            Who::Holder(id) => id.as_str(),
            Who::Operator(name) | Who::System(name) => name,
        }
    }

    /// The actor's role as the audit trail records it.
    pub fn role_name(&self) -> &'static str {
        match self {
            Who::Admin(_) => Role::Admin.as_str(),
            Who::Platform(_) => Role::Platform.as_str(),
            Who::Lpk(_) => Role::Lpk.as_str(),
            Who::Holder(_) => Role::Participant.as_str(),
            Who::Operator(_) => "operator",
            Who::System(_) => "system",
        }
    }

    /// The partner acting, if a partner is.
    pub fn partner_id(&self) -> Option<&PartnerId> {
        match self {
            Who::Admin(id) | Who::Platform(id) | Who::Lpk(id) => Some(id),
            Who::Holder(_) | Who::Operator(_) | Who::System(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_actor_sees_through_its_own_viewer() {
        let p = PartnerId::new();
        assert_eq!(
            Who::Platform(p.clone()).viewer(),
            Viewer::Platform(p.clone())
        );
        assert_eq!(Who::Lpk(p.clone()).viewer(), Viewer::Lpk(p.clone()));
        assert_eq!(Who::System("timer".into()).viewer(), Viewer::Admin);
        assert_eq!(Who::Operator("siti".into()).viewer(), Viewer::Admin);
        let h = ParticipantId::new();
        assert_eq!(Who::Holder(h.clone()).viewer(), Viewer::Holder(h));
        assert_eq!(Who::partner(Role::Participant, p), None);
    }

    #[test]
    fn roles_read_back_strictly() {
        for role in [Role::Admin, Role::Platform, Role::Lpk, Role::Participant] {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
        }
        assert!("root".parse::<Role>().is_err());
    }
}
