//! Re-grading stored results: a new verdict for each from the answer it used, without
//! calling any model. Failures that grading cannot undo (a timeout, a cut stream, a
//! refusal class from the endpoint) stay as they were; validation failures are
//! decided again by the new scorer.

use crate::{retry_scores, Answer, Scorer};
use rayon::prelude::*;
use routeval_core::{ErrorClass, ResultRecord};
use serde_json::Value;

/// One stored result and the answer it used.
pub struct RescoreItem<'a> {
    /// The live verdict (its scores are replaced).
    pub original: &'a ResultRecord,
    /// None when nothing answered (no served step).
    pub answer: Option<Answer<'a>>,
    pub expected: Option<&'a Value>,
}

/// Classes a scorer decides: they are re-decided on rescoring.
fn graded_class(class: ErrorClass) -> bool {
    matches!(
        class,
        ErrorClass::InvalidJson | ErrorClass::SchemaInvalid | ErrorClass::InvalidToolCall
    )
}

/// The new verdict on one stored result.
///
/// A multi-turn loop (`max_turns` > 1) is graded on every turn it played, and one stored
/// answer cannot replay it: its verdict is kept as it was.
pub fn rescore(scorer: &Scorer, item: &RescoreItem<'_>) -> ResultRecord {
    let o = item.original;
    let mut r = o.clone();
    if scorer.spec().max_turns > 1 {
        return r;
    }
    let Some(mut answer) = item.answer else {
        r.scores = retry_scores(o.attempts, o.validation_retries, o.transport_retries, false);
        r.accepted = false;
        return r;
    };
    answer.latency_ms = answer.latency_ms.or(Some(o.latency_ms));
    answer.cost = answer.cost.or(o.cost);
    let verdict = scorer.grade(answer, item.expected);
    match o.error_class.filter(|c| !graded_class(*c)) {
        Some(class) => {
            r.accepted = false;
            r.error_class = Some(class);
        }
        None => {
            r.accepted = verdict.accepted;
            r.error_class = if verdict.accepted {
                None
            } else {
                verdict.validation_failure.as_ref().map(|(c, _)| *c)
            };
            r.reason = verdict.reason.clone();
        }
    }
    r.scores = verdict.scores;
    r.scores.extend(retry_scores(
        o.attempts,
        o.validation_retries,
        o.transport_retries,
        r.accepted,
    ));
    r
}

/// Re-grade many stored results on all cores; output order follows input order.
pub fn rescore_batch(scorer: &Scorer, items: &[RescoreItem<'_>]) -> Vec<ResultRecord> {
    items.par_iter().map(|item| rescore(scorer, item)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use routeval_core::scorer_spec::ScorerSpec;
    use serde_json::json;
    use std::path::Path;

    fn original(class: Option<ErrorClass>) -> ResultRecord {
        ResultRecord {
            target: "t".into(),
            target_kind: "route".into(),
            dataset: "d".into(),
            case_id: "c".into(),
            repeat: 0,
            accepted: false,
            served_step: Some(0),
            served_route: Some("t".into()),
            attempts: 2,
            validation_retries: 1,
            transport_retries: 0,
            cost: Some(0.1),
            latency_ms: 900.0,
            ttft_ms: None,
            error_class: class,
            reason: "old".into(),
            scores: vec![],
        }
    }

    fn scorer(text: &str) -> Scorer {
        Scorer::new(
            ScorerSpec::parse(Path::new("s.toml"), text).unwrap(),
            None,
            None,
        )
        .unwrap()
    }

    #[test]
    fn validation_failures_are_decided_again_others_stay() {
        let s = scorer("[[checks]]\nkind = \"json\"\nlenient = true\n[[checks]]\nkind = \"latency\"\nmax_ms = 1000\n");
        let expected = json!({});
        let o = original(Some(ErrorClass::InvalidJson));
        let r = rescore(
            &s,
            &RescoreItem {
                original: &o,
                answer: Some(Answer::text("```json\n{}\n```")),
                expected: Some(&expected),
            },
        );
        assert!(r.accepted, "{r:?}");
        assert_eq!(r.error_class, None);
        assert!(
            r.scores.iter().any(|s| s.check == "latency" && s.pass),
            "result latency used"
        );
        assert!(r
            .scores
            .iter()
            .any(|s| s.check == "retries.needed" && !s.pass));

        let o = original(Some(ErrorClass::TimeoutIdle));
        let r = rescore(
            &s,
            &RescoreItem {
                original: &o,
                answer: Some(Answer::text("{}")),
                expected: None,
            },
        );
        assert!(!r.accepted);
        assert_eq!(r.error_class, Some(ErrorClass::TimeoutIdle));
        assert_eq!(r.reason, "old");

        let mut o = original(Some(ErrorClass::ServerError));
        o.served_step = None;
        let r = rescore_batch(
            &s,
            &[RescoreItem {
                original: &o,
                answer: None,
                expected: None,
            }],
        );
        assert!(!r[0].accepted);
        assert!(r[0].scores.iter().all(|s| s.check.starts_with("retries.")));
    }
}
