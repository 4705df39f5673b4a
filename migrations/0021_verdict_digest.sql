-- A fingerprint of each verdict as stored (whether it was accepted, its reason and error
-- class, and every score: check, pass, value and detail), so a rescore writes only the
-- verdicts that differ from the live ones. NULL on results written before it existed:
-- a rescore writes those in full, as it always did.
ALTER TABLE results ADD COLUMN verdict_digest INTEGER;

-- A rescore (`scoring = n`, n >= 1) stores only the verdicts that changed; these views
-- show each rescore whole: every result of the run as that scoring judged it, its own
-- row where it has one and the live one it kept otherwise (`kept_live`). Scores follow
-- the row shown (by its id).
CREATE VIEW rescored_results AS
SELECT n.scoring, r.scoring = 0 AS kept_live, r.id, r.run_id, r.target, r.target_kind,
       r.dataset, r.case_id, r.repeat, r.accepted, r.served_step, r.served_route, r.attempts,
       r.validation_retries, r.transport_retries, r.cost, r.latency_ms, r.ttft_ms,
       r.error_class, r.reason
FROM scorings n JOIN results r ON r.run_id = n.run_id
WHERE r.scoring = n.scoring
   OR (r.scoring = 0 AND NOT EXISTS (
        SELECT 1 FROM results c
        WHERE c.run_id = r.run_id AND c.scoring = n.scoring AND c.target = r.target
          AND c.dataset = r.dataset AND c.case_id = r.case_id AND c.repeat = r.repeat));

CREATE VIEW rescored_scores AS
SELECT v.run_id, v.scoring, v.target, v.dataset, v.case_id, v.repeat,
       c.name AS check_name, s.pass, s.value, s.detail
FROM rescored_results v JOIN scores s ON s.result_id = v.id JOIN checks c ON c.id = s.check_id;
