//! The one portable schema: only types both backends share (`Text`, `Integer`, `BigInt`, `Bool`,
//! `Timestamp`); ids and enums are `Text`. Hand-checked against `migrations/{sqlite,postgres}`.

diesel::table! {
    partners (id) {
        id -> Text,
        name -> Text,
        kind -> Text,
        client_id -> Text,
        secret_hash -> Text,
        status -> Text,
        secret_rotated_at -> Timestamp,
        created_at -> Timestamp,
        token_generation -> BigInt,
        signing_key_cipher -> Nullable<Text>,
    }
}

diesel::table! {
    seen_signatures (partner_id, signature) {
        partner_id -> Text,
        signature -> Text,
        signed_at -> Timestamp,
        seen_at -> Timestamp,
    }
}

diesel::table! {
    participants (id) {
        id -> Text,
        card_number -> Text,
        full_name -> Text,
        nik_cipher -> Text,
        nik_index -> Text,
        kk_cipher -> Text,
        kk_index -> Text,
        phone_cipher -> Text,
        phone_index -> Text,
        email_cipher -> Nullable<Text>,
        wave -> Integer,
        passed_at -> Timestamp,
        purchase_deadline -> Timestamp,
        initial_balance -> BigInt,
        balance -> BigInt,
        status -> Text,
        status_reason -> Nullable<Text>,
        first_purchase_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    family_cards (kk_index) {
        kk_index -> Text,
        holders -> Integer,
    }
}

diesel::table! {
    courses (id) {
        id -> Text,
        course_code -> Text,
        lpk_id -> Text,
        title -> Text,
        description -> Text,
        price -> BigInt,
        mode -> Text,
        duration_hours -> Integer,
        sessions -> Integer,
        all_platforms -> Bool,
        status -> Text,
        review_reason -> Nullable<Text>,
        reviewed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    course_platforms (course_id, platform_id) {
        course_id -> Text,
        platform_id -> Text,
    }
}

diesel::table! {
    schedules (id) {
        id -> Text,
        schedule_code -> Text,
        course_id -> Text,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        quota -> Integer,
        seats_taken -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_head (id) {
        id -> Integer,
        seq -> BigInt,
        hash -> Text,
    }
}

diesel::table! {
    audit_events (seq) {
        seq -> BigInt,
        occurred_at -> Timestamp,
        actor_id -> Text,
        actor_role -> Text,
        action -> Text,
        target_type -> Text,
        target_id -> Text,
        details -> Text,
        request_id -> Nullable<Text>,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    audit_inbox (id) {
        id -> BigInt,
        occurred_at -> Timestamp,
        actor_id -> Text,
        actor_role -> Text,
        action -> Text,
        target_type -> Text,
        target_id -> Text,
        details -> Text,
        request_id -> Nullable<Text>,
    }
}

diesel::table! {
    idempotency_keys (caller_id, idem_key) {
        caller_id -> Text,
        idem_key -> Text,
        request_hash -> Text,
        outcome -> Text,
        result -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sms_outbox (id) {
        id -> Text,
        to_phone -> Text,
        body -> Text,
        sent_at -> Timestamp,
    }
}

diesel::table! {
    incentive_schemes (wave) {
        wave -> Integer,
        training_amount -> BigInt,
        tranches -> Integer,
        tranche_months -> Integer,
        survey_amount -> BigInt,
        surveys -> Integer,
    }
}

diesel::table! {
    holidays (day) {
        day -> Text,
        name -> Text,
    }
}

diesel::table! {
    disbursements (id) {
        id -> Text,
        participant_id -> Text,
        voucher_id -> Nullable<Text>,
        kind -> Text,
        tranche -> Integer,
        amount -> BigInt,
        status -> Text,
        failure_reason -> Nullable<Text>,
        scheduled_for -> Text,
        expected_by -> Text,
        payout_account_id -> Nullable<Text>,
        sent_at -> Nullable<Timestamp>,
        paid_at -> Nullable<Timestamp>,
        failed_at -> Nullable<Timestamp>,
        reference -> Nullable<Text>,
        attempt -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    disbursement_history (id) {
        id -> Text,
        disbursement_id -> Text,
        status -> Text,
        at -> Timestamp,
        note -> Nullable<Text>,
    }
}

diesel::table! {
    sandbox_payouts (disbursement_id) {
        disbursement_id -> Text,
        outcome -> Text,
        reference -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    webhook_endpoints (id) {
        id -> Text,
        partner_id -> Text,
        url -> Text,
        events -> Text,
        secret_cipher -> Text,
        status -> Text,
        consecutive_failures -> Integer,
        last_error -> Nullable<Text>,
        last_error_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        failing_since -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Text,
        endpoint_id -> Text,
        event_id -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claimed_until -> Nullable<Timestamp>,
        last_status -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        delivered_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(courses -> partners (lpk_id));
diesel::joinable!(schedules -> courses (course_id));
diesel::joinable!(course_platforms -> courses (course_id));
diesel::joinable!(vouchers -> courses (course_id));
diesel::joinable!(vouchers -> participants (participant_id));
diesel::joinable!(vouchers -> schedules (schedule_id));
diesel::joinable!(certificates -> vouchers (voucher_id));
diesel::joinable!(payout_accounts -> otp_challenges (challenge_id));
diesel::joinable!(disbursement_history -> disbursements (disbursement_id));
diesel::joinable!(disbursements -> participants (participant_id));
diesel::joinable!(webhook_deliveries -> webhook_endpoints (endpoint_id));
diesel::joinable!(webhook_deliveries -> events (event_id));

diesel::table! {
    card_validations (id) {
        id -> Text,
        platform_id -> Text,
        participant_id -> Text,
        course_id -> Text,
        schedule_id -> Nullable<Text>,
        status -> Text,
        otp_hash -> Nullable<Text>,
        otp_expires_at -> Timestamp,
        wrong_attempts -> Integer,
        resends -> Integer,
        last_sent_at -> Nullable<Timestamp>,
        verified_at -> Nullable<Timestamp>,
        valid_until -> Nullable<Timestamp>,
        used_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    otp_sends (id) {
        id -> Text,
        participant_id -> Text,
        sent_at -> Timestamp,
    }
}

diesel::table! {
    vouchers (id) {
        id -> Text,
        code -> Text,
        participant_id -> Text,
        course_id -> Text,
        schedule_id -> Nullable<Text>,
        platform_id -> Text,
        lpk_id -> Text,
        card_validation_id -> Text,
        external_order_id -> Text,
        amount -> BigInt,
        balance_after -> BigInt,
        status -> Text,
        issued_at -> Timestamp,
        redeemed_at -> Nullable<Timestamp>,
        completed_at -> Nullable<Timestamp>,
        voided_at -> Nullable<Timestamp>,
        void_reason -> Nullable<Text>,
        score -> Nullable<Integer>,
        rating -> Nullable<Integer>,
        review -> Nullable<Text>,
        reviewed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    certificates (id) {
        id -> Text,
        voucher_id -> Text,
        lpk_id -> Text,
        kind -> Text,
        number -> Text,
        issued_at -> Timestamp,
        url -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    surveys (participant_id, n) {
        participant_id -> Text,
        n -> Integer,
        answers -> Text,
        submitted_at -> Timestamp,
    }
}

diesel::table! {
    otp_challenges (id) {
        id -> Text,
        participant_id -> Text,
        purpose -> Text,
        status -> Text,
        otp_hash -> Nullable<Text>,
        otp_expires_at -> Timestamp,
        wrong_attempts -> Integer,
        created_at -> Timestamp,
        passed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    payout_accounts (id) {
        id -> Text,
        participant_id -> Text,
        challenge_id -> Text,
        kind -> Text,
        bank_code -> Nullable<Text>,
        account_cipher -> Text,
        holder_name -> Text,
        status -> Text,
        created_at -> Timestamp,
        linked_at -> Nullable<Timestamp>,
        replaced_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    attendance (voucher_id, sequence) {
        voucher_id -> Text,
        sequence -> Integer,
        attended_at -> Timestamp,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    events (id) {
        id -> Text,
        partner_id -> Text,
        event_type -> Text,
        payload -> Text,
        created_at -> Timestamp,
    }
}

// Braces, so rustfmt leaves the grouping by concern as written.
diesel::allow_tables_to_appear_in_same_query! {
    partners, seen_signatures, audit_head, audit_events, audit_inbox, idempotency_keys,
    participants, family_cards, otp_challenges, payout_accounts, surveys,
    courses, course_platforms, schedules,
    sms_outbox, card_validations, otp_sends,
    vouchers, attendance, certificates, events,
    incentive_schemes, holidays, disbursements, disbursement_history, sandbox_payouts,
    webhook_endpoints, webhook_deliveries,
}
