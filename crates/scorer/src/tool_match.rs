//! Tool-call matching by the default rules, close to the Berkeley Function Calling
//! Leaderboard's AST checker without its quirks: exact names and counts, lists of
//! acceptable argument values (`""` marks an argument that may be omitted, and is not
//! itself a value), strict JSON types all the way into arrays, configurable string
//! normalisation, and parallel calls paired order-insensitively by an optimal
//! one-to-one assignment. `compat = "bfcl"` (the `bfcl` module) reproduces the
//! checker's verdicts instead.

use crate::normalise::StrNorm;
use crate::schema_cache;
use routeval_core::message::ToolCall;
use routeval_core::scorer_spec::ToolCompat;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// The verdict on a set of tool calls.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolMatch {
    pub pass: bool,
    /// Share of expected calls matched (1 when nothing was expected and nothing came).
    pub score: f64,
    pub detail: Option<String>,
    /// A problem the model can fix without knowing the answer (unparsable arguments,
    /// an unknown tool, arguments that break the tool's schema), for validate-and-retry.
    pub invalid_arguments: Option<String>,
}

/// The tools offered, by name: each one's parameters schema and compiled validator.
#[derive(Clone, Default)]
pub struct ToolSet {
    tools: HashMap<String, (Value, Arc<jsonschema::Validator>)>,
}

impl std::fmt::Debug for ToolSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<&String> = self.tools.keys().collect();
        names.sort();
        f.debug_struct("ToolSet").field("tools", &names).finish()
    }
}

impl ToolSet {
    /// Compile an OpenAI tool list (`[{"type": "function", "function": {...}}]`; bare
    /// function objects are read too). On error: the tool's name and the problem.
    pub fn compile(tools: &[Value]) -> Result<Self, (String, String)> {
        let mut map = HashMap::new();
        for tool in tools {
            let function = tool.get("function").unwrap_or(tool);
            let Some(name) = function.get("name").and_then(Value::as_str) else {
                continue;
            };
            let params = function
                .get("parameters")
                .cloned()
                .unwrap_or_else(|| serde_json::json!({"type": "object"}));
            let validator = schema_cache::compile(&params).map_err(|e| (name.to_string(), e))?;
            map.insert(name.to_string(), (params, validator));
        }
        Ok(Self { tools: map })
    }

    pub fn is_empty(&self) -> bool {
        self.tools.is_empty()
    }

    /// The parameters schema of the tool `name`, if offered.
    pub(crate) fn schema(&self, name: &str) -> Option<&Value> {
        self.tools.get(name).map(|(schema, _)| schema)
    }

    fn get(&self, name: &str) -> Option<&(Value, Arc<jsonschema::Validator>)> {
        self.tools.get(name)
    }
}

type ToolSchemas = ToolSet;

/// Match calls against the case's expected `{"tool_calls": [...]}` by the rules of
/// `compat`: the default rules, comparing strings with `norm`, or the Berkeley Function
/// Calling Leaderboard's (which compares strings its own way).
pub fn match_tool_calls_by(
    calls: &[ToolCall],
    expected: Option<&Value>,
    tools: &ToolSet,
    norm: StrNorm,
    compat: ToolCompat,
) -> ToolMatch {
    match compat {
        ToolCompat::Principled => match_tool_calls(calls, expected, tools, norm),
        ToolCompat::Bfcl => {
            crate::bfcl::match_tool_calls(calls, expected, tools, validate_calls(calls, tools))
        }
    }
}

