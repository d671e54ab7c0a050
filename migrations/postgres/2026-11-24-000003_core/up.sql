-- A partner's revocation stamp: tokens carry the generation they were issued under; rotating the
-- secret or disabling the partner moves it on, and older tokens stop working within seconds.
ALTER TABLE partners ADD COLUMN token_generation BIGINT NOT NULL DEFAULT 0;

-- Idempotency records now commit in the same transaction as the change they guard, so a request
-- cut off by a crash leaves either nothing or its finished answer, never a stuck "in progress".
-- Stored answers are short-lived (hours): the old table's rows are not carried over.
DROP TABLE idempotency_records;
CREATE TABLE idempotency_keys (
    caller_id TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('done', 'refused')),
    -- The use case's result or refusal as JSON, sealed (it can hold a secret or personal data).
    result TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (caller_id, idem_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
