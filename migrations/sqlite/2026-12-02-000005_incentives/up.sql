-- Incentives and their delivery: the scheme of each wave, public holidays for working days, the
-- payments themselves with their history, the sandbox payout gateway's memory, and webhooks.

-- A wave's figures. Wave 0 applies to every wave without a row of its own.
CREATE TABLE incentive_schemes (
    wave INTEGER PRIMARY KEY NOT NULL,
    training_amount BIGINT NOT NULL CHECK (training_amount > 0),
    tranches INTEGER NOT NULL CHECK (tranches BETWEEN 1 AND 24),
    tranche_months INTEGER NOT NULL CHECK (tranche_months BETWEEN 1 AND 12),
    survey_amount BIGINT NOT NULL CHECK (survey_amount >= 0),
    surveys INTEGER NOT NULL CHECK (surveys BETWEEN 0 AND 3)
);
INSERT INTO incentive_schemes (wave, training_amount, tranches, tranche_months, survey_amount, surveys)
VALUES (0, 600000, 4, 1, 50000, 3);

-- Indonesian national public holidays (libur nasional, SKB 3 Menteri). Dates of the lunar
-- holidays follow the government's announcement: program management corrects this table when the
-- decree differs; no code change is needed.
CREATE TABLE holidays (
    day TEXT PRIMARY KEY NOT NULL CHECK (length(day) = 10),
    name TEXT NOT NULL
);
INSERT INTO holidays (day, name) VALUES
    ('2026-01-01', 'Tahun Baru Masehi'),
    ('2026-01-16', 'Isra Mikraj Nabi Muhammad SAW'),
    ('2026-02-17', 'Tahun Baru Imlek 2577 Kongzili'),
    ('2026-03-19', 'Hari Suci Nyepi Tahun Baru Saka 1948'),
    ('2026-03-20', 'Idul Fitri 1447 Hijriah'),
    ('2026-03-21', 'Idul Fitri 1447 Hijriah'),
    ('2026-04-03', 'Wafat Yesus Kristus'),
    ('2026-04-05', 'Kebangkitan Yesus Kristus (Paskah)'),
    ('2026-05-01', 'Hari Buruh Internasional'),
    ('2026-05-14', 'Kenaikan Yesus Kristus'),
    ('2026-05-27', 'Idul Adha 1447 Hijriah'),
    ('2026-05-31', 'Hari Raya Waisak 2570 BE'),
    ('2026-06-01', 'Hari Lahir Pancasila'),
    ('2026-06-16', 'Tahun Baru Islam 1448 Hijriah'),
    ('2026-08-17', 'Hari Proklamasi Kemerdekaan RI'),
    ('2026-08-25', 'Maulid Nabi Muhammad SAW'),
    ('2026-12-25', 'Hari Raya Natal'),
    ('2027-01-01', 'Tahun Baru Masehi'),
    ('2027-01-05', 'Isra Mikraj Nabi Muhammad SAW'),
    ('2027-02-06', 'Tahun Baru Imlek 2578 Kongzili'),
    ('2027-03-09', 'Hari Suci Nyepi Tahun Baru Saka 1949'),
    ('2027-03-10', 'Idul Fitri 1448 Hijriah'),
    ('2027-03-11', 'Idul Fitri 1448 Hijriah'),
    ('2027-03-26', 'Wafat Yesus Kristus'),
    ('2027-03-28', 'Kebangkitan Yesus Kristus (Paskah)'),
    ('2027-05-01', 'Hari Buruh Internasional'),
    ('2027-05-06', 'Kenaikan Yesus Kristus'),
    ('2027-05-17', 'Idul Adha 1448 Hijriah'),
    ('2027-05-20', 'Hari Raya Waisak 2571 BE'),
    ('2027-06-01', 'Hari Lahir Pancasila'),
    ('2027-06-06', 'Tahun Baru Islam 1449 Hijriah'),
    ('2027-08-15', 'Maulid Nabi Muhammad SAW'),
    ('2027-08-17', 'Hari Proklamasi Kemerdekaan RI'),
    ('2027-12-25', 'Hari Raya Natal');

