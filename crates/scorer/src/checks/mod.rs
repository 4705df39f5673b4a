//! The checks a scorer spec can name, one module per kind, and the accept rule over
//! them. [`grade`] hands each check of the spec to its kind's module; a new kind is a
//! variant of [`CheckSpec`] and a module here.

mod contains;
mod cost;
mod enum_;
mod exact;
mod fields;
mod json;
pub(crate) mod judge;
mod latency;
mod length;
mod recovery;
pub(crate) mod refusal;
mod regex;
mod schema;
mod stopping;
#[cfg(test)]
mod tests;
mod tool_calls;

use crate::tool_match::ToolSet;
use crate::turns::Turn;
use crate::{Answer, Scorer, Verdict};
use json::Parsed;
use routeval_core::scorer_spec::CheckSpec;
use routeval_core::{ErrorClass, ScoreRecord};
use serde_json::Value;

pub(crate) use json::NOT_JSON;

/// How many problems (schema violations, field mismatches) a detail lists before it
/// says "and N more".
const MAX_VIOLATIONS: usize = 5;

/// A check's own row: pass, value (0 to 1), detail.
pub(crate) type Row = (bool, f64, Option<String>);

/// What grading one check gives.
pub(crate) struct Outcome {
    pub pass: bool,
    pub value: f64,
    pub detail: Option<String>,
    /// Rows recorded just before the check's own: per field, per turn, strictness.
    pub rows: Vec<ScoreRecord>,
    /// A problem a retry can feed back to the model (arguments that break a tool's
    /// schema), besides the failures of the reference-free checks.
    pub feedback: Option<(ErrorClass, String)>,
}

impl From<Row> for Outcome {
    fn from((pass, value, detail): Row) -> Self {
        Self {
            pass,
            value,
            detail,
            rows: Vec::new(),
            feedback: None,
        }
    }
}

/// One answer under grading, as every check sees it.
pub(crate) struct Input<'a> {
    pub scorer: &'a Scorer,
    /// The tools the case offers (the dataset's, or the case's own).
    pub tools: &'a ToolSet,
    pub answer: Answer<'a>,
    pub expected: Option<&'a Value>,
    /// The multi-turn loop being graded, if any; `answer` is its last turn.
    pub turns: Option<&'a [Turn]>,
    /// The loop as played: a single answer is a loop of one turn.
    pub played: &'a [Turn],
    /// The content parsed as JSON once, for every check that reads it.
    pub parsed: &'a Parsed,
}

impl<'a> Input<'a> {
    /// The answer's text; empty when there is none.
    pub fn content(&self) -> &'a str {
        self.answer.content.unwrap_or("")
    }
}

/// Grade one answer; with `turns`, a multi-turn loop whose last turn is `answer`.
pub(crate) fn grade(
    scorer: &Scorer,
    tools: &ToolSet,
    answer: Answer<'_>,
    expected: Option<&Value>,
    turns: Option<&[Turn]>,
) -> Verdict {
    let spec = scorer.spec();
    // A single answer is a loop of one turn for the loop checks.
    let single;
    let played: &[Turn] = match turns {
        Some(t) => t,
        None => {
            single = [Turn {
                content: answer.content.map(String::from),
                tool_calls: answer.tool_calls.unwrap_or_default().to_vec(),
                tool_error: false,
            }];
            &single
        }
    };
    // Mid-loop (the answer calls tools), only the calls can be fed back: content checks
    // grade the final answer.
    let mid_loop = turns.is_some() && !answer.tool_calls.unwrap_or_default().is_empty();
    let mut scores = Vec::with_capacity(spec.checks.len() + 4);
    let parsed = json::parse_for(&spec.checks, answer.content);
    let input = Input {
        scorer,
        tools,
        answer,
        expected,
        turns,
        played,
        parsed: &parsed,
    };
    let mut validation_failure = None;
    // (name, pass, value) per spec check, for the accept rule.
    let mut outcomes: Vec<(&str, bool, f64)> = Vec::with_capacity(spec.checks.len());

    for (index, check) in spec.checks.iter().enumerate() {
        let name = check.name();
        let outcome: Outcome = match check {
            CheckSpec::Json(c) => json::grade(c, name, &input),
            CheckSpec::Schema(_) => schema::grade(&input).into(),
            CheckSpec::Enum(c) => enum_::grade(c, name, &input),
            CheckSpec::Fields(c) => fields::grade(c, &input).into(),
            CheckSpec::ToolCalls(c) => tool_calls::grade(c, name, &input),
            CheckSpec::Exact(c) => exact::grade(c, &input).into(),
            CheckSpec::Contains(c) => contains::grade(c, &input).into(),
            CheckSpec::Regex(c) => regex::grade(c, &input, &scorer.regexes[index]).into(),
            CheckSpec::Refusal(c) => refusal::grade(c, &input).into(),
            CheckSpec::Length(c) => length::grade(c, &input).into(),
            CheckSpec::Latency(c) => latency::grade(c, &input).into(),
            CheckSpec::Cost(c) => cost::grade(c, &input).into(),
            CheckSpec::Recovery(c) => recovery::grade(c, &input).into(),
            CheckSpec::Stopping(_) => stopping::grade(&input).into(),
            CheckSpec::Judge(c) => judge::grade(c).into(),
        };
        let Outcome {
            pass,
            value,
            detail,
            rows,
            feedback,
        } = outcome;
        scores.extend(rows);
        if let Some(feedback) = feedback {
            validation_failure.get_or_insert(feedback);
        }
        if !pass && check.kind().is_validation() && validation_failure.is_none() && !mid_loop {
            let class = match check {
                CheckSpec::Json(_) => ErrorClass::InvalidJson,
                _ => ErrorClass::SchemaInvalid,
            };
            validation_failure = Some((class, detail.clone().unwrap_or_default()));
        }
        outcomes.push((name, pass, value));
        scores.push(ScoreRecord {
            check: name.to_string(),
            pass,
            value,
            detail,
        });
    }

    let (accepted, reason) = accept(scorer, &outcomes, &scores);
    Verdict {
        accepted,
        scores,
        validation_failure,
        reason,
    }
}

