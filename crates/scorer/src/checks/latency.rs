//! `latency`: the result took at most `max_ms`, retries included.

use super::{Input, Row};
use routeval_core::scorer_spec::LatencyCheck;

pub(super) fn grade(check: &LatencyCheck, input: &Input<'_>) -> Row {
    let max = check.max_ms;
    match input.answer.latency_ms {
        None => (false, 0.0, Some("no latency recorded".into())),
        Some(ms) if ms <= max => (true, 1.0, None),
        Some(ms) => (
            false,
            0.0,
            Some(format!("took {ms:.0} ms, more than {max:.0} ms")),
        ),
    }
}
