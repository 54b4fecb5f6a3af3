-- A merchant's time zone (IANA name), in which its pages and receipts show
-- times. Merchants made before it have '' and take their region's default.
ALTER TABLE merchants ADD COLUMN time_zone TEXT NOT NULL DEFAULT '';
