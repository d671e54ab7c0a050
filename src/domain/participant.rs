//! A card's status and the moves management may make.

use crate::error::{Error, ErrorCode};

super::stored_enum! {
    pub enum CardStatus ("card status") {
        /// Can validate and buy.
        Active = "active",
        /// Temporarily blocked by management; can be unfrozen.
        Frozen = "frozen",
        /// Permanently revoked (fraud, breach of terms, or deadline): final.
        Revoked = "revoked",
    }
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
    /// The status after `action`, or why it is not allowed. Revocation is final.
    pub fn apply(self, action: CardAction) -> Result<CardStatus, Error> {
        use CardAction::*;
        use CardStatus::*;
        match (self, action) {
            (Active, Freeze) => Ok(Frozen),
            (Frozen, Unfreeze) => Ok(Active),
            (Active | Frozen, Revoke) => Ok(Revoked),
            (from, action) => Err(ErrorCode::InvalidTransition.with(format!(
                "A card that is {from} cannot be {}.",
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
