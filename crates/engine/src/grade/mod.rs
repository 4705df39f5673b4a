//! `grade`: responses that did not come from a routeval run (production logs, a
//! gateway's, another harness's output) graded against a JSONL file of cases with a
//! scorer spec; optionally recorded as a run of kind `graded` (see [`record`]).
//!
//! Each case is graded against its own `tools` when it brings them (the dataset's tools,
//! `--tools`, otherwise): a benchmark whose cases offer different functions under the
//! same names is graded in one pass. Each distinct tool list is compiled once.

pub mod logs;
mod record;

pub use logs::{LogFormat, Logged, Tokens};
pub use record::{record, RecordOptions, Recorded};

use crate::EngineResult;
use routeval_core::dataset::{load_json, load_tools, scan_cases, CaseReader};
use routeval_core::{Case, LoadError, ScorerSpec};
use routeval_scorer::{grade_batch, Answer, BatchItem, Scorer, ToolSet, Verdict};
use serde_json::Value;
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What to grade, and against what.
#[derive(Clone, Debug)]
pub struct GradeFiles {
    pub scorer: PathBuf,
    pub cases: PathBuf,
    pub responses: PathBuf,
    /// The JSON Schema of `schema` checks.
    pub schema: Option<PathBuf>,
    /// The tools offered to cases that bring none of their own, for tool-call checks.
    pub tools: Option<PathBuf>,
}

/// One response's verdict: its case, its line in the responses file, and what the log
/// said of it (shape, model, provider, usage, latency, cost).
#[derive(Clone, Debug)]
pub struct Graded {
    pub case_id: String,
    pub line: usize,
    pub verdict: Verdict,
    pub log: Logged,
}

/// The cases graded against, and every response's verdict in file order.
#[derive(Clone, Debug)]
pub struct Grading {
    pub cases: Vec<Case>,
    pub graded: Vec<Graded>,
}

