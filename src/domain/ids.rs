//! Typed ids: a voucher id cannot be passed where a partner id is expected. All are UUIDs
//! (version 7, so they sort by creation time) stored as text.

macro_rules! ids {
    ($($(#[$doc:meta])* $name:ident),+ $(,)?) => {$(
        super::text_newtype!($(#[$doc])* $name);

        impl $name {
            /// A fresh id.
            #[expect(clippy::new_without_default, reason = "a new id is a fresh random value, not a default")]
            pub fn new() -> Self {
                Self(uuid::Uuid::now_v7().to_string())
            }

            /// An id as a caller sent it: a UUID, or nothing (an unknown id is simply not found).
            pub fn parse(s: &str) -> Option<Self> {
                uuid::Uuid::parse_str(s.trim()).ok().map(|u| Self(u.to_string()))
            }
        }
    )+};
}

ids! {
    /// A digital platform, an LPK, or program management: an OAuth client.
    PartnerId,
    /// A card holder.
    ParticipantId,
    CourseId,
    ScheduleId,
    /// A card validation (the OTP proof that the holder is present).
    ValidationId,
    VoucherId,
    /// An outbox event.
    EventId,
    /// An OTP sent to the holder for their own act (a session, a payout account).
    ChallengeId,
    /// A bank account or e-wallet a holder linked (or is linking).
    PayoutAccountId,
    CertificateId,
    /// One incentive payment.
    DisbursementId,
    WebhookEndpointId,
    WebhookDeliveryId,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_uuids_only_and_normalise_case() {
        let id = VoucherId::new();
        assert_eq!(VoucherId::parse(id.as_str()), Some(id.clone()));
        assert_eq!(
            VoucherId::parse(&id.as_str().to_uppercase()).map(|v| v.to_string()),
            Some(id.to_string())
        );
        assert_eq!(VoucherId::parse("not-a-uuid"), None);
        assert_eq!(VoucherId::parse(""), None);
    }
}
