-- Audited writes append here, in their own transaction, without touching the chain head: the
-- head was one row every purchase, redeem and registration updated and held until its commit,
-- which serialised them all (on PostgreSQL the purchase's write rate fell from about TPC-B's to
-- 0.38 of it). The sealer moves committed rows into audit_events in id order, numbering and
-- hashing them under the head's lock; audit_events stays the one chain that is read and verified.
CREATE TABLE audit_inbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    occurred_at TIMESTAMP NOT NULL,
    actor_id TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    action TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id TEXT NOT NULL,
    details TEXT NOT NULL,
    request_id TEXT
);
