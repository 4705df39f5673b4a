//! Datasets: JSONL cases plus the prompt, schema and tools the suite attaches to them.

use crate::config::{DatasetConfig, ResponseFormatKind, Suite};
use crate::error::LoadError;
use crate::hash::short_hash;
use crate::message::{Message, Role, ToolCall};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One case of a workflow: the conversation so far and the reference answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub id: String,
    pub messages: Vec<Message>,
    /// OpenAI tools offered on this case; the dataset's tools when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<Vec<Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<Value>,
    /// A full `response_format` object; the dataset's when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_format: Option<Value>,
    /// Reference answer: an object for JSON workflows, `{"tool_calls": [...]}` for tool use,
    /// `{"turns": [[...], [...], []]}` (the expected calls of each turn) for a multi-turn
    /// tool loop.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<Value>,
    /// Multi-turn tool loops: what each tool returns, by tool name, consumed in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_results: Option<BTreeMap<String, Vec<ScriptedResult>>>,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// One scripted tool result: `content` the tool returns, or the `error` it fails with.
/// With `arguments`, it only answers a call with exactly these arguments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptedResult {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arguments: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What a played tool call returns to the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolOutput {
    /// The `role: tool` message content: the scripted content, or `Error: ...`.
    pub content: String,
    pub is_error: bool,
}

/// A case's scripted tool results being played: each entry answers one call.
#[derive(Debug, Clone, Default)]
pub struct ToolScript {
    remaining: BTreeMap<String, Vec<ScriptedResult>>,
}

impl ToolScript {
    pub fn new(case: &Case) -> Self {
        Self {
            remaining: case.tool_results.clone().unwrap_or_default(),
        }
    }

    /// The result of one call: the first unused entry of its tool whose `arguments`
    /// (if any) equal the call's; an error when none is left.
    pub fn play(&mut self, call: &ToolCall) -> ToolOutput {
        let args: Option<Value> = serde_json::from_str(&call.function.arguments).ok();
        let entry = self
            .remaining
            .get_mut(&call.function.name)
            .and_then(|entries| {
                let i = entries.iter().position(|e| {
                    e.arguments
                        .as_ref()
                        .is_none_or(|want| Some(want) == args.as_ref())
                })?;
                Some(entries.remove(i))
            });
        match entry {
            Some(ScriptedResult {
                error: Some(error), ..
            }) => ToolOutput {
                content: format!("Error: {error}"),
                is_error: true,
            },
            Some(ScriptedResult { content, .. }) => ToolOutput {
                content: content.unwrap_or_default(),
                is_error: false,
            },
            None => ToolOutput {
                content: "Error: unknown tool result".into(),
                is_error: true,
            },
        }
    }
}

impl Case {
    /// Hash of the case's content, so a changed case is told apart from the one a run used.
    pub fn content_hash(&self) -> String {
        short_hash(&serde_json::to_vec(self).unwrap_or_default())
    }

    /// The first user message: what identifies a case in logs and in the simulator.
    /// The user messages' text, blank-line separated: what a person reviewing an
    /// answer needs to see of the input.
    pub fn user_text(&self) -> String {
        self.messages
            .iter()
            .filter(|m| m.role == Role::User)
            .filter_map(|m| m.content.as_deref())
            .collect::<Vec<_>>()
            .join("\n\n")
    }

    pub fn first_user_message(&self) -> Option<&str> {
        self.messages
            .iter()
            .find(|m| m.role == Role::User)
            .and_then(|m| m.content.as_deref())
    }
}

/// A dataset ready to run: where its cases are, what one pass over them found, and
/// everything attached to them. Cases are read from the file on every pass, one line at
/// a time, so a run's memory does not grow with the dataset.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub name: String,
    pub config: DatasetConfig,
    /// The JSONL file of cases.
    pub path: PathBuf,
    pub summary: CaseSummary,
    pub system_prompt: Option<String>,
    pub schema: Option<Arc<Value>>,
    pub tools: Option<Vec<Value>>,
    /// The `response_format` sent for cases that bring none, built once.
    response_format: Option<Value>,
}

