-- API keys may expire and be revoked. A key with neither is valid forever;
-- revoked_at, once set, is never cleared.
ALTER TABLE api_keys ADD COLUMN expires_at timestamptz;
ALTER TABLE api_keys ADD COLUMN revoked_at timestamptz;
