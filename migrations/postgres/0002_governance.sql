-- Governance: pairs refused before sending, served-provider policy violations, and the model catalog with its price history.

-- A (dataset, target) pair that a run did not send, and the rule that refused it.
CREATE TABLE exclusions (
    run_id   TEXT NOT NULL REFERENCES runs(id),
    dataset  TEXT NOT NULL,
    target   TEXT NOT NULL,
    rule     TEXT NOT NULL,             -- privacy.confidential.require_zdr, capability.tools, ...
    detail   TEXT NOT NULL,
    forced   BOOLEAN NOT NULL DEFAULT FALSE, -- true: refused by a capability check but run anyway (--force)
    PRIMARY KEY (run_id, dataset, target, rule)
);

-- Set when the provider that served an attempt is outside what its dataset's privacy
-- policy allows.
ALTER TABLE attempts ADD COLUMN policy_violation TEXT;

-- The latest catalog entry per (endpoint, model).
CREATE TABLE models (
    endpoint              TEXT NOT NULL,
    id                    TEXT NOT NULL,
    name                  TEXT,
    context_length        BIGINT,
    max_completion_tokens BIGINT,
    prompt_price          DOUBLE PRECISION NOT NULL,     -- USD per token
    completion_price      DOUBLE PRECISION NOT NULL,
    request_price         DOUBLE PRECISION NOT NULL,
    supported_parameters  TEXT NOT NULL,                 -- JSON array
    endpoints_json        TEXT,                          -- per-provider endpoints, where the catalog lists them
    synced_at             BIGINT NOT NULL,
    PRIMARY KEY (endpoint, id)
);

-- One row each time a model's price is first seen or changes.
CREATE TABLE model_prices (
    endpoint         TEXT NOT NULL,
    id               TEXT NOT NULL,
    prompt_price     DOUBLE PRECISION NOT NULL,
    completion_price DOUBLE PRECISION NOT NULL,
    request_price    DOUBLE PRECISION NOT NULL,
    seen_at          BIGINT NOT NULL,
    PRIMARY KEY (endpoint, id, seen_at)
);
