-- Where a tenant's audit chain starts after retention removed older events:
-- the sequence number and hash of the last removed event.
CREATE TABLE audit_anchors (
    tenant_id TEXT PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
