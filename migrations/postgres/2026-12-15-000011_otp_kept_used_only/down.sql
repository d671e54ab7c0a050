DROP INDEX card_validations_otp_kept;
CREATE INDEX card_validations_otp_kept ON card_validations (created_at) WHERE otp_hash IS NOT NULL;
