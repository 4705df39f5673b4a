//! Response shapes of the OpenAI chat-completions API with OpenRouter's additions,
//! deserialized leniently: unknown fields are ignored, everything optional is optional.

use routeval_core::limits::MAX_COUNT_LIMIT;
use routeval_core::message::{FunctionCall, ToolCall};
use serde::de::{IgnoredAny, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use std::fmt;
use std::marker::PhantomData;

/// An array of which at most [`MAX_COUNT_LIMIT`] items are kept; the rest are only
/// counted (skipped without being built), so 100,000 choices or tool calls in a body
/// cost no more than the body. `total` says how many there were.
#[derive(Debug)]
pub struct Capped<T> {
    pub items: Vec<T>,
    pub total: usize,
}

impl<T> Default for Capped<T> {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            total: 0,
        }
    }
}

impl<T> Capped<T> {
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Capped<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CappedVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for CappedVisitor<T> {
            type Value = Capped<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Capped<T>, A::Error> {
                let mut out = Capped::default();
                while out.items.len() < MAX_COUNT_LIMIT as usize {
                    match seq.next_element()? {
                        Some(item) => out.items.push(item),
                        None => {
                            out.total = out.items.len();
                            return Ok(out);
                        }
                    }
                }
                out.total = out.items.len();
                while seq.next_element::<IgnoredAny>()?.is_some() {
                    out.total += 1;
                }
                Ok(out)
            }
        }
        deserializer.deserialize_seq(CappedVisitor(PhantomData))
    }
}

/// `null` or absent as empty.
fn capped_or_null<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Capped<T>, D::Error> {
    Ok(Option::<Capped<T>>::deserialize(deserializer)?.unwrap_or_default())
}

#[derive(Debug, Deserialize)]
pub struct Completion {
    pub id: Option<String>,
    pub model: Option<String>,
    pub provider: Option<String>,
    #[serde(default)]
    pub choices: Option<Capped<Choice>>,
    pub usage: Option<Usage>,
    pub error: Option<ApiError>,
}

#[derive(Debug, Deserialize)]
pub struct Choice {
    pub message: Option<ResponseMessage>,
    pub finish_reason: Option<String>,
    pub native_finish_reason: Option<String>,
    pub error: Option<ApiError>,
}

#[derive(Debug, Deserialize)]
pub struct ResponseMessage {
    pub content: Option<Value>,
    #[serde(default, deserialize_with = "capped_or_null")]
    pub tool_calls: Capped<ToolCall>,
    pub refusal: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
pub struct Usage {
    pub prompt_tokens: Option<i64>,
    pub completion_tokens: Option<i64>,
    pub prompt_tokens_details: Option<PromptDetails>,
    pub completion_tokens_details: Option<CompletionDetails>,
    pub cost: Option<f64>,
    /// The generation ran on the user's own provider key: `cost` is then OpenRouter's
    /// fee only, the provider's bill is `cost_details.upstream_inference_cost`.
    /// <https://openrouter.ai/docs/guides/administration/usage-accounting>
    pub is_byok: Option<bool>,
    pub cost_details: Option<CostDetails>,
}

#[derive(Debug, Default, Clone, Deserialize)]
pub struct CostDetails {
    pub upstream_inference_cost: Option<f64>,
}

#[derive(Debug, Default, Clone, Deserialize)]
pub struct PromptDetails {
    pub cached_tokens: Option<i64>,
    /// Prompt tokens written to the provider's prompt cache.
    /// <https://openrouter.ai/docs/guides/administration/usage-accounting>
    pub cache_write_tokens: Option<i64>,
}

#[derive(Debug, Default, Clone, Deserialize)]
pub struct CompletionDetails {
    pub reasoning_tokens: Option<i64>,
}

/// OpenRouter's error envelope body: `{"error": {"code", "message", "metadata"}}`, with
/// `availability` on model-availability errors.
///
/// <https://openrouter.ai/docs/api/reference/errors-and-debugging>: `metadata` carries
/// `error_type` and `provider_code`; a moderation 403 adds `reasons`, `flagged_input`,
/// `provider_name` and `model_slug`; a provider error (429, 502...) adds `provider_name`
/// and `raw`; a model-availability error (404, 503) carries `availability` {`code`,
/// `retryable`, `retry_after`, `excluded_by`...} next to `error_type` in `error` itself.
#[derive(Debug, Clone, Deserialize)]
pub struct ApiError {
    pub code: Option<Value>,
    pub message: Option<String>,
    pub metadata: Option<Value>,
    /// Availability errors carry their type here rather than in `metadata`.
    pub error_type: Option<String>,
    /// Why no endpoint could serve, and whether asking again can help.
    pub availability: Option<Value>,
}

impl ApiError {
    /// What the error says beside its message, as one JSON object: `metadata`'s fields,
    /// `availability` under its own key, and a top-level `error_type` when `metadata`
    /// has none. `None` when the error carries none of them.
    pub fn details(&self) -> Option<Value> {
        let mut out = match &self.metadata {
            Some(Value::Object(m)) => m.clone(),
            Some(Value::Null) | None => serde_json::Map::new(),
            Some(other) => {
                let mut m = serde_json::Map::new();
                m.insert("metadata".into(), other.clone());
                m
            }
        };
        if let Some(a) = self.availability.as_ref().filter(|a| !a.is_null()) {
            out.insert("availability".into(), a.clone());
        }
        if let (Some(t), false) = (&self.error_type, out.contains_key("error_type")) {
            out.insert("error_type".into(), Value::String(t.clone()));
        }
        (!out.is_empty()).then_some(Value::Object(out))
    }

