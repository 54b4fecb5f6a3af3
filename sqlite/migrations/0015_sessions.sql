-- Browser sessions, each opened with an API key: hash is the SHA-256 hash
-- of the session's token, which only the browser holds.
CREATE TABLE sessions (
	hash       BLOB PRIMARY KEY,
	key_id     TEXT NOT NULL REFERENCES api_keys (id),
	created_at TEXT NOT NULL,
	expires_at TEXT NOT NULL
);

-- For pruning expired sessions.
CREATE INDEX sessions_expires_at ON sessions (expires_at);
