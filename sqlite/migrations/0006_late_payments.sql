-- The reconciler looked for payments that landed on a closed checkout
-- through checkouts_status_payment, an index of every checkout's status,
-- payment status and update time, which every checkout wrote and every
-- payment rewrote, and which nothing else searched (the unpaid checkouts
-- are found through checkouts_status_deadline). A partial index holds
-- those late payments alone: a checkout enters it only when a payment
-- lands after it ended, which is rare. The query of late payments names
-- the index's condition in its text (latePaid), as SQLite requires to use
-- a partial index. `genuine bench --scenario checkout`: one index page
-- fewer in every group commit's WAL frames.
--
-- The unpaid checkouts are read in the order of their deadline, then of
-- their id, 500 at a time; checkouts_status_deadline now holds the id too,
-- so that they are read in that order and no more than the 500 are read
-- (checkoutsQuery).
DROP INDEX checkouts_status_payment;
DROP INDEX checkouts_status_deadline;
CREATE INDEX checkouts_status_deadline ON checkouts (status, deadline, id);
CREATE INDEX checkouts_paid_late ON checkouts (deadline, id)
	WHERE payment_status = 'paid' AND status IN ('expired', 'canceled', 'failed');
