-- A platform's proof that the holder is present: a card checked for one course, an OTP sent to the
-- holder's phone (kept only as a keyed hash), then verified and used by exactly one voucher.
CREATE TABLE card_validations (
    id TEXT PRIMARY KEY NOT NULL,
    platform_id TEXT NOT NULL REFERENCES partners (id),
    participant_id TEXT NOT NULL REFERENCES participants (id),
    course_id TEXT NOT NULL REFERENCES courses (id),
    schedule_id TEXT REFERENCES schedules (id),
    status TEXT NOT NULL CHECK (status IN ('otp_sent', 'verified', 'used', 'locked')),
    otp_hash TEXT,
    otp_expires_at TIMESTAMP NOT NULL,
    wrong_attempts INTEGER NOT NULL DEFAULT 0,
    resends INTEGER NOT NULL DEFAULT 0,
    last_sent_at TIMESTAMP,
    verified_at TIMESTAMP,
    valid_until TIMESTAMP,
    used_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX card_validations_participant ON card_validations (participant_id, created_at);
CREATE INDEX card_validations_created ON card_validations (created_at);

-- Every OTP SMS sent to a card, for the per-card hourly cap.
CREATE TABLE otp_sends (
    id TEXT PRIMARY KEY NOT NULL,
    participant_id TEXT NOT NULL REFERENCES participants (id),
    sent_at TIMESTAMP NOT NULL
);
CREATE INDEX otp_sends_participant ON otp_sends (participant_id, sent_at);

CREATE TABLE vouchers (
    id TEXT PRIMARY KEY NOT NULL,
    code TEXT NOT NULL UNIQUE,
    participant_id TEXT NOT NULL REFERENCES participants (id),
    course_id TEXT NOT NULL REFERENCES courses (id),
    schedule_id TEXT REFERENCES schedules (id),
    platform_id TEXT NOT NULL REFERENCES partners (id),
    lpk_id TEXT NOT NULL REFERENCES partners (id),
    card_validation_id TEXT NOT NULL UNIQUE REFERENCES card_validations (id),
    external_order_id TEXT NOT NULL,
    amount BIGINT NOT NULL CHECK (amount > 0),
    balance_after BIGINT NOT NULL CHECK (balance_after >= 0),
    status TEXT NOT NULL CHECK (status IN ('issued', 'redeemed', 'completed', 'not_completed', 'voided')),
    issued_at TIMESTAMP NOT NULL,
    redeemed_at TIMESTAMP,
    completed_at TIMESTAMP,
    voided_at TIMESTAMP,
    void_reason TEXT,
    UNIQUE (platform_id, external_order_id)
);
CREATE INDEX vouchers_participant ON vouchers (participant_id, status);
CREATE INDEX vouchers_platform ON vouchers (platform_id, issued_at);
CREATE INDEX vouchers_lpk ON vouchers (lpk_id, issued_at);
CREATE INDEX vouchers_issued ON vouchers (issued_at);

CREATE TABLE attendance (
    voucher_id TEXT NOT NULL REFERENCES vouchers (id),
    sequence INTEGER NOT NULL,
    attended_at TIMESTAMP NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    PRIMARY KEY (voucher_id, sequence)
);

-- Transactional outbox: written in the transaction of the change; the events feed and webhook
-- delivery read it. One row per recipient partner.
CREATE TABLE events (
    id TEXT PRIMARY KEY NOT NULL,
    partner_id TEXT NOT NULL REFERENCES partners (id),
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX events_partner ON events (partner_id, created_at);
