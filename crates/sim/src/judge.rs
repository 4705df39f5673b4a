//! A simulated judge: grades a reply the way a judge model would, from what the
//! simulator knows about the case. The policy-following reply of a case passes, its
//! known pitfall (a forbidden promise, a missed escalation) fails, and anything else
//! reads as off-topic. A judge errs like any model: its quality is how often it is right.

use crate::cases::CaseIndex;
use crate::profiles::ModelProfile;
use crate::rng::Draws;
use serde_json::{json, Value};

/// Whether a request asks for a judge's verdict (routeval's `judge_verdict` schema).
pub(crate) fn is_judge_request(response_format: Option<&Value>) -> bool {
    response_format
        .and_then(|rf| rf.pointer("/json_schema/name"))
        .and_then(Value::as_str)
        == Some("judge_verdict")
}

/// The section of the judge prompt under `# heading`, up to the next heading.
fn section<'a>(prompt: &'a str, heading: &str) -> Option<&'a str> {
    let start = prompt.find(&format!("# {heading}\n"))? + heading.len() + 3;
    let rest = &prompt[start..];
    let end = rest.find("\n\n# ").unwrap_or(rest.len());
    Some(rest[..end].trim())
}

/// The verdict, as JSON text.
pub(crate) fn verdict(cases: &CaseIndex, prompt: &str, judge: &ModelProfile, d: Draws) -> String {
    let customer = section(prompt, "Customer").unwrap_or_default();
    let reply = section(prompt, "Reply to grade").unwrap_or_default();
    let expected = cases
        .get(customer)
        .and_then(|(case, _)| case.expected.as_ref());
    let text = |key: &str| {
        expected
            .and_then(|e| e.get(key))
            .and_then(Value::as_str)
            .map(str::trim)
    };
    let (mut good, reason) = if text("reply") == Some(reply) {
        (
            true,
            "Follows the policy and tells the customer what happens next.",
        )
    } else if text("pitfall") == Some(reply) {
        (
            false,
            text("pitfall_reason").unwrap_or("Breaks the refund and escalation policy."),
        )
    } else {
        (
            false,
            "Does not address the customer's request under the policy.",
        )
    };
    // A judge is wrong now and then, more often the weaker it is.
    if d.unit("judge") > judge.quality.max(0.5) {
        good = !good;
    }
    let score = if good {
        4 + d.below("judge-score", 2)
    } else {
        1 + d.below("judge-score", 2)
    };
    json!({
        "verdict": if good { "pass" } else { "fail" },
        "score": score,
        "reason": reason,
    })
    .to_string()
}
