DROP TABLE idempotency_keys;
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
ALTER TABLE partners DROP COLUMN token_generation;
