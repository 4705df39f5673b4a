-- Scores keyed by their result's integer id. A score row used to repeat its result's
-- whole text key (run, target, dataset, case, repeat, scoring): nine rows per result
-- each copied, compared and indexed those strings, which made score rows most of what a
-- run and a rescore write. Results now carry `id INTEGER PRIMARY KEY` (their old key
-- stays UNIQUE, with the scoring moved up to follow the run), and a score is
-- (result_id, check_id) in a WITHOUT ROWID table, check names kept once in `checks`.
-- SQLite cannot add a primary key in place: both tables are rebuilt, every row kept.
-- `result_scores` shows scores with their result's key, as the old table did.

CREATE TABLE results_new (
    id                 INTEGER PRIMARY KEY,
    run_id             TEXT NOT NULL REFERENCES runs(id),
    target             TEXT NOT NULL,
    target_kind        TEXT NOT NULL,
    dataset            TEXT NOT NULL,
    case_id            TEXT NOT NULL,
    repeat             INTEGER NOT NULL,
    scoring            INTEGER NOT NULL DEFAULT 0,  -- 0 = graded live; n = n-th rescore
    accepted           INTEGER NOT NULL,
    served_step        INTEGER,
    served_route       TEXT,
    attempts           INTEGER NOT NULL,
    validation_retries INTEGER NOT NULL,
    transport_retries  INTEGER NOT NULL,
    cost               REAL NOT NULL,
    latency_ms         REAL NOT NULL,
    ttft_ms            REAL,
    error_class        TEXT,
    reason             TEXT NOT NULL,
    -- The scoring before the case: a rescore's results go in at the end of the index
    -- rather than between the live ones, and every read (one run, one scoring, in case
    -- order) still walks it in order.
    UNIQUE (run_id, scoring, target, dataset, case_id, repeat)
);

INSERT INTO results_new (id, run_id, target, target_kind, dataset, case_id, repeat, scoring,
    accepted, served_step, served_route, attempts, validation_retries, transport_retries, cost,
    latency_ms, ttft_ms, error_class, reason)
SELECT rowid, run_id, target, target_kind, dataset, case_id, repeat, scoring,
    accepted, served_step, served_route, attempts, validation_retries, transport_retries, cost,
    latency_ms, ttft_ms, error_class, reason
FROM results ORDER BY rowid;

-- Check names, each stored once: a score row holds the name's id.
CREATE TABLE checks (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

INSERT INTO checks (name) SELECT DISTINCT check_name FROM scores ORDER BY check_name;

CREATE TABLE scores_new (
    result_id  INTEGER NOT NULL,
    check_id   INTEGER NOT NULL,
    pass       INTEGER NOT NULL,
    value      REAL NOT NULL,
    detail     TEXT,
    PRIMARY KEY (result_id, check_id)
) WITHOUT ROWID;

INSERT INTO scores_new (result_id, check_id, pass, value, detail)
SELECT r.id, c.id, s.pass, s.value, s.detail
FROM scores s
JOIN results_new r ON r.run_id = s.run_id AND r.target = s.target AND r.dataset = s.dataset
    AND r.case_id = s.case_id AND r.repeat = s.repeat AND r.scoring = s.scoring
JOIN checks c ON c.name = s.check_name
ORDER BY r.id, c.id;

DROP TABLE scores;
DROP TABLE results;
ALTER TABLE results_new RENAME TO results;
ALTER TABLE scores_new RENAME TO scores;

CREATE VIEW result_scores AS
SELECT r.run_id, r.target, r.dataset, r.case_id, r.repeat, r.scoring,
       c.name AS check_name, s.pass, s.value, s.detail
FROM scores s JOIN results r ON r.id = s.result_id JOIN checks c ON c.id = s.check_id;

-- Attempts are found by the columns of their UNIQUE key's prefix (run, target, dataset,
-- case, repeat, then step, turn and round in the order a result's answer is looked up),
-- so this second index on the same columns only cost every insert a text B-tree.
DROP INDEX attempts_by_result;
