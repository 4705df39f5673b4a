-- PostgreSQL only: there the result key's index now carries accepted, cost and latency
-- so a comparison or a history reads a night from the index alone. SQLite has no
-- INCLUDE columns, reads a night fast enough without them (a history of 100 nights in
-- under 9 s), and a second index would slow every write. The version is kept so both
-- databases stay at one schema version.
SELECT 1;
