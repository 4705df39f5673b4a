//! Multi-turn tool loops: the turns as played, and tool selection graded per turn.
//! The turns come from the runner, which played the case's scripted tool results; the
//! expected answer's `turns` lists the calls of each turn. The loop checks, `recovery`
//! and `stopping`, are in `checks/`.

use crate::checks::{truncate, Row};
use crate::normalise::StrNorm;
use crate::tool_match::{match_tool_calls, ToolSet};
use routeval_core::message::ToolCall;
use routeval_core::ScoreRecord;
use serde_json::{json, Value};

/// One turn of a multi-turn tool loop, as it was played.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Turn {
    pub content: Option<String>,
    pub tool_calls: Vec<ToolCall>,
    /// At least one of this turn's calls got an error back from the (scripted) tool.
    pub tool_error: bool,
}

/// The expected calls of each turn, when the case has `expected.turns`.
pub(crate) fn expected_turns(expected: Option<&Value>) -> Option<&Vec<Value>> {
    expected?.get("turns")?.as_array()
}

/// The names of `calls`, as a list.
pub(crate) fn names(calls: &[ToolCall]) -> String {
    calls
        .iter()
        .map(|c| c.function.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `tool_calls` over a loop: one `<name>.turn<N>` row per turn (expected or played),
/// graded by the BFCL matcher against `expected.turns[N]`. Passes when every turn does;
/// its value is the mean of the turns' scores.
pub(crate) fn per_turn(
    name: &str,
    turns: &[Turn],
    expected: &[Value],
    tools: &ToolSet,
    norm: StrNorm,
) -> (Row, Vec<ScoreRecord>) {
    let n = turns.len().max(expected.len());
    let mut rows = Vec::with_capacity(n);
    let mut failures = Vec::new();
    let mut total = 0.0;
    for i in 0..n {
        let (pass, value, detail) = match (turns.get(i), expected.get(i)) {
            (Some(turn), Some(want)) => {
                let m = match_tool_calls(
                    &turn.tool_calls,
                    Some(&json!({ "tool_calls": want })),
                    tools,
                    norm,
                );
                (m.pass, m.score, m.detail)
            }
            (None, Some(want)) => (
                false,
                0.0,
                Some(format!(
                    "the loop ended after {} turn(s); expected {}",
                    turns.len(),
                    if want.as_array().is_some_and(Vec::is_empty) {
                        "a final answer".to_string()
                    } else {
                        "more tool calls".to_string()
                    }
                )),
            ),
            (Some(turn), None) => (
                false,
                0.0,
                Some(format!(
                    "unexpected turn {i}: the model should have stopped{}",
                    if turn.tool_calls.is_empty() {
                        String::new()
                    } else {
                        format!(", called {}", names(&turn.tool_calls))
                    }
                )),
            ),
            (None, None) => unreachable!("i < max(turns, expected)"),
        };
        total += value;
        if !pass {
            failures.push(format!("turn {i}: {}", detail.clone().unwrap_or_default()));
        }
        rows.push(ScoreRecord {
            check: format!("{name}.turn{i}"),
            pass,
            value,
            detail,
        });
    }
    let value = if n == 0 { 1.0 } else { total / n as f64 };
    let detail = (!failures.is_empty()).then(|| truncate(&failures.join("; "), 400));
    ((failures.is_empty(), value, detail), rows)
}

#[cfg(test)]
mod tests {
    use super::Turn;
    use crate::Scorer;
    use routeval_core::message::{FunctionCall, ToolCall};
    use routeval_core::scorer_spec::ScorerSpec;
    use serde_json::{json, Value};
    use std::path::Path;

    fn scorer(max_turns: u32, extra: &str) -> Scorer {
        let text = format!(
            "max_turns = {max_turns}\n[[checks]]\nkind = \"tool_calls\"\n[[checks]]\nkind = \"recovery\"\n[[checks]]\nkind = \"stopping\"\n{extra}"
        );
        let spec = ScorerSpec::parse(Path::new("multi.toml"), &text).unwrap();
        let tools = [
            json!({"type": "function", "function": {"name": "lookup_order", "parameters": {
                "type": "object", "properties": {"order_id": {"type": "string"}},
                "required": ["order_id"], "additionalProperties": false}}}),
            json!({"type": "function", "function": {"name": "escalate_to_human", "parameters": {
                "type": "object", "properties": {"reason": {"type": "string"}},
                "required": ["reason"], "additionalProperties": false}}}),
        ];
        Scorer::new(spec, None, Some(&tools)).unwrap()
    }

    fn call(name: &str, args: Value) -> ToolCall {
        ToolCall {
            id: "c".into(),
            kind: "function".into(),
            function: FunctionCall {
                name: name.into(),
                arguments: args.to_string(),
            },
        }
    }

    fn calls(calls: Vec<ToolCall>, tool_error: bool) -> Turn {
        Turn {
            content: None,
            tool_calls: calls,
            tool_error,
        }
    }

    fn prose(text: &str) -> Turn {
        Turn {
            content: Some(text.into()),
            ..Turn::default()
        }
    }

    fn lookup(id: &str) -> ToolCall {
        call("lookup_order", json!({"order_id": id}))
    }

    /// Lookup fails, the model retries, then answers.
    fn retry_case() -> Value {
        json!({"turns": [
            [{"name": "lookup_order", "arguments": {"order_id": ["SO-10001"]}}],
            [{"name": "lookup_order", "arguments": {"order_id": ["SO-10001"]}}],
            []
        ]})
    }

    fn row<'a>(v: &'a crate::Verdict, check: &str) -> &'a routeval_core::ScoreRecord {
        v.scores
            .iter()
            .find(|s| s.check == check)
            .unwrap_or_else(|| panic!("no `{check}` row: {:?}", v.scores))
    }

    #[test]
    fn a_right_loop_passes_every_turn_recovery_and_stopping() {
        let turns = [
            calls(vec![lookup("SO-10001")], true),
            calls(vec![lookup("so 10001")], false),
            prose("Your order shipped yesterday."),
        ];
        let v = scorer(4, "").grade_turns(&turns, None, None, Some(&retry_case()));
        assert!(v.accepted, "{v:?}");
        for n in 0..3 {
            assert!(row(&v, &format!("tool_calls.turn{n}")).pass);
        }
        assert_eq!(
            row(&v, "recovery").detail.as_deref(),
            Some("recovered from 1 tool error(s)")
        );
        assert!(row(&v, "stopping").pass);
        assert_eq!(v.validation_failure, None);
    }

    #[test]
    fn a_wrong_turn_fails_its_row_with_partial_credit() {
        let turns = [
            calls(vec![lookup("SO-10001")], false),
            calls(vec![lookup("SO-10002")], false),
            prose("Done."),
        ];
        let v = scorer(4, "").grade_turns(&turns, None, None, Some(&retry_case()));
        assert!(!v.accepted);
        assert!(row(&v, "tool_calls.turn0").pass);
        let turn1 = row(&v, "tool_calls.turn1");
        assert!(!turn1.pass);
        assert!(
            turn1.detail.as_deref().unwrap().contains("SO-10002"),
            "{turn1:?}"
        );
        let total = row(&v, "tool_calls");
        assert!((total.value - 2.0 / 3.0).abs() < 1e-9, "{total:?}");
        assert!(
            v.reason.starts_with("failed tool_calls: turn 1:"),
            "{}",
            v.reason
        );
        // No scripted error happened: nothing to recover from.
        assert!(row(&v, "recovery").pass);
    }

    #[test]
    fn escalating_when_a_retry_was_expected_fails_recovery() {
        let turns = [
            calls(vec![lookup("SO-10001")], true),
            calls(
                vec![call("escalate_to_human", json!({"reason": "complex"}))],
                false,
            ),
            prose("A colleague will contact you."),
        ];
        let v = scorer(4, "").grade_turns(&turns, None, None, Some(&retry_case()));
        let r = row(&v, "recovery");
        assert!(!r.pass);
        assert_eq!(r.value, 0.0);
        assert!(
            r.detail
                .as_deref()
                .unwrap()
                .starts_with("after the tool error of turn 0: called `escalate_to_human`"),
            "{r:?}"
        );
        // The loop ended right at the error: nothing recovered either.
        let cut = [calls(vec![lookup("SO-10001")], true)];
        let v = scorer(4, "").grade_turns(&cut, None, None, Some(&retry_case()));
        assert!(row(&v, "recovery")
            .detail
            .as_deref()
            .unwrap()
            .contains("ended right after"));
    }

    #[test]
    fn a_runaway_loop_fails_stopping_and_the_extra_turns() {
        let expected = json!({"turns": [
            [{"name": "lookup_order", "arguments": {"order_id": ["SO-10001"]}}],
            []
        ]});
        let turns = [
            calls(vec![lookup("SO-10001")], false),
            calls(vec![lookup("SO-10001")], false),
            calls(vec![lookup("SO-10001")], false),
        ];
        let v = scorer(3, "").grade_turns(&turns, None, None, Some(&expected));
        assert!(!v.accepted);
        let stop = row(&v, "stopping");
        assert!(!stop.pass);
        assert!(
            stop.detail.as_deref().unwrap().starts_with(
                "runaway loop: still calling tools (lookup_order) at the turn limit of 3"
            ),
            "{stop:?}"
        );
        assert!(!row(&v, "tool_calls.turn1").pass);
        let extra = row(&v, "tool_calls.turn2");
        assert!(
            extra
                .detail
                .as_deref()
                .unwrap()
                .starts_with("unexpected turn 2"),
            "{extra:?}"
        );
        // Stopping too early: the expected turns the loop never reached fail.
        let early = [prose("Let me check.")];
        let v = scorer(3, "").grade_turns(&early, None, None, Some(&expected));
        assert!(row(&v, "stopping").pass);
        assert!(!row(&v, "tool_calls.turn0").pass);
        assert!(row(&v, "tool_calls.turn1")
            .detail
            .as_deref()
            .unwrap()
            .starts_with("the loop ended after 1 turn(s)"));
    }

    #[test]
    fn accept_rule_reads_the_loop_checks_by_name() {
        // Only stopping decides: a wrong turn is recorded but does not reject.
        let s = scorer(3, "[accept]\nrequire = [\"stopping\"]\n");
        let turns = [calls(vec![lookup("SO-99999")], false), prose("Done.")];
        let v = s.grade_turns(&turns, None, None, Some(&retry_case()));
        assert!(v.accepted, "{v:?}");
        assert!(!row(&v, "tool_calls.turn0").pass);
    }

    #[test]
    fn invalid_arguments_of_the_last_turn_are_the_feedback() {
        let turns = [
            calls(vec![lookup("SO-10001")], true),
            calls(
                vec![call("lookup_order", json!({"order": "SO-10001"}))],
                false,
            ),
        ];
        let v = scorer(4, "").grade_turns(&turns, None, None, Some(&retry_case()));
        let (class, feedback) = v.validation_failure.expect("invalid arguments");
        assert_eq!(class, routeval_core::ErrorClass::InvalidToolCall);
        assert!(feedback.contains("lookup_order"), "{feedback}");
        // A right call mid-loop has nothing to feed back, though stopping is still open.
        let v = scorer(4, "").grade_turns(&turns[..1], None, None, Some(&retry_case()));
        assert_eq!(v.validation_failure, None);
    }
}
