-- Chat sealed end to end: the body is the base64 of the ciphertext, which
-- only the session's two sides can read.
ALTER TABLE chat_messages ADD COLUMN sealed BIGINT NOT NULL DEFAULT 0;
