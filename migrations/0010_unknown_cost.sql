-- Unknown price is unknown, not free. An attempt billed by an endpoint that reported no
-- cost, on a route with no known price (none in the suite, none in the catalog), has no
-- cost figure: it is stored as NULL, not 0, and so is every sum with such a part (a
-- result's cost, a judge's spend). An attempt that was never billed (connection refused,
-- an HTTP error with no usage) still costs 0.
--
-- SQLite cannot drop a NOT NULL constraint in place: `attempts`, `results` and
-- `judge_attempts` are rebuilt with `cost` nullable, every row and id kept. The
-- `result_scores` view reads `results`, so it is dropped first and made again after;
-- nothing else refers to these tables and none has an index of its own besides its
-- UNIQUE key.
--
-- The synced catalog says whether a model had a price at all: `priced = 0` rows list
-- 0 prices that mean "none listed", not free.

DROP VIEW result_scores;

CREATE TABLE attempts_new (
    id                   INTEGER PRIMARY KEY,
    run_id               TEXT NOT NULL REFERENCES runs(id),
    target               TEXT NOT NULL,
    route                TEXT NOT NULL,
    chain_step           INTEGER NOT NULL,
    dataset              TEXT NOT NULL,
    case_id              TEXT NOT NULL,
    repeat               INTEGER NOT NULL,
    try_index            INTEGER NOT NULL,
    http_attempt         INTEGER NOT NULL,
    request_id           TEXT NOT NULL,
    request_hash         TEXT NOT NULL,
    status               INTEGER,
    error_class          TEXT,
    error_message        TEXT,
    served_model         TEXT,
    served_provider      TEXT,
    generation_id        TEXT,
    prompt_tokens        INTEGER,
    completion_tokens    INTEGER,
    cached_tokens        INTEGER,
    reasoning_tokens     INTEGER,
    cost                 REAL,                 -- USD; NULL: billed, but no known price
    cost_source          TEXT,                 -- reported | catalog | generation | unknown
    latency_ms           REAL NOT NULL,
    ttft_ms              REAL,
    chunks               INTEGER,
    finish_reason        TEXT,
    native_finish_reason TEXT,
    content              TEXT,
    tool_calls_json      TEXT,
    retry_after_s        REAL,
    started_at           INTEGER NOT NULL,
    policy_violation     TEXT,
    turn                 INTEGER NOT NULL DEFAULT 0,
    UNIQUE (run_id, target, dataset, case_id, repeat, chain_step, turn, try_index, http_attempt)
);

INSERT INTO attempts_new (id, run_id, target, route, chain_step, dataset, case_id, repeat,
    try_index, http_attempt, request_id, request_hash, status, error_class, error_message,
    served_model, served_provider, generation_id, prompt_tokens, completion_tokens,
    cached_tokens, reasoning_tokens, cost, cost_source, latency_ms, ttft_ms, chunks,
    finish_reason, native_finish_reason, content, tool_calls_json, retry_after_s, started_at,
    policy_violation, turn)
SELECT id, run_id, target, route, chain_step, dataset, case_id, repeat,
    try_index, http_attempt, request_id, request_hash, status, error_class, error_message,
    served_model, served_provider, generation_id, prompt_tokens, completion_tokens,
    cached_tokens, reasoning_tokens, cost, cost_source, latency_ms, ttft_ms, chunks,
    finish_reason, native_finish_reason, content, tool_calls_json, retry_after_s, started_at,
    policy_violation, turn
FROM attempts ORDER BY id;

DROP TABLE attempts;
ALTER TABLE attempts_new RENAME TO attempts;

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
    cost               REAL,                        -- NULL when an attempt's is unknown
    latency_ms         REAL NOT NULL,
    ttft_ms            REAL,
    error_class        TEXT,
    reason             TEXT NOT NULL,
    UNIQUE (run_id, scoring, target, dataset, case_id, repeat)
);

INSERT INTO results_new (id, run_id, target, target_kind, dataset, case_id, repeat, scoring,
    accepted, served_step, served_route, attempts, validation_retries, transport_retries, cost,
    latency_ms, ttft_ms, error_class, reason)
SELECT id, run_id, target, target_kind, dataset, case_id, repeat, scoring,
    accepted, served_step, served_route, attempts, validation_retries, transport_retries, cost,
    latency_ms, ttft_ms, error_class, reason
FROM results ORDER BY id;

DROP TABLE results;
ALTER TABLE results_new RENAME TO results;

CREATE VIEW result_scores AS
SELECT r.run_id, r.target, r.dataset, r.case_id, r.repeat, r.scoring,
       c.name AS check_name, s.pass, s.value, s.detail
FROM scores s JOIN results r ON r.id = s.result_id JOIN checks c ON c.id = s.check_id;

CREATE TABLE judge_attempts_new (
    id                INTEGER PRIMARY KEY,
    run_id            TEXT NOT NULL REFERENCES runs(id),
    scoring           INTEGER NOT NULL DEFAULT 0,     -- 0 = live run; n = n-th rescore
    target            TEXT NOT NULL,                  -- the graded result's target
    dataset           TEXT NOT NULL,
    case_id           TEXT NOT NULL,
    repeat            INTEGER NOT NULL,
    check_name        TEXT NOT NULL,
    judge_route       TEXT NOT NULL,
    cache_key         TEXT NOT NULL,
    http_attempt      INTEGER NOT NULL,
    request_id        TEXT NOT NULL,
    status            INTEGER,
    error_class       TEXT,
    error_message     TEXT,
    served_model      TEXT,
    served_provider   TEXT,
    prompt_tokens     INTEGER,
    completion_tokens INTEGER,
    cost              REAL,                           -- NULL: billed, but no known price
    cost_source       TEXT,
    latency_ms        REAL NOT NULL,
    started_at        INTEGER NOT NULL,
    UNIQUE (run_id, scoring, target, dataset, case_id, repeat, check_name, http_attempt)
);

INSERT INTO judge_attempts_new (id, run_id, scoring, target, dataset, case_id, repeat,
    check_name, judge_route, cache_key, http_attempt, request_id, status, error_class,
    error_message, served_model, served_provider, prompt_tokens, completion_tokens, cost,
    cost_source, latency_ms, started_at)
SELECT id, run_id, scoring, target, dataset, case_id, repeat,
    check_name, judge_route, cache_key, http_attempt, request_id, status, error_class,
    error_message, served_model, served_provider, prompt_tokens, completion_tokens, cost,
    cost_source, latency_ms, started_at
FROM judge_attempts ORDER BY id;

DROP TABLE judge_attempts;
ALTER TABLE judge_attempts_new RENAME TO judge_attempts;

ALTER TABLE models ADD COLUMN priced INTEGER NOT NULL DEFAULT 1;
