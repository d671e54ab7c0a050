-- The verify step's compare-and-set (`id = $1 AND status = $2 AND otp_hash = $3`) implies
-- `otp_hash IS NOT NULL`, so PostgreSQL could answer it from the old partial index instead of the
-- primary key, and did at national size: its statistics said almost no hash was kept (retention
-- had cleared them) while each new validation added one, so every verify walked all the kept
-- hashes (1,481 index entries a scan in the bench, growing until the next ANALYZE, which on a
-- 3,000,000-row table comes after 300,000 changes). Retention, the index's only reader, clears
-- used validations alone; with that status in the predicate, no lookup by id can use the index.
DROP INDEX card_validations_otp_kept;
CREATE INDEX card_validations_otp_kept ON card_validations (created_at)
    WHERE status = 'used' AND otp_hash IS NOT NULL;
