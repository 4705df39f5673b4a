//! What a simulated model says: the reference answer of the case when it gets it
//! right, otherwise one of the mistakes real models make (prose around JSON,
//! broken JSON, a wrong enum value, a missing tool argument...).

use crate::cases::{KnownCase, Pools};
use crate::profiles::ModelProfile;
use crate::rng::Draws;
use serde_json::{Map, Value};

/// One tool call as sent on the wire (arguments are a JSON string).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CallOut {
    pub(crate) name: String,
    pub(crate) arguments: String,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Answer {
    Text(String),
    Calls(Vec<CallOut>),
}

/// How the request asked for structured output, as far as the model honours it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Format<'a> {
    Free,
    JsonObject,
    /// The schema object and whether `strict` was set.
    JsonSchema(Option<&'a Value>, bool),
}

/// Everything an answer depends on besides the draws.
pub(crate) struct Ask<'a> {
    pub(crate) profile: &'a ModelProfile,
    pub(crate) case: Option<(&'a KnownCase, &'a Pools)>,
    /// Tools offered, empty when none were or the model cannot call them.
    pub(crate) tools: &'a [Value],
    pub(crate) format: Format<'a>,
    /// The conversation re-asks after feedback: models do better the second time.
    pub(crate) reask: bool,
    /// The last message is a tool result: the model now answers in prose.
    pub(crate) after_tool: bool,
    /// Tool-result rounds already in the conversation: a multi-turn case's turn.
    pub(crate) tool_rounds: usize,
}

const GENERIC: [&str; 3] = [
    "Thanks for your message. Here is a short answer: everything looks in order on my side, let me know if you need more detail.",
    "Sure, happy to help. Could you tell me a little more about what you need so I can give you a precise answer?",
    "Got it. I have read your request carefully; the short version is that nothing needs to change right now.",
];

const SUPPORT_PROSE: [&str; 3] = [
    "I'm sorry about the trouble. I'll look into this for you right away and get back to you with an update shortly.",
    "Thanks for reaching out! I understand the issue. Let me check this on our side and I'll follow up as soon as I have the details.",
    "Thank you for the details. I've noted everything and our team will take care of it; you'll hear from us soon.",
];

const NO_TOOL_NEEDED: [&str; 3] = [
    "Thanks for reaching out! Happy to help with that. Our standard policy covers this case, and you don't need to do anything else right now.",
    "Good question. Here is how it works: you can manage this yourself from your account settings at any time, no order changes needed.",
    "Thanks for the kind words and for your message! Let me know if there is anything specific I can look up for you.",
];

const AFTER_TOOL: [&str; 2] = [
    "Thanks for waiting. I've checked that for you and everything is taken care of. Is there anything else I can help with?",
    "All done: I've handled that on our side. Let me know if you have any other questions.",
];

const REFUSAL: &str = "I can't help with that.";

pub(crate) fn refusal_text() -> &'static str {
    REFUSAL
}

fn pick(options: &[&str], d: Draws, purpose: &str) -> String {
    options[d.below(purpose, options.len())].to_string()
}

/// The model's answer to one request.
pub(crate) fn answer(ask: &Ask, d: Draws) -> Answer {
    let mut quality = ask.profile.quality;
    if ask.reask {
        quality += (1.0 - quality) * 0.6;
    }
    let correct = d.unit("quality") < quality;
    let Some((case, pools)) = ask.case else {
        return Answer::Text(pick(&GENERIC, d, "prose"));
    };
    match &case.expected {
        Some(Value::Object(obj)) => match (obj.get("turns"), obj.get("tool_calls")) {
            // A written reply: the policy-following one when right, its pitfall otherwise.
            _ if obj.contains_key("reply") => {
                let key = if correct { "reply" } else { "pitfall" };
                match obj.get(key).or(obj.get("reply")).and_then(Value::as_str) {
                    Some(text) => Answer::Text(text.to_string()),
                    None => Answer::Text(pick(&GENERIC, d, "prose")),
                }
            }
            (Some(Value::Array(turns)), _) => turn_answer(ask, turns, pools, correct, d),
            (_, Some(calls)) => tool_answer(ask, calls, pools, correct, d),
            _ => json_answer(ask, obj, pools, correct, d),
        },
        Some(Value::String(s)) => Answer::Text(s.clone()),
        _ => Answer::Text(pick(&GENERIC, d, "prose")),
    }
}

