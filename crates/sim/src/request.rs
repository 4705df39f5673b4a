//! Reading a chat-completions request: what the simulator needs from it, checked
//! field by field so a bad request is a 400 naming the field, never a panic.

use crate::wire::{tokens_for_chars, ApiError};
use serde_json::Value;

/// The parts of a chat-completions request the simulator acts on.
#[derive(Debug, Clone)]
pub(crate) struct ChatRequest {
    /// `model` then the `models` fallbacks, without duplicates.
    pub(crate) models: Vec<String>,
    pub(crate) stream: bool,
    /// Tools offered (empty when none).
    pub(crate) tools: Vec<Value>,
    /// `tool_choice: "none"`: the model must not call tools.
    pub(crate) tool_choice_none: bool,
    /// `tool_choice` as sent (`"required"`, `{"type":"function","function":{"name"}}`...).
    pub(crate) tool_choice: Option<Value>,
    /// `parallel_tool_calls` as sent.
    pub(crate) parallel_tool_calls: Option<bool>,
    pub(crate) response_format: Option<Value>,
    pub(crate) provider: ProviderPrefs,
    pub(crate) max_tokens: Option<u64>,
    /// Text of the first user message: the case key.
    pub(crate) first_user: String,
    pub(crate) n_messages: usize,
    /// An assistant message followed by a later user message: a re-ask after feedback.
    pub(crate) reask: bool,
    /// The last message is a tool result.
    pub(crate) after_tool: bool,
    /// Rounds of tool results in the conversation (runs of `tool` messages), validation
    /// feedback aside: the turn of a multi-turn tool loop the model is at.
    pub(crate) tool_rounds: usize,
    /// The last messages are tool messages carrying validation feedback: a re-ask.
    pub(crate) tool_feedback: bool,
    /// Estimate: characters of all message contents and tool definitions / 4, rounded up.
    pub(crate) prompt_tokens: u64,
}

/// OpenRouter's `provider` object, the fields the simulator honours.
#[derive(Debug, Clone, Default)]
pub(crate) struct ProviderPrefs {
    pub(crate) order: Option<Vec<String>>,
    pub(crate) only: Option<Vec<String>>,
    pub(crate) ignore: Option<Vec<String>>,
    pub(crate) allow_fallbacks: bool,
    pub(crate) require_parameters: bool,
    pub(crate) zdr: bool,
    pub(crate) deny_data_collection: bool,
    pub(crate) quantizations: Option<Vec<String>>,
    /// USD per million tokens.
    pub(crate) max_prompt_price: Option<f64>,
    pub(crate) max_completion_price: Option<f64>,
}

/// The `model` field, if any: counted before the rest is checked.
pub(crate) fn requested_model(body: &Value) -> Option<&str> {
    body.get("model").and_then(Value::as_str)
}

/// How routeval's validate-and-retry answers a tool call it rejected: not a tool result.
const VALIDATION_FEEDBACK: &str = "Error: Your previous answer was rejected by validation";

