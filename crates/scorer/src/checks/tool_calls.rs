//! `tool_calls`: the answer's tool calls match the expected ones (names, count,
//! arguments); over a multi-turn loop, turn by turn against `expected.turns`.

use super::{Input, Outcome};
use crate::normalise::StrNorm;
use crate::tool_match::{match_tool_calls, match_tool_calls_by, ToolMatch};
use crate::turns;
use routeval_core::scorer_spec::ToolCallsCheck;
use routeval_core::ErrorClass;

pub(super) fn grade(check: &ToolCallsCheck, name: &str, input: &Input<'_>) -> Outcome {
    let tools = input.tools;
    let expected = input.expected;
    let calls = input.answer.tool_calls.unwrap_or_default();
    let norm = StrNorm::of(check);
    let mut rows = Vec::new();
    let m = match (input.turns, turns::expected_turns(expected)) {
        (Some(played), Some(want)) => {
            let (outcome, per_turn) = turns::per_turn(name, played, want, tools, norm);
            rows = per_turn;
            // Feedback is about the answer just given: the last turn's calls.
            let invalid = match_tool_calls(calls, None, tools, norm).invalid_arguments;
            ToolMatch {
                pass: outcome.0,
                score: outcome.1,
                detail: outcome.2,
                invalid_arguments: invalid,
            }
        }
        // A single-turn reference in a loop grades the first turn's calls.
        (Some(played), None) => {
            let first = played.first().map_or(&[][..], |t| &t.tool_calls[..]);
            let mut m = match_tool_calls_by(first, expected, tools, norm, check.compat);
            m.invalid_arguments = match_tool_calls(calls, None, tools, norm).invalid_arguments;
            m
        }
        (None, _) => match_tool_calls_by(calls, expected, tools, norm, check.compat),
    };
    Outcome {
        pass: m.pass,
        value: m.score,
        detail: m.detail,
        rows,
        feedback: m
            .invalid_arguments
            .map(|problem| (ErrorClass::InvalidToolCall, problem)),
    }
}
