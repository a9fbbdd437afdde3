-- Browser sign-in for native clients (OAuth 2.0 device authorisation grant,
-- RFC 8628): the client holds the device code (stored hashed), the person
-- approves the short user code in the web app while signed in.
CREATE TABLE device_authorizations (
    id TEXT PRIMARY KEY,
    device_code_hash TEXT NOT NULL UNIQUE,
    user_code TEXT NOT NULL UNIQUE,
    client_name TEXT NOT NULL,
    source_addr TEXT NOT NULL,
    status TEXT NOT NULL,
    tenant_id TEXT REFERENCES tenants(id) ON DELETE CASCADE,
    user_id TEXT REFERENCES users(id) ON DELETE CASCADE,
    interval_secs BIGINT NOT NULL,
    last_poll_at BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX device_authorizations_expiry ON device_authorizations (expires_at);
