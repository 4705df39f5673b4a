-- The catalog's prompt-cache rates of each synced model (`pricing.input_cache_read`,
-- `pricing.input_cache_write`, USD per token), so a cost estimated from the synced
-- catalog prices cached tokens as the live one does; NULL when the catalog lists none
-- (the prompt rate applies).
--
-- https://openrouter.ai/docs/guides/administration/usage-accounting
ALTER TABLE models ADD COLUMN cache_read_price REAL;
ALTER TABLE models ADD COLUMN cache_write_price REAL;
