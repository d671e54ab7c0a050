-- Retention clears the OTP hash of used validations past their keep-time. Through the plain
-- created_at index that visits every old validation on every run, millions at national size and
-- growing, though nearly all were cleared long ago; indexed only while a hash is still kept, the
-- run reads the few it has to clear.
CREATE INDEX card_validations_otp_kept ON card_validations (created_at) WHERE otp_hash IS NOT NULL;