// ---------------------------------------------------------------- JSON workflows

#[derive(Clone, Copy)]
enum JsonMistake {
    InvalidJson,
    ProseWrapped,
    SchemaViolation,
    WrongEnum,
    WrongValue,
}

fn json_answer(
    ask: &Ask,
    obj: &Map<String, Value>,
    pools: &Pools,
    correct: bool,
    d: Draws,
) -> Answer {
    let compact = Value::Object(obj.clone()).to_string();
    if correct {
        return Answer::Text(compact);
    }
    // JSON mode rules out broken syntax; strict schema mode also rules out schema breaks.
    let (syntax_guaranteed, schema_guaranteed) = match ask.format {
        Format::Free => (false, false),
        Format::JsonObject => (true, false),
        Format::JsonSchema(_, strict) => (true, strict),
    };
    let w = &ask.profile.mistakes;
    let enum_choices = enum_alternatives(obj, pools);
    let leaves = leaf_paths(&Value::Object(obj.clone()));
    let candidates = [
        (JsonMistake::InvalidJson, w.invalid_json, !syntax_guaranteed),
        (
            JsonMistake::ProseWrapped,
            w.prose_wrapped,
            !syntax_guaranteed,
        ),
        (
            JsonMistake::SchemaViolation,
            w.schema_violation,
            !schema_guaranteed && !obj.is_empty(),
        ),
        (
            JsonMistake::WrongEnum,
            w.wrong_enum,
            !enum_choices.is_empty(),
        ),
        (JsonMistake::WrongValue, w.wrong_value, !leaves.is_empty()),
    ];
    let weights: Vec<f64> = candidates
        .iter()
        .map(|(_, w, ok)| if *ok { *w } else { 0.0 })
        .collect();
    let Some(i) = d.weighted("mistake", &weights) else {
        return Answer::Text(compact);
    };
    let mut value = Value::Object(obj.clone());
    let text = match candidates[i].0 {
        JsonMistake::InvalidJson => {
            if d.below("invalid_json", 2) == 0 && compact.ends_with('}') {
                // Trailing comma before the closing brace.
                format!("{},}}", &compact[..compact.len() - 1])
            } else {
                cut_chars(&compact, 0.5 + 0.35 * d.unit("cut"))
            }
        }
        JsonMistake::ProseWrapped => {
            let pretty = serde_json::to_string_pretty(&value).unwrap_or(compact);
            format!("Sure! Here is the result:\n```json\n{pretty}\n```")
        }
        JsonMistake::SchemaViolation => {
            schema_violation(&mut value, ask.format, d);
            value.to_string()
        }
        JsonMistake::WrongEnum => {
            let (key, alternatives) = &enum_choices[d.below("enum_key", enum_choices.len())];
            let alt = alternatives[d.below("enum_value", alternatives.len())].clone();
            if let Some(slot) = value.get_mut(key.as_str()) {
                *slot = Value::String(alt);
            }
            value.to_string()
        }
        JsonMistake::WrongValue => {
            let path = &leaves[d.below("leaf", leaves.len())];
            if let Some(slot) = get_mut(&mut value, path) {
                *slot = match slot {
                    Value::Number(_) | Value::Bool(_) => perturb(slot, d),
                    Value::String(s) if is_date(s) => perturb(slot, d),
                    _ => Value::Null,
                };
            }
            value.to_string()
        }
    };
    Answer::Text(text)
}

/// Top-level string fields with other values seen in the same dataset.
fn enum_alternatives(obj: &Map<String, Value>, pools: &Pools) -> Vec<(String, Vec<String>)> {
    obj.iter()
        .filter_map(|(key, value)| {
            let current = value.as_str()?;
            let others: Vec<String> = pools
                .strings
                .get(key)?
                .iter()
                .filter(|v| v.as_str() != current)
                .cloned()
                .collect();
            (!others.is_empty()).then(|| (key.clone(), others))
        })
        .collect()
}

