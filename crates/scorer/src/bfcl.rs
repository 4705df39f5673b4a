//! `compat = "bfcl"`: tool calls graded the way the Berkeley Function Calling
//! Leaderboard's AST checker grades them, quirks included, so a figure computed here
//! can be set beside its published ones. Each rule, and why it exists, is in
//! docs/scorers.md; the default rules (`tool_match`) fix what is inconsistent here.
//!
//! Values are compared as the checker compares them: as Python values decoded from
//! JSON. `5` is an `int`, `5.0` a `float`, `true` a `bool`; types compare exactly, but
//! membership in a list of acceptable values uses Python's `==`, where `True == 1`
//! and `1 == 1.0`.

use crate::tool_match::{parse_arguments, ToolMatch, ToolSet};
use routeval_core::message::ToolCall;
use serde_json::{Map, Value};

/// Grade `calls` against the case's expected `{"tool_calls": [...]}`.
pub(crate) fn match_tool_calls(
    calls: &[ToolCall],
    expected: Option<&Value>,
    tools: &ToolSet,
    invalid_arguments: Option<String>,
) -> ToolMatch {
    let fail = |score: f64, detail: String| ToolMatch {
        pass: false,
        score,
        detail: Some(detail),
        invalid_arguments: invalid_arguments.clone(),
    };
    let Some(expected) = expected
        .and_then(|e| e.get("tool_calls"))
        .and_then(Value::as_array)
    else {
        return fail(0.0, "case has no expected `tool_calls`".into());
    };
    // Arguments that do not decode to an object fail the whole answer, as the
    // leaderboard's decoder does before any checking.
    let mut decoded = Vec::with_capacity(calls.len());
    for call in calls {
        match parse_arguments(call) {
            Ok(args) => decoded.push((call.function.name.as_str(), args)),
            Err(e) => return fail(0.0, format!("decoder error: {e}")),
        }
    }
    if expected.is_empty() {
        return if calls.is_empty() {
            pass(invalid_arguments)
        } else {
            fail(0.0, format!("expected no tool call, got {}", calls.len()))
        };
    }
    if decoded.len() != expected.len() {
        return fail(
            0.0,
            format!(
                "wrong number of functions: expected {}, got {}",
                expected.len(),
                decoded.len()
            ),
        );
    }
    // `simple` and `multiple` (one expected call) and `parallel` alike: each expected
    // call in order takes the first remaining call that satisfies it, for good.
    let mut taken = vec![false; decoded.len()];
    for (j, want) in expected.iter().enumerate() {
        let mut last_error = None;
        let found = (0..decoded.len()).filter(|&i| !taken[i]).find(|&i| {
            let (name, args) = &decoded[i];
            match check_call(name, args, want, tools) {
                Ok(()) => true,
                Err(e) => {
                    last_error = Some(e);
                    false
                }
            }
        });
        match found {
            Some(i) => taken[i] = true,
            None => {
                let reason = last_error.unwrap_or_else(|| "no call left".into());
                let detail = if expected.len() == 1 {
                    reason
                } else {
                    format!("no call matches expected call {}: {reason}", j + 1)
                };
                return fail(j as f64 / expected.len() as f64, detail);
            }
        }
    }
    pass(invalid_arguments)
}

fn pass(invalid_arguments: Option<String>) -> ToolMatch {
    ToolMatch {
        pass: true,
        score: 1.0,
        detail: None,
        invalid_arguments,
    }
}

/// The checker's types: Python's, as the leaderboard maps its parameter types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PyType {
    Str,
    Int,
    Float,
    Bool,
    List,
    Dict,
    NoneType,
}

impl PyType {
    fn of(value: &Value) -> PyType {
        match value {
            Value::String(_) => PyType::Str,
            Value::Number(n) if n.is_f64() => PyType::Float,
            Value::Number(_) => PyType::Int,
            Value::Bool(_) => PyType::Bool,
            Value::Array(_) => PyType::List,
            Value::Object(_) => PyType::Dict,
            Value::Null => PyType::NoneType,
        }
    }

