-- Every audit event's chain head is signed with a key kept outside the
-- database (see audit_signing.rs); NULL for events recorded before signing.

ALTER TABLE audit_events ADD COLUMN signature TEXT;