    /// The upstream provider the error names (`metadata.provider_name`): the one that
    /// failed, which is the attempt's provider.
    pub fn provider_name(&self) -> Option<&str> {
        self.metadata
            .as_ref()
            .and_then(|m| m.get("provider_name"))
            .and_then(Value::as_str)
            .filter(|p| !p.is_empty())
    }

    /// `availability.retryable`: "always branch on `availability.retryable`"
    /// (<https://openrouter.ai/docs/api/reference/errors-and-debugging>).
    pub fn retryable(&self) -> Option<bool> {
        self.availability
            .as_ref()
            .and_then(|a| a.get("retryable"))
            .and_then(Value::as_bool)
    }

    /// `availability.retry_after`, in seconds: the body's copy of `Retry-After` (the
    /// minimum across the endpoints tried), <https://openrouter.ai/docs/api/reference/limits>.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        let secs = self
            .availability
            .as_ref()
            .and_then(|a| a.get("retry_after"))
            .and_then(Value::as_f64)?;
        (secs.is_finite() && secs >= 0.0).then(|| std::time::Duration::from_secs_f64(secs))
    }

    pub fn code_number(&self) -> Option<u16> {
        match &self.code {
            Some(Value::Number(n)) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
            Some(Value::String(s)) => s.parse().ok(),
            _ => None,
        }
    }

    /// `error_type` lives in `metadata` on chat completions and at the top on
    /// availability errors; read both.
    pub fn error_type(&self) -> Option<&str> {
        self.metadata
            .as_ref()
            .and_then(|m| m.get("error_type"))
            .and_then(Value::as_str)
            .or(self.error_type.as_deref())
    }

    pub fn describe(&self) -> String {
        let mut s = self.message.clone().unwrap_or_else(|| "error".into());
        if let Some(t) = self.error_type() {
            s.push_str(&format!(" ({t})"));
        }
        s
    }

    /// [`ApiError::describe`] without copying the message.
    pub fn into_description(mut self) -> String {
        let kind = self.error_type().map(|t| format!(" ({t})"));
        let mut s = self.message.take().unwrap_or_else(|| "error".into());
        s.push_str(kind.as_deref().unwrap_or(""));
        s
    }
}

#[derive(Debug, Deserialize)]
pub struct ErrorBody {
    pub error: Option<ApiError>,
}

