//! Sandbox-only queries: finding what the seed made, and wiping a test holder with everything
//! made on its card, so the reset can seed it again.

use diesel::prelude::*;

use super::DbConn;
use super::participants::Participant;
use super::schema::{
    attendance, card_validations, certificates, courses, disbursement_history, disbursements,
    events, family_cards, otp_challenges, otp_sends, participants, payout_accounts,
    sandbox_payouts, sms_outbox, surveys, vouchers, webhook_deliveries,
};
use crate::domain::voucher::VoucherStatus;
use crate::domain::{
    CourseCode, DisbursementId, EventId, PartnerId, ScheduleId, VoucherCode, VoucherId,
};

/// The first course the LPK submitted under `title`.
pub fn course_titled(
    conn: &mut DbConn,
    lpk: &PartnerId,
    title: &str,
) -> QueryResult<Option<CourseCode>> {
    courses::table
        .filter(courses::lpk_id.eq(lpk))
        .filter(courses::title.eq(title))
        .order((courses::created_at.asc(), courses::id.asc()))
        .select(courses::course_code)
        .first(conn)
        .optional()
}

/// True when a holder already has the phone with this blind index.
pub fn phone_taken(conn: &mut DbConn, phone_index: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        participants::table.filter(participants::phone_index.eq(phone_index)),
    ))
    .get_result(conn)
}

/// Deletes a holder and every row made on its card: validations and OTPs, vouchers with their
/// attendance and certificates, surveys, payout accounts, payments with their history, the events
/// announcing them (those naming the card or one of its vouchers) with their deliveries, and the
/// SMS sent to `phone`. Each seat its vouchers held goes back to its run, and its family card
/// place is freed. Audit rows stay: the chain is append-only. Runs in the caller's transaction.
pub fn wipe_holder(conn: &mut DbConn, holder: &Participant, phone: &str) -> QueryResult<()> {
    let id = &holder.id;
    let bought: Vec<(VoucherId, String, Option<ScheduleId>, VoucherStatus)> = vouchers::table
        .filter(vouchers::participant_id.eq(id))
        .select((
            vouchers::id,
            vouchers::code,
            vouchers::schedule_id,
            vouchers::status,
        ))
        .load(conn)?;
    for (_, _, schedule, status) in &bought {
        // A voided voucher gave its seat back when it was voided.
        if let (Some(schedule), false) = (schedule, *status == VoucherStatus::Voided) {
            super::courses::release_seat(conn, schedule)?;
        }
    }
    let voucher_ids: Vec<&VoucherId> = bought.iter().map(|(v, ..)| v).collect();
    // Events print codes as partners see them, dashed.
    let mut named: Vec<String> = bought
        .iter()
        .map(|(_, code, ..)| VoucherCode::stored(code.clone()).dashed())
        .collect();
    named.push(holder.card_number.as_str().to_string());
    let mut announced: Vec<EventId> = Vec::new();
    for needle in named {
        announced.extend(
            events::table
                .filter(events::payload.like(format!("%\"{needle}\"%")))
                .select(events::id)
                .load::<EventId>(conn)?,
        );
    }
    diesel::delete(
        webhook_deliveries::table.filter(webhook_deliveries::event_id.eq_any(&announced)),
    )
    .execute(conn)?;
    diesel::delete(events::table.filter(events::id.eq_any(&announced))).execute(conn)?;
    let paid: Vec<DisbursementId> = disbursements::table
        .filter(disbursements::participant_id.eq(id))
        .select(disbursements::id)
        .load(conn)?;
    diesel::delete(
        disbursement_history::table.filter(disbursement_history::disbursement_id.eq_any(&paid)),
    )
    .execute(conn)?;
    diesel::delete(sandbox_payouts::table.filter(sandbox_payouts::disbursement_id.eq_any(&paid)))
        .execute(conn)?;
    diesel::delete(disbursements::table.filter(disbursements::participant_id.eq(id)))
        .execute(conn)?;
    diesel::delete(certificates::table.filter(certificates::voucher_id.eq_any(&voucher_ids)))
        .execute(conn)?;
    diesel::delete(attendance::table.filter(attendance::voucher_id.eq_any(&voucher_ids)))
        .execute(conn)?;
    diesel::delete(vouchers::table.filter(vouchers::participant_id.eq(id))).execute(conn)?;
    diesel::delete(payout_accounts::table.filter(payout_accounts::participant_id.eq(id)))
        .execute(conn)?;
    diesel::delete(otp_challenges::table.filter(otp_challenges::participant_id.eq(id)))
        .execute(conn)?;
    diesel::delete(card_validations::table.filter(card_validations::participant_id.eq(id)))
        .execute(conn)?;
    diesel::delete(otp_sends::table.filter(otp_sends::participant_id.eq(id))).execute(conn)?;
    diesel::delete(surveys::table.filter(surveys::participant_id.eq(id))).execute(conn)?;
    diesel::delete(sms_outbox::table.filter(sms_outbox::to_phone.eq(phone))).execute(conn)?;
    diesel::update(
        family_cards::table
            .filter(family_cards::kk_index.eq(&holder.kk_index))
            .filter(family_cards::holders.gt(0)),
    )
    .set(family_cards::holders.eq(family_cards::holders - 1))
    .execute(conn)?;
    diesel::delete(participants::table.filter(participants::id.eq(id))).execute(conn)?;
    Ok(())
}
