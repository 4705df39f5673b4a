-- routeval results database. One row per HTTP attempt, one per verdict, one per check.
-- Unique keys make a resumed run idempotent: a result is written once, with its
-- attempts and scores, in one transaction.

CREATE TABLE runs (
    id            TEXT PRIMARY KEY,
    suite         TEXT NOT NULL,
    suite_path    TEXT NOT NULL,
    started_at    INTEGER NOT NULL,          -- unix ms
    finished_at   INTEGER,
    status        TEXT NOT NULL,             -- running | completed | interrupted | budget_exhausted | failed
    config_json   TEXT NOT NULL,             -- the suite as run (no secrets: keys live in env vars)
    config_hash   TEXT NOT NULL,
    git_rev       TEXT,
    simulated     INTEGER NOT NULL DEFAULT 0,
    note          TEXT
);

CREATE TABLE targets (
    run_id     TEXT NOT NULL REFERENCES runs(id),
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL,                -- route | chain
    spec_json  TEXT NOT NULL,
    spec_hash  TEXT NOT NULL,
    PRIMARY KEY (run_id, name)
);

CREATE TABLE datasets (
    run_id      TEXT NOT NULL REFERENCES runs(id),
    name        TEXT NOT NULL,
    task        TEXT NOT NULL,
    privacy     TEXT NOT NULL,
    scorer_path TEXT NOT NULL,
    min_acceptance REAL NOT NULL,
    case_count  INTEGER NOT NULL,
    PRIMARY KEY (run_id, name)
);

CREATE TABLE cases (
    run_id       TEXT NOT NULL REFERENCES runs(id),
    dataset      TEXT NOT NULL,
    case_id      TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    tags_json    TEXT NOT NULL,
    expected_json TEXT,
    PRIMARY KEY (run_id, dataset, case_id)
);

CREATE TABLE attempts (
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
    UNIQUE (run_id, target, dataset, case_id, repeat, chain_step, try_index, http_attempt)
);

CREATE TABLE results (
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
    PRIMARY KEY (run_id, target, dataset, case_id, repeat, scoring)
);

CREATE TABLE scores (
    run_id    TEXT NOT NULL,
    target    TEXT NOT NULL,
    dataset   TEXT NOT NULL,
    case_id   TEXT NOT NULL,
    repeat    INTEGER NOT NULL,
    scoring   INTEGER NOT NULL DEFAULT 0,
    check_name TEXT NOT NULL,
    pass      INTEGER NOT NULL,
    value     REAL NOT NULL,
    detail    TEXT,
    PRIMARY KEY (run_id, target, dataset, case_id, repeat, scoring, check_name)
);

CREATE INDEX attempts_by_result ON attempts (run_id, dataset, target, case_id, repeat);
