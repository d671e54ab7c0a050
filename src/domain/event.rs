//! The events partners are told about (API.md, Events and webhooks), by their wire names.

super::stored_enum! {
    pub enum EventType ("event type") {
        VoucherIssued = "voucher.issued",
        VoucherRedeemed = "voucher.redeemed",
        VoucherCompleted = "voucher.completed",
        VoucherNotCompleted = "voucher.not_completed",
        VoucherVoided = "voucher.voided",
        CertificateIssued = "certificate.issued",
        DisbursementUpdated = "disbursement.updated",
    }
}
