-- Route probes: a fixed battery of small requests per route (`routeval probe`), one
-- row per (probe run, route, probe). The latest row per (route, probe) is the route's
-- compatibility matrix; capability checks read it before a run sends anything.

CREATE TABLE probes (
    id          INTEGER PRIMARY KEY,
    run_at      INTEGER NOT NULL,          -- unix ms, shared by one `routeval probe`
    route       TEXT NOT NULL,
    model       TEXT NOT NULL,
    probe       TEXT NOT NULL,             -- auth, chat, stream, tools, json_schema, ...
    verdict     TEXT NOT NULL,             -- pass | fail | unsupported
    status      INTEGER,                   -- HTTP status, when one came back
    latency_ms  REAL NOT NULL,
    evidence    TEXT NOT NULL              -- what was seen: class, message, offending bytes
);

CREATE INDEX probes_latest ON probes (route, probe, run_at);
