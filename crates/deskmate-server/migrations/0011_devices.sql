-- Devices (SPEC §4): enrolled ones hold a key pair whose public half is kept
-- here; unenrolled ones are recorded from what the agent says when a signed-in
-- user shares from them. Devices join groups like users do, so assignments can
-- scope them. Enrolment tokens let an administrator enrol machines, and each
-- tenant has one compliance policy.

CREATE TABLE devices (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    install_id TEXT NOT NULL,
    name TEXT NOT NULL,
    name_lower TEXT NOT NULL,
    os_family TEXT NOT NULL DEFAULT '',
    os_name TEXT NOT NULL DEFAULT '',
    enrolled BIGINT NOT NULL DEFAULT 0,
    public_key TEXT,
    enrolled_at BIGINT,
    enrolment_token_id TEXT,
    inventory TEXT NOT NULL DEFAULT '{}',
    inventory_at BIGINT,
    inventory_compliant BIGINT NOT NULL DEFAULT 0,
    compliance_reasons TEXT NOT NULL DEFAULT '[]',
    last_report_at BIGINT NOT NULL DEFAULT 0,
    last_seen_at BIGINT NOT NULL,
    last_user_id TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (tenant_id, install_id)
);
CREATE INDEX devices_tenant_name ON devices (tenant_id, name_lower);
CREATE INDEX devices_tenant_seen ON devices (tenant_id, last_seen_at);

CREATE TABLE group_devices (
    group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    device_id TEXT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, device_id)
);
CREATE INDEX group_devices_device ON group_devices (device_id);

CREATE TABLE enrolment_tokens (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    created_by TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    max_uses BIGINT NOT NULL,
    uses BIGINT NOT NULL DEFAULT 0,
    revoked_at BIGINT
);
CREATE INDEX enrolment_tokens_tenant ON enrolment_tokens (tenant_id, created_at);

CREATE TABLE compliance_policies (
    tenant_id TEXT PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
    require_disk_encryption BIGINT NOT NULL DEFAULT 1,
    require_firewall BIGINT NOT NULL DEFAULT 1,
    require_screen_lock BIGINT NOT NULL DEFAULT 1,
    max_pending_security_updates BIGINT NOT NULL DEFAULT -1,
    max_report_age_days BIGINT NOT NULL DEFAULT 7,
    version BIGINT NOT NULL DEFAULT 1,
    updated_at BIGINT NOT NULL
);

ALTER TABLE remote_sessions ADD COLUMN device_id TEXT REFERENCES devices(id) ON DELETE SET NULL;
ALTER TABLE remote_sessions ADD COLUMN target_device_id TEXT REFERENCES devices(id) ON DELETE SET NULL;
CREATE INDEX remote_sessions_device ON remote_sessions (device_id);
