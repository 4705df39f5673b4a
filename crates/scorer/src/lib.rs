//! Grading: turns a response and a case's reference answer into check verdicts and
//! an accept decision. Pure functions, no I/O; [`grade_batch`] re-grades many
//! responses on all cores with rayon.

mod checks;
mod json_extract;
mod tool_match;

pub use checks::normalise_str;
pub use json_extract::extract_json;
pub use tool_match::{match_tool_calls, ToolMatch};

use rayon::prelude::*;
use routeval_core::message::ToolCall;
use routeval_core::scorer_spec::{CheckKind, ScorerSpec};
use routeval_core::{ErrorClass, ScoreRecord};
use serde_json::Value;
use std::collections::HashMap;
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
}

/// What the model answered, as the scorer needs it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Answer<'a> {
    pub content: Option<&'a str>,
    pub tool_calls: Option<&'a [ToolCall]>,
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

/// A compiled scorer for one workflow: spec, schema validator and tool schemas.
#[derive(Clone)]
pub struct Scorer {
    spec: Arc<ScorerSpec>,
    schema: Option<Arc<jsonschema::Validator>>,
    /// Tool name to its parameters schema and compiled validator.
    tools: Arc<HashMap<String, (Value, jsonschema::Validator)>>,
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
    pub fn new(
        spec: ScorerSpec,
        schema: Option<&Value>,
        tools: Option<&[Value]>,
    ) -> Result<Self, ScorerError> {
        let path = spec.path.display().to_string();
        let schema = match schema {
            Some(s) => Some(Arc::new(jsonschema::validator_for(s).map_err(|e| {
                ScorerError::InvalidSchema {
                    path: path.clone(),
                    message: e.to_string(),
                }
            })?)),
            None => None,
        };
        let mut tool_map = HashMap::new();
        for tool in tools.unwrap_or_default() {
            let function = tool.get("function").unwrap_or(tool);
            let Some(name) = function.get("name").and_then(Value::as_str) else {
                continue;
            };
            let params = function
                .get("parameters")
                .cloned()
                .unwrap_or_else(|| serde_json::json!({"type": "object"}));
            let validator =
                jsonschema::validator_for(&params).map_err(|e| ScorerError::InvalidToolSchema {
                    path: path.clone(),
                    tool: name.to_string(),
                    message: e.to_string(),
                })?;
            tool_map.insert(name.to_string(), (params, validator));
        }
        for check in &spec.checks {
            if check.kind == CheckKind::Schema && schema.is_none() {
                return Err(ScorerError::Missing {
                    path,
                    check: check.name().to_string(),
                    what: "the dataset to set `schema`",
                });
            }
            if check.kind == CheckKind::ToolCalls && tool_map.is_empty() {
                return Err(ScorerError::Missing {
                    path,
                    check: check.name().to_string(),
                    what: "the dataset to offer `tools`",
                });
            }
        }
        Ok(Self {
            spec: Arc::new(spec),
            schema,
            tools: Arc::new(tool_map),
        })
    }

    pub fn spec(&self) -> &ScorerSpec {
        &self.spec
    }

    /// Grade one answer against the case's expected answer.
    pub fn grade(&self, answer: Answer<'_>, expected: Option<&Value>) -> Verdict {
        checks::grade(self, answer, expected)
    }
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
