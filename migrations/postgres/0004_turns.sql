-- Multi-turn tool loops: each attempt's turn of the loop, made part of the attempt's unique key.
--
-- The turn is 0 for the first request of a case, and for every attempt of a single-turn
-- case. SQLite rebuilds `attempts` to change its UNIQUE constraint; PostgreSQL adds the
-- column (last, as in the rebuilt SQLite table) and swaps the constraint in place, every
-- row and id kept. The index `attempts_by_result` survives here as SQLite recreates it.

ALTER TABLE attempts ADD COLUMN turn BIGINT NOT NULL DEFAULT 0;

ALTER TABLE attempts DROP CONSTRAINT attempts_key;
ALTER TABLE attempts ADD CONSTRAINT attempts_key
    UNIQUE (run_id, target, dataset, case_id, repeat, chain_step, turn, try_index, http_attempt);
