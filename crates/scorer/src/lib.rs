//! Grading: turns a response and a case's reference answer into check verdicts and
//! an accept decision. Pure functions, no I/O; [`grade_batch`] re-grades many
//! responses on all cores with rayon.

mod bfcl;
mod checks;
mod json_extract;
pub mod judge;
mod normalise;
mod rescore;
mod schema_cache;
mod tool_match;
mod turns;

pub use checks::refusal::is_refusal;
pub use json_extract::extract_json;
pub use normalise::{normalise_str, parse_date, StrNorm};
pub use rescore::{rescore, rescore_batch, RescoreItem};
pub use tool_match::{match_tool_calls, match_tool_calls_by, ToolMatch, ToolSet};
pub use turns::Turn;

use rayon::prelude::*;
use routeval_core::message::ToolCall;
use routeval_core::scorer_spec::{CheckSpec, ScorerSpec};
use routeval_core::{ErrorClass, LoadError, ScoreRecord};
use serde_json::Value;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum ScorerError {
    #[error("{path}: invalid JSON Schema: {message}")]
    InvalidSchema { path: String, message: String },
    #[error("{path}: tool `{tool}` has an invalid parameters schema: {message}")]
    InvalidToolSchema {
        path: String,
        tool: String,
        message: String,
    },
    #[error("{path}: a `{check}` check needs {what}")]
    Missing {
        path: String,
        check: String,
        what: &'static str,
    },
    /// A problem in the spec found when compiling it (a regex that does not compile).
    #[error(transparent)]
    Spec(#[from] LoadError),
}

/// What the model answered, as the scorer needs it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Answer<'a> {
    pub content: Option<&'a str>,
    pub tool_calls: Option<&'a [ToolCall]>,
    /// Wall time of the result, retries included, for `latency` checks.
    pub latency_ms: Option<f64>,
    /// Spend of the result in USD, retries included, for `cost` checks.
    pub cost: Option<f64>,
}

impl<'a> Answer<'a> {
    pub fn text(content: &'a str) -> Self {
        Self {
            content: Some(content),
            ..Self::default()
        }
    }
}

/// The outcome of grading one answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub accepted: bool,
    pub scores: Vec<ScoreRecord>,
    /// The first reference-free check that failed, with feedback a model can act on.
    pub validation_failure: Option<(ErrorClass, String)>,
    /// Short human-readable reason.
    pub reason: String,
}

/// The most characters of a validation failure's detail in a result's reason.
const MAX_REASON_DETAIL: usize = 300;

impl Verdict {
    /// The reason a result records when it ends on this verdict's validation failure:
    /// the class and what failed, as in `invalid_json: expected `,` at line 1 column 18`
    /// or `schema_invalid: /total: "12" is not of type "number"`.
    pub fn validation_reason(&self) -> Option<String> {
        let (class, detail) = self.validation_failure.as_ref()?;
        let detail = detail.strip_prefix(checks::NOT_JSON).unwrap_or(detail);
        Some(format!(
            "{class}: {}",
            checks::truncate(detail, MAX_REASON_DETAIL)
        ))
    }
}

/// A compiled scorer for one workflow: spec, schema validator, tool schemas and the
/// regexes of its `regex` checks.
#[derive(Clone)]
pub struct Scorer {
    spec: Arc<ScorerSpec>,
    schema: Option<Arc<jsonschema::Validator>>,
    tools: Arc<ToolSet>,
    /// Per check (same index as `spec.checks`): its compiled patterns, if a `regex` check.
    regexes: Arc<Vec<Vec<regex::Regex>>>,
}

impl std::fmt::Debug for Scorer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scorer")
            .field("spec", &self.spec.path)
            .finish()
    }
}

