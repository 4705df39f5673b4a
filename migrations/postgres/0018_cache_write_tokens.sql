-- The same as the SQLite migration.
-- Prompt tokens written to the provider's prompt cache
-- (`usage.prompt_tokens_details.cache_write_tokens`), billed at the catalog's
-- `input_cache_write` rate as cached reads are at `input_cache_read`; NULL when the
-- endpoint did not say (and in rows written before this migration).
--
-- https://openrouter.ai/docs/guides/administration/usage-accounting
ALTER TABLE attempts ADD COLUMN cache_write_tokens BIGINT;
