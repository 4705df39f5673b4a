-- One live process per run: the lease a run's process holds and renews, why the run ended, and how many processes have taken it.
--
-- Another process may take the run over only once the lease has expired (its holder
-- stopped renewing: crashed or killed) or its holder is known to be gone.
ALTER TABLE runs ADD COLUMN lease_owner TEXT;          -- host:pid:nonce of the holder
ALTER TABLE runs ADD COLUMN lease_expires_at BIGINT;   -- unix ms
-- Why the run ended as it did: a failed run's error.
ALTER TABLE runs ADD COLUMN status_reason TEXT;
-- How many processes have taken it (1 until it is resumed): request ids carry this
-- number, so they stay unique within a run across resumes.
ALTER TABLE runs ADD COLUMN sessions BIGINT NOT NULL DEFAULT 0;
