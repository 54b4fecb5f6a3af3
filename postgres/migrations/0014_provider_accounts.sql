-- Merchants' own accounts at payment providers (Stripe, Alipay, WeChat
-- Pay): settings holds their keys sealed under the master key, masked what
-- may be shown of them, as JSON.
CREATE TABLE provider_accounts (
	merchant_id text NOT NULL REFERENCES merchants (id),
	provider    text NOT NULL,
	mode        text NOT NULL,
	account     text NOT NULL,
	masked      text NOT NULL,
	settings    bytea NOT NULL,
	created_at  timestamptz NOT NULL,
	updated_at  timestamptz NOT NULL,
	PRIMARY KEY (merchant_id, provider)
);
