DROP TABLE events;
DROP TABLE attendance;
DROP TABLE vouchers;
DROP TABLE otp_sends;
DROP TABLE card_validations;