    /// A declared parameter type: the leaderboard's own names and their JSON Schema
    /// counterparts. `any` is checked as a string, as the leaderboard does.
    fn declared(name: &str) -> Option<PyType> {
        Some(match name {
            "string" | "any" => PyType::Str,
            "integer" => PyType::Int,
            "float" | "number" => PyType::Float,
            "boolean" => PyType::Bool,
            "array" | "tuple" => PyType::List,
            "dict" | "object" => PyType::Dict,
            "null" => PyType::NoneType,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            PyType::Str => "str",
            PyType::Int => "int",
            PyType::Float => "float",
            PyType::Bool => "bool",
            PyType::List => "list",
            PyType::Dict => "dict",
            PyType::NoneType => "NoneType",
        }
    }
}

/// The declared type of a parameter schema. A list of types (which the leaderboard
/// never uses) reads as the member `value` has, else the first.
fn declared_type(schema: &Value, value: &Value) -> Option<PyType> {
    match schema.get("type")? {
        Value::String(t) => PyType::declared(t),
        Value::Array(ts) => {
            let members: Vec<PyType> = ts
                .iter()
                .filter_map(Value::as_str)
                .filter_map(PyType::declared)
                .collect();
            let own = PyType::of(value);
            members
                .iter()
                .copied()
                .find(|t| *t == own)
                .or(members.first().copied())
        }
        _ => None,
    }
}

/// The acceptable values of a parameter: a list, or one value standing alone.
fn acceptable(value: &Value) -> &[Value] {
    match value {
        Value::Array(list) => list,
        other => std::slice::from_ref(other),
    }
}

fn is_omission_marker(v: &Value) -> bool {
    v.as_str() == Some("")
}

/// One call against one expected call: the checker's `simple_function_checker`.
fn check_call(
    name: &str,
    args: &Map<String, Value>,
    want: &Value,
    tools: &ToolSet,
) -> Result<(), String> {
    let want_name = want.get("name").and_then(Value::as_str).unwrap_or_default();
    let Some(schema) = tools.schema(want_name) else {
        return Err(format!("`{want_name}` is not one of the tools offered"));
    };
    if name != want_name {
        return Err(format!("called `{name}`, expected `{want_name}`"));
    }
    let empty = Map::new();
    let properties = schema
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let possible = want
        .get("arguments")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    // Required by the schema means present, even where the answer allows omitting it.
    for required in schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        if !args.contains_key(required) {
            return Err(format!("`{name}`: missing required parameter `{required}`"));
        }
    }
    for (param, value) in args {
        let (Some(param_schema), Some(allowed)) = (properties.get(param), possible.get(param))
        else {
            return Err(format!("`{name}`: unexpected parameter `{param}`"));
        };
        let allowed = acceptable(allowed);
        check_value(name, param, value, param_schema, allowed)?;
    }
    for (param, allowed) in possible {
        if !args.contains_key(param) && !allowed_omission(allowed) {
            return Err(format!(
                "`{name}`: parameter `{param}` not provided and not marked as optional"
            ));
        }
    }
    Ok(())
}

/// Whether `""` is among a parameter's acceptable values (a value written alone is
/// a list of one).
fn allowed_omission(allowed: &Value) -> bool {
    acceptable(allowed).iter().any(is_omission_marker)
}

fn check_value(
    name: &str,
    param: &str,
    value: &Value,
    schema: &Value,
    allowed: &[Value],
) -> Result<(), String> {
    let Some(declared) = declared_type(schema, value) else {
        // No type the checker knows: compare values only.
        return member(name, param, value, allowed);
    };
    let nested = match declared {
        PyType::List => schema
            .get("items")
            .and_then(|items| declared_type(items, &Value::Null)),
        _ => None,
    };
    // Python turns an int into a float for a `float` parameter, at the top level only.
    let converted;
    let value = match (declared, value) {
        (PyType::Float, Value::Number(n)) if !n.is_f64() => {
            converted = n
                .as_f64()
                .and_then(serde_json::Number::from_f64)
                .map_or(Value::Null, Value::Number);
            &converted
        }
        _ => value,
    };
    let is_variable = type_check(value, allowed, declared, nested)
        .map_err(|e| format!("`{name}`: `{param}` {e}"))?;
    let ok = if is_variable {
        py_in(value, allowed)
    } else {
        match (declared, nested) {
            (PyType::Dict, _) => dict_ok(value, allowed),
            (PyType::List, Some(PyType::Dict)) => list_of_dicts_ok(value, allowed),
            (PyType::Str, _) => {
                let got = value.as_str().map(standardize).unwrap_or_default();
                allowed
                    .iter()
                    .filter_map(Value::as_str)
                    .any(|a| standardize(a) == got)
            }
            (PyType::List, _) => list_ok(value, allowed),
            _ => py_in(value, allowed),
        }
    };
    if ok {
        Ok(())
    } else {
        let shown: Vec<String> = allowed.iter().map(Value::to_string).collect();
        Err(format!(
            "`{name}`: `{param}` = {value}, acceptable: {}",
            shown.join(" | ")
        ))
    }
}

/// Compare values only (Python's `value in allowed`).
fn member(name: &str, param: &str, value: &Value, allowed: &[Value]) -> Result<(), String> {
    if py_in(value, allowed) {
        Ok(())
    } else {
        Err(format!("`{name}`: `{param}` = {value} is not acceptable"))
    }
}

/// The type of the first acceptable value that is not the omission marker.
fn answer_type(allowed: &[Value]) -> Option<PyType> {
    allowed
        .iter()
        .find(|v| !is_omission_marker(v))
        .map(PyType::of)
}

