-- The rows every reservation and sale writes — a unit's own row, its
-- event, the decision and the unit's last located scan — no longer check
-- their references to brands, merchants, products and batches. Such a
-- check locks the row it finds (FOR KEY SHARE), and every checkout of a
-- brand, a product, a batch finds the same few rows: many transactions
-- locking one row make PostgreSQL record them as a multixact, a cost every
-- checkout shared. Nothing is ever deleted from the tables referred to, and
-- genuine writes these rows only from a batch, product and merchant it has
-- just read. A checkout still checks its merchant (CreateCheckout's
-- ENotFound), once per checkout. SQLite's checks take no locks, so
-- sqlite/migrations/0005_hot_references.sql keeps them.
ALTER TABLE units DROP CONSTRAINT units_gtin_fkey;
ALTER TABLE units DROP CONSTRAINT units_batch_id_fkey;
ALTER TABLE events DROP CONSTRAINT events_brand_id_fkey;
ALTER TABLE events DROP CONSTRAINT events_batch_id_fkey;
ALTER TABLE events DROP CONSTRAINT events_gtin_fkey;
ALTER TABLE decisions DROP CONSTRAINT decisions_brand_id_fkey;
ALTER TABLE decisions DROP CONSTRAINT decisions_merchant_id_fkey;
ALTER TABLE unit_scans DROP CONSTRAINT unit_scans_gtin_fkey;
