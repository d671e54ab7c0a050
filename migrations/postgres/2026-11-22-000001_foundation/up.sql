-- Partners: digital platforms, LPKs and program management, each an OAuth client.
CREATE TABLE partners (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('admin', 'platform', 'lpk')),
    client_id TEXT NOT NULL UNIQUE,
    secret_hash TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    secret_rotated_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- Card holders. NIK, KK, phone and email are stored only encrypted (*_cipher) beside a keyed
-- blind index (*_index) for lookups and uniqueness; the card number is the partners' lookup key.
CREATE TABLE participants (
    id TEXT PRIMARY KEY NOT NULL,
    card_number TEXT NOT NULL UNIQUE,
    full_name TEXT NOT NULL,
    nik_cipher TEXT NOT NULL,
    nik_index TEXT NOT NULL UNIQUE,
    kk_cipher TEXT NOT NULL,
    kk_index TEXT NOT NULL,
    phone_cipher TEXT NOT NULL,
    phone_index TEXT NOT NULL,
    email_cipher TEXT,
    wave INTEGER NOT NULL,
    passed_at TIMESTAMP NOT NULL,
    purchase_deadline TIMESTAMP NOT NULL,
    initial_balance BIGINT NOT NULL,
    balance BIGINT NOT NULL CHECK (balance >= 0),
    status TEXT NOT NULL CHECK (status IN ('active', 'frozen', 'revoked')),
    status_reason TEXT,
    first_purchase_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX participants_kk_index ON participants (kk_index);
CREATE INDEX participants_phone_index ON participants (phone_index);

-- Holders per family card: the 2-per-KK rule is a conditional update here, safe under concurrency.
CREATE TABLE family_cards (
    kk_index TEXT PRIMARY KEY NOT NULL,
    holders INTEGER NOT NULL CHECK (holders >= 0 AND holders <= 2)
);

CREATE TABLE courses (
    id TEXT PRIMARY KEY NOT NULL,
    course_code TEXT NOT NULL UNIQUE,
    lpk_id TEXT NOT NULL REFERENCES partners (id),
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    price BIGINT NOT NULL CHECK (price > 0),
    mode TEXT NOT NULL CHECK (mode IN ('online', 'offline', 'hybrid')),
    duration_hours INTEGER NOT NULL,
    sessions INTEGER NOT NULL,
    all_platforms BOOLEAN NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending_review', 'approved', 'rejected')),
    review_reason TEXT,
    reviewed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX courses_lpk ON courses (lpk_id, created_at);
CREATE INDEX courses_status ON courses (status, created_at);

-- The platforms that may sell a course; none listed (all_platforms) means every platform.
CREATE TABLE course_platforms (
    course_id TEXT NOT NULL REFERENCES courses (id),
    platform_id TEXT NOT NULL REFERENCES partners (id),
    PRIMARY KEY (course_id, platform_id)
);
CREATE INDEX course_platforms_platform ON course_platforms (platform_id);

CREATE TABLE schedules (
    id TEXT PRIMARY KEY NOT NULL,
    schedule_code TEXT NOT NULL UNIQUE,
    course_id TEXT NOT NULL REFERENCES courses (id),
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    quota INTEGER NOT NULL CHECK (quota > 0),
    seats_taken INTEGER NOT NULL DEFAULT 0 CHECK (seats_taken >= 0 AND seats_taken <= quota),
    created_at TIMESTAMP NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX schedules_course ON schedules (course_id, starts_at);

-- Append-only audit trail, hash-chained: each row's hash covers its content and the previous hash.
-- audit_head is the chain's single head row: updating it first serialises writers on PostgreSQL.
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE audit_events (
    seq BIGINT PRIMARY KEY NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    actor_id TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    action TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id TEXT NOT NULL,
    details TEXT NOT NULL,
    request_id TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_events_actor ON audit_events (actor_id, seq);

-- Stored first responses per (partner, Idempotency-Key).
CREATE TABLE idempotency_records (
    partner_id TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('in_progress', 'completed')),
    response_status INTEGER,
    response_body TEXT,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (partner_id, idem_key)
);
CREATE INDEX idempotency_records_created ON idempotency_records (created_at);

-- Sandbox only: the SMS messages that would have been sent.
CREATE TABLE sms_outbox (
    id TEXT PRIMARY KEY NOT NULL,
    to_phone TEXT NOT NULL,
    body TEXT NOT NULL,
    sent_at TIMESTAMP NOT NULL
);
CREATE INDEX sms_outbox_phone ON sms_outbox (to_phone, sent_at);
