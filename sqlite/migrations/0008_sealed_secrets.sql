-- Secrets are sealed (genuine.Sealer: AES-256-GCM) under a master key that
-- is not in the database. secrets holds sealed values by name: the check
-- value that tells a wrong master key, and providers' notification keys.
-- Signing keys stay in signing_keys, sealed too.
CREATE TABLE secrets (
	name  TEXT PRIMARY KEY,
	value BLOB NOT NULL
) WITHOUT ROWID;

-- The simulated provider's notification key moves here as it is; the first
-- start with a master key (genuine.OpenStore) seals it with every signing
-- key.
INSERT INTO secrets (name, value)
SELECT 'provider/simulated', data FROM provider_records
WHERE provider = 'simulated' AND key = 'secret';
DELETE FROM provider_records WHERE provider = 'simulated' AND key = 'secret';

-- A retired key mints no more; a revoked key's codes are refused.
ALTER TABLE signing_keys ADD COLUMN retired_at TEXT;
ALTER TABLE signing_keys ADD COLUMN revoked_at TEXT;
