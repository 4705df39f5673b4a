-- The same as the SQLite migration, with BIGINT.
-- Each run's suite as its TOML source and the schema version it was written for, so an
-- old run is re-read with the current parser (old keys renamed first) rather than from a
-- serialized snapshot tied to one build's types. NULL for runs recorded before; their
-- `config_json` is read instead.
ALTER TABLE runs ADD COLUMN suite_toml TEXT;
ALTER TABLE runs ADD COLUMN suite_schema BIGINT;
