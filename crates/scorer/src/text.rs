//! Text checks on the answer's content: exact, contains, regex, refusal, length; and
//! the result-level thresholds, latency and cost.

use crate::normalise::StrNorm;
use crate::Answer;
use regex::{Regex, RegexSet};
use routeval_core::scorer_spec::{
    ContainsCheck, CostCheck, ExactCheck, LatencyCheck, LengthCheck, RefusalCheck, RegexCheck,
};
use serde_json::Value;
use std::sync::LazyLock;

/// (pass, value, detail), as every check returns.
pub(crate) type Outcome = (bool, f64, Option<String>);

/// How far into an answer refusal phrasings are looked for: refusals come first, and
/// an answer that quotes "I can't" deep inside is not declining.
const REFUSAL_WINDOW: usize = 400;

/// Common ways models decline, matched case-insensitively near the start.
static REFUSALS: LazyLock<RegexSet> = LazyLock::new(|| {
    RegexSet::new([
        r"(?i)\bi(?: am|'m)? (?:so |very |really )?sorry,? (?:but )?i (?:can(?:'t|not)|won't|am unable|'m unable|am not able|'m not able)",
        r"(?i)\bi (?:can(?:'t|not)|won't|will not|am unable to|'m unable to|am not able to|'m not able to) (?:help|assist|comply|provide|do that|fulfil|fulfill|support|answer|share|create|generate|write|complete)",
        r"(?i)\bi(?: must|'d have to|'ll have to| have to) (?:respectfully )?decline\b",
        r"(?i)\b(?:unable|not able) to (?:help|assist|comply) with (?:that|this|your request)",
        r"(?i)\bas an ai(?: language model| assistant)?,? i (?:can(?:'t|not)|don't|am not|'m not)",
        r"(?i)\b(?:this|that|your) request (?:goes against|violates|is against) (?:my|our|the) (?:guidelines|policies|policy|usage policies)",
        r"(?i)\bi(?:'m| am) not (?:comfortable|permitted|allowed) (?:to |with )",
    ])
    .expect("refusal patterns compile")
});

/// Whether a text reads as a refusal (OpenAI's `refusal` field aside).
pub fn is_refusal(text: &str) -> bool {
    let head: String = text
        .chars()
        .take(REFUSAL_WINDOW)
        .map(|c| if c == '\u{2019}' { '\'' } else { c })
        .collect();
    REFUSALS.is_match(&head)
}

fn content<'a>(answer: &Answer<'a>) -> &'a str {
    answer.content.unwrap_or("")
}

pub(crate) fn exact(answer: &Answer<'_>, check: &ExactCheck, expected: Option<&Value>) -> Outcome {
    let want = match &check.value {
        Some(v) => v.as_str(),
        None => match expected {
            Some(Value::String(s)) => s.as_str(),
            Some(e) => match e.get("text").and_then(Value::as_str) {
                Some(s) => s,
                None => return (false, 0.0, Some("case has no expected text".into())),
            },
            None => return (false, 0.0, Some("case has no expected text".into())),
        },
    };
    let got = content(answer);
    if StrNorm::of(check).eq(want, got) {
        (true, 1.0, None)
    } else {
        (
            false,
            0.0,
            Some(format!(
                "expected {}, got {}",
                crate::checks::quote(want),
                crate::checks::quote(got)
            )),
        )
    }
}

pub(crate) fn contains(answer: &Answer<'_>, check: &ContainsCheck) -> Outcome {
    let norm = StrNorm::of(check);
    let text = norm.apply(content(answer));
    let hits: Vec<bool> = check
        .patterns
        .iter()
        .map(|p| text.contains(norm.apply(p).as_ref()))
        .collect();
    patterns_outcome(&check.patterns, check.negate, &hits, "contains", "lacks")
}

pub(crate) fn regex(answer: &Answer<'_>, check: &RegexCheck, compiled: &[Regex]) -> Outcome {
    let text = content(answer);
    let hits: Vec<bool> = compiled.iter().map(|re| re.is_match(text)).collect();
    patterns_outcome(
        &check.patterns,
        check.negate,
        &hits,
        "matches",
        "does not match",
    )
}