/// Drop a required key, put a value outside the enum, or quote a number.
fn schema_violation(value: &mut Value, format: Format, d: Draws) {
    let Value::Object(obj) = value else { return };
    let required: Vec<String> = match format {
        Format::JsonSchema(Some(schema), _) => schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| {
                r.iter()
                    .filter_map(Value::as_str)
                    .filter(|k| obj.contains_key(*k))
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    let droppable: Vec<String> = if required.is_empty() {
        obj.keys().cloned().collect()
    } else {
        required
    };
    let strings: Vec<String> = obj
        .iter()
        .filter(|(_, v)| v.is_string())
        .map(|(k, _)| k.clone())
        .collect();
    let numbers: Vec<Vec<Seg>> = leaf_paths(&Value::Object(obj.clone()))
        .into_iter()
        .filter(|p| {
            matches!(
                get_ref(&Value::Object(obj.clone()), p),
                Some(Value::Number(_))
            )
        })
        .collect();
    let mut variants = vec![0];
    if !strings.is_empty() {
        variants.push(1);
    }
    if !numbers.is_empty() {
        variants.push(2);
    }
    match variants[d.below("schema_variant", variants.len())] {
        1 => {
            let key = &strings[d.below("schema_key", strings.len())];
            let bogus = if obj.get(key).and_then(Value::as_str) == Some("misc") {
                "unknown"
            } else {
                "misc"
            };
            obj.insert(key.clone(), Value::String(bogus.into()));
        }
        2 => {
            let path = numbers[d.below("schema_number", numbers.len())].clone();
            if let Some(slot) = get_mut(value, &path) {
                *slot = Value::String(slot.to_string());
            }
        }
        _ => {
            let key = &droppable[d.below("schema_drop", droppable.len())];
            obj.remove(key);
        }
    }
}

// ---------------------------------------------------------------- tool workflows

/// One expected call: name, the argument values to send, and every acceptable value per argument.
struct ExpectedCall {
    name: String,
    args: Map<String, Value>,
    acceptable: Map<String, Value>,
}

#[derive(Clone, Copy)]
enum ToolMistake {
    WrongArg,
    MissingArg,
    NoToolCall,
    ExtraToolCall,
    InvalidArgsJson,
}

fn tool_answer(ask: &Ask, calls: &Value, pools: &Pools, correct: bool, d: Draws) -> Answer {
    if ask.after_tool {
        return Answer::Text(pick(&AFTER_TOOL, d, "prose"));
    }
    calls_answer(ask, calls, pools, correct, d, &NO_TOOL_NEEDED)
}

/// Turn N of a multi-turn tool loop (N = tool-result rounds so far): `expected.turns[N]`,
/// right or with the profile's mistakes. Past the last expected turn, a right model
/// answers in prose; a wrong one keeps calling tools.
fn turn_answer(ask: &Ask, turns: &[Value], pools: &Pools, correct: bool, d: Draws) -> Answer {
    let empty = Value::Array(Vec::new());
    let calls = turns.get(ask.tool_rounds).unwrap_or(&empty);
    let prose: &[&str] = if ask.tool_rounds == 0 {
        &NO_TOOL_NEEDED
    } else {
        &AFTER_TOOL
    };
    calls_answer(ask, calls, pools, correct, d, prose)
}

/// The calls of one turn (`calls` as in `expected.tool_calls`); `prose` when none are expected.
fn calls_answer(
    ask: &Ask,
    calls: &Value,
    pools: &Pools,
    correct: bool,
    d: Draws,
    prose: &[&str],
) -> Answer {
    if ask.tools.is_empty() {
        return Answer::Text(pick(&SUPPORT_PROSE, d, "prose"));
    }
    let expected = expected_calls(calls);
    if expected.is_empty() {
        return if correct {
            Answer::Text(pick(prose, d, "prose"))
        } else {
            Answer::Calls(vec![plausible_call(ask.tools, pools, d)])
        };
    }
    let render = |calls: &[ExpectedCall]| -> Vec<CallOut> {
        calls
            .iter()
            .map(|c| CallOut {
                name: c.name.clone(),
                arguments: Value::Object(c.args.clone()).to_string(),
            })
            .collect()
    };
    if correct {
        return Answer::Calls(render(&expected));
    }
    let with_args: Vec<usize> = (0..expected.len())
        .filter(|i| !expected[*i].args.is_empty())
        .collect();
    let w = &ask.profile.mistakes;
    let candidates = [
        (ToolMistake::WrongArg, w.wrong_arg, !with_args.is_empty()),
        (
            ToolMistake::MissingArg,
            w.missing_arg,
            !with_args.is_empty(),
        ),
        (ToolMistake::NoToolCall, w.no_tool_call, true),
        (ToolMistake::ExtraToolCall, w.extra_tool_call, true),
        (ToolMistake::InvalidArgsJson, w.invalid_args_json, true),
    ];
    let weights: Vec<f64> = candidates
        .iter()
        .map(|(_, w, ok)| if *ok { *w } else { 0.0 })
        .collect();
    let Some(i) = d.weighted("mistake", &weights) else {
        return Answer::Calls(render(&expected));
    };
    let mut calls = expected;
    match candidates[i].0 {
        ToolMistake::WrongArg => {
            let call = &mut calls[with_args[d.below("call", with_args.len())]];
            let keys: Vec<String> = call.args.keys().cloned().collect();
            let key = &keys[d.below("arg", keys.len())];
            let acceptable = acceptable_values(call.acceptable.get(key));
            let others: Vec<&Value> = pools
                .args
                .get(key)
                .map(|pool| pool.iter().filter(|v| !acceptable.contains(v)).collect())
                .unwrap_or_default();
            let new = if others.is_empty() {
                perturb(&call.args[key], d)
            } else {
                others[d.below("arg_value", others.len())].clone()
            };
            call.args.insert(key.clone(), new);
            Answer::Calls(render(&calls))
        }
        ToolMistake::MissingArg => {
            let call = &mut calls[with_args[d.below("call", with_args.len())]];
            let required = required_args(ask.tools, &call.name);
            let mut keys: Vec<String> = call
                .args
                .keys()
                .filter(|k| required.contains(k))
                .cloned()
                .collect();
            if keys.is_empty() {
                keys = call.args.keys().cloned().collect();
            }
            let key = keys[d.below("arg", keys.len())].clone();
            call.args.remove(&key);
            Answer::Calls(render(&calls))
        }
        ToolMistake::NoToolCall => Answer::Text(pick(&SUPPORT_PROSE, d, "prose")),
        ToolMistake::ExtraToolCall => {
            let mut out = render(&calls);
            let i = d.below("call", out.len());
            let dup = out[i].clone();
            out.insert(i + 1, dup);
            Answer::Calls(out)
        }
        ToolMistake::InvalidArgsJson => {
            let mut out = render(&calls);
            let i = d.below("call", out.len());
            let args = &out[i].arguments;
            // Drop the closing brace (and maybe more): never valid JSON.
            let keep = args
                .chars()
                .count()
                .saturating_sub(1 + d.below("cut", 3))
                .max(1);
            out[i].arguments = args.chars().take(keep).collect();
            Answer::Calls(out)
        }
    }
}

/// Expected calls with, per argument, the first acceptable value that is not "".
fn expected_calls(calls: &Value) -> Vec<ExpectedCall> {
    let Some(calls) = calls.as_array() else {
        return Vec::new();
    };
    calls
        .iter()
        .filter_map(|call| {
            let name = call.get("name")?.as_str()?.to_string();
            let acceptable = call
                .get("arguments")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            let args = acceptable
                .iter()
                .filter_map(|(k, v)| {
                    let first = acceptable_values(Some(v)).into_iter().find(|v| *v != "")?;
                    Some((k.clone(), first))
                })
                .collect();
            Some(ExpectedCall {
                name,
                args,
                acceptable,
            })
        })
        .collect()
}

fn acceptable_values(v: Option<&Value>) -> Vec<Value> {
    match v {
        Some(Value::Array(a)) => a.clone(),
        Some(other) => vec![other.clone()],
        None => Vec::new(),
    }
}

/// The mistake on a no-tool case: look an order up anyway.
fn plausible_call(tools: &[Value], pools: &Pools, d: Draws) -> CallOut {
    let names: Vec<&str> = tools.iter().filter_map(tool_name).collect();
    let name = if names.contains(&"lookup_order") || names.is_empty() {
        "lookup_order"
    } else {
        names[0]
    };
    let order_ids: Vec<&Value> = pools
        .args
        .get("order_id")
        .map(|p| p.iter().filter(|v| v.is_string()).collect())
        .unwrap_or_default();
    let order_id = if order_ids.is_empty() {
        Value::String("SO-10000".into())
    } else {
        order_ids[d.below("order_id", order_ids.len())].clone()
    };
    let mut args = Map::new();
    args.insert("order_id".into(), order_id);
    CallOut {
        name: name.to_string(),
        arguments: Value::Object(args).to_string(),
    }
}

pub(crate) fn tool_name(tool: &Value) -> Option<&str> {
    tool.get("function")?.get("name")?.as_str()
}

fn required_args(tools: &[Value], name: &str) -> Vec<String> {
    tools
        .iter()
        .find(|t| tool_name(t) == Some(name))
        .and_then(|t| {
            t.get("function")?
                .get("parameters")?
                .get("required")?
                .as_array()
                .cloned()
        })
        .map(|r| {
            r.iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

// ---------------------------------------------------------------- value surgery

#[derive(Debug, Clone)]
enum Seg {
    Key(String),
    Index(usize),
}

/// Paths to every non-null scalar in a document.
fn leaf_paths(value: &Value) -> Vec<Vec<Seg>> {
    fn walk(v: &Value, path: &mut Vec<Seg>, out: &mut Vec<Vec<Seg>>) {
        match v {
            Value::Null => {}
            Value::Object(map) => {
                for (k, child) in map {
                    path.push(Seg::Key(k.clone()));
                    walk(child, path, out);
                    path.pop();
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    path.push(Seg::Index(i));
                    walk(child, path, out);
                    path.pop();
                }
            }
            _ => out.push(path.clone()),
        }
    }
    let mut out = Vec::new();
    walk(value, &mut Vec::new(), &mut out);
    out
}

fn get_mut<'a>(value: &'a mut Value, path: &[Seg]) -> Option<&'a mut Value> {
    path.iter().try_fold(value, |v, seg| match seg {
        Seg::Key(k) => v.get_mut(k.as_str()),
        Seg::Index(i) => v.get_mut(*i),
    })
}

fn get_ref<'a>(value: &'a Value, path: &[Seg]) -> Option<&'a Value> {
    path.iter().try_fold(value, |v, seg| match seg {
        Seg::Key(k) => v.get(k.as_str()),
        Seg::Index(i) => v.get(*i),
    })
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// A nearby but wrong value: a number a little off, a date a day off, a flipped flag.
fn perturb(value: &Value, d: Draws) -> Value {
    match value {
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                let step = 1 + d.below("step", 3) as i64;
                Value::from(if i > step { i - step } else { i + step })
            } else {
                let f = n.as_f64().unwrap_or(0.0);
                let factor = if d.below("direction", 2) == 0 {
                    1.1
                } else {
                    0.9
                };
                let mut g = (f * factor * 100.0).round() / 100.0;
                if g == f {
                    g = f + 1.0;
                }
                serde_json::Number::from_f64(g).map_or(Value::Null, Value::Number)
            }
        }
        Value::Bool(b) => Value::Bool(!b),
        Value::String(s) if is_date(s) => {
            let day: u32 = s[8..].parse().unwrap_or(1);
            let day = if day >= 28 { day - 1 } else { day + 1 };
            Value::String(format!("{}{day:02}", &s[..8]))
        }
        Value::String(s) => {
            // Change the last digit if there is one: a wrong order id still looks like one.
            if let Some(pos) = s.rfind(|c: char| c.is_ascii_digit()) {
                let digit = s.as_bytes()[pos] - b'0';
                let mut out = s.clone();
                out.replace_range(pos..pos + 1, &((digit + 1) % 10).to_string());
                Value::String(out)
            } else if s != "other" {
                Value::String("other".into())
            } else {
                Value::String("unknown".into())
            }
        }
        _ => Value::Null,
    }
}

