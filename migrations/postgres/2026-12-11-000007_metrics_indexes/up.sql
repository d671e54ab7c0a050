-- The metrics read these at every scrape: payments by status with their amounts, and the age of
-- the oldest pending webhook delivery, each from an index alone.
CREATE INDEX disbursements_status_amount ON disbursements (status, amount);
CREATE INDEX webhook_deliveries_pending_age ON webhook_deliveries (status, created_at);
