//! The tool-call conformance fixture: hand-made cases, each labelled with the rule it
//! exercises and the verdict that rule demands. Every line is graded through a scorer
//! built from a spec (so per-check options are exercised the way users set them); a
//! failure lists every wrong line by number.

use routeval_core::message::ToolCall;
use routeval_core::scorer_spec::ScorerSpec;
use routeval_scorer::{Answer, Scorer};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::Path;

const FIXTURE: &str = include_str!("fixtures/tool_conformance.jsonl");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    rule: String,
    tools: Vec<Value>,
    expected: Value,
    calls: Vec<ToolCall>,
    pass: bool,
    /// Options of the `tool_calls` check, as in a scorer spec.
    #[serde(default)]
    options: Map<String, Value>,
}

fn scorer(line: &Line) -> Scorer {
    let mut text = String::from("[[checks]]\nkind = \"tool_calls\"\n");
    for (key, value) in &line.options {
        // JSON strings and booleans are valid TOML values.
        text.push_str(&format!("{key} = {value}\n"));
    }
    let spec = ScorerSpec::parse(Path::new("conformance.toml"), &text).expect("options parse");
    Scorer::new(spec, None, Some(&line.tools)).expect("tools compile")
}

#[test]
fn conformance_fixture() {
    let mut failures = Vec::new();
    let mut per_rule: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut total = 0;
    for (i, text) in FIXTURE.lines().enumerate() {
        let line_no = i + 1;
        if text.trim().is_empty() {
            continue;
        }
        let line: Line = serde_json::from_str(text)
            .unwrap_or_else(|e| panic!("fixture line {line_no} is not a case: {e}"));
        total += 1;
        let verdict = scorer(&line).grade(
            Answer {
                tool_calls: Some(&line.calls),
                ..Answer::default()
            },
            Some(&line.expected),
        );
        let counts = per_rule.entry(line.rule.clone()).or_default();
        if line.pass {
            counts.0 += 1;
        } else {
            counts.1 += 1;
        }
        if verdict.accepted != line.pass {
            failures.push(format!(
                "line {line_no} [{}]: expected {}, got {} ({})",
                line.rule,
                if line.pass { "pass" } else { "fail" },
                if verdict.accepted { "pass" } else { "fail" },
                verdict.reason
            ));
        }
    }
    assert!(
        total >= 200,
        "the fixture holds {total} cases, fewer than 200"
    );
    for rule in [
        "name.exact",
        "count",
        "no_call",
        "parallel.any_order",
        "assignment.optimal",
        "args.required",
        "args.optional",
        "args.missing",
        "args.unexpected",
        "args.unknown",
        "args.json",
        "values.acceptable",
        "strings.bfcl",
        "strings.options.case",
        "strings.options.punctuation",
        "strings.options.exact",
        "types.number",
        "types.integer",
        "types.boolean",
        "types.string",
        "numbers.value",
        "null",
        "nested.list",
        "nested.object",
        "tool.unknown",
    ] {
        assert!(per_rule.contains_key(rule), "no case for rule `{rule}`");
    }
    assert!(
        failures.is_empty(),
        "{} of {total} conformance cases disagree:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