pub(crate) fn parse(body: &Value) -> Result<ChatRequest, ApiError> {
    let obj = body
        .as_object()
        .ok_or_else(|| ApiError::invalid("request body must be a JSON object"))?;

    let mut models = Vec::new();
    match obj.get("model") {
        None | Some(Value::Null) => {}
        Some(Value::String(m)) if !m.is_empty() => models.push(m.clone()),
        Some(_) => return Err(ApiError::invalid("`model` must be a non-empty string")),
    }
    if let Some(list) = opt_strings(obj.get("models"), "models")? {
        for m in list {
            if !models.contains(&m) {
                models.push(m);
            }
        }
    }
    if models.is_empty() {
        return Err(ApiError::invalid("`model` is required"));
    }

    let messages = obj
        .get("messages")
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::invalid("`messages` must be an array of messages"))?;
    if messages.is_empty() {
        return Err(ApiError::invalid("`messages` must not be empty"));
    }
    let mut chars = 0usize;
    let mut first_user = None;
    let mut seen_assistant = false;
    let mut reask = false;
    let mut roles = Vec::with_capacity(messages.len());
    let (mut tool_rounds, mut tool_feedback) = (0usize, false);
    for (i, m) in messages.iter().enumerate() {
        let role = m
            .get("role")
            .and_then(Value::as_str)
            .ok_or_else(|| ApiError::invalid(format!("messages[{i}].role must be a string")))?;
        if !matches!(role, "system" | "developer" | "user" | "assistant" | "tool") {
            return Err(ApiError::invalid(format!(
                "messages[{i}].role: unknown role `{role}`"
            )));
        }
        let text = content_text(m.get("content")).ok_or_else(|| {
            ApiError::invalid(format!(
                "messages[{i}].content must be a string, an array of parts or null"
            ))
        })?;
        chars += text.chars().count();
        match role {
            "user" => {
                if first_user.is_none() {
                    first_user = Some(text);
                }
                reask |= seen_assistant;
            }
            "assistant" => seen_assistant = true,
            // The first tool message of a run opens a round.
            "tool" if roles.last() != Some(&"tool") => {
                tool_feedback = text.starts_with(VALIDATION_FEEDBACK);
                tool_rounds += usize::from(!tool_feedback);
            }
            _ => {}
        }
        roles.push(role);
    }

    let tools = match obj.get("tools") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(t)) => t.clone(),
        Some(_) => return Err(ApiError::invalid("`tools` must be an array")),
    };
    if !tools.is_empty() {
        chars += Value::Array(tools.clone()).to_string().chars().count();
    }

    let stream = match obj.get("stream") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(ApiError::invalid("`stream` must be a boolean")),
    };
    let response_format = match obj.get("response_format") {
        None | Some(Value::Null) => None,
        Some(rf @ Value::Object(_)) => Some(rf.clone()),
        Some(_) => return Err(ApiError::invalid("`response_format` must be an object")),
    };
    let max_tokens = match obj
        .get("max_completion_tokens")
        .or_else(|| obj.get("max_tokens"))
    {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_u64()
                .filter(|n| *n > 0)
                .ok_or_else(|| ApiError::invalid("`max_tokens` must be a positive integer"))?,
        ),
    };
    let provider = match obj.get("provider") {
        None | Some(Value::Null) => ProviderPrefs {
            allow_fallbacks: true,
            ..ProviderPrefs::default()
        },
        Some(p) => parse_prefs(p)?,
    };

    Ok(ChatRequest {
        models,
        stream,
        tool_choice_none: obj.get("tool_choice").and_then(Value::as_str) == Some("none"),
        tool_choice: obj.get("tool_choice").filter(|c| !c.is_null()).cloned(),
        parallel_tool_calls: obj.get("parallel_tool_calls").and_then(Value::as_bool),
        tools,
        response_format,
        provider,
        max_tokens,
        first_user: first_user.unwrap_or_default(),
        n_messages: messages.len(),
        reask,
        after_tool: roles.last() == Some(&"tool"),
        tool_rounds,
        tool_feedback: tool_feedback && roles.last() == Some(&"tool"),
        prompt_tokens: tokens_for_chars(chars).max(1),
    })
}

/// Text of a message's content: a string, the text parts of an array, or nothing.
fn content_text(content: Option<&Value>) -> Option<String> {
    match content {
        None | Some(Value::Null) => Some(String::new()),
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Array(parts)) => Some(
            parts
                .iter()
                .filter_map(|p| p.get("text").and_then(Value::as_str))
                .collect::<Vec<_>>()
                .join(""),
        ),
        Some(_) => None,
    }
}

