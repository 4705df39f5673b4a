-- The same as the SQLite migration.
-- Every provider OpenRouter tried for a generation, as its generation stats list them
-- (`provider_responses`: each attempt's `provider_name`, `status`, `latency`...), as
-- JSON, redacted and cut like every other text an endpoint sends. When the stats
-- disagree with the response, the stats' figures are the attempt's `cost` and
-- `served_provider` and the response's are kept here: `response_cost`,
-- `response_provider` (NULL when they agree, or no stats were read).
--
-- https://openrouter.ai/docs/api/reference/overview ("Querying cost and stats")
ALTER TABLE attempts ADD COLUMN provider_responses TEXT;
ALTER TABLE attempts ADD COLUMN response_cost DOUBLE PRECISION;
ALTER TABLE attempts ADD COLUMN response_provider TEXT;
