-- Custody and authorship (DESIGN §11). Every event names its author's
-- organisation, actor_org: the brand of a brand or partner key, the
-- merchant of a merchant key or of a checkout. merchant_id names the
-- merchant custody passes to: the one a receive or ship names, or the one
-- whose checkout moved the unit. Events recorded before take both from
-- their key, or from their checkout, whose id is their note; a merchant's
-- own receive named itself.
ALTER TABLE events ADD COLUMN actor_org TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN merchant_id TEXT NOT NULL DEFAULT '';
UPDATE events SET actor_org = coalesce(k.merchant_id, k.brand_id, '')
FROM api_keys AS k
WHERE k.id = events.actor;
UPDATE events SET actor_org = c.merchant_id, merchant_id = c.merchant_id
FROM checkouts AS c
WHERE c.id = events.note AND events.type IN ('reserve', 'unreserve', 'sell', 'refund');
UPDATE events SET merchant_id = actor_org WHERE type = 'receive' AND role = 'merchant';

-- A decision names the API key that made its checkout.
ALTER TABLE decisions ADD COLUMN key_id TEXT NOT NULL DEFAULT '';
