//! `recovery`: in a multi-turn loop, after a turn whose scripted tool result was an
//! error, the next turn does what the case's `expected.turns` says.

use super::{truncate, Input, Row};
use crate::normalise::StrNorm;
use crate::tool_match::match_tool_calls;
use crate::turns::expected_turns;
use routeval_core::scorer_spec::RecoveryCheck;
use serde_json::json;

/// `recovery`: after each turn whose tool result was an error, the next turn does what
/// `expected.turns` says for it (retry the call, escalate, or explain in prose). The
/// value is the share of errors recovered from; passes when there was no error.
pub(super) fn grade(check: &RecoveryCheck, input: &Input<'_>) -> Row {
    let turns = input.played;
    let norm = StrNorm::of(check);
    let errors: Vec<usize> = (0..turns.len()).filter(|i| turns[*i].tool_error).collect();
    if errors.is_empty() {
        return (true, 1.0, Some("no tool error to recover from".into()));
    }
    let expected = expected_turns(input.expected);
    let mut problems = Vec::new();
    for &i in &errors {
        let Some(next) = turns.get(i + 1) else {
            problems.push(format!(
                "the loop ended right after the tool error of turn {i}"
            ));
            continue;
        };
        let Some(expected) = expected else {
            // No reference: reacting to the error at all is what can be checked.
            continue;
        };
        // No expected turn after the error: the model should explain and stop.
        let want = expected.get(i + 1).cloned().unwrap_or_else(|| json!([]));
        let m = match_tool_calls(
            &next.tool_calls,
            Some(&json!({ "tool_calls": want })),
            input.tools,
            norm,
        );
        if !m.pass {
            problems.push(format!(
                "after the tool error of turn {i}: {}",
                m.detail.unwrap_or_default()
            ));
        }
    }
    let recovered = errors.len() - problems.len();
    let value = recovered as f64 / errors.len() as f64;
    if problems.is_empty() {
        (
            true,
            value,
            Some(format!("recovered from {} tool error(s)", errors.len())),
        )
    } else {
        (false, value, Some(truncate(&problems.join("; "), 300)))
    }
}
