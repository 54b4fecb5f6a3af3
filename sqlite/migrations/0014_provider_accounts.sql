-- Merchants' own accounts at payment providers (Stripe, Alipay, WeChat
-- Pay): settings holds their keys sealed under the master key, masked what
-- may be shown of them, as JSON.
CREATE TABLE provider_accounts (
	merchant_id TEXT NOT NULL REFERENCES merchants (id),
	provider    TEXT NOT NULL,
	mode        TEXT NOT NULL,
	account     TEXT NOT NULL,
	masked      TEXT NOT NULL,
	settings    BLOB NOT NULL,
	created_at  TEXT NOT NULL,
	updated_at  TEXT NOT NULL,
	PRIMARY KEY (merchant_id, provider)
);
