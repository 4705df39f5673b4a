-- Migration audit: the baseline each dataset is compared with, each case's input (shown
-- next to the answers that disagree with the baseline), and model-graded checks.

ALTER TABLE datasets ADD COLUMN baseline TEXT;            -- route or chain production uses today
ALTER TABLE cases ADD COLUMN input TEXT;                  -- the case's user messages, as sent

-- Requests a `judge` check sent to its judge route. Recorded like attempts but apart from
-- them, so a candidate's cost per accepted answer never includes what grading it cost.
CREATE TABLE judge_attempts (
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
    cost              REAL NOT NULL,
    cost_source       TEXT,
    latency_ms        REAL NOT NULL,
    started_at        INTEGER NOT NULL,
    UNIQUE (run_id, scoring, target, dataset, case_id, repeat, check_name, http_attempt)
);

-- Judge verdicts by what decides them: (rubric and case input, judge route, output).
-- A later run or a rescore that meets the same key reuses the verdict without a request.
CREATE TABLE judge_verdicts (
    cache_key   TEXT PRIMARY KEY,
    judge_route TEXT NOT NULL,
    check_name  TEXT NOT NULL,
    pass        INTEGER NOT NULL,
    score       REAL,                                 -- 1 to 5 on a five-point rubric
    reason      TEXT NOT NULL,
    run_id      TEXT NOT NULL,                        -- the run whose request produced it
    created_at  INTEGER NOT NULL                      -- unix ms
);
