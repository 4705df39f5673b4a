-- Full sizes of the text an attempt received, beside the text as stored (cut to the suite's `max_stored_text_bytes`).
--
-- What an endpoint sends is stored cut to the suite's `max_stored_text_bytes` (64 KiB by
-- default), with a marker such as `…[truncated, 20971520 bytes in all]`. The full sizes
-- are kept beside the cut text. NULL where there was no such text (and in rows written
-- before this migration).
--
-- Numbered after 0010, which (in SQLite) rebuilds `attempts`: columns added before that
-- rebuild would be lost by it.
ALTER TABLE attempts ADD COLUMN content_bytes BIGINT;     -- length of the whole answer content
ALTER TABLE attempts ADD COLUMN tool_calls_bytes BIGINT;  -- length of the whole tool-calls JSON
ALTER TABLE attempts ADD COLUMN error_bytes BIGINT;       -- size of the error as sent (an HTTP error body's full size)
