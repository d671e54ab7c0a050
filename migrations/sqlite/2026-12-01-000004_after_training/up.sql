-- After the training: the LPK's completion and certificates, the holder's review, surveys, OTP
-- challenges of the holder's own (sessions, payout-account confirmation) and the payout account.

-- Completion sets status and completed_at (columns of the purchase step); the score joins them.
ALTER TABLE vouchers ADD COLUMN score INTEGER CHECK (score BETWEEN 0 AND 100);
-- The holder's rating and review of the training, once, after completion.
ALTER TABLE vouchers ADD COLUMN rating INTEGER CHECK (rating BETWEEN 1 AND 5);
ALTER TABLE vouchers ADD COLUMN review TEXT;
ALTER TABLE vouchers ADD COLUMN reviewed_at TIMESTAMP;

-- Two certificates a training at most: the LPK's own and the national one, each once. A number is
-- unique among all certificates one LPK has issued.
CREATE TABLE certificates (
    id TEXT PRIMARY KEY NOT NULL,
    voucher_id TEXT NOT NULL REFERENCES vouchers (id),
    lpk_id TEXT NOT NULL REFERENCES partners (id),
    kind TEXT NOT NULL CHECK (kind IN ('lpk', 'national')),
    number TEXT NOT NULL,
    issued_at TIMESTAMP NOT NULL,
    url TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (voucher_id, kind),
    UNIQUE (lpk_id, number)
);

-- Each of the three evaluation surveys, once per holder.
CREATE TABLE surveys (
    participant_id TEXT NOT NULL REFERENCES participants (id),
    n INTEGER NOT NULL CHECK (n BETWEEN 1 AND 3),
    answers TEXT NOT NULL,
    submitted_at TIMESTAMP NOT NULL,
    PRIMARY KEY (participant_id, n)
);

-- An OTP sent to the holder's own phone for the holder's own act: a dashboard session, or the
-- confirmation of a payout account. The code is kept only as a keyed hash.
CREATE TABLE otp_challenges (
    id TEXT PRIMARY KEY NOT NULL,
    participant_id TEXT NOT NULL REFERENCES participants (id),
    purpose TEXT NOT NULL CHECK (purpose IN ('session', 'payout_account')),
    status TEXT NOT NULL CHECK (status IN ('otp_sent', 'passed', 'locked')),
    otp_hash TEXT,
    otp_expires_at TIMESTAMP NOT NULL,
    wrong_attempts INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    passed_at TIMESTAMP
);
CREATE INDEX otp_challenges_created ON otp_challenges (created_at);

-- The bank account or e-wallet incentives are paid to: one active at a time, each confirmed by an
-- OTP; the number only sealed (AES-256-GCM, the row id as associated data).
CREATE TABLE payout_accounts (
    id TEXT PRIMARY KEY NOT NULL,
    participant_id TEXT NOT NULL REFERENCES participants (id),
    challenge_id TEXT NOT NULL UNIQUE REFERENCES otp_challenges (id),
    kind TEXT NOT NULL CHECK (kind IN ('bank', 'gopay', 'ovo', 'linkaja')),
    bank_code TEXT,
    account_cipher TEXT NOT NULL,
    holder_name TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending_confirmation', 'active', 'replaced')),
    created_at TIMESTAMP NOT NULL,
    linked_at TIMESTAMP,
    replaced_at TIMESTAMP
);
CREATE INDEX payout_accounts_participant ON payout_accounts (participant_id, status);
CREATE UNIQUE INDEX payout_accounts_one_active ON payout_accounts (participant_id) WHERE status = 'active';