/// All patterns must hit (none, with `negate`); the detail names the ones that did not
/// behave.
fn patterns_outcome(
    patterns: &[String],
    negate: bool,
    hits: &[bool],
    verb: &str,
    negative: &str,
) -> Outcome {
    let n = hits.len().max(1) as f64;
    let good = hits.iter().filter(|h| **h != negate).count();
    let bad: Vec<String> = patterns
        .iter()
        .zip(hits)
        .filter(|(_, h)| **h == negate)
        .map(|(p, _)| format!("`{p}`"))
        .collect();
    if bad.is_empty() {
        (true, 1.0, None)
    } else if negate {
        (
            false,
            good as f64 / n,
            Some(format!("text {verb} {}", bad.join(", "))),
        )
    } else {
        (
            false,
            good as f64 / n,
            Some(format!("text {negative} {}", bad.join(", "))),
        )
    }
}

pub(crate) fn refusal(answer: &Answer<'_>, check: &RefusalCheck) -> Outcome {
    // An answer that calls tools is acting, not declining.
    let refused = answer.tool_calls.is_none_or(<[_]>::is_empty) && is_refusal(content(answer));
    match (refused, check.refuse) {
        (false, false) | (true, true) => (true, 1.0, None),
        (true, false) => (
            false,
            0.0,
            Some(format!(
                "answer is a refusal: {}",
                crate::checks::quote(content(answer))
            )),
        ),
        (false, true) => (false, 0.0, Some("expected a refusal, got an answer".into())),
    }
}

pub(crate) fn length(answer: &Answer<'_>, check: &LengthCheck) -> Outcome {
    let n = content(answer).chars().count();
    match (check.min_chars, check.max_chars) {
        (Some(lo), _) if n < lo => (false, 0.0, Some(format!("{n} chars, fewer than {lo}"))),
        (_, Some(hi)) if n > hi => (false, 0.0, Some(format!("{n} chars, more than {hi}"))),
        _ => (true, 1.0, None),
    }
}

pub(crate) fn latency(answer: &Answer<'_>, check: &LatencyCheck) -> Outcome {
    let max = check.max_ms;
    match answer.latency_ms {
        None => (false, 0.0, Some("no latency recorded".into())),
        Some(ms) if ms <= max => (true, 1.0, None),
        Some(ms) => (
            false,
            0.0,
            Some(format!("took {ms:.0} ms, more than {max:.0} ms")),
        ),
    }
}

pub(crate) fn cost(answer: &Answer<'_>, check: &CostCheck) -> Outcome {
    let max = check.max_usd;
    match answer.cost {
        None => (
            false,
            0.0,
            Some("cost unknown: none reported and no known price".into()),
        ),
        Some(usd) if usd <= max => (true, 1.0, None),
        Some(usd) => (
            false,
            0.0,
            Some(format!("cost ${usd:.6}, more than ${max:.6}")),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::is_refusal;

    #[test]
    fn common_refusals_are_detected() {
        for text in [
            "I'm sorry, but I can't help with that.",
            "I’m sorry, I cannot assist with this request.",
            "I can't provide that information.",
            "I cannot comply with this request.",
            "I am unable to help with that.",
            "I must decline this request.",
            "Sorry, I won't do that. I won't help with this.",
            "As an AI language model, I cannot browse the internet.",
            "This request violates my guidelines.",
            "I'm not comfortable with writing that.",
            "Unfortunately I'm not able to assist with that.",
        ] {
            assert!(is_refusal(text), "{text}");
        }
    }

    #[test]
    fn answers_are_not_refusals() {
        for text in [
            "{\"category\": \"billing\"}",
            "Sure! Here is the summary you asked for.",
            "I can help with that: your order ships Monday.",
            "The customer wrote: I can't log in.",
            "",
        ] {
            assert!(!is_refusal(text), "{text}");
        }
        let long = format!("{} I can't help with that.", "word ".repeat(200));
        assert!(
            !is_refusal(&long),
            "a phrase far from the start is quoted, not a refusal"
        );
    }
}
