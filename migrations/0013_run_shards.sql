-- Runs split across processes or machines (`run --shard K/N --run-id ID`). Each shard
-- has its row: its own lease (one live process per shard), its status, and its
-- session count. The run is complete when all N shards are.
ALTER TABLE runs ADD COLUMN shards INTEGER;            -- N; NULL for a run in one process
-- The suite budget shared by the shards: each draws slices of it before sending, so
-- the run stays within it whatever the number of processes.
ALTER TABLE runs ADD COLUMN budget_usd REAL;
ALTER TABLE runs ADD COLUMN budget_drawn REAL NOT NULL DEFAULT 0;

CREATE TABLE run_shards (
    run_id           TEXT NOT NULL REFERENCES runs(id),
    shard            INTEGER NOT NULL,      -- K of K/N, from 1
    status           TEXT NOT NULL,         -- running | completed | interrupted | budget_exhausted | failed
    started_at       INTEGER NOT NULL,      -- unix ms
    finished_at      INTEGER,
    status_reason    TEXT,
    lease_owner      TEXT,                  -- host:pid:nonce of the holder
    lease_expires_at INTEGER,               -- unix ms
    sessions         INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, shard)
);
