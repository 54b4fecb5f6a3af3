-- A batch's units with rows of their own are found through the units'
-- primary key, (gtin, seq): a batch is one product's range of sequence
-- numbers. units_batch_seq repeated that key and cost every reservation
-- and sale an index entry.
DROP INDEX units_batch_seq;
