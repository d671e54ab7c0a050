//! A card's status and the moves management may make.

use crate::error::{ApiError, ErrorCode};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CardStatus {
    /// Can validate and buy.
    Active,
    /// Temporarily blocked by management; can be unfrozen.
    Frozen,
    /// Permanently revoked (fraud, breach of terms, or deadline): final.
    Revoked,
}

/// What management does to a card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardAction {
    Freeze,
    Unfreeze,
    Revoke,
}

impl CardAction {
    pub fn name(self) -> &'static str {
        match self {
            CardAction::Freeze => "participant.freeze",
            CardAction::Unfreeze => "participant.unfreeze",
            CardAction::Revoke => "participant.revoke",
        }
    }
}

impl CardStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CardStatus::Active => "active",
            CardStatus::Frozen => "frozen",
            CardStatus::Revoked => "revoked",
        }
    }

    pub fn from_db(s: &str) -> Self {
        match s {
            "frozen" => CardStatus::Frozen,
            "revoked" => CardStatus::Revoked,
            _ => CardStatus::Active,
        }
    }

    /// The status after `action`, or why it is not allowed. Revocation is final.
    pub fn apply(self, action: CardAction) -> Result<CardStatus, ApiError> {
        use CardAction::*;
        use CardStatus::*;
        match (self, action) {
            (Active, Freeze) => Ok(Frozen),
            (Frozen, Unfreeze) => Ok(Active),
            (Active | Frozen, Revoke) => Ok(Revoked),
            (from, action) => Err(ErrorCode::InvalidTransition.with(format!(
                "A card that is {} cannot be {}.",
                from.as_str(),
                match action {
                    Freeze => "frozen",
                    Unfreeze => "unfrozen",
                    Revoke => "revoked",
                }
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn freeze_unfreeze_and_revoke_follow_the_allowed_moves() {
        assert_eq!(
            CardStatus::Active.apply(CardAction::Freeze).unwrap(),
            CardStatus::Frozen
        );
        assert_eq!(
            CardStatus::Frozen.apply(CardAction::Unfreeze).unwrap(),
            CardStatus::Active
        );
        assert_eq!(
            CardStatus::Frozen.apply(CardAction::Revoke).unwrap(),
            CardStatus::Revoked
        );
    }

    #[test]
    fn revocation_is_final_and_double_moves_are_refused() {
        for action in [CardAction::Freeze, CardAction::Unfreeze, CardAction::Revoke] {
            assert!(CardStatus::Revoked.apply(action).is_err());
        }
        assert!(CardStatus::Active.apply(CardAction::Unfreeze).is_err());
        assert!(CardStatus::Frozen.apply(CardAction::Freeze).is_err());
    }
}
