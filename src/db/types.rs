//! How domain values are stored: ids, codes and enums as text, money as a big integer. Reading a
//! value no type accepts (an unknown status, a negative balance) is a deserialization error: the
//! row is corrupt and the read fails. The domain stays free of diesel; the mapping lives here.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::{BigInt, Text};

use crate::domain::challenge::{ChallengeState, Purpose};
use crate::domain::completion::CertificateKind;
use crate::domain::course::{CourseMode, CourseStatus};
use crate::domain::disbursement::{DisbursementKind, DisbursementStatus, FailureReason};
use crate::domain::participant::CardStatus;
use crate::domain::partner::{PartnerKind, PartnerStatus};
use crate::domain::payout::{PayoutAccountStatus, PayoutKind};
use crate::domain::validation::ValidationState;
use crate::domain::voucher::VoucherStatus;
use crate::domain::{
    CardNumber, CertificateId, ChallengeId, CourseCode, CourseId, DisbursementId, EventId,
    ParticipantId, PartnerId, PayoutAccountId, Rupiah, ScheduleCode, ScheduleId, ValidationId,
    VoucherCode, VoucherId,
};

/// `$ty` stored as `Text`: written with `as_str()`, read with `$read` applied to the stored string.
macro_rules! text_column {
    ($($proxy:ident: $ty:ty => $read:expr;)+) => {$(
        #[derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)]
        #[diesel(foreign_derive)]
        #[diesel(sql_type = Text)]
        #[expect(dead_code, reason = "a proxy: the derives implement diesel's traits for the field's type")]
        struct $proxy($ty);

        impl<DB: Backend> FromSql<Text, DB> for $ty
        where
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                let read: fn(String) -> deserialize::Result<$ty> = $read;
                read(String::from_sql(bytes)?)
            }
        }

        impl<DB: Backend> ToSql<Text, DB> for $ty
        where
            str: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                self.as_str().to_sql(out)
            }
        }
    )+};
}

text_column! {
    PartnerIdColumn: PartnerId => |s| Ok(PartnerId::stored(s));
    ParticipantIdColumn: ParticipantId => |s| Ok(ParticipantId::stored(s));
    CourseIdColumn: CourseId => |s| Ok(CourseId::stored(s));
    ScheduleIdColumn: ScheduleId => |s| Ok(ScheduleId::stored(s));
    ValidationIdColumn: ValidationId => |s| Ok(ValidationId::stored(s));
    VoucherIdColumn: VoucherId => |s| Ok(VoucherId::stored(s));
    EventIdColumn: EventId => |s| Ok(EventId::stored(s));
    ChallengeIdColumn: ChallengeId => |s| Ok(ChallengeId::stored(s));
    PayoutAccountIdColumn: PayoutAccountId => |s| Ok(PayoutAccountId::stored(s));
    CertificateIdColumn: CertificateId => |s| Ok(CertificateId::stored(s));
    DisbursementIdColumn: DisbursementId => |s| Ok(DisbursementId::stored(s));
    CardNumberColumn: CardNumber => |s| Ok(CardNumber::stored(s));
    CourseCodeColumn: CourseCode => |s| Ok(CourseCode::stored(s));
    ScheduleCodeColumn: ScheduleCode => |s| Ok(ScheduleCode::stored(s));
    VoucherCodeColumn: VoucherCode => |s| Ok(VoucherCode::stored(s));
    CardStatusColumn: CardStatus => |s| Ok(s.parse()?);
    CourseModeColumn: CourseMode => |s| Ok(s.parse()?);
    CourseStatusColumn: CourseStatus => |s| Ok(s.parse()?);
    PartnerKindColumn: PartnerKind => |s| Ok(s.parse()?);
    PartnerStatusColumn: PartnerStatus => |s| Ok(s.parse()?);
    ValidationStateColumn: ValidationState => |s| Ok(s.parse()?);
    VoucherStatusColumn: VoucherStatus => |s| Ok(s.parse()?);
    OutcomeColumn: super::idempotency::Outcome => |s| Ok(s.parse()?);
    CertificateKindColumn: CertificateKind => |s| Ok(s.parse()?);
    PurposeColumn: Purpose => |s| Ok(s.parse()?);
    ChallengeStateColumn: ChallengeState => |s| Ok(s.parse()?);
    PayoutKindColumn: PayoutKind => |s| Ok(s.parse()?);
    PayoutAccountStatusColumn: PayoutAccountStatus => |s| Ok(s.parse()?);
    DisbursementKindColumn: DisbursementKind => |s| Ok(s.parse()?);
    DisbursementStatusColumn: DisbursementStatus => |s| Ok(s.parse()?);
    FailureReasonColumn: FailureReason => |s| Ok(s.parse()?);
}

#[derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)]
#[diesel(foreign_derive)]
#[diesel(sql_type = BigInt)]
#[expect(
    dead_code,
    reason = "a proxy: the derives implement diesel's traits for Rupiah"
)]
struct RupiahColumn(Rupiah);

impl<DB: Backend> FromSql<BigInt, DB> for Rupiah
where
    i64: FromSql<BigInt, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        Ok(Rupiah::try_from(i64::from_sql(bytes)?)?)
    }
}

impl<DB: Backend> ToSql<BigInt, DB> for Rupiah
where
    i64: ToSql<BigInt, DB>,
{
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
        self.as_i64().to_sql(out)
    }
}

// Webhooks' columns (kept together so each feature's mappings read as one block).
text_column! {
    WebhookEndpointIdColumn: crate::domain::WebhookEndpointId => |s| Ok(crate::domain::WebhookEndpointId::stored(s));
    WebhookDeliveryIdColumn: crate::domain::WebhookDeliveryId => |s| Ok(crate::domain::WebhookDeliveryId::stored(s));
    EndpointStatusColumn: crate::domain::webhook::EndpointStatus => |s| Ok(s.parse()?);
    DeliveryStatusColumn: crate::domain::webhook::DeliveryStatus => |s| Ok(s.parse()?);
}
