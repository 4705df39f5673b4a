//! `stopping`: a multi-turn loop ends with an answer in prose before `max_turns`.

use super::{Input, Row};
use crate::turns::names;

/// `stopping`: the loop ends with an answer in prose. A last turn that still calls
/// tools at the turn limit is a runaway loop.
pub(super) fn grade(input: &Input<'_>) -> Row {
    let turns = input.played;
    let max_turns = input.scorer.spec().max_turns;
    let Some(last) = turns.last() else {
        return (false, 0.0, Some("no answer".into()));
    };
    if last.tool_calls.is_empty() {
        return (
            true,
            1.0,
            Some(format!(
                "stopped with a final answer after {} turn(s)",
                turns.len()
            )),
        );
    }
    if turns.len() as u64 >= u64::from(max_turns) {
        (
            false,
            0.0,
            Some(format!(
                "runaway loop: still calling tools ({}) at the turn limit of {max_turns}",
                names(&last.tool_calls)
            )),
        )
    } else {
        (
            false,
            0.0,
            Some(format!(
                "the loop ended after {} turn(s) without a final answer",
                turns.len()
            )),
        )
    }
}
