//! Responses as they were logged, one per line, in any of the shapes `grade` reads; the
//! shape is told apart line by line, so one file may mix them:
//!
//! - `message`: `{"case_id", "message": {assistant message}, "latency_ms"?, "cost"?,
//!   "model"?, "provider"?}`;
//! - `completion`: a whole chat-completion response (`choices`, `model`, `provider`,
//!   `usage` with OpenRouter's `usage.cost`), its case in `case_id` or `metadata.case_id`;
//! - `exchange`: a request and its response as gateways log them (`{"request": {...},
//!   "response": {...}}`), the response a completion or its stream's chunks; with no case
//!   id, the case is the one whose messages the request sent;
//! - `chunks`: a streamed response already collected: `{"case_id", "chunks": [...]}`, or
//!   the bare array of `chat.completion.chunk` objects (`chunks` may also hold the
//!   stream's text, its `data:` lines). Content and tool-call deltas are assembled (by
//!   index, arguments concatenated), usage taken from the last chunk that has it.
//!
//! The wire shapes are the runner's (`routeval_runner::wire`): a logged response is read
//! as leniently as a live one. A line that fits none of the shapes, or breaks the one it
//! looks like, is an error naming the file, the line and the key.

use routeval_core::dataset::Response as MessageLine;
use routeval_core::error::suggest_unknown_field;
use routeval_core::limits::MAX_COUNT_LIMIT;
use routeval_core::message::{Role, ToolCall};
use routeval_core::LoadError;
use routeval_runner::wire::{content_text, Chunk, Completion, ToolCallAssembler, Usage};
use serde::de::DeserializeOwned;
use serde_json::{json, Map, Value};
use std::path::Path;

/// Which shape a response line was logged in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// `{"case_id", "message"}`: the assistant message alone.
    #[default]
    Message,
    /// A whole chat-completion response.
    Completion,
    /// A request and its response, as a gateway logs them.
    Exchange,
    /// A streamed response's chunks.
    Chunks,
}

impl LogFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            LogFormat::Message => "message",
            LogFormat::Completion => "completion",
            LogFormat::Exchange => "exchange",
            LogFormat::Chunks => "chunks",
        }
    }
}

/// Token counts of a logged response, as its `usage` gave them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tokens {
    pub prompt: Option<i64>,
    pub completion: Option<i64>,
    pub cached: Option<i64>,
    pub reasoning: Option<i64>,
}

/// One logged response: the answer to grade, what the log says of how it was served,
/// and how to find its case.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Logged {
    /// 1-based line in the responses file.
    pub line: usize,
    pub format: LogFormat,
    /// The case, when the line names it.
    pub case_id: Option<String>,
    /// When the line names no case but logs the request: the request's messages as
    /// [`messages_key`] gives them, whole and without a leading system message (a prompt
    /// the caller adds to every case). The case is the one with these messages.
    pub request_keys: Vec<String>,
    pub content: Option<String>,
    /// OpenAI's structured-output refusal text.
    pub refusal: Option<String>,
    pub tool_calls: Option<Vec<ToolCall>>,
    /// Wall time of the request (`latency_ms`, or `duration_ms`).
    pub latency_ms: Option<f64>,
    /// Spend of the request in USD: the line's `cost`, else `usage.cost`.
    pub cost: Option<f64>,
    pub model: Option<String>,
    pub provider: Option<String>,
    /// The response's `id`.
    pub generation_id: Option<String>,
    pub tokens: Tokens,
    pub finish_reason: Option<String>,
    pub native_finish_reason: Option<String>,
    /// Chunks a streamed response came in.
    pub chunks: Option<u32>,
    /// The response's `created`, in unix milliseconds.
    pub created_ms: Option<i64>,
}

/// The keys of a line that tell its shape apart.
const SHAPES: &str = "an assistant `message`, a chat completion's `choices`, a `request`/`response` pair, or streamed `chunks`";

/// Where in the responses file a line is, for its errors.
struct At<'a> {
    path: &'a Path,
    line: usize,
}

