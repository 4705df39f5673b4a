//! Answers to prompts the simulator knows no case for, when the request's shape asks for
//! something definite: `routeval probe` sends such requests to check that a route can call
//! tools and honour response formats. A real model asked to call a tool calls it; so does
//! a simulated one, with arguments built from the tool's schema.
//!
//! Kept apart from `answer.rs` (the case-driven answers) on purpose: it only applies
//! when no known case matches.

use crate::answer::{tool_name, Answer, CallOut, Format};
use serde_json::{json, Map, Value};

/// The answer to an unknown prompt whose request asks for a tool call (`tool_choice`
/// `"required"` or a named function) or a structured format; `None` otherwise (the
/// generic prose answer applies).
///
/// `tools` is empty when the model cannot call tools, and `format` is `Free` when it
/// ignores `response_format`: such a model falls through to prose, as it would for real.
pub(crate) fn probe_answer(
    tools: &[Value],
    tool_choice: Option<&Value>,
    parallel_tool_calls: Option<bool>,
    format: Format<'_>,
) -> Option<Answer> {
    if !tools.is_empty() {
        let named = tool_choice
            .and_then(|c| c.get("function"))
            .and_then(|f| f.get("name"))
            .and_then(Value::as_str);
        let required = tool_choice.and_then(Value::as_str) == Some("required");
        let call = |tool: &Value| CallOut {
            name: tool_name(tool).unwrap_or_default().to_string(),
            arguments: tool
                .get("function")
                .and_then(|f| f.get("parameters"))
                .map_or_else(|| json!({}), minimal_instance)
                .to_string(),
        };
        if let Some(name) = named {
            let tool = tools.iter().find(|t| tool_name(t) == Some(name))?;
            return Some(Answer::Calls(vec![call(tool)]));
        }
        if required {
            let calls = if parallel_tool_calls == Some(true) {
                tools.iter().map(call).collect()
            } else {
                vec![call(&tools[0])]
            };
            return Some(Answer::Calls(calls));
        }
    }
    match format {
        Format::JsonSchema(Some(schema), _) => {
            Some(Answer::Text(minimal_instance(schema).to_string()))
        }
        Format::JsonObject | Format::JsonSchema(None, _) => {
            Some(Answer::Text(json!({ "ok": true }).to_string()))
        }
        Format::Free => None,
    }
}

/// The smallest plausible value valid for a (simple) JSON schema: the first enum or const
/// value, 1 for numbers, "x" for strings, true for booleans, objects with their required
/// properties (all of them when none are listed), arrays of `minItems` items.
pub(crate) fn minimal_instance(schema: &Value) -> Value {
    if let Some(first) = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
    {
        return first.clone();
    }
    if let Some(c) = schema.get("const") {
        return c.clone();
    }
    if let Some(first) = ["anyOf", "oneOf", "allOf"].iter().find_map(|k| {
        schema
            .get(*k)
            .and_then(Value::as_array)
            .and_then(|a| a.first())
    }) {
        return minimal_instance(first);
    }
    let ty = match schema.get("type") {
        Some(Value::String(t)) => t.as_str(),
        Some(Value::Array(types)) => types
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("null"),
        _ if schema.get("properties").is_some() => "object",
        _ => "string",
    };
    match ty {
        "object" => {
            let props = schema.get("properties").and_then(Value::as_object);
            let required: Vec<&str> = schema
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_else(|| {
                    props
                        .map(|p| p.keys().map(String::as_str).collect())
                        .unwrap_or_default()
                });
            let mut out = Map::new();
            for key in required {
                let sub = props.and_then(|p| p.get(key)).unwrap_or(&Value::Null);
                out.insert(key.to_string(), minimal_instance(sub));
            }
            Value::Object(out)
        }
        "array" => {
            let n = schema.get("minItems").and_then(Value::as_u64).unwrap_or(0);
            let item = schema.get("items").map_or(json!("x"), minimal_instance);
            Value::Array((0..n).map(|_| item.clone()).collect())
        }
        "integer" | "number" => json!(1),
        "boolean" => json!(true),
        "null" => Value::Null,
        _ => json!("x"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tool(name: &str, params: Value) -> Value {
        json!({"type": "function", "function": {"name": name, "parameters": params}})
    }

    #[test]
    fn minimal_instances_validate_their_shapes() {
        let schema = json!({"type": "object", "properties": {
            "kind": {"type": "string", "enum": ["order", "invoice"]},
            "count": {"type": "integer"}, "label": {"type": "string"},
            "flags": {"type": "array", "items": {"type": "boolean"}, "minItems": 1},
            "extra": {"type": ["null", "number"]}
        }, "required": ["kind", "count", "label", "flags"]});
        assert_eq!(
            minimal_instance(&schema),
            json!({"kind": "order", "count": 1, "label": "x", "flags": [true]})
        );
    }

    #[test]
    fn tool_choice_decides_the_calls() {
        let tools = [
            tool(
                "first",
                json!({"type": "object", "properties": {"n": {"type": "number"}}}),
            ),
            tool("second", json!({"type": "object", "properties": {}})),
        ];
        let named = json!({"type": "function", "function": {"name": "second"}});
        let Some(Answer::Calls(c)) = probe_answer(&tools, Some(&named), None, Format::Free) else {
            panic!()
        };
        assert_eq!(
            (c.len(), c[0].name.as_str(), c[0].arguments.as_str()),
            (1, "second", "{}")
        );
        let required = json!("required");
        let Some(Answer::Calls(c)) = probe_answer(&tools, Some(&required), None, Format::Free)
        else {
            panic!()
        };
        assert_eq!(
            (c[0].name.as_str(), c[0].arguments.as_str()),
            ("first", "{\"n\":1}")
        );
        let Some(Answer::Calls(c)) =
            probe_answer(&tools, Some(&required), Some(true), Format::Free)
        else {
            panic!()
        };
        assert_eq!(c.len(), 2);
        // `auto`, or no tools the model can call: no opinion, prose follows.
        assert!(probe_answer(&tools, Some(&json!("auto")), None, Format::Free).is_none());
        assert!(probe_answer(&[], Some(&required), None, Format::Free).is_none());
    }

    #[test]
    fn formats_get_json() {
        let schema = json!({"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]});
        assert_eq!(
            probe_answer(&[], None, None, Format::JsonSchema(Some(&schema), true)),
            Some(Answer::Text("{\"ok\":true}".into()))
        );
        assert!(matches!(
            probe_answer(&[], None, None, Format::JsonObject),
            Some(Answer::Text(t)) if serde_json::from_str::<Value>(&t).is_ok()
        ));
    }
}
