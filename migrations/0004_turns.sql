-- Multi-turn tool loops: the turn of the loop each attempt belongs to (0 for the first
-- request of a case, and for every attempt of a single-turn case). The turn is part of
-- an attempt's identity, and SQLite cannot change a table's UNIQUE constraint in place:
-- the table is rebuilt with `turn` in the key, every row and id kept. Nothing references
-- `attempts`, so dropping the old table touches no other row.

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
    cost                 REAL NOT NULL,
    cost_source          TEXT,
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
    policy_violation, 0
FROM attempts;

DROP TABLE attempts;
ALTER TABLE attempts_new RENAME TO attempts;
CREATE INDEX attempts_by_result ON attempts (run_id, dataset, target, case_id, repeat);
