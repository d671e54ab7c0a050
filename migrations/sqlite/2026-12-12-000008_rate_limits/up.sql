-- Request budgets that must hold across instances (card validations per platform, token requests
-- and holder sessions per address): one fixed-window counter per budget and key, bumped atomically.
CREATE TABLE rate_limits (
    bucket TEXT PRIMARY KEY,
    window_start BIGINT NOT NULL,
    hits BIGINT NOT NULL
);