impl Scorer {
    /// Compile a scorer. The schema is the dataset's; tools are its OpenAI tool list.
    /// Schemas are compiled once per process and shared between scorers.
    pub fn new(
        spec: ScorerSpec,
        schema: Option<&Value>,
        tools: Option<&[Value]>,
    ) -> Result<Self, ScorerError> {
        let path = spec.path.display().to_string();
        let schema =
            match schema {
                Some(s) => Some(schema_cache::compile(s).map_err(|message| {
                    ScorerError::InvalidSchema {
                        path: path.clone(),
                        message,
                    }
                })?),
                None => None,
            };
        let tools = ToolSet::compile(tools.unwrap_or_default()).map_err(|(tool, message)| {
            ScorerError::InvalidToolSchema {
                path: path.clone(),
                tool,
                message,
            }
        })?;
        let mut regexes = Vec::with_capacity(spec.checks.len());
        for (i, check) in spec.checks.iter().enumerate() {
            if matches!(check, CheckSpec::Schema(_)) && schema.is_none() {
                return Err(ScorerError::Missing {
                    path,
                    check: check.name().to_string(),
                    what: "the dataset to set `schema`",
                });
            }
            if matches!(check, CheckSpec::ToolCalls(_)) && tools.is_empty() {
                return Err(ScorerError::Missing {
                    path,
                    check: check.name().to_string(),
                    what: "the dataset to offer `tools`",
                });
            }
            let mut compiled = Vec::new();
            if let CheckSpec::Regex(check) = check {
                for pattern in &check.patterns {
                    let re = regex::RegexBuilder::new(pattern)
                        .case_insensitive(check.ignore_case)
                        .build()
                        .map_err(|e| {
                            spec.check_error(i, "patterns", format!("bad regex `{pattern}`: {e}"))
                        })?;
                    compiled.push(re);
                }
            }
            regexes.push(compiled);
        }
        Ok(Self {
            spec: Arc::new(spec),
            schema,
            tools: Arc::new(tools),
            regexes: Arc::new(regexes),
        })
    }

    pub fn spec(&self) -> &ScorerSpec {
        &self.spec
    }

    /// Grade one answer against the case's expected answer.
    pub fn grade(&self, answer: Answer<'_>, expected: Option<&Value>) -> Verdict {
        checks::grade(self, &self.tools, answer, expected, None)
    }

    /// Grade one answer to a case that offers tools of its own: its tool-call checks
    /// read `tools`, not the dataset's.
    pub fn grade_with_tools(
        &self,
        answer: Answer<'_>,
        expected: Option<&Value>,
        tools: &ToolSet,
    ) -> Verdict {
        checks::grade(self, tools, answer, expected, None)
    }

    /// Grade a multi-turn tool loop as played: `tool_calls` per turn against
    /// `expected.turns`, `recovery` after tool errors, `stopping` at the turn limit; the
    /// other checks grade the last turn. Latency and cost are the result's.
    pub fn grade_turns(
        &self,
        turns: &[Turn],
        latency_ms: Option<f64>,
        cost: Option<f64>,
        expected: Option<&Value>,
    ) -> Verdict {
        let last = turns.last();
        let answer = Answer {
            content: last.and_then(|t| t.content.as_deref()),
            tool_calls: last.map(|t| &t.tool_calls[..]),
            latency_ms,
            cost,
        };
        checks::grade(self, &self.tools, answer, expected, Some(turns))
    }
}

/// Score rows on what a result took to get, added by the runner (and by rescoring)
/// next to the checks: they never decide acceptance.
/// - `retries.attempts`: HTTP requests made (value), pass when one was enough;
/// - `retries.validation`: validate-and-retry rounds (value), pass when none;
/// - `retries.needed`: 1 when the result was accepted only after a retry or a
///   fallback, pass when acceptance needed none.
pub fn retry_scores(
    attempts: u32,
    validation_retries: u32,
    transport_retries: u32,
    accepted: bool,
) -> Vec<ScoreRecord> {
    let needed = accepted && attempts > 1;
    vec![
        ScoreRecord {
            check: "retries.attempts".into(),
            pass: attempts <= 1,
            value: f64::from(attempts),
            detail: Some(format!(
                "{attempts} request(s): {validation_retries} validation retries, {transport_retries} transport retries"
            )),
        },
        ScoreRecord {
            check: "retries.validation".into(),
            pass: validation_retries == 0,
            value: f64::from(validation_retries),
            detail: None,
        },
        ScoreRecord {
            check: "retries.needed".into(),
            pass: !needed,
            value: if needed { 1.0 } else { 0.0 },
            detail: Some(
                match (accepted, needed) {
                    (false, _) => "not accepted",
                    (true, true) => "accepted only after a retry or fallback",
                    (true, false) => "accepted on the first request",
                }
                .into(),
            ),
        },
    ]
}

/// One response to re-grade, with its reference answer.
pub struct BatchItem<'a> {
    pub answer: Answer<'a>,
    pub expected: Option<&'a Value>,
}

/// Grade many answers in parallel; output order follows input order.
pub fn grade_batch(scorer: &Scorer, items: &[BatchItem<'_>]) -> Vec<Verdict> {
    items
        .par_iter()
        .map(|item| scorer.grade(item.answer, item.expected))
        .collect()
}
