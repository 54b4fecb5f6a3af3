-- A batch's units with rows of their own are found through the units'
-- primary key; the same change as sqlite/migrations/0004_units_by_product.sql.
DROP INDEX units_batch_seq;
