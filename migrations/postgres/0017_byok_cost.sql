-- The same as the SQLite migration.
-- Bring-your-own-key generations: OpenRouter bills its fee (`usage.cost`) and the
-- provider bills the upstream inference on the user's own key
-- (`usage.cost_details.upstream_inference_cost`). An attempt's `cost` is then the real
-- spend, fee plus upstream; its parts are kept here. `is_byok` is what the answer (or
-- its generation stats) said, NULL when it said nothing (and in rows written before
-- this migration); `fee_cost` and `upstream_cost` are NULL unless it was BYOK.
--
-- https://openrouter.ai/docs/guides/administration/usage-accounting
ALTER TABLE attempts ADD COLUMN is_byok BOOLEAN;
ALTER TABLE attempts ADD COLUMN fee_cost DOUBLE PRECISION;
ALTER TABLE attempts ADD COLUMN upstream_cost DOUBLE PRECISION;
