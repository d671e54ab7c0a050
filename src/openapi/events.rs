//! The events the feed answers and webhooks POST, typed: `Event` is one of a schema per event
//! type (`VoucherIssuedEvent`...), told apart by `type`, each naming the resource its `data` is.

use utoipa::ToSchema;
use utoipa::openapi::schema::{Discriminator, ObjectBuilder, OneOfBuilder, Type};
use utoipa::openapi::{KnownFormat, OpenApi, Ref, SchemaFormat};

use crate::domain::event::EventType;
use crate::service::disbursements::DisbursementView;
use crate::service::voucher_view::VoucherView;

/// The name of the schema of one event's envelope, the `Event` union and its members.
pub const EVENT: &str = "Event";

/// The resource an event of this type carries as `data` (as its recipient may see it).
fn payload(t: EventType) -> String {
    match t {
        EventType::VoucherIssued
        | EventType::VoucherRedeemed
        | EventType::VoucherCompleted
        | EventType::VoucherNotCompleted
        | EventType::VoucherVoided
        | EventType::CertificateIssued => VoucherView::name().into_owned(),
        EventType::DisbursementUpdated => DisbursementView::name().into_owned(),
    }
}

/// `voucher.not_completed` → `VoucherNotCompletedEvent`.
pub fn schema_name(t: EventType) -> String {
    let mut name: String = t
        .as_str()
        .split(['.', '_'])
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect();
    name.push_str(EVENT);
    name
}

pub fn document(api: &mut OpenApi) {
    let Some(components) = api.components.as_mut() else {
        return;
    };
    let mut discriminator = Discriminator::new("type");
    let mut one_of = OneOfBuilder::new().description(Some(
        "An event, as `GET /v1/events` lists it and a webhook endpoint receives it: its `type` \
         tells which resource `data` is.",
    ));
    for &t in EventType::ALL {
        let name = schema_name(t);
        let schema = ObjectBuilder::new()
            .description(Some(format!("A `{t}` event.")))
            .property(
                "id",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)))
                    .description(Some("Unique: deduplicate on it.")),
            )
            .required("id")
            .property(
                "type",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some([t.as_str()])),
            )
            .required("type")
            .property(
                "created_at",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
                    .description(Some("When the change it announces was made.")),
            )
            .required("created_at")
            .property("data", Ref::from_schema_name(payload(t)))
            .required("data");
        components.schemas.insert(name.clone(), schema.into());
        discriminator
            .mapping
            .insert(t.as_str().into(), format!("#/components/schemas/{name}"));
        one_of = one_of.item(Ref::from_schema_name(name));
    }
    let one_of = one_of.discriminator(Some(discriminator));
    components.schemas.insert(EVENT.into(), one_of.into());
}