/// Grade every response of `files.responses`, in file order. A line in no known shape,
/// or naming a case that is not in `files.cases`, is bad input, located by file, line
/// and key.
pub fn grade(files: &GradeFiles) -> EngineResult<Grading> {
    let spec = ScorerSpec::load(&files.scorer)?;
    let (cases, case_tools) = load_cases_with_tools(&files.cases)?;
    let schema = files.schema.as_ref().map(load_json).transpose()?;
    let tools = files.tools.as_ref().map(load_tools).transpose()?;
    // With no tools of its own anywhere, a `tool_calls` check is refused as before: it
    // would only ever grade against nothing.
    let scorer = if case_tools.iter().any(Option::is_some) {
        Scorer::with_case_tools(spec, schema.as_ref(), tools.as_deref())
    } else {
        Scorer::new(spec, schema.as_ref(), tools.as_deref())
    }
    .map_err(crate::EngineError::input)?;

    let responses = read_responses(&files.responses)?;
    let by_id: HashMap<&str, usize> = cases
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();
    let by_messages = responses
        .iter()
        .any(|r| r.case_id.is_none())
        .then(|| cases_by_messages(&cases));
    let mut case_of = Vec::with_capacity(responses.len());
    for r in &responses {
        let at = |key: &str, message: String| {
            LoadError::new(&files.responses, message)
                .at_line(r.line)
                .with_key(key)
        };
        let index = match &r.case_id {
            Some(id) => *by_id.get(id.as_str()).ok_or_else(|| {
                at(
                    "case_id",
                    format!("no case `{id}` in {}", files.cases.display()),
                )
            })?,
            None => {
                let found = by_messages
                    .as_ref()
                    .and_then(|map| r.request_keys.iter().find_map(|k| map.get(k.as_str())));
                match found {
                    Some(Found::One(i)) => *i,
                    Some(Found::Many(ids)) => {
                        return Err(at(
                            "request.messages",
                            format!(
                                "cases {} have these messages: name the case with `case_id`",
                                ids.iter()
                                    .map(|i| format!("`{}`", cases[*i].id))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        )
                        .into())
                    }
                    None => {
                        return Err(at(
                            "request.messages",
                            format!("no case has these messages in {}", files.cases.display()),
                        )
                        .into())
                    }
                }
            }
        };
        case_of.push(index);
    }

    let items: Vec<BatchItem<'_>> = responses
        .iter()
        .zip(&case_of)
        .map(|(r, &i)| BatchItem {
            answer: Answer {
                // OpenAI puts a structured-output refusal in its own field.
                content: r.content.as_deref().or(r.refusal.as_deref()),
                tool_calls: r.tool_calls.as_deref(),
                latency_ms: r.latency_ms,
                cost: r.cost,
            },
            expected: cases[i].expected.as_ref(),
            tools: case_tools[i].as_deref(),
        })
        .collect();
    let verdicts = grade_batch(&scorer, &items);
    drop(items);
    let graded = responses
        .into_iter()
        .zip(case_of)
        .zip(verdicts)
        .map(|((log, i), verdict)| Graded {
            case_id: cases[i].id.clone(),
            line: log.line,
            verdict,
            log,
        })
        .collect();
    Ok(Grading { cases, graded })
}

/// The cases of a file, each with its own tools compiled (`None`: it brings none). A
/// tool list several cases share is compiled once.
#[allow(clippy::type_complexity)]
fn load_cases_with_tools(path: &Path) -> EngineResult<(Vec<Case>, Vec<Option<Arc<ToolSet>>>)> {
    scan_cases(path)?;
    let mut compiled: HashMap<String, Arc<ToolSet>> = HashMap::new();
    let (mut cases, mut tools) = (Vec::new(), Vec::new());
    let mut reader = CaseReader::open(path)?;
    while let Some(case) = reader.next() {
        let case = case?;
        let own = match &case.tools {
            None => None,
            Some(list) => {
                let key = Value::Array(list.clone()).to_string();
                match compiled.get(&key) {
                    Some(set) => Some(set.clone()),
                    None => {
                        let set = Arc::new(ToolSet::compile(list).map_err(|(tool, message)| {
                            LoadError::new(
                                path,
                                format!(
                                    "tool `{tool}` has an invalid parameters schema: {message}"
                                ),
                            )
                            .at_line(reader.line())
                            .with_key("tools")
                        })?);
                        compiled.insert(key, set.clone());
                        Some(set)
                    }
                }
            }
        };
        cases.push(case);
        tools.push(own);
    }
    Ok((cases, tools))
}

/// Every response of a file, whatever shape each line is in (see [`logs`]); blank
/// lines are skipped.
fn read_responses(path: &Path) -> EngineResult<Vec<Logged>> {
    let file = std::fs::File::open(path)
        .map_err(|e| LoadError::new(path, format!("cannot read responses: {e}")))?;
    let mut out = Vec::new();
    for (i, line) in BufReader::with_capacity(1 << 16, file).lines().enumerate() {
        let line_no = i + 1;
        let line =
            line.map_err(|e| LoadError::new(path, format!("cannot read: {e}")).at_line(line_no))?;
        if line.trim().is_empty() {
            continue;
        }
        out.push(logs::parse_line(path, line_no, &line)?);
    }
    Ok(out)
}

/// The cases a conversation's messages identify: one, or several that share them.
enum Found {
    One(usize),
    Many(Vec<usize>),
}

/// Each case by its messages (see [`logs::messages_key`]).
fn cases_by_messages(cases: &[Case]) -> HashMap<String, Found> {
    let mut map: HashMap<String, Found> = HashMap::with_capacity(cases.len());
    for (i, case) in cases.iter().enumerate() {
        let messages: Vec<Value> = case
            .messages
            .iter()
            .map(|m| serde_json::to_value(m).unwrap_or_default())
            .collect();
        let key = logs::messages_key(&messages);
        match map.get_mut(&key) {
            None => {
                map.insert(key, Found::One(i));
            }
            Some(found) => {
                let mut ids = match found {
                    Found::One(first) => vec![*first],
                    Found::Many(ids) => std::mem::take(ids),
                };
                ids.push(i);
                *found = Found::Many(ids);
            }
        }
    }
    map
}