/// The checker's `type_checker`: Ok(is_variable) when the value's type is accepted.
/// A value of the acceptable values' own type is accepted as a "variable" (compared
/// as is afterwards); the elements of an array are checked one level deep, against
/// each acceptable list in turn, and an acceptable value that is not a list (the
/// omission marker) accepts any elements.
fn type_check(
    value: &Value,
    allowed: &[Value],
    declared: PyType,
    nested: Option<PyType>,
) -> Result<bool, String> {
    let answer = answer_type(allowed);
    let is_variable = answer.is_some_and(|t| t != declared);
    let own = PyType::of(value);
    if own == declared {
        let Some(nested) = nested else {
            return Ok(is_variable);
        };
        let items = value.as_array().map(Vec::as_slice).unwrap_or_default();
        for option in allowed {
            let fits = match option {
                Value::Array(inner) => items
                    .iter()
                    .all(|item| type_check(item, inner, nested, None).is_ok()),
                _ => true,
            };
            if fits {
                return Ok(is_variable);
            }
        }
        return Err(format!(
            "= {value}: elements are not all of type {}",
            nested.name()
        ));
    }
    if answer == Some(own) {
        return Ok(true);
    }
    Err(format!(
        "= {value} is of type {}, expected {}",
        own.name(),
        declared.name()
    ))
}

/// The checker's string normalisation: drop spaces (not tabs nor newlines) and
/// `,./-_*^`, lower-case, `'` read as `"`.
fn standardize(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, ' ' | ',' | '.' | '/' | '-' | '_' | '*' | '^'))
        .collect::<String>()
        .to_lowercase()
        .replace('\'', "\"")
}

/// A value with its strings standardized (one level: the elements of a list).
fn standardized(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(standardize(s)),
        other => other.clone(),
    }
}

/// The elements of an acceptable list value, strings standardized. The omission
/// marker `""` has none (the checker iterates it as an empty string).
fn elements(option: &Value) -> Option<Vec<Value>> {
    match option {
        Value::Array(items) => Some(items.iter().map(standardized).collect()),
        Value::String(s) if s.is_empty() => Some(Vec::new()),
        _ => None,
    }
}

/// The checker's `list_checker`: the list, its strings standardized, equals one of the
/// acceptable lists. The omission marker `""` iterates as an empty list, so `[]` is
/// accepted for an optional array.
fn list_ok(value: &Value, allowed: &[Value]) -> bool {
    let Some(items) = value.as_array() else {
        return false;
    };
    let got: Vec<Value> = items.iter().map(standardized).collect();
    allowed
        .iter()
        .filter_map(elements)
        .any(|option| py_eq_lists(&got, &option))
}

/// The checker's `dict_checker`: against each acceptable dictionary, every key given
/// is expected with one of its acceptable values (strings standardized), and every
/// key left out may be.
fn dict_ok(value: &Value, allowed: &[Value]) -> bool {
    let Some(got) = value.as_object() else {
        return false;
    };
    allowed
        .iter()
        .filter(|option| !is_omission_marker(option))
        .any(|option| {
            let Some(want) = option.as_object() else {
                return false;
            };
            got.iter().all(|(key, v)| {
                // A value written alone is a list of one.
                want.get(key)
                    .map(|o| elements(o).unwrap_or_else(|| vec![standardized(o)]))
                    .is_some_and(|options| py_in(&standardized(v), &options))
            }) && want
                .iter()
                .all(|(key, options)| got.contains_key(key) || allowed_omission(options))
        })
}

/// The checker's `list_dict_checker`: the list has as many dictionaries as an
/// acceptable list, each accepted by its counterpart. The omission marker counts as an
/// empty list.
fn list_of_dicts_ok(value: &Value, allowed: &[Value]) -> bool {
    let Some(got) = value.as_array() else {
        return false;
    };
    allowed.iter().any(|option| {
        let want: &[Value] = match option {
            Value::Array(items) => items,
            Value::String(s) if s.is_empty() => &[],
            _ => return false,
        };
        want.len() == got.len()
            && got
                .iter()
                .zip(want)
                .all(|(g, w)| !is_omission_marker(w) && dict_ok(g, std::slice::from_ref(w)))
    })
}

/// Python's `value in allowed`.
fn py_in(value: &Value, allowed: &[Value]) -> bool {
    allowed.iter().any(|a| py_eq(value, a))
}

fn py_eq_lists(a: &[Value], b: &[Value]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| py_eq(x, y))
}

/// Python's `==` on decoded JSON: numbers and booleans compare by value (`True == 1`,
/// `1 == 1.0`), containers element by element.
fn py_eq(a: &Value, b: &Value) -> bool {
    let number = |v: &Value| match v {
        Value::Number(n) => n.as_f64(),
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        _ => None,
    };
    match (a, b) {
        (Value::Array(x), Value::Array(y)) => py_eq_lists(x, y),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| py_eq(v, w)))
        }
        _ => match (number(a), number(b)) {
            (Some(x), Some(y)) => x == y,
            _ => a == b,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn python_equality() {
        assert!(py_eq(&json!(true), &json!(1)));
        assert!(py_eq(&json!(1), &json!(1.0)));
        assert!(!py_eq(&json!("1"), &json!(1)));
        assert!(py_eq(&json!([1, true]), &json!([1.0, 1])));
        assert!(!py_eq(&json!(null), &json!(0)));
    }

    #[test]
    fn standardize_drops_spaces_only() {
        assert_eq!(standardize("New York, N.Y."), "newyorkny");
        assert_eq!(standardize("a\tb"), "a\tb");
        assert_eq!(standardize("it's"), "it\"s");
    }
}
