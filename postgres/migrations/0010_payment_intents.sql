-- A payment intent is a step between the store and a payment provider
-- (a refund of some of a checkout's items), written before the provider
-- is asked, so that the reconciler finishes what a crash interrupted. Its
-- id is our idempotency key at the provider. Items are the positions of
-- the checkout's items it names, as a JSON array.
CREATE TABLE payment_intents (
	id          text PRIMARY KEY,
	checkout_id text NOT NULL REFERENCES checkouts (id),
	kind        text NOT NULL CHECK (kind IN ('refund')),
	status      text NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
	items       text NOT NULL,
	amount      bigint NOT NULL CHECK (amount >= 0),
	currency    text NOT NULL,
	error       text NOT NULL DEFAULT '',
	created_at  timestamptz NOT NULL,
	updated_at  timestamptz NOT NULL
);

-- A refund looks for the intents of its checkout; the reconciler for the
-- pending ones, a handful among all.
CREATE INDEX payment_intents_checkout ON payment_intents (checkout_id, created_at, id);
CREATE INDEX payment_intents_pending ON payment_intents (created_at, id) WHERE status = 'pending';
