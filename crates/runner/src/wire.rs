//! Response shapes of the OpenAI chat-completions API with OpenRouter's additions,
//! deserialized leniently: unknown fields are ignored, everything optional is optional.

use routeval_core::message::{FunctionCall, ToolCall};
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Deserialize)]
pub struct Completion {
    pub id: Option<String>,
    pub model: Option<String>,
    pub provider: Option<String>,
    #[serde(default)]
    pub choices: Option<Vec<Choice>>,
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
    pub tool_calls: Option<Vec<ToolCall>>,
    pub refusal: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
pub struct Usage {
    pub prompt_tokens: Option<i64>,
    pub completion_tokens: Option<i64>,
    pub prompt_tokens_details: Option<PromptDetails>,
    pub completion_tokens_details: Option<CompletionDetails>,
    pub cost: Option<f64>,
}

#[derive(Debug, Default, Clone, Deserialize)]
pub struct PromptDetails {
    pub cached_tokens: Option<i64>,
}

#[derive(Debug, Default, Clone, Deserialize)]
pub struct CompletionDetails {
    pub reasoning_tokens: Option<i64>,
}

/// OpenRouter's error envelope body: `{"error": {"code", "message", "metadata"}}`.
#[derive(Debug, Clone, Deserialize)]
pub struct ApiError {
    pub code: Option<Value>,
    pub message: Option<String>,
    pub metadata: Option<Value>,
    /// Availability errors carry their type here rather than in `metadata`.
    pub error_type: Option<String>,
}

impl ApiError {
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
    #[serde(default)]
    pub choices: Vec<ChunkChoice>,
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
    pub tool_calls: Option<Vec<ToolCallDelta>>,
    pub reasoning: Option<String>,
    pub refusal: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct ToolCallDelta {
    pub index: Option<usize>,
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

/// Tool calls being assembled from stream deltas, by index.
#[derive(Debug, Default)]
pub struct ToolCallAssembler {
    calls: Vec<ToolCall>,
}

impl ToolCallAssembler {
    pub fn push(&mut self, delta: &ToolCallDelta) {
        let index = delta.index.unwrap_or(self.calls.len().saturating_sub(1));
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
    }

    pub fn finish(self) -> Vec<ToolCall> {
        self.calls
    }
}