/// What a validating pass over a dataset's cases found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CaseSummary {
    pub count: usize,
    /// Characters of the longest case's messages.
    pub longest_messages_chars: usize,
    /// Some case brings its own tools, or its own `tool_choice`.
    pub any_case_tools: bool,
    pub any_case_tool_choice: bool,
}

impl Dataset {
    /// Load the dataset `name` of a suite, with every file it names. Every case is
    /// parsed once here (a bad line is an error naming it) but none is kept.
    pub fn load(suite: &Suite, name: &str) -> Result<Self, LoadError> {
        let config = suite.datasets[name].clone();
        let path = suite.resolve(&config.path);
        let summary = scan_cases(&path)?;
        let system_prompt = match &config.system_prompt {
            Some(p) => {
                let p = suite.resolve(p);
                Some(
                    std::fs::read_to_string(&p)
                        .map_err(|e| LoadError::new(&p, format!("cannot read: {e}")))?,
                )
            }
            None => None,
        };
        let (schema, tools) = load_attachments(suite, &config)?;
        let response_format =
            default_response_format(config.response_format, schema.as_deref(), name);
        Ok(Self {
            name: name.to_string(),
            config,
            path,
            summary,
            system_prompt,
            schema,
            tools,
            response_format,
        })
    }

    /// The cases in file order, parsed one line at a time.
    pub fn cases(&self) -> Result<CaseReader, LoadError> {
        CaseReader::open(&self.path)
    }

    /// Messages to send for a case: the system prompt first unless the case has its own.
    pub fn request_messages(&self, case: &Case) -> Vec<Message> {
        let mut messages = Vec::with_capacity(case.messages.len() + 1);
        let has_system = case
            .messages
            .iter()
            .any(|m| matches!(m.role, Role::System | Role::Developer));
        if let (Some(prompt), false) = (&self.system_prompt, has_system) {
            messages.push(Message::system(prompt.trim_end()));
        }
        messages.extend(case.messages.iter().cloned());
        messages
    }

    pub fn tools_for<'a>(&'a self, case: &'a Case) -> Option<&'a Vec<Value>> {
        case.tools.as_ref().or(self.tools.as_ref())
    }

    pub fn tool_choice_for<'a>(&'a self, case: &'a Case) -> Option<&'a Value> {
        case.tool_choice
            .as_ref()
            .or(self.config.tool_choice.as_ref())
    }

    /// The `response_format` object to send, if any.
    pub fn response_format_for<'a>(&'a self, case: &'a Case) -> Option<&'a Value> {
        case.response_format
            .as_ref()
            .or(self.response_format.as_ref())
    }

    /// Longest prompt of the dataset in characters, for context-length checks.
    pub fn longest_prompt_chars(&self) -> usize {
        self.system_prompt.as_ref().map_or(0, String::len) + self.summary.longest_messages_chars
    }
}

/// The `response_format` a dataset sends for cases that bring none: JSON mode, or its
/// schema as a strict `json_schema` named after the schema's title (else the dataset).
fn default_response_format(
    kind: ResponseFormatKind,
    schema: Option<&Value>,
    dataset: &str,
) -> Option<Value> {
    match kind {
        ResponseFormatKind::None => None,
        ResponseFormatKind::JsonObject => Some(json!({"type": "json_object"})),
        ResponseFormatKind::JsonSchema => {
            let schema = schema?;
            let name = schema
                .get("title")
                .and_then(Value::as_str)
                .unwrap_or(dataset)
                .to_string();
            Some(json!({
                "type": "json_schema",
                "json_schema": {"name": name, "strict": true, "schema": schema}
            }))
        }
    }
}

/// A dataset's JSON Schema and OpenAI tools, when it names them.
pub type Attachments = (Option<Arc<Value>>, Option<Vec<Value>>);

/// The schema and tools a dataset names, without its cases: what a scorer needs to
/// re-grade stored answers.
pub fn load_attachments(suite: &Suite, config: &DatasetConfig) -> Result<Attachments, LoadError> {
    let schema = match &config.schema {
        Some(p) => Some(Arc::new(load_json(&suite.resolve(p))?)),
        None => None,
    };
    let tools = match &config.tools {
        Some(p) => Some(load_tools(&suite.resolve(p))?),
        None => None,
    };
    Ok((schema, tools))
}

