-- When an endpoint's current run of failures began: it is disabled only after failing both
-- many times in a row and for a long time, so a burst of failed deliveries during a brief
-- outage does not disable it.
ALTER TABLE webhook_endpoints ADD COLUMN failing_since TIMESTAMP;
