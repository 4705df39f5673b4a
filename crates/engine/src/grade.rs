//! `grade`: responses that did not come from a routeval run (production logs, another
//! harness's output) graded against a JSONL file of cases with a scorer spec.

use crate::EngineResult;
use routeval_core::dataset::{load_cases, load_json, load_responses, load_tools};
use routeval_core::{LoadError, ScorerSpec};
use routeval_scorer::{grade_batch, Answer, BatchItem, Scorer, Verdict};
use serde_json::Value;
use std::collections::HashMap;
use std::path::PathBuf;

/// What to grade, and against what.
#[derive(Clone, Debug)]
pub struct GradeFiles {
    pub scorer: PathBuf,
    pub cases: PathBuf,
    pub responses: PathBuf,
    /// The JSON Schema of `schema` checks.
    pub schema: Option<PathBuf>,
    /// The tools offered, for tool-call checks.
    pub tools: Option<PathBuf>,
}

/// One response's verdict: its case, its line in the responses file.
#[derive(Clone, Debug)]
pub struct Graded {
    pub case_id: String,
    pub line: usize,
    pub verdict: Verdict,
}

/// Grade every response of `files.responses`, in file order. A response naming a case
/// that is not in `files.cases` is bad input, located by file, line and key.
pub fn grade(files: &GradeFiles) -> EngineResult<Vec<Graded>> {
    let spec = ScorerSpec::load(&files.scorer)?;
    let cases = load_cases(&files.cases)?;
    let schema = files.schema.as_ref().map(load_json).transpose()?;
    let tools = files.tools.as_ref().map(load_tools).transpose()?;
    let scorer =
        Scorer::new(spec, schema.as_ref(), tools.as_deref()).map_err(crate::EngineError::input)?;
    let expected: HashMap<&str, Option<&Value>> = cases
        .iter()
        .map(|c| (c.id.as_str(), c.expected.as_ref()))
        .collect();
    let responses = load_responses(&files.responses)?;
    let mut items = Vec::with_capacity(responses.len());
    for (line, r) in &responses {
        let Some(expected) = expected.get(r.case_id.as_str()) else {
            return Err(LoadError::new(
                &files.responses,
                format!("no case `{}` in {}", r.case_id, files.cases.display()),
            )
            .at_line(*line)
            .with_key("case_id")
            .into());
        };
        items.push(BatchItem {
            answer: Answer {
                // OpenAI puts a structured-output refusal in its own field.
                content: r
                    .message
                    .content
                    .as_deref()
                    .or(r.message.refusal.as_deref()),
                tool_calls: r.message.tool_calls.as_deref(),
                latency_ms: r.latency_ms,
                cost: r.cost,
            },
            expected: *expected,
            tools: None,
        });
    }
    let verdicts = grade_batch(&scorer, &items);
    Ok(responses
        .into_iter()
        .zip(verdicts)
        .map(|((line, r), verdict)| Graded {
            case_id: r.case_id,
            line,
            verdict,
        })
        .collect())
}
