-- Browser sessions, each opened with an API key: hash is the SHA-256 hash
-- of the session's token, which only the browser holds.
CREATE TABLE sessions (
	hash       bytea PRIMARY KEY,
	key_id     text NOT NULL REFERENCES api_keys (id),
	created_at timestamptz NOT NULL,
	expires_at timestamptz NOT NULL
);

-- For pruning expired sessions.
CREATE INDEX sessions_expires_at ON sessions (expires_at);
