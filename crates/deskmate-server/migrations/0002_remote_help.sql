-- Remote-help sessions (one row from code issue to end), their chat, and the
-- tamper-evident audit log. Same portability rules as 0001.

CREATE TABLE remote_sessions (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    helper_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    sharer_id TEXT REFERENCES users(id) ON DELETE SET NULL,
    code_hash TEXT NOT NULL UNIQUE,
    code_expires_at BIGINT NOT NULL,
    state TEXT NOT NULL,
    device_name TEXT,
    device_os TEXT,
    device_enrolled BIGINT NOT NULL DEFAULT 0,
    granted_permissions TEXT NOT NULL DEFAULT '',
    requested_mode TEXT,
    mode TEXT,
    elevation_used BIGINT NOT NULL DEFAULT 0,
    chat_used BIGINT NOT NULL DEFAULT 0,
    refusal TEXT,
    ended_by TEXT,
    created_at BIGINT NOT NULL,
    redeemed_at BIGINT,
    started_at BIGINT,
    ended_at BIGINT
);
CREATE INDEX remote_sessions_tenant_created ON remote_sessions (tenant_id, created_at);
CREATE INDEX remote_sessions_helper ON remote_sessions (helper_id);

CREATE TABLE chat_messages (
    session_id TEXT NOT NULL REFERENCES remote_sessions(id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    sender TEXT NOT NULL,
    body TEXT NOT NULL,
    sent_at BIGINT NOT NULL,
    PRIMARY KEY (session_id, seq)
);

CREATE TABLE audit_events (
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    at BIGINT NOT NULL,
    actor_id TEXT,
    action TEXT NOT NULL,
    target TEXT,
    detail TEXT NOT NULL,
    source_addr TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);
CREATE INDEX audit_events_tenant_at ON audit_events (tenant_id, at);
