DROP INDEX card_validations_otp_kept;