/// Match calls against the case's expected `{"tool_calls": [...]}`, comparing strings
/// with `norm` (BFCL's normalisation by default in specs).
pub fn match_tool_calls(
    calls: &[ToolCall],
    expected: Option<&Value>,
    tools: &ToolSchemas,
    norm: StrNorm,
) -> ToolMatch {
    let invalid_arguments = validate_calls(calls, tools);
    let Some(expected_calls) = expected
        .and_then(|e| e.get("tool_calls"))
        .and_then(Value::as_array)
    else {
        return fail(
            0.0,
            "case has no expected `tool_calls`".into(),
            invalid_arguments,
        );
    };
    if expected_calls.is_empty() {
        return if calls.is_empty() {
            ToolMatch {
                pass: true,
                score: 1.0,
                detail: None,
                invalid_arguments,
            }
        } else {
            let names: Vec<&str> = calls.iter().map(|c| c.function.name.as_str()).collect();
            fail(
                0.0,
                format!("expected no tool call, got {}", names.join(", ")),
                invalid_arguments,
            )
        };
    }

    // Parse arguments once; a call whose arguments are not an object matches nothing.
    let parsed: Vec<Result<Map<String, Value>, String>> =
        calls.iter().map(parse_arguments).collect();
    // compatible[i][j]: got call i satisfies expected call j.
    let mut reasons: Vec<Vec<Option<String>>> = Vec::with_capacity(calls.len());
    for (call, args) in calls.iter().zip(&parsed) {
        let row = expected_calls
            .iter()
            .map(|exp| match args {
                Ok(args) => check_call(&call.function.name, args, exp, tools, norm).err(),
                Err(e) => Some(e.clone()),
            })
            .collect();
        reasons.push(row);
    }
    let compatible: Vec<Vec<bool>> = reasons
        .iter()
        .map(|r| r.iter().map(Option::is_none).collect())
        .collect();
    let assignment = max_matching(&compatible, expected_calls.len());
    let matched = assignment.iter().filter(|a| a.is_some()).count();
    let score = matched as f64 / expected_calls.len() as f64;

    if calls.len() != expected_calls.len() {
        return fail(
            score.min((calls.len().min(expected_calls.len())) as f64 / expected_calls.len() as f64),
            format!(
                "expected {} call(s), got {}{}",
                expected_calls.len(),
                calls.len(),
                if calls.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", call_names(calls))
                }
            ),
            invalid_arguments,
        );
    }
    if matched == expected_calls.len() {
        return ToolMatch {
            pass: true,
            score: 1.0,
            detail: None,
            invalid_arguments,
        };
    }
    // Explain the first unmatched expected call with a call the optimal pairing left
    // free (one of the same name first): a call paired elsewhere is not the culprit.
    let free: Vec<usize> = (0..calls.len())
        .filter(|&i| assignment[i].is_none())
        .collect();
    let detail = (0..expected_calls.len())
        .find(|j| !assignment.contains(&Some(*j)))
        .map(|j| {
            let exp_name = expected_calls[j]
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("?");
            let culprit = free
                .iter()
                .copied()
                .find(|&i| calls[i].function.name == exp_name)
                .or(free.first().copied());
            match culprit {
                Some(i) => {
                    let reason = reasons[i][j].as_deref().unwrap_or("matched another call");
                    if calls.len() > 1 {
                        format!("call {} of {}: {reason}", i + 1, calls.len())
                    } else {
                        reason.to_string()
                    }
                }
                None => format!("no call to `{exp_name}`"),
            }
        })
        .unwrap_or_else(|| "calls do not match".into());
    fail(score, detail, invalid_arguments)
}

fn fail(score: f64, detail: String, invalid_arguments: Option<String>) -> ToolMatch {
    ToolMatch {
        pass: false,
        score,
        detail: Some(detail),
        invalid_arguments,
    }
}

