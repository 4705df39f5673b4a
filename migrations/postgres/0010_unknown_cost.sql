-- Unknown price is unknown, not free: `cost` becomes nullable in attempts, results and judge_attempts; models get `priced`.
--
-- An attempt billed by an endpoint that reported no cost, on a route with no known price
-- (none in the suite, none in the catalog), has no cost figure: it is stored as NULL, not
-- 0, and so is every sum with such a part (a result's cost, a judge's spend). An attempt
-- that was never billed (connection refused, an HTTP error with no usage) still costs 0.
--
-- SQLite rebuilds the three tables to drop a NOT NULL; PostgreSQL drops it in place,
-- every row, id and column position kept. The view `result_scores` is dropped and made
-- again around the change, as in SQLite, so both backends end with the same definition.
--
-- The synced catalog says whether a model had a price at all: `priced = false` rows list
-- 0 prices that mean "none listed", not free. (The migration number 0009 is unused, as
-- in SQLite.)

DROP VIEW result_scores;

ALTER TABLE attempts ALTER COLUMN cost DROP NOT NULL;   -- USD; NULL: billed, but no known price

ALTER TABLE results ALTER COLUMN cost DROP NOT NULL;    -- NULL when an attempt's is unknown

CREATE VIEW result_scores AS
SELECT r.run_id, r.target, r.dataset, r.case_id, r.repeat, r.scoring,
       c.name AS check_name, s.pass, s.value, s.detail
FROM scores s JOIN results r ON r.id = s.result_id JOIN checks c ON c.id = s.check_id;

ALTER TABLE judge_attempts ALTER COLUMN cost DROP NOT NULL;  -- NULL: billed, but no known price

ALTER TABLE models ADD COLUMN priced BOOLEAN NOT NULL DEFAULT TRUE;