/// The first `fraction` of a string's characters (at least one, never all).
pub(crate) fn cut_chars(s: &str, fraction: f64) -> String {
    let n = s.chars().count();
    let keep = ((n as f64 * fraction) as usize).clamp(1.min(n), n.saturating_sub(1).max(1.min(n)));
    s.chars().take(keep).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profiles::Profiles;
    use serde_json::json;
    use std::path::Path;

    fn profile(quality: f64, mistakes: &str) -> ModelProfile {
        let text = format!(
            "[models.\"t/m\"]\nname = \"M\"\ncontext_length = 1000\nprompt_price = 1\ncompletion_price = 1\nquality = {quality}\n[models.\"t/m\".mistakes]\n{mistakes}\n"
        );
        Profiles::parse(Path::new("t.toml"), &text).unwrap().models["t/m"].clone()
    }

    fn pools() -> Pools {
        let mut p = Pools::default();
        p.strings.insert(
            "category".into(),
            vec!["billing".into(), "technical".into()],
        );
        p.args
            .insert("order_id".into(), vec![json!("SO-1"), json!("SO-2")]);
        p
    }

    fn run(profile: &ModelProfile, expected: Value, tools: &[Value], n: u64) -> Vec<Answer> {
        let case = KnownCase {
            expected: Some(expected),
            dataset: 0,
        };
        let pools = pools();
        (0..n)
            .map(|c| {
                let ask = Ask {
                    profile,
                    case: Some((&case, &pools)),
                    tools,
                    format: Format::Free,
                    reask: false,
                    after_tool: false,
                    tool_rounds: 0,
                };
                answer(&ask, Draws::new(1, "t/m", "p", 1, c))
            })
            .collect()
    }

    const ONLY: [&str; 5] = [
        "invalid_json",
        "prose_wrapped",
        "schema_violation",
        "wrong_enum",
        "wrong_value",
    ];

    fn only(kind: &str) -> String {
        ONLY.iter()
            .chain(
                [
                    "wrong_arg",
                    "missing_arg",
                    "no_tool_call",
                    "extra_tool_call",
                    "invalid_args_json",
                ]
                .iter(),
            )
            .map(|k| format!("{k} = {}\n", if *k == kind { 1 } else { 0 }))
            .collect()
    }

    #[test]
    fn correct_json_is_the_reference() {
        let p = profile(1.0, "");
        let out = run(
            &p,
            json!({"category": "billing", "escalate": false}),
            &[],
            5,
        );
        for a in out {
            assert_eq!(
                a,
                Answer::Text("{\"category\":\"billing\",\"escalate\":false}".into())
            );
        }
    }

    #[test]
    fn json_mistakes_look_like_their_names() {
        let expected = json!({"category": "billing", "priority": "low", "escalate": false});
        for kind in ONLY {
            let p = profile(0.0, &only(kind));
            for a in run(&p, expected.clone(), &[], 20) {
                let Answer::Text(t) = a else {
                    panic!("{kind}: not text")
                };
                let parsed: Option<Value> = serde_json::from_str(&t).ok();
                match kind {
                    "invalid_json" => assert!(parsed.is_none(), "{t}"),
                    "prose_wrapped" => {
                        assert!(t.starts_with("Sure!") && t.contains("```json"), "{t}")
                    }
                    "wrong_enum" => assert_eq!(parsed.unwrap()["category"], "technical"),
                    _ => assert_ne!(parsed.unwrap(), expected, "{kind}: {t}"),
                }
            }
        }
    }

    #[test]
    fn tool_calls_take_first_non_empty_value() {
        let p = profile(1.0, "");
        let tools = [json!({"type": "function", "function": {"name": "issue_refund"}})];
        let expected = json!({"tool_calls": [{"name": "issue_refund", "arguments": {
            "order_id": ["SO-9"], "amount": [25.5], "notify_customer": [true, ""], "note": [""]}}]});
        let out = run(&p, expected, &tools, 1);
        let Answer::Calls(calls) = &out[0] else {
            panic!()
        };
        assert_eq!(calls[0].name, "issue_refund");
        let args: Value = serde_json::from_str(&calls[0].arguments).unwrap();
        assert_eq!(
            args,
            json!({"order_id": "SO-9", "amount": 25.5, "notify_customer": true})
        );
    }

    #[test]
    fn tool_mistakes_break_the_call() {
        let tools = [
            json!({"type": "function", "function": {"name": "lookup_order",
            "parameters": {"required": ["order_id"]}}}),
        ];
        let expected = json!({"tool_calls": [{"name": "lookup_order", "arguments": {"order_id": ["SO-1"], "include_history": [true]}}]});
        let check = |kind: &str, f: &dyn Fn(&Answer)| {
            for a in run(&profile(0.0, &only(kind)), expected.clone(), &tools, 10) {
                f(&a);
            }
        };
        check("wrong_arg", &|a| {
            let Answer::Calls(c) = a else { panic!() };
            assert_ne!(
                c[0].arguments,
                "{\"include_history\":true,\"order_id\":\"SO-1\"}"
            );
        });
        check("missing_arg", &|a| {
            let Answer::Calls(c) = a else { panic!() };
            assert_eq!(c[0].arguments, "{\"include_history\":true}");
        });
        check("no_tool_call", &|a| assert!(matches!(a, Answer::Text(_))));
        check("extra_tool_call", &|a| {
            let Answer::Calls(c) = a else { panic!() };
            assert_eq!(c.len(), 2);
        });
        check("invalid_args_json", &|a| {
            let Answer::Calls(c) = a else { panic!() };
            assert!(serde_json::from_str::<Value>(&c[0].arguments).is_err());
        });
    }

    #[test]
    fn no_tool_case_mistake_calls_lookup_order() {
        let tools = [json!({"type": "function", "function": {"name": "lookup_order"}})];
        let out = run(&profile(0.0, ""), json!({"tool_calls": []}), &tools, 3);
        for a in out {
            let Answer::Calls(c) = a else { panic!() };
            assert_eq!(c[0].name, "lookup_order");
        }
        let out = run(&profile(1.0, ""), json!({"tool_calls": []}), &tools, 3);
        assert!(out.iter().all(|a| matches!(a, Answer::Text(_))));
    }

    #[test]
    fn multi_turn_cases_answer_the_turn_of_the_conversation() {
        let tools = [
            json!({"type": "function", "function": {"name": "lookup_order"}}),
            json!({"type": "function", "function": {"name": "issue_refund"}}),
        ];
        let case = KnownCase {
            expected: Some(json!({"turns": [
                [{"name": "lookup_order", "arguments": {"order_id": ["SO-1"]}}],
                [{"name": "issue_refund", "arguments": {"order_id": ["SO-1"], "amount": [5]}}],
                []
            ]})),
            dataset: 0,
        };
        let pools = pools();
        let at = |p: &ModelProfile, round: usize, after_tool: bool| {
            let ask = Ask {
                profile: p,
                case: Some((&case, &pools)),
                tools: &tools,
                format: Format::Free,
                reask: false,
                after_tool,
                tool_rounds: round,
            };
            answer(&ask, Draws::new(1, "t/m", "p", round, 0))
        };
        let right = profile(1.0, "");
        let Answer::Calls(c) = at(&right, 0, false) else {
            panic!()
        };
        assert_eq!(c[0].name, "lookup_order");
        let Answer::Calls(c) = at(&right, 1, true) else {
            panic!()
        };
        assert_eq!(c[0].name, "issue_refund");
        assert_eq!(c[0].arguments, "{\"amount\":5,\"order_id\":\"SO-1\"}");
        assert!(matches!(at(&right, 2, true), Answer::Text(_)));
        assert!(matches!(at(&right, 5, true), Answer::Text(_)));
        // Wrong, with no mistake weighted: the calls stay right, but it never stops.
        let no_mistakes: String = only("none");
        let looping = profile(0.0, &no_mistakes);
        let Answer::Calls(c) = at(&looping, 1, true) else {
            panic!()
        };
        assert_eq!(c[0].name, "issue_refund");
        for round in [2, 3] {
            let Answer::Calls(c) = at(&looping, round, true) else {
                panic!()
            };
            assert_eq!(c[0].name, "lookup_order");
        }
    }

    #[test]
    fn perturb_changes_values() {
        let d = Draws::new(0, "m", "p", 1, 0);
        assert_eq!(perturb(&json!("2024-05-31"), d), json!("2024-05-30"));
        assert_eq!(perturb(&json!("SO-10489"), d), json!("SO-10480"));
        assert_eq!(perturb(&json!(true), d), json!(false));
        assert_ne!(perturb(&json!(12.5), d), json!(12.5));
        assert_eq!(cut_chars("abcd", 0.5), "ab");
        assert_eq!(cut_chars("a", 0.5), "a");
        assert_eq!(cut_chars("", 0.5), "");
    }
}