/// Read a tools file: a JSON array of OpenAI tools.
pub fn load_tools(path: &PathBuf) -> Result<Vec<Value>, LoadError> {
    match load_json(path)? {
        Value::Array(tools) => Ok(tools),
        _ => Err(LoadError::new(
            path,
            "tools file must hold a JSON array of tools",
        )),
    }
}

/// An answer to grade that did not come from a routeval run, logged as its assistant
/// message: one line of a responses JSONL file (`grade` reads other shapes too).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Response {
    pub case_id: String,
    /// The assistant message, OpenAI style.
    pub message: ResponseMessage,
    /// Wall time of the request, for `latency` checks.
    #[serde(default)]
    pub latency_ms: Option<f64>,
    /// Spend of the request in USD, for `cost` checks.
    #[serde(default)]
    pub cost: Option<f64>,
    /// The model that answered, as the endpoint named it.
    #[serde(default)]
    pub model: Option<String>,
    /// The provider that served it (OpenRouter's `provider`).
    #[serde(default)]
    pub provider: Option<String>,
}

/// An OpenAI assistant message as APIs return it: unknown fields (`annotations`,
/// `audio`...) are ignored, since real responses carry more than we grade.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct ResponseMessage {
    #[serde(default)]
    pub role: Option<Role>,
    #[serde(default)]
    pub content: Option<String>,
    #[serde(default)]
    pub tool_calls: Option<Vec<crate::message::ToolCall>>,
    /// OpenAI's structured-output refusal text.
    #[serde(default)]
    pub refusal: Option<String>,
}

/// The cases of a JSONL file, one line at a time; a bad line is an error naming the
/// line and the key. Blank lines are skipped.
pub struct CaseReader {
    path: PathBuf,
    lines: std::io::Lines<BufReader<std::fs::File>>,
    line_no: usize,
}

impl CaseReader {
    pub fn open(path: &Path) -> Result<Self, LoadError> {
        let file = std::fs::File::open(path)
            .map_err(|e| LoadError::new(path, format!("cannot read dataset: {e}")))?;
        Ok(Self {
            path: path.to_path_buf(),
            lines: BufReader::with_capacity(1 << 16, file).lines(),
            line_no: 0,
        })
    }

    /// Line of the case last returned.
    pub fn line(&self) -> usize {
        self.line_no
    }
}

impl Iterator for CaseReader {
    type Item = Result<Case, LoadError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let line = self.lines.next()?;
            self.line_no += 1;
            let line = match line {
                Ok(line) => line,
                Err(e) => {
                    return Some(Err(LoadError::new(&self.path, format!("cannot read: {e}"))
                        .at_line(self.line_no)))
                }
            };
            if !line.trim().is_empty() {
                return Some(parse_case(&self.path, self.line_no, &line));
            }
        }
    }
}

/// Check every case of a file (each line parses, ids are unique) and summarise them,
/// holding one case at a time and 8 bytes per id.
pub fn scan_cases(path: &Path) -> Result<CaseSummary, LoadError> {
    let mut summary = CaseSummary::default();
    let mut ids = Vec::new();
    for case in CaseReader::open(path)? {
        let case = case?;
        ids.push(crate::hash::hash64(case.id.as_bytes()));
        summary.count += 1;
        summary.any_case_tools |= case.tools.is_some();
        summary.any_case_tool_choice |= case.tool_choice.is_some();
        let chars = case
            .messages
            .iter()
            .map(|m| m.content.as_ref().map_or(0, String::len))
            .sum::<usize>();
        summary.longest_messages_chars = summary.longest_messages_chars.max(chars);
    }
    if summary.count == 0 {
        return Err(LoadError::new(path, "dataset has no cases"));
    }
    ids.sort_unstable();
    if let Some(twice) = ids.windows(2).find(|w| w[0] == w[1]).map(|w| w[0]) {
        drop(ids);
        return Err(duplicate_id(path, twice));
    }
    Ok(summary)
}

