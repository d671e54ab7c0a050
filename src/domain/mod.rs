//! The program's rules and values, as plain Rust: no actix, no diesel, no HTTP.
//! A value that exists has been checked: parse once at the edge, then the type carries the proof.

/// A stored or sent value that names no variant: a corrupt row fails loudly, never defaults.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {value:?}")]
pub struct UnknownValue {
    pub what: &'static str,
    pub value: String,
}

impl UnknownValue {
    pub fn new(what: &'static str, value: &str) -> Self {
        Self {
            what,
            value: value.chars().take(64).collect(),
        }
    }
}

/// An enum with one wire and storage name per variant, written once: `as_str` for writers, a
/// strict `FromStr` for readers, and the same names for serde.
macro_rules! stored_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident ($what:tt) {
            $($(#[$vmeta:meta])* $variant:ident = $text:tt),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::domain::UnknownValue;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err($crate::domain::UnknownValue::new($what, other)),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use stored_enum;

/// A text value with one meaning (an id, a public code): its own type, serialized as its text,
/// readable back from the store as written.
macro_rules! text_newtype {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// A value read back from the store, trusted as written.
            pub fn stored(s: String) -> Self {
                Self(s)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}
pub(crate) use text_newtype;

pub mod access;
pub mod card_number;
pub mod challenge;
pub mod codes;
pub mod completion;
pub mod course;
pub mod digits;
pub mod disbursement;
pub mod eligibility;
pub mod event;
pub mod ids;
pub mod incentive;
pub mod mask;
pub mod messages;
pub mod nik;
pub mod otp;
pub mod participant;
pub mod partner;
pub mod payout;
pub mod phone;
pub mod purchase;
pub mod reason;
pub mod rupiah;
pub mod survey;
pub mod time;
pub mod training;
pub mod validation;
pub mod voucher;
pub mod voucher_code;
pub mod webhook;
pub mod webhook_url;
pub mod working_days;

pub use access::{Role, Viewer, Who};
pub use card_number::CardNumber;
pub use codes::{CourseCode, ScheduleCode};
pub use ids::{
    CertificateId, ChallengeId, CourseId, DisbursementId, EventId, ParticipantId, PartnerId,
    PayoutAccountId, ScheduleId, ValidationId, VoucherId, WebhookDeliveryId, WebhookEndpointId,
};
pub use nik::{KkNumber, Nik};
pub use phone::PhoneNumber;
pub use rupiah::Rupiah;
pub use voucher_code::VoucherCode;
