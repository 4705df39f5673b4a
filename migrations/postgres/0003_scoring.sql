-- Rescoring: each numbered set of verdicts (results.scoring / scores.scoring > 0) and what produced it.
--
-- So a re-graded run says which scorer gave which figures.

CREATE TABLE scorings (
    run_id     TEXT NOT NULL REFERENCES runs(id),
    scoring    BIGINT NOT NULL,              -- 1, 2, ...: the n-th rescore of the run
    created_at BIGINT NOT NULL,              -- unix ms
    source     TEXT NOT NULL,                -- which scorer specs graded it
    PRIMARY KEY (run_id, scoring)
);
