-- Answered attempts per served provider, counted by each writer as it writes them (one
-- row per writer, so processes sharing a run never wait on one another's counts): the
-- history reads a night's providers here instead of scanning its attempts. Runs recorded
-- before are counted once, here.
CREATE TABLE run_providers (
    run_id   TEXT NOT NULL REFERENCES runs(id),
    writer   TEXT NOT NULL,                 -- host:pid:nonce of the writing process
    dataset  TEXT NOT NULL,
    target   TEXT NOT NULL,
    provider TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    PRIMARY KEY (run_id, writer, dataset, target, provider)
);

INSERT INTO run_providers (run_id, writer, dataset, target, provider, attempts)
SELECT run_id, 'migration', dataset, target, served_provider, COUNT(*) FROM attempts
WHERE error_class IS NULL AND served_provider IS NOT NULL
GROUP BY run_id, dataset, target, served_provider;
