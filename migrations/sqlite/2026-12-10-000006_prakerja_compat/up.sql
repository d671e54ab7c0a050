-- The Prakerja-compatible LPK endpoints: each LPK's request-signing key, and the signatures
-- already accepted, so a captured request cannot be sent again.

-- HMAC needs the raw key, so it is sealed (AES-256-GCM, the partner id as associated data), not
-- hashed like the client secret. NULL for admins and platforms, and for an LPK registered before
-- this migration until its key is rotated.
ALTER TABLE partners ADD COLUMN signing_key_cipher TEXT;

-- A signature accepted once within its timestamp's window. The primary key is the dedupe: two
-- instances receiving the same request race on the insert and one loses. Rows whose timestamp has
-- left the window are purged (they could not be accepted again anyway).
CREATE TABLE seen_signatures (
    partner_id TEXT NOT NULL REFERENCES partners (id),
    signature TEXT NOT NULL,
    signed_at TIMESTAMP NOT NULL,
    seen_at TIMESTAMP NOT NULL,
    PRIMARY KEY (partner_id, signature)
);
CREATE INDEX seen_signatures_signed_at ON seen_signatures (signed_at);