/// The error for the second case whose id hashes to `hash`, found by reading again.
fn duplicate_id(path: &Path, hash: u64) -> LoadError {
    let mut seen = false;
    let mut cases = match CaseReader::open(path) {
        Ok(cases) => cases,
        Err(e) => return e,
    };
    while let Some(Ok(case)) = cases.next() {
        if crate::hash::hash64(case.id.as_bytes()) != hash {
            continue;
        }
        if seen {
            return LoadError::new(path, format!("duplicate case id `{}`", case.id))
                .at_line(cases.line())
                .with_key("id");
        }
        seen = true;
    }
    LoadError::new(path, "duplicate case id")
}

/// Read a whole JSONL file of cases (for tools that need them all at once: the
/// simulator, `grade`). A bad line is an error naming the line and the key.
pub fn load_cases(path: &Path) -> Result<Vec<Case>, LoadError> {
    scan_cases(path)?;
    CaseReader::open(path)?.collect()
}

/// Parse one JSONL line into a case.
pub fn parse_case(path: &Path, line_no: usize, line: &str) -> Result<Case, LoadError> {
    // Every case is parsed once per target it runs on: the plain parse first; a line
    // that fails is parsed again, only to name the key at fault.
    let case: Case = match serde_json::from_str(line) {
        Ok(case) => case,
        Err(_) => {
            let de = &mut serde_json::Deserializer::from_str(line);
            serde_path_to_error::deserialize(de).map_err(|e| {
                let key = e.path().to_string();
                let inner = e.into_inner();
                let message =
                    crate::error::suggest_unknown_field(&strip_position(&inner.to_string()));
                LoadError::new(path, message).at_line(line_no).with_key(key)
            })?
        }
    };
    if case.id.trim().is_empty() {
        return Err(LoadError::new(path, "case id is empty")
            .at_line(line_no)
            .with_key("id"));
    }
    if case.messages.is_empty() {
        return Err(LoadError::new(path, "a case needs at least one message")
            .at_line(line_no)
            .with_key("messages"));
    }
    for (tool, entries) in case.tool_results.iter().flatten() {
        for (i, entry) in entries.iter().enumerate() {
            if entry.content.is_some() == entry.error.is_some() {
                return Err(LoadError::new(
                    path,
                    "a scripted tool result needs either `content` or `error`",
                )
                .at_line(line_no)
                .with_key(format!("tool_results.{tool}[{i}]")));
            }
        }
    }
    if let Some(turns) = case.expected.as_ref().and_then(|e| e.get("turns")) {
        let ok = turns
            .as_array()
            .is_some_and(|t| !t.is_empty() && t.iter().all(Value::is_array));
        if !ok {
            return Err(LoadError::new(
                path,
                "`turns` must be a non-empty list of per-turn tool-call lists",
            )
            .at_line(line_no)
            .with_key("expected.turns"));
        }
    }
    Ok(case)
}