impl At<'_> {
    fn error(&self, key: &str, message: impl Into<String>) -> LoadError {
        LoadError::new(self.path, message)
            .at_line(self.line)
            .with_key(key)
    }

    /// `value` read as a `T`; a problem is located by its key under `prefix`.
    fn de<T: DeserializeOwned>(&self, value: Value, prefix: &str) -> Result<T, LoadError> {
        serde_path_to_error::deserialize(value).map_err(|e| {
            let key = join(prefix, &e.path().to_string());
            self.error(&key, suggest_unknown_field(&e.into_inner().to_string()))
        })
    }

    /// The number at `key` of `map`, if any (`null` as absent).
    fn number(
        &self,
        map: &Map<String, Value>,
        key: &str,
        prefix: &str,
    ) -> Result<Option<f64>, LoadError> {
        match map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => Ok(n.as_f64()),
            Some(other) => Err(self.error(
                &join(prefix, key),
                format!("expected a number, got {}", kind(other)),
            )),
        }
    }

    /// The case id at `key` of `map` (a string, or a number taken as its digits).
    fn case_id(
        &self,
        map: &Map<String, Value>,
        key: &str,
        prefix: &str,
    ) -> Result<Option<String>, LoadError> {
        match map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(other) => Err(self.error(
                &join(prefix, key),
                format!("expected a case id, got {}", kind(other)),
            )),
        }
    }

    /// The case id a line, a request or a response carries: `case_id`, else
    /// `metadata.case_id`.
    fn case_id_in(
        &self,
        map: &Map<String, Value>,
        prefix: &str,
    ) -> Result<Option<String>, LoadError> {
        if let Some(id) = self.case_id(map, "case_id", prefix)? {
            return Ok(Some(id));
        }
        match map.get("metadata") {
            Some(Value::Object(meta)) => self.case_id(meta, "case_id", &join(prefix, "metadata")),
            _ => Ok(None),
        }
    }
}