-- One incentive payment. A holder has each (kind, tranche) at most once: a run scheduling twice
-- cannot pay twice. Dates are WIB calendar dates as YYYY-MM-DD.
CREATE TABLE disbursements (
    id TEXT PRIMARY KEY NOT NULL,
    participant_id TEXT NOT NULL REFERENCES participants (id),
    voucher_id TEXT REFERENCES vouchers (id),
    kind TEXT NOT NULL CHECK (kind IN ('training_incentive', 'survey_incentive')),
    tranche INTEGER NOT NULL CHECK (tranche BETWEEN 1 AND 24),
    amount BIGINT NOT NULL CHECK (amount > 0),
    status TEXT NOT NULL CHECK (status IN ('scheduled', 'pending', 'checking', 'paid', 'failed', 'held')),
    failure_reason TEXT CHECK (failure_reason IN ('review_missing', 'rating_missing', 'payout_account_missing', 'account_inactive', 'ewallet_not_verified', 'kyc_mismatch', 'ewallet_limit')),
    scheduled_for TEXT NOT NULL CHECK (length(scheduled_for) = 10),
    expected_by TEXT NOT NULL CHECK (length(expected_by) = 10),
    -- The account it was (or is being) sent to, and when it was handed to the gateway.
    payout_account_id TEXT REFERENCES payout_accounts (id),
    sent_at TIMESTAMP,
    paid_at TIMESTAMP,
    failed_at TIMESTAMP,
    reference TEXT,
    -- Which attempt the gateway is asked for: a payment the bank refused is tried again, after
    -- the holder fixed the cause, as a new attempt under a new idempotency key.
    attempt INTEGER NOT NULL DEFAULT 1 CHECK (attempt >= 1),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (participant_id, kind, tranche)
);
CREATE INDEX disbursements_due ON disbursements (status, scheduled_for);
CREATE INDEX disbursements_participant ON disbursements (participant_id, created_at);

CREATE TABLE disbursement_history (
    id TEXT PRIMARY KEY NOT NULL,
    disbursement_id TEXT NOT NULL REFERENCES disbursements (id),
    status TEXT NOT NULL CHECK (status IN ('scheduled', 'pending', 'checking', 'paid', 'failed', 'held')),
    at TIMESTAMP NOT NULL,
    note TEXT
);
CREATE INDEX disbursement_history_of ON disbursement_history (disbursement_id, at);

-- The sandbox payout gateway's memory of what it was asked to pay, so `status` answers after a
-- restart and from any instance, as a real gateway would. Keyed by the payment's idempotency
-- key: the disbursement id for its first attempt, `<id>.<attempt>` for a later one.
CREATE TABLE sandbox_payouts (
    disbursement_id TEXT PRIMARY KEY NOT NULL,
    outcome TEXT NOT NULL,
    reference TEXT,
    created_at TIMESTAMP NOT NULL
);

-- A partner's webhook endpoint: the events it wants, a signing secret (sealed), and its health.
CREATE TABLE webhook_endpoints (
    id TEXT PRIMARY KEY NOT NULL,
    partner_id TEXT NOT NULL REFERENCES partners (id),
    url TEXT NOT NULL,
    -- Space-separated event types.
    events TEXT NOT NULL,
    secret_cipher TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'disabled', 'deleted')),
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    last_error_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX webhook_endpoints_partner ON webhook_endpoints (partner_id, status);

-- One attempt series to deliver one event to one endpoint (a redelivery is a new row). Written
-- in the transaction of the event itself: an event is never lost between commit and delivery.
CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY NOT NULL,
    endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id),
    event_id TEXT NOT NULL REFERENCES events (id),
    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    -- A worker's claim: another instance leaves it alone until the claim lapses.
    claimed_until TIMESTAMP,
    last_status INTEGER,
    last_error TEXT,
    delivered_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id, created_at);
