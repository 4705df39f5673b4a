-- What OpenRouter said about a failure, beside the message: the error's `metadata`
-- object as JSON (moderation `reasons`, `flagged_input`, `provider_name`, `model_slug`;
-- a provider error's `provider_name` and `raw`; `error_type`, `provider_code`), with a
-- model-availability error's `availability` object (`code`, `retryable`, `retry_after`,
-- `excluded_by`...) under the key `availability`. Redacted and cut to the suite's
-- `max_stored_text_bytes` like every other text an endpoint sends; NULL when the error
-- carried none (and in rows written before this migration).
--
-- https://openrouter.ai/docs/api/reference/errors-and-debugging
ALTER TABLE attempts ADD COLUMN error_metadata TEXT;