fn call_names(calls: &[ToolCall]) -> String {
    calls
        .iter()
        .map(|c| c.function.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A call's arguments as an object. An empty string is not `{}`: it is no JSON at all,
/// and fails like any other arguments that do not decode.
pub(crate) fn parse_arguments(call: &ToolCall) -> Result<Map<String, Value>, String> {
    match serde_json::from_str::<Value>(&call.function.arguments) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(format!(
            "arguments of `{}` are JSON but not an object",
            call.function.name
        )),
        Err(e) => Err(format!(
            "arguments of `{}` are not valid JSON: {e}",
            call.function.name
        )),
    }
}

/// Reference-free problems with the calls: the feedback validate-and-retry sends.
fn validate_calls(calls: &[ToolCall], tools: &ToolSchemas) -> Option<String> {
    for call in calls {
        let Some((_, validator)) = tools.get(&call.function.name) else {
            let mut known: Vec<&str> = tools.tools.keys().map(String::as_str).collect();
            known.sort_unstable();
            return Some(format!(
                "unknown tool `{}`; tools: {}",
                call.function.name,
                known.join(", ")
            ));
        };
        let args = match parse_arguments(call) {
            Ok(args) => Value::Object(args),
            Err(e) => return Some(e),
        };
        let first_error = validator.iter_errors(&args).next().map(|error| {
            let path = error.instance_path().to_string();
            let at = if path.is_empty() {
                String::new()
            } else {
                format!(" at {path}")
            };
            format!("`{}` arguments{at}: {error}", call.function.name)
        });
        if first_error.is_some() {
            return first_error;
        }
    }
    None
}

/// Whether one call satisfies one expected call; the reason when it does not.
fn check_call(
    name: &str,
    args: &Map<String, Value>,
    expected: &Value,
    tools: &ToolSchemas,
    norm: StrNorm,
) -> Result<(), String> {
    let exp_name = expected
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if name != exp_name {
        return Err(format!("called `{name}`, expected `{exp_name}`"));
    }
    // A tool that was not offered cannot be called, even if the reference names it.
    if !tools.is_empty() && tools.get(name).is_none() {
        return Err(format!("`{name}` is not one of the tools offered"));
    }
    let empty = Map::new();
    let exp_args = expected
        .get("arguments")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let schema = tools.get(name).map(|(s, _)| s);
    let properties = schema
        .and_then(|s| s.get("properties"))
        .and_then(Value::as_object);

    for key in args.keys() {
        if properties.is_some_and(|p| !p.contains_key(key)) {
            return Err(format!("`{name}`: unknown argument `{key}`"));
        }
        if !exp_args.contains_key(key) {
            return Err(format!("`{name}`: unexpected argument `{key}`"));
        }
    }
    if let Some(required) = schema
        .and_then(|s| s.get("required"))
        .and_then(Value::as_array)
    {
        for key in required.iter().filter_map(Value::as_str) {
            if !args.contains_key(key) {
                return Err(format!("`{name}`: missing required argument `{key}`"));
            }
        }
    }
    for (key, acceptable) in exp_args {
        let acceptable: Vec<&Value> = match acceptable {
            Value::Array(list) => list.iter().collect(),
            other => vec![other],
        };
        let may_omit = acceptable.iter().any(|v| v.as_str() == Some(""));
        let Some(got) = args.get(key) else {
            if may_omit {
                continue;
            }
            return Err(format!("`{name}`: missing argument `{key}`"));
        };
        if got.is_null() {
            if acceptable.iter().any(|v| v.is_null()) {
                continue;
            }
            return Err(format!("`{name}`: `{key}` is null"));
        }
        if let Some(declared) = properties.and_then(|p| p.get(key)) {
            conforms(got, declared, key).map_err(|e| format!("`{name}`: {e}"))?;
        }
        let candidates = acceptable.iter().filter(|v| v.as_str() != Some(""));
        if !candidates.clone().any(|want| values_equal(want, got, norm)) {
            let shown: Vec<String> = candidates.map(|v| v.to_string()).collect();
            return Err(format!(
                "`{name}`: `{key}` = {got}, acceptable: {}",
                shown.join(" | ")
            ));
        }
    }
    Ok(())
}

/// Whether `value` has the types its schema declares, all the way down: the elements
/// of an array against `items`, an object's properties against theirs. The reason
/// names the path (`tags[1]`) when it does not.
fn conforms(value: &Value, schema: &Value, path: &str) -> Result<(), String> {
    if let Some(declared) = schema.get("type") {
        if !type_ok(value, declared) {
            return Err(format!("`{path}` = {value} is not of type {declared}"));
        }
    }
    match value {
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items").filter(|s| s.is_object()) {
                for (i, item) in items.iter().enumerate() {
                    conforms(item, item_schema, &format!("{path}[{i}]"))?;
                }
            }
        }
        Value::Object(fields) => {
            if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
                for (key, field) in fields {
                    if let Some(field_schema) = properties.get(key) {
                        conforms(field, field_schema, &format!("{path}.{key}"))?;
                    }
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// Strict JSON Schema typing: a boolean is not an integer, 5.0 is not an integer,
/// "5" is not a number; an integer is a number.
fn type_ok(value: &Value, declared: &Value) -> bool {
    let one = |t: &str| match t {
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        "null" => value.is_null(),
        _ => true,
    };
    match declared {
        Value::String(t) => one(t),
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).any(one),
        _ => true,
    }
}

fn values_equal(want: &Value, got: &Value, norm: StrNorm) -> bool {
    match (want, got) {
        (Value::String(w), Value::String(g)) => norm.eq(w, g),
        (Value::Number(w), Value::Number(g)) => w.as_f64() == g.as_f64(),
        (Value::Array(w), Value::Array(g)) => {
            w.len() == g.len() && w.iter().zip(g).all(|(a, b)| values_equal(a, b, norm))
        }
        (Value::Object(w), Value::Object(g)) => {
            w.len() == g.len()
                && w.iter()
                    .all(|(k, wv)| g.get(k).is_some_and(|gv| values_equal(wv, gv, norm)))
        }
        _ => want == got,
    }
}

/// Maximum bipartite matching (Kuhn's augmenting paths): for each got call, the
/// expected call it is assigned to. Order-insensitive and optimal, unlike first-fit.
fn max_matching(compatible: &[Vec<bool>], n_expected: usize) -> Vec<Option<usize>> {
    let mut owner: Vec<Option<usize>> = vec![None; n_expected];
    for i in 0..compatible.len() {
        let mut seen = vec![false; n_expected];
        augment(i, compatible, &mut seen, &mut owner);
    }
    let mut assignment = vec![None; compatible.len()];
    for (j, o) in owner.iter().enumerate() {
        if let Some(i) = o {
            assignment[*i] = Some(j);
        }
    }
    assignment
}

fn augment(
    i: usize,
    compatible: &[Vec<bool>],
    seen: &mut [bool],
    owner: &mut [Option<usize>],
) -> bool {
    for j in 0..owner.len() {
        if compatible[i][j] && !seen[j] {
            seen[j] = true;
            if owner[j].is_none_or(|k| augment(k, compatible, seen, owner)) {
                owner[j] = Some(i);
                return true;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use routeval_core::message::FunctionCall;
    use serde_json::json;

    fn tools() -> ToolSchemas {
        let mut m = Vec::new();
        for (name, params) in [
            (
                "lookup_order",
                json!({"type":"object","properties":{"order_id":{"type":"string"},"include_history":{"type":"boolean"}},"required":["order_id"],"additionalProperties":false}),
            ),
            (
                "issue_refund",
                json!({"type":"object","properties":{"order_id":{"type":"string"},"amount":{"type":"number"},"quantity":{"type":"integer"}},"required":["order_id","amount"],"additionalProperties":false}),
            ),
        ] {
            m.push(json!({"type": "function", "function": {"name": name, "parameters": params}}));
        }
        ToolSet::compile(&m).unwrap()
    }

    fn call(name: &str, args: &str) -> ToolCall {
        ToolCall {
            id: "c".into(),
            kind: "function".into(),
            function: FunctionCall {
                name: name.into(),
                arguments: args.into(),
            },
        }
    }

    fn check(calls: &[ToolCall], expected: Value) -> ToolMatch {
        match_tool_calls(calls, Some(&expected), &tools(), StrNorm::BFCL)
    }

    #[test]
    fn parallel_calls_match_in_any_order() {
        let expected = json!({"tool_calls": [
            {"name": "lookup_order", "arguments": {"order_id": ["SO-1"]}},
            {"name": "lookup_order", "arguments": {"order_id": ["SO-2"]}}
        ]});
        let calls = [
            call("lookup_order", r#"{"order_id":"SO-2"}"#),
            call("lookup_order", r#"{"order_id":"so 1"}"#),
        ];
        assert!(check(&calls, expected).pass);
    }

    #[test]
    fn optimal_assignment_beats_first_fit() {
        // Call 0 fits both expected calls, call 1 only the first: first-fit would fail.
        let expected = json!({"tool_calls": [
            {"name": "lookup_order", "arguments": {"order_id": ["SO-1"], "include_history": [true, ""]}},
            {"name": "lookup_order", "arguments": {"order_id": ["SO-1"], "include_history": [true, false]}}
        ]});
        let calls = [
            call(
                "lookup_order",
                r#"{"order_id":"SO-1","include_history":true}"#,
            ),
            call("lookup_order", r#"{"order_id":"SO-1"}"#),
        ];
        assert!(check(&calls, expected).pass);
    }

    #[test]
    fn strict_types() {
        let exp = json!({"tool_calls": [{"name": "issue_refund", "arguments": {"order_id": ["A"], "amount": [5], "quantity": [5, ""]}}]});
        assert!(
            check(
                &[call("issue_refund", r#"{"order_id":"A","amount":5.0}"#)],
                exp.clone()
            )
            .pass,
            "int accepted as number"
        );
        assert!(
            !check(
                &[call("issue_refund", r#"{"order_id":"A","amount":"5"}"#)],
                exp.clone()
            )
            .pass,
            "string is not a number"
        );
        assert!(
            !check(
                &[call(
                    "issue_refund",
                    r#"{"order_id":"A","amount":5,"quantity":5.0}"#
                )],
                exp.clone()
            )
            .pass,
            "5.0 is not an integer"
        );
        assert!(
            !check(
                &[call("issue_refund", r#"{"order_id":"A","amount":true}"#)],
                exp.clone()
            )
            .pass,
            "bool is not a number"
        );
        assert!(
            !check(
                &[call("issue_refund", r#"{"order_id":"A","amount":null}"#)],
                exp
            )
            .pass,
            "null not acceptable"
        );
    }

    #[test]
    fn missing_extra_and_unknown_arguments_fail() {
        let exp =
            json!({"tool_calls": [{"name": "lookup_order", "arguments": {"order_id": ["SO-1"]}}]});
        assert!(
            !check(
                &[call(
                    "lookup_order",
                    r#"{"order_id":"SO-1","include_history":true}"#
                )],
                exp.clone()
            )
            .pass
        );
        assert!(
            !check(
                &[call("lookup_order", r#"{"order_id":"SO-1","nope":1}"#)],
                exp.clone()
            )
            .pass
        );
        assert!(!check(&[call("lookup_order", "{}")], exp).pass);
    }

    #[test]
    fn counts_and_no_call_cases() {
        let none = json!({"tool_calls": []});
        assert!(check(&[], none.clone()).pass);
        assert!(!check(&[call("lookup_order", r#"{"order_id":"SO-1"}"#)], none).pass);
        let one =
            json!({"tool_calls": [{"name": "lookup_order", "arguments": {"order_id": ["SO-1"]}}]});
        let dup = [
            call("lookup_order", r#"{"order_id":"SO-1"}"#),
            call("lookup_order", r#"{"order_id":"SO-1"}"#),
        ];
        let m = check(&dup, one);
        assert!(!m.pass);
        assert!(m.detail.unwrap().contains("expected 1 call(s), got 2"));
    }

    #[test]
    fn bad_arguments_have_their_own_reason_and_feedback() {
        let exp =
            json!({"tool_calls": [{"name": "lookup_order", "arguments": {"order_id": ["SO-1"]}}]});
        let m = check(
            &[call("lookup_order", r#"{"order_id": "SO-1""#)],
            exp.clone(),
        );
        assert!(m.detail.unwrap().contains("not valid JSON"));
        assert!(m.invalid_arguments.unwrap().contains("not valid JSON"));
        let m = check(&[call("lookup_order", "[1]")], exp);
        assert!(m.detail.unwrap().contains("not an object"));
    }

    #[test]
    fn the_reason_names_the_call_the_optimal_pairing_left_unmatched() {
        let expected = json!({"tool_calls": [
            {"name": "lookup_order", "arguments": {"order_id": ["SO-1"]}},
            {"name": "lookup_order", "arguments": {"order_id": ["SO-2"]}}
        ]});
        // The first call is paired with the second expected one: the culprit is call 2.
        let calls = [
            call("lookup_order", r#"{"order_id":"SO-2"}"#),
            call("lookup_order", r#"{"order_id":"SO-3"}"#),
        ];
        let m = check(&calls, expected);
        let detail = m.detail.unwrap();
        assert!(detail.starts_with("call 2 of 2:"), "{detail}");
        assert!(detail.contains(r#""SO-3""#), "{detail}");
    }

    #[test]
    fn array_elements_have_their_items_type() {
        let tools = ToolSet::compile(&[json!({"type": "function", "function": {"name": "pick",
            "parameters": {"type": "object", "properties": {
                "ids": {"type": "array", "items": {"type": "integer"}},
                "where": {"type": "object", "properties": {"n": {"type": "integer"}}}}}}})])
        .unwrap();
        let exp = |args: Value| json!({"tool_calls": [{"name": "pick", "arguments": args}]});
        let grade = |args: &str, want: Value| {
            match_tool_calls(
                &[call("pick", args)],
                Some(&exp(want)),
                &tools,
                StrNorm::BFCL,
            )
        };
        assert!(grade(r#"{"ids":[1,2]}"#, json!({"ids": [[1, 2]]})).pass);
        let m = grade(r#"{"ids":[1.0,2.0]}"#, json!({"ids": [[1, 2]]}));
        assert!(
            !m.pass,
            "1.0 is no more an integer inside an array than outside"
        );
        assert!(m.detail.unwrap().contains("`ids[0]` = 1.0"));
        let m = grade(r#"{"where":{"n":5.0}}"#, json!({"where": [{"n": 5}]}));
        assert!(m.detail.unwrap().contains("`where.n` = 5.0"));
    }

    #[test]
    fn empty_arguments_are_not_an_empty_object() {
        let tools = ToolSet::compile(&[json!({"type": "function", "function": {"name": "ping",
            "parameters": {"type": "object", "properties": {}}}})])
        .unwrap();
        let exp = json!({"tool_calls": [{"name": "ping", "arguments": {}}]});
        assert!(match_tool_calls(&[call("ping", "{}")], Some(&exp), &tools, StrNorm::BFCL).pass);
        let m = match_tool_calls(&[call("ping", "")], Some(&exp), &tools, StrNorm::BFCL);
        assert!(!m.pass);
        assert!(m.detail.unwrap().contains("not valid JSON"));
        assert!(m.invalid_arguments.unwrap().contains("not valid JSON"));
    }

    #[test]
    fn function_names_are_case_sensitive() {
        let exp =
            json!({"tool_calls": [{"name": "lookup_order", "arguments": {"order_id": ["SO-1"]}}]});
        assert!(!check(&[call("Lookup_Order", r#"{"order_id":"SO-1"}"#)], exp).pass);
    }
}