#[derive(Debug, Deserialize)]
pub struct Chunk {
    pub id: Option<String>,
    pub model: Option<String>,
    pub provider: Option<String>,
    #[serde(default, deserialize_with = "capped_or_null")]
    pub choices: Capped<ChunkChoice>,
    pub usage: Option<Usage>,
    pub error: Option<ApiError>,
}

#[derive(Debug, Deserialize)]
pub struct ChunkChoice {
    pub delta: Option<Delta>,
    pub finish_reason: Option<String>,
    pub native_finish_reason: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Delta {
    pub content: Option<String>,
    #[serde(default, deserialize_with = "capped_or_null")]
    pub tool_calls: Capped<ToolCallDelta>,
    pub reasoning: Option<String>,
    pub refusal: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct ToolCallDelta {
    /// Any integer a server sends (3000000000, -1): checked against the limit, not
    /// trusted as a size.
    pub index: Option<i64>,
    pub id: Option<String>,
    pub function: Option<FunctionDelta>,
}

#[derive(Debug, Deserialize)]
pub struct FunctionDelta {
    pub name: Option<String>,
    pub arguments: Option<String>,
}

/// Text of a message `content`: a string, or the text parts of a parts array.
pub fn content_text(content: &Option<Value>) -> Option<String> {
    match content {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Array(parts)) => Some(
            parts
                .iter()
                .filter_map(|p| p.get("text").and_then(Value::as_str))
                .collect::<Vec<_>>()
                .join(""),
        ),
        _ => None,
    }
}

/// Tool calls being assembled from stream deltas, by index. An index at or past the
/// limit is refused rather than grown to.
#[derive(Debug)]
pub struct ToolCallAssembler {
    calls: Vec<ToolCall>,
    max: usize,
}

impl ToolCallAssembler {
    /// At most `max` calls, indexes `0..max`.
    pub fn new(max: usize) -> Self {
        Self {
            calls: Vec::new(),
            max,
        }
    }

    /// Add one delta; `Err` says why it was refused (an index out of range).
    pub fn push(&mut self, delta: &ToolCallDelta) -> Result<(), String> {
        let index = match delta.index {
            Some(i) => usize::try_from(i)
                .ok()
                .filter(|i| *i < self.max)
                .ok_or_else(|| {
                    format!(
                        "tool call index {i} is outside 0..{} (the limit on tool calls)",
                        self.max
                    )
                })?,
            None => self.calls.len().saturating_sub(1),
        };
        while self.calls.len() <= index {
            self.calls.push(ToolCall {
                id: String::new(),
                kind: "function".into(),
                function: FunctionCall {
                    name: String::new(),
                    arguments: String::new(),
                },
            });
        }
        let call = &mut self.calls[index];
        if let Some(id) = &delta.id {
            call.id = id.clone();
        }
        if let Some(f) = &delta.function {
            if let Some(name) = &f.name {
                call.function.name.push_str(name);
            }
            if let Some(args) = &f.arguments {
                call.function.arguments.push_str(args);
            }
        }
        Ok(())
    }

    pub fn finish(self) -> Vec<ToolCall> {
        self.calls
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capped_arrays_count_what_they_do_not_keep() {
        let many = format!("[{}1]", "1,".repeat(5000));
        let c: Capped<u8> = serde_json::from_str(&many).unwrap();
        assert_eq!(c.items.len(), MAX_COUNT_LIMIT as usize);
        assert_eq!(c.total, 5001);
        let m: ResponseMessage =
            serde_json::from_str(r#"{"content":"x","tool_calls":null}"#).unwrap();
        assert!(m.tool_calls.is_empty());
    }

    #[test]
    fn assembler_refuses_indexes_past_the_limit() {
        let delta = |index: i64| ToolCallDelta {
            index: Some(index),
            id: None,
            function: None,
        };
        let mut tools = ToolCallAssembler::new(128);
        assert!(tools.push(&delta(127)).is_ok());
        assert!(tools.push(&delta(128)).is_err());
        assert!(tools.push(&delta(3_000_000_000)).is_err());
        assert!(tools.push(&delta(-1)).is_err());
        assert_eq!(tools.finish().len(), 128);
    }
}
