-- Tenants choose whether sessions without end-to-end encryption are allowed
-- (default: refused); each redeemed session records whether it was
-- encrypted end to end (NULL: not redeemed, or from before this was kept).
ALTER TABLE tenant_settings ADD COLUMN allow_unencrypted_sessions BIGINT NOT NULL DEFAULT 0;
ALTER TABLE remote_sessions ADD COLUMN encrypted BIGINT;
-- Finding sessions nobody joined in time, and those left over at start-up.
CREATE INDEX remote_sessions_state ON remote_sessions (state, redeemed_at);