/// serde_json appends " at line 1 column 42"; in JSONL the line is ours to give.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// Read a JSON file (schema, tools), locating syntax errors.
pub fn load_json(path: &PathBuf) -> Result<Value, LoadError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| LoadError::new(path, format!("cannot read: {e}")))?;
    serde_json::from_str(&text)
        .map_err(|e| LoadError::new(path, strip_position(&e.to_string())).at_line(e.line()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn write(lines: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cases.jsonl");
        std::fs::File::create(&path)
            .unwrap()
            .write_all(lines.as_bytes())
            .unwrap();
        (dir, path)
    }

    #[test]
    fn a_duplicate_id_names_its_second_line() {
        let case = |id: &str| {
            format!("{{\"id\": \"{id}\", \"messages\": [{{\"role\": \"user\", \"content\": \"hi {id}\"}}]}}\n")
        };
        let (_dir, path) = write(&format!(
            "{}{}\n{}{}",
            case("a"),
            case("b"),
            case("c"),
            case("b")
        ));
        let e = scan_cases(&path).unwrap_err();
        assert_eq!(e.line, Some(5), "{e}");
        assert!(e.to_string().contains("duplicate case id `b`"), "{e}");
        let (_dir, path) = write(&format!("{}{}", case("a"), case("b")));
        let summary = scan_cases(&path).unwrap();
        assert_eq!(summary.count, 2);
        assert_eq!(summary.longest_messages_chars, 4);
    }

    #[test]
    fn loads_good_lines() {
        let f = write("{\"id\":\"a\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"expected\":{\"x\":1},\"tags\":[\"t\"]}\n\n");
        let cases = load_cases(&f.1).unwrap();
        assert_eq!(cases.len(), 1);
        assert_eq!(cases[0].first_user_message(), Some("hi"));
    }

    #[test]
    fn broken_line_names_line_and_key() {
        let f = write(concat!(
            "{\"id\":\"a\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}\n",
            "{\"id\":\"b\",\"messages\":[{\"role\":\"usr\",\"content\":\"hi\"}]}\n"
        ));
        let err = load_cases(&f.1).unwrap_err();
        assert_eq!(err.line, Some(2));
        assert_eq!(err.key.as_deref(), Some("messages[0].role"));
        assert!(err.message.contains("usr"), "{err}");
    }

    #[test]
    fn unknown_case_key_is_suggested() {
        let f = write(
            "{\"id\":\"a\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"expcted\":{}}\n",
        );
        let err = load_cases(&f.1).unwrap_err();
        assert!(err.message.contains("did you mean `expected`"), "{err}");
    }

    #[test]
    fn invalid_json_names_the_line() {
        let f = write("{\"id\":\"a\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}\n{\"id\": \"b\", \n");
        let err = load_cases(&f.1).unwrap_err();
        assert_eq!(err.line, Some(2), "{err}");
    }

    #[test]
    fn scripted_tool_results_play_in_order_and_by_arguments() {
        let f = write(concat!(
            "{\"id\":\"a\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],",
            "\"expected\":{\"turns\":[[{\"name\":\"t\",\"arguments\":{}}],[]]},",
            "\"tool_results\":{\"t\":[{\"error\":\"timeout\"},{\"content\":\"ok\"}],",
            "\"u\":[{\"arguments\":{\"x\":2},\"content\":\"two\"},{\"content\":\"any\"}]}}\n"
        ));
        let cases = load_cases(&f.1).unwrap();
        let call = |name: &str, args: &str| ToolCall {
            id: "c".into(),
            kind: "function".into(),
            function: crate::message::FunctionCall {
                name: name.into(),
                arguments: args.into(),
            },
        };
        let mut script = ToolScript::new(&cases[0]);
        let first = script.play(&call("t", "{}"));
        assert_eq!(first.content, "Error: timeout");
        assert!(first.is_error);
        assert_eq!(script.play(&call("t", "{}")).content, "ok");
        assert_eq!(
            script.play(&call("t", "{}")).content,
            "Error: unknown tool result"
        );
        assert_eq!(script.play(&call("u", "{\"x\": 1}")).content, "any");
        assert_eq!(script.play(&call("u", "{\"x\":2}")).content, "two");
        assert!(script.play(&call("nope", "{}")).is_error);

        let f = write("{\"id\":\"a\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"tool_results\":{\"t\":[{\"content\":\"x\",\"error\":\"y\"}]}}\n");
        let err = load_cases(&f.1).unwrap_err();
        assert_eq!(err.key.as_deref(), Some("tool_results.t[0]"), "{err}");
        let f = write("{\"id\":\"a\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"expected\":{\"turns\":[{}]}}\n");
        let err = load_cases(&f.1).unwrap_err();
        assert_eq!(err.key.as_deref(), Some("expected.turns"), "{err}");
    }

    #[test]
    fn duplicate_ids_are_refused() {
        let line = "{\"id\":\"a\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}\n";
        let f = write(&format!("{line}{line}"));
        let err = load_cases(&f.1).unwrap_err();
        assert!(err.message.contains("duplicate"));
        assert_eq!(err.line, Some(2));
    }
}
