-- The same as the SQLite migration.
-- What made a run: `suite` (`routeval run`: a suite sent to its routes) or `graded`
-- (`routeval grade --db`: responses logged elsewhere, graded against a cases file). A
-- graded run has no suite to resume or rescore with; `compare` and `history` keep to
-- runs of one kind.
ALTER TABLE runs ADD COLUMN kind TEXT NOT NULL DEFAULT 'suite';