/// `prefix.key` (`key` alone at the top; `prefix[3]` for an index).
fn join(prefix: &str, key: &str) -> String {
    match (prefix, key) {
        (p, "" | ".") => p.to_string(),
        ("", k) => k.to_string(),
        (p, k) if k.starts_with('[') => format!("{p}{k}"),
        (p, k) => format!("{p}.{k}"),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Read one line of a responses file (not blank), whatever its shape.
pub fn parse_line(path: &Path, line: usize, text: &str) -> Result<Logged, LoadError> {
    let at = At { path, line };
    let value: Value = serde_json::from_str(text).map_err(|e| {
        let message = e.to_string();
        let message = message
            .rfind(" at line ")
            .map_or(&message[..], |i| &message[..i]);
        at.error("", format!("not valid JSON: {message}"))
    })?;
    let mut logged = match value {
        Value::Array(chunks) => {
            let mut logged = from_chunks(&at, Value::Array(chunks), "")?;
            if logged.case_id.is_none() {
                return Err(at.error(
                    "",
                    "an array of chunks names no case: write it as {\"case_id\": ..., \"chunks\": [...]}",
                ));
            }
            logged.format = LogFormat::Chunks;
            logged
        }
        Value::Object(map) => {
            if map.contains_key("request") || map.contains_key("response") {
                exchange(&at, map)?
            } else if map.contains_key("chunks") {
                chunk_line(&at, map)?
            } else if map.contains_key("choices") {
                completion_line(&at, map)?
            } else if map.contains_key("message") {
                message_line(&at, map)?
            } else {
                return Err(no_shape(&at, &map));
            }
        }
        other => {
            return Err(at.error(
                "",
                format!(
                    "matches no response format ({SHAPES}): the line is {}",
                    kind(&other)
                ),
            ))
        }
    };
    logged.line = line;
    Ok(logged)
}

/// The error for an object with none of the keys that tell a shape apart, suggesting
/// one when a key is a near miss (`mesage`).
fn no_shape(at: &At<'_>, map: &Map<String, Value>) -> LoadError {
    let message = format!("matches no response format ({SHAPES})");
    for key in map.keys() {
        let hint = suggest_unknown_field(&format!(
            "unknown field `{key}`, expected one of `message`, `choices`, `request`, `response`, `chunks`"
        ));
        if hint.contains("did you mean") {
            return at.error(key, format!("{message}; {hint}"));
        }
    }
    at.error("", message)
}

/// `{"case_id", "message", ...}`: today's shape, read strictly.
fn message_line(at: &At<'_>, map: Map<String, Value>) -> Result<Logged, LoadError> {
    let r: MessageLine = at.de(Value::Object(map), "")?;
    if let Some(role) = r.message.role.filter(|r| *r != Role::Assistant) {
        return Err(at.error(
            "message.role",
            format!("expected an assistant message, got role {role:?}"),
        ));
    }
    Ok(Logged {
        format: LogFormat::Message,
        case_id: Some(r.case_id),
        content: r.message.content,
        refusal: r.message.refusal,
        tool_calls: r.message.tool_calls,
        latency_ms: r.latency_ms,
        cost: r.cost,
        model: r.model,
        provider: r.provider,
        ..Logged::default()
    })
}

/// The line's own `latency_ms` (or `duration_ms`) and `cost`, which override what the
/// response says.
fn line_figures(
    at: &At<'_>,
    map: &Map<String, Value>,
    logged: &mut Logged,
) -> Result<(), LoadError> {
    logged.latency_ms = at
        .number(map, "latency_ms", "")?
        .or(at.number(map, "duration_ms", "")?);
    if let Some(cost) = at.number(map, "cost", "")? {
        logged.cost = Some(cost);
    }
    Ok(())
}

/// A whole chat-completion response on its line.
fn completion_line(at: &At<'_>, map: Map<String, Value>) -> Result<Logged, LoadError> {
    let case_id = at.case_id_in(&map, "")?;
    let mut figures = Logged::default();
    line_figures(at, &map, &mut figures)?;
    let mut logged = from_completion(at, Value::Object(map), "")?;
    logged.format = LogFormat::Completion;
    logged.case_id = case_id;
    logged.latency_ms = figures.latency_ms;
    logged.cost = figures.cost.or(logged.cost);
    if logged.case_id.is_none() {
        return Err(at.error(
            "case_id",
            "a chat completion names no case: add `case_id` (or `metadata.case_id`), or log it with its request",
        ));
    }
    Ok(logged)
}

/// `{"case_id", "chunks": [...]}`.
fn chunk_line(at: &At<'_>, mut map: Map<String, Value>) -> Result<Logged, LoadError> {
    let case_id = at.case_id_in(&map, "")?;
    let chunks = map.remove("chunks").unwrap_or_default();
    let mut logged = from_chunks(at, chunks, "chunks")?;
    logged.format = LogFormat::Chunks;
    logged.case_id = case_id.or(logged.case_id);
    let cost = logged.cost;
    line_figures(at, &map, &mut logged)?;
    logged.cost = logged.cost.or(cost);
    if logged.case_id.is_none() {
        return Err(at.error("case_id", "the chunks name no case: add `case_id`"));
    }
    Ok(logged)
}

/// `{"request": {...}, "response": {...}}`: the case named by the line, the request or
/// the response, else found by the request's messages.
fn exchange(at: &At<'_>, mut map: Map<String, Value>) -> Result<Logged, LoadError> {
    let Some(Value::Object(request)) = map.remove("request") else {
        return Err(at.error(
            "request",
            "a logged exchange needs its `request` (an object, with its `messages`) beside its `response`",
        ));
    };
    let response = match map.remove("response") {
        None | Some(Value::Null) => {
            return Err(at.error(
                "response",
                "a logged exchange needs its `response` beside its `request`",
            ))
        }
        Some(r) => r,
    };
    let response_case = match &response {
        Value::Object(r) => at.case_id_in(r, "response")?,
        _ => None,
    };
    let mut logged = match response {
        Value::Object(mut r) if r.contains_key("chunks") => from_chunks(
            at,
            r.remove("chunks").unwrap_or_default(),
            "response.chunks",
        )?,
        Value::Object(r) => from_completion(at, Value::Object(r), "response")?,
        chunks @ (Value::Array(_) | Value::String(_)) => from_chunks(at, chunks, "response")?,
        other => {
            return Err(at.error(
                "response",
                format!(
                    "expected a chat completion, or its stream's chunks; got {}",
                    kind(&other)
                ),
            ))
        }
    };
    logged.format = LogFormat::Exchange;
    logged.case_id = at
        .case_id_in(&map, "")?
        .or(at.case_id_in(&request, "request")?)
        .or(response_case);
    let cost = logged.cost;
    line_figures(at, &map, &mut logged)?;
    logged.cost = logged.cost.or(cost);
    if logged.case_id.is_none() {
        match request.get("messages") {
            Some(Value::Array(messages)) if !messages.is_empty() => {
                logged.request_keys.push(messages_key(messages));
                let leading_system = messages[0]
                    .get("role")
                    .and_then(Value::as_str)
                    .is_some_and(|r| r == "system" || r == "developer");
                if leading_system && messages.len() > 1 {
                    logged.request_keys.push(messages_key(&messages[1..]));
                }
            }
            _ => {
                return Err(at.error(
                    "request.messages",
                    "the exchange names no case (`case_id`, `metadata.case_id`) and its request has no messages to find it by",
                ))
            }
        }
    }
    Ok(logged)
}

/// The answer of a chat-completion response (its first choice) and what it says of
/// how it was served.
fn from_completion(at: &At<'_>, value: Value, prefix: &str) -> Result<Logged, LoadError> {
    let created_ms = value
        .get("created")
        .and_then(Value::as_i64)
        .map(|s| s.saturating_mul(1000));
    let completion: Completion = at.de(value, prefix)?;
    let choices = completion.choices.unwrap_or_default();
    let Some(choice) = choices.items.into_iter().next() else {
        return Err(match completion.error {
            Some(error) => at.error(
                &join(prefix, "error"),
                format!(
                    "the response is an error ({}): no answer to grade",
                    error.describe()
                ),
            ),
            None => at.error(&join(prefix, "choices"), "no choice: no answer to grade"),
        });
    };
    let Some(message) = choice.message else {
        return Err(at.error(
            &join(prefix, "choices[0].message"),
            "the first choice has no message",
        ));
    };
    let tokens = tokens(completion.usage.as_ref());
    Ok(Logged {
        format: LogFormat::Completion,
        content: content_text(&message.content),
        refusal: message.refusal,
        tool_calls: (!message.tool_calls.is_empty()).then_some(message.tool_calls.items),
        cost: completion.usage.as_ref().and_then(|u| u.cost),
        model: completion.model,
        provider: completion.provider,
        generation_id: completion.id,
        tokens,
        finish_reason: choice.finish_reason,
        native_finish_reason: choice.native_finish_reason,
        created_ms,
        ..Logged::default()
    })
}

fn tokens(usage: Option<&Usage>) -> Tokens {
    let Some(u) = usage else {
        return Tokens::default();
    };
    Tokens {
        prompt: u.prompt_tokens,
        completion: u.completion_tokens,
        cached: u
            .prompt_tokens_details
            .as_ref()
            .and_then(|d| d.cached_tokens),
        reasoning: u
            .completion_tokens_details
            .as_ref()
            .and_then(|d| d.reasoning_tokens),
    }
}

/// The `data:` events of a stream's text, `[DONE]` and comments left out.
fn sse_events(at: &At<'_>, text: &str, prefix: &str) -> Result<Vec<Value>, LoadError> {
    let mut events = Vec::new();
    for line in text.lines() {
        let Some(data) = line.strip_prefix("data:") else {
            continue;
        };
        let data = data.trim();
        if data.is_empty() || data == "[DONE]" {
            continue;
        }
        let event = serde_json::from_str(data).map_err(|e| {
            at.error(
                prefix,
                format!("stream event {} is not valid JSON: {e}", events.len() + 1),
            )
        })?;
        events.push(event);
    }
    Ok(events)
}

/// A streamed response assembled from its chunks: content and refusal deltas in order,
/// tool calls by index (arguments concatenated), usage from the last chunk with it.
fn from_chunks(at: &At<'_>, value: Value, prefix: &str) -> Result<Logged, LoadError> {
    let chunks = match value {
        Value::Array(chunks) => chunks,
        Value::String(text) => sse_events(at, &text, prefix)?,
        other => {
            return Err(at.error(
                prefix,
                format!(
                    "expected an array of `chat.completion.chunk` objects (or the stream's `data:` lines), got {}",
                    kind(&other)
                ),
            ))
        }
    };
    if chunks.is_empty() {
        return Err(at.error(prefix, "no chunks: no answer to grade"));
    }
    let mut logged = Logged {
        format: LogFormat::Chunks,
        chunks: Some(u32::try_from(chunks.len()).unwrap_or(u32::MAX)),
        ..Logged::default()
    };
    let (mut content, mut saw_content, mut refusal) = (String::new(), false, String::new());
    let mut tools = ToolCallAssembler::new(MAX_COUNT_LIMIT as usize);
    let mut usage = None;
    for (i, value) in chunks.into_iter().enumerate() {
        let key = format!("{prefix}[{i}]");
        let Value::Object(map) = &value else {
            return Err(at.error(
                &key,
                format!(
                    "expected a `chat.completion.chunk` object, got {}",
                    kind(&value)
                ),
            ));
        };
        if logged.case_id.is_none() {
            logged.case_id = at.case_id_in(map, &key)?;
        }
        if logged.created_ms.is_none() {
            logged.created_ms = map
                .get("created")
                .and_then(Value::as_i64)
                .map(|s| s.saturating_mul(1000));
        }
        let chunk: Chunk = at.de(value, &key)?;
        logged.generation_id = logged.generation_id.take().or(chunk.id);
        logged.model = chunk.model.or(logged.model.take());
        logged.provider = chunk.provider.or(logged.provider.take());
        if chunk.usage.is_some() {
            usage = chunk.usage;
        }
        for choice in &chunk.choices.items {
            if let Some(delta) = &choice.delta {
                if let Some(c) = &delta.content {
                    content.push_str(c);
                    saw_content = true;
                }
                if let Some(r) = &delta.refusal {
                    refusal.push_str(r);
                }
                for call in &delta.tool_calls.items {
                    tools
                        .push(call)
                        .map_err(|e| at.error(&format!("{key}.choices"), e))?;
                }
            }
            if choice.finish_reason.is_some() {
                logged.finish_reason = choice.finish_reason.clone();
                logged.native_finish_reason = choice.native_finish_reason.clone();
            }
        }
        if let Some(error) = chunk.error {
            return Err(at.error(
                &format!("{key}.error"),
                format!(
                    "the stream ended in an error ({}): no whole answer to grade",
                    error.describe()
                ),
            ));
        }
    }
    let calls = tools.finish();
    logged.content = saw_content.then_some(content);
    logged.refusal = (!refusal.is_empty()).then_some(refusal);
    logged.tool_calls = (!calls.is_empty()).then_some(calls);
    logged.tokens = tokens(usage.as_ref());
    logged.cost = usage.and_then(|u| u.cost);
    Ok(logged)
}

/// What identifies a conversation, whichever way its messages were written: each
/// message's role, text (a parts array's text parts joined), tool calls (name and
/// arguments) and tool call id, as one JSON text. Other keys are left out.
pub fn messages_key(messages: &[Value]) -> String {
    let key: Vec<Value> = messages
        .iter()
        .map(|m| {
            let text = match m.get("content") {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Array(parts)) => parts
                    .iter()
                    .filter_map(|p| p.get("text").and_then(Value::as_str))
                    .collect(),
                _ => String::new(),
            };
            let calls: Vec<Value> = m
                .get("tool_calls")
                .and_then(Value::as_array)
                .map(|calls| {
                    calls
                        .iter()
                        .map(|c| {
                            let f = c.get("function").unwrap_or(c);
                            json!([f.get("name"), f.get("arguments")])
                        })
                        .collect()
                })
                .unwrap_or_default();
            json!([m.get("role"), text, calls, m.get("tool_call_id")])
        })
        .collect();
    Value::Array(key).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Logged, LoadError> {
        parse_line(Path::new("r.jsonl"), 7, text)
    }

    fn error(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    #[test]
    fn each_shape_is_told_apart_and_read() {
        let m = parse(r#"{"case_id":"a","message":{"role":"assistant","content":"hi"},"latency_ms":12,"model":"m/x"}"#).unwrap();
        assert_eq!(m.format, LogFormat::Message);
        assert_eq!(
            (m.line, m.content.as_deref(), m.latency_ms),
            (7, Some("hi"), Some(12.0))
        );
        assert_eq!(m.model.as_deref(), Some("m/x"));

        let c = parse(r#"{"id":"gen-1","object":"chat.completion","created":1700000000,"model":"m/y","provider":"P","metadata":{"case_id":"b"},"choices":[{"index":0,"message":{"role":"assistant","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]},"finish_reason":"stop"}],"usage":{"prompt_tokens":10,"completion_tokens":2,"cost":0.0015,"prompt_tokens_details":{"cached_tokens":4}},"duration_ms":321}"#).unwrap();
        assert_eq!(c.format, LogFormat::Completion);
        assert_eq!(c.case_id.as_deref(), Some("b"));
        assert_eq!(c.content.as_deref(), Some("ab"));
        assert_eq!((c.cost, c.latency_ms), (Some(0.0015), Some(321.0)));
        assert_eq!(c.tokens.prompt, Some(10));
        assert_eq!(c.tokens.cached, Some(4));
        assert_eq!(c.created_ms, Some(1_700_000_000_000));
        assert_eq!(c.provider.as_deref(), Some("P"));
        assert_eq!(c.generation_id.as_deref(), Some("gen-1"));

        let x = parse(r#"{"request":{"model":"m/z","messages":[{"role":"system","content":"sys"},{"role":"user","content":"q"}]},"response":{"choices":[{"message":{"content":"ok"}}],"model":"m/z"},"latency_ms":5}"#).unwrap();
        assert_eq!(x.format, LogFormat::Exchange);
        assert_eq!(x.case_id, None);
        assert_eq!(
            x.request_keys.len(),
            2,
            "whole, and without the system prompt"
        );
        assert_eq!(
            x.request_keys[1],
            messages_key(&[json!({"role":"user","content":"q"})])
        );

        let s = parse(r#"{"case_id":"c","chunks":[{"object":"chat.completion.chunk","model":"m/s","choices":[{"delta":{"role":"assistant","tool_calls":[{"index":1,"id":"t2","function":{"name":"g","arguments":"{\"y\""}},{"index":0,"id":"t1","function":{"name":"f","arguments":"{"}}]}}]},{"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":"}"}},{"index":1,"function":{"arguments":":2}"}}]},"finish_reason":"tool_calls"}]},{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4,"cost":0.5}}]}"#).unwrap();
        assert_eq!(s.format, LogFormat::Chunks);
        let calls = s.tool_calls.unwrap();
        assert_eq!(
            (
                calls[0].function.name.as_str(),
                calls[0].function.arguments.as_str()
            ),
            ("f", "{}")
        );
        assert_eq!(
            (
                calls[1].function.name.as_str(),
                calls[1].function.arguments.as_str()
            ),
            ("g", "{\"y\":2}")
        );
        assert_eq!(
            (s.cost, s.tokens.completion, s.chunks),
            (Some(0.5), Some(4), Some(3))
        );
        assert_eq!(s.finish_reason.as_deref(), Some("tool_calls"));

        let sse = parse(r#"{"case_id":"d","chunks":"data: {\"choices\":[{\"delta\":{\"content\":\"he\"}}]}\n\ndata: {\"choices\":[{\"delta\":{\"content\":\"y\"}}]}\n\ndata: [DONE]\n"}"#).unwrap();
        assert_eq!(sse.content.as_deref(), Some("hey"));

        let bare = parse(r#"[{"metadata":{"case_id":"e"},"choices":[{"delta":{"content":"x"}}]},{"choices":[{"delta":{"content":"y"}}]}]"#).unwrap();
        assert_eq!(
            (bare.case_id.as_deref(), bare.content.as_deref()),
            (Some("e"), Some("xy"))
        );
        assert_eq!(bare.format, LogFormat::Chunks);
    }

    #[test]
    fn a_line_of_no_shape_is_located() {
        let e = error(r#"{"case_id":"a","answer":"x"}"#);
        assert!(
            e.starts_with("r.jsonl:7: matches no response format"),
            "{e}"
        );
        let e = error(r#"{"case_id":"a","mesage":{}}"#);
        assert!(
            e.contains("key `mesage`") && e.contains("did you mean `message`"),
            "{e}"
        );
        assert!(error("42").contains("the line is a number"));
        assert!(error("{\"case_id\": ").starts_with("r.jsonl:7: not valid JSON"));
        let e = error(r#"{"case_id":"a","message":{"role":"user"}}"#);
        assert!(e.contains("key `message.role`"), "{e}");
        let e = error(r#"{"case_id":"a","message":{},"extra":1}"#);
        assert!(e.contains("unknown key `extra`"), "{e}");
        let e = error(r#"{"choices":[{"message":{"content":"x"}}]}"#);
        assert!(
            e.contains("key `case_id`: a chat completion names no case"),
            "{e}"
        );
        let e = error(r#"{"case_id":"a","choices":[{"message":{"tool_calls":"f"}}]}"#);
        assert!(e.contains("key `choices[0].message.tool_calls`"), "{e}");
        let e = error(r#"{"request":{"messages":[]},"response":{"choices":[]}}"#);
        assert!(e.contains("key `response.choices`: no choice"), "{e}");
        let e = error(
            r#"{"case_id":"a","chunks":[{"choices":[{"delta":{"content":"x"}}]},{"error":{"message":"overloaded"}}]}"#,
        );
        assert!(
            e.contains("key `chunks[1].error`") && e.contains("overloaded"),
            "{e}"
        );
        let e = error(r#"[{"choices":[{"delta":{"content":"x"}}]}]"#);
        assert!(e.contains("names no case"), "{e}");
        let e = error(r#"{"case_id":"a","latency_ms":"fast","message":{}}"#);
        assert!(e.contains("key `latency_ms`"), "{e}");
    }
}
