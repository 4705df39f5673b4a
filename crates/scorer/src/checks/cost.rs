//! `cost`: the result cost at most `max_usd`, retries included.

use super::{Input, Row};
use routeval_core::scorer_spec::CostCheck;

pub(super) fn grade(check: &CostCheck, input: &Input<'_>) -> Row {
    let max = check.max_usd;
    match input.answer.cost {
        None => (
            false,
            0.0,
            Some("cost unknown: none reported and no known price".into()),
        ),
        Some(usd) if usd <= max => (true, 1.0, None),
        Some(usd) => (
            false,
            0.0,
            Some(format!("cost ${usd:.6}, more than ${max:.6}")),
        ),
    }
}
