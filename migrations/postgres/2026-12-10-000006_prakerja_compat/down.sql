DROP TABLE seen_signatures;
ALTER TABLE partners DROP COLUMN signing_key_cipher;
