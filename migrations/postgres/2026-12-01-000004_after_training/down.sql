DROP TABLE payout_accounts;
DROP TABLE otp_challenges;
DROP TABLE surveys;
DROP TABLE certificates;
ALTER TABLE vouchers DROP COLUMN reviewed_at;
ALTER TABLE vouchers DROP COLUMN review;
ALTER TABLE vouchers DROP COLUMN rating;
ALTER TABLE vouchers DROP COLUMN score;
