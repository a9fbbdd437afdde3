-- Every refresh token an API sign-in session has spent. A session is one
-- token family (the chain of rotations from one sign-in): presenting any
-- spent token of it again revokes the whole session, however many
-- rotations ago it was spent.
CREATE TABLE spent_refresh_tokens (
    refresh_hash TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES auth_sessions(id) ON DELETE CASCADE,
    spent_at BIGINT NOT NULL
);
CREATE INDEX spent_refresh_tokens_session ON spent_refresh_tokens (session_id);
INSERT INTO spent_refresh_tokens (refresh_hash, session_id, spent_at)
    SELECT previous_refresh_hash, id, created_at FROM auth_sessions
    WHERE previous_refresh_hash IS NOT NULL;