fn parse_prefs(p: &Value) -> Result<ProviderPrefs, ApiError> {
    let obj = p
        .as_object()
        .ok_or_else(|| ApiError::invalid("`provider` must be an object"))?;
    let flag = |key: &str, default: bool| -> Result<bool, ApiError> {
        match obj.get(key) {
            None | Some(Value::Null) => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(ApiError::invalid(format!(
                "`provider.{key}` must be a boolean"
            ))),
        }
    };
    let deny_data_collection = match obj.get("data_collection") {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) if s == "deny" => true,
        Some(Value::String(s)) if s == "allow" => false,
        Some(_) => {
            return Err(ApiError::invalid(
                "`provider.data_collection` must be \"allow\" or \"deny\"",
            ))
        }
    };
    let (max_prompt_price, max_completion_price) = match obj.get("max_price") {
        None | Some(Value::Null) => (None, None),
        Some(Value::Object(m)) => {
            let price = |k: &str| match m.get(k) {
                None | Some(Value::Null) => Ok(None),
                Some(v) => v.as_f64().map(Some).ok_or_else(|| {
                    ApiError::invalid(format!("`provider.max_price.{k}` must be a number"))
                }),
            };
            (price("prompt")?, price("completion")?)
        }
        Some(_) => return Err(ApiError::invalid("`provider.max_price` must be an object")),
    };
    Ok(ProviderPrefs {
        order: opt_strings(obj.get("order"), "provider.order")?,
        only: opt_strings(obj.get("only"), "provider.only")?,
        ignore: opt_strings(obj.get("ignore"), "provider.ignore")?,
        quantizations: opt_strings(obj.get("quantizations"), "provider.quantizations")?,
        allow_fallbacks: flag("allow_fallbacks", true)?,
        require_parameters: flag("require_parameters", false)?,
        zdr: flag("zdr", false)?,
        deny_data_collection,
        max_prompt_price,
        max_completion_price,
    })
}

fn opt_strings(v: Option<&Value>, key: &str) -> Result<Option<Vec<String>>, ApiError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|s| s.as_str().map(String::from))
            .collect::<Option<Vec<_>>>()
            .map(Some)
            .ok_or_else(|| ApiError::invalid(format!("`{key}` must be an array of strings"))),
        Some(_) => Err(ApiError::invalid(format!(
            "`{key}` must be an array of strings"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_fallbacks_reask_and_tokens() {
        let body = json!({
            "model": "a/b", "models": ["c/d", "a/b"],
            "messages": [
                {"role": "system", "content": "sys"},
                {"role": "user", "content": "hello"},
                {"role": "assistant", "content": "x"},
                {"role": "user", "content": [{"type": "text", "text": "again"}]}
            ]
        });
        let r = parse(&body).unwrap();
        assert_eq!(r.models, ["a/b", "c/d"]);
        assert_eq!(r.first_user, "hello");
        assert!(r.reask);
        assert_eq!(r.prompt_tokens, 4); // 3 + 5 + 1 + 5 = 14 chars
        assert!(r.provider.allow_fallbacks);
    }

    #[test]
    fn counts_tool_rounds_but_not_validation_feedback() {
        let call =
            json!([{"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}]);
        let body = json!({
            "model": "a/b",
            "messages": [
                {"role": "user", "content": "hello"},
                {"role": "assistant", "content": null, "tool_calls": call},
                {"role": "tool", "tool_call_id": "c", "content": "{\"ok\": true}"},
                {"role": "tool", "tool_call_id": "d", "content": "Error: timeout"},
                {"role": "assistant", "content": null, "tool_calls": call},
                {"role": "tool", "tool_call_id": "c", "content": "Error: timeout"},
                {"role": "assistant", "content": null, "tool_calls": call},
                {"role": "tool", "tool_call_id": "c", "content": "Error: Your previous answer was rejected by validation: x"}
            ]
        });
        let r = parse(&body).unwrap();
        assert_eq!(r.tool_rounds, 2);
        assert!(r.tool_feedback && r.after_tool);
    }

    #[test]
    fn bad_fields_are_400s() {
        for body in [
            json!([1]),
            json!({"model": "a/b"}),
            json!({"model": "a/b", "messages": [{"content": "x"}]}),
            json!({"model": "a/b", "messages": [{"role": "user", "content": 3}]}),
            json!({"model": "a/b", "messages": [{"role": "user"}], "provider": {"only": "x"}}),
            json!({"model": 5, "messages": [{"role": "user"}]}),
        ] {
            let e = parse(&body).unwrap_err();
            assert_eq!((e.status, e.error_type), (400, "invalid_request"), "{body}");
        }
    }
}
