//! The tool-call conformance fixture: hand-made cases, each labelled with the rule it
//! exercises and the verdict each mode demands: `pass` under the default rules (with
//! the line's string options), `bfcl` under `compat = "bfcl"` (which compares strings
//! its own way, so the options do not apply). Every line is graded through a scorer
//! built from a spec, the way users set it; a failure lists every wrong line by number.

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
    /// The verdict under the default rules.
    pass: bool,
    /// The verdict under `compat = "bfcl"`, as the leaderboard's checker gives it.
    bfcl: bool,
    /// Options of the `tool_calls` check, as in a scorer spec.
    #[serde(default)]
    options: Map<String, Value>,
}

#[derive(Clone, Copy, Debug)]
enum Mode {
    Principled,
    Bfcl,
}

fn scorer(line: &Line, mode: Mode) -> Scorer {
    let mut text = String::from("[[checks]]\nkind = \"tool_calls\"\n");
    match mode {
        Mode::Principled => {
            for (key, value) in &line.options {
                // JSON strings and booleans are valid TOML values.
                text.push_str(&format!("{key} = {value}\n"));
            }
        }
        Mode::Bfcl => text.push_str("compat = \"bfcl\"\n"),
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
        let counts = per_rule.entry(line.rule.clone()).or_default();
        if line.pass {
            counts.0 += 1;
        } else {
            counts.1 += 1;
        }
        for (mode, want) in [(Mode::Principled, line.pass), (Mode::Bfcl, line.bfcl)] {
            let verdict = scorer(&line, mode).grade(
                Answer {
                    tool_calls: Some(&line.calls),
                    ..Answer::default()
                },
                Some(&line.expected),
            );
            if verdict.accepted != want {
                failures.push(format!(
                    "line {line_no} [{}] {mode:?}: expected {}, got {} ({})",
                    line.rule,
                    if want { "pass" } else { "fail" },
                    if verdict.accepted { "pass" } else { "fail" },
                    verdict.reason
                ));
            }
        }
    }
    assert!(
        total >= 260,
        "the fixture holds {total} cases, fewer than 260"
    );
    // Each mode must tell some lines apart from the other, or one is not exercised.
    assert!(
        FIXTURE
            .lines()
            .filter_map(|l| serde_json::from_str::<Line>(l).ok())
            .any(|l| l.pass != l.bfcl),
        "no line where the modes disagree"
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
        "types.items",
        "strings.whitespace",
        "bfcl.omission_marker",
        "bfcl.optional_array",
        "bfcl.float_in_array",
        "bfcl.variable",
        "bfcl.python_equality",
        "bfcl.null",
        "bfcl.first_fit",
        "bfcl.count",
        "bfcl.required",
        "bfcl.unexpected",
        "bfcl.decoder",
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