/// The accept rule: required checks pass, and with a threshold the weighted mean of
/// check values reaches it. The reason says which part decided.
pub(crate) fn accept(
    scorer: &Scorer,
    outcomes: &[(&str, bool, f64)],
    scores: &[ScoreRecord],
) -> (bool, String) {
    let spec = scorer.spec();
    let failed: Vec<&str> = outcomes
        .iter()
        .filter(|(name, pass, _)| !pass && spec.is_required(name))
        .map(|(name, _, _)| *name)
        .collect();
    let detail_of = |name: &str| {
        scores
            .iter()
            .find(|s| s.check == name)
            .and_then(|s| s.detail.as_deref())
            .unwrap_or("")
            .to_string()
    };
    if let Some(first) = failed.first() {
        return (
            false,
            format!(
                "failed {}: {}",
                failed.join(", "),
                truncate(&detail_of(first), 200)
            ),
        );
    }
    let Some(threshold) = spec.accept.threshold else {
        return (true, "accepted".into());
    };
    let (sum, total) = outcomes
        .iter()
        .fold((0.0, 0.0), |(s, t), (name, _, value)| {
            let w = spec.weight(name);
            (s + w * value, t + w)
        });
    let score = if total > 0.0 { sum / total } else { 0.0 };
    let other_failures: Vec<&str> = outcomes
        .iter()
        .filter(|(_, pass, _)| !pass)
        .map(|(name, _, _)| *name)
        .collect();
    let failures = if other_failures.is_empty() {
        String::new()
    } else {
        format!(
            "; failed {}: {}",
            other_failures.join(", "),
            truncate(&detail_of(other_failures[0]), 160)
        )
    };
    // A small epsilon so that 0.8 reached by summing weights is not read as 0.7999.
    if score + 1e-9 >= threshold {
        (
            true,
            format!("accepted: weighted score {score:.2} >= {threshold:.2}{failures}"),
        )
    } else {
        (
            false,
            format!("weighted score {score:.2} below threshold {threshold:.2}{failures}"),
        )
    }
}

/// All patterns must hit (none, with `negate`); the detail names the ones that did not
/// behave.
pub(super) fn patterns_outcome(
    patterns: &[String],
    negate: bool,
    hits: &[bool],
    verb: &str,
    negative: &str,
) -> Row {
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

pub(super) fn show(v: Option<&Value>) -> String {
    match v {
        None => "nothing".into(),
        Some(v) => truncate(&v.to_string(), 60),
    }
}

/// A string shown in a detail: JSON-quoted and cut short.
pub(crate) fn quote(s: &str) -> String {
    truncate(&Value::String(s.to_string()).to_string(), 80)
}

pub(crate) fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let cut: String = s.chars().take(max).collect();
        format!("{cut}…")
    }
}
