//! `length`: the text's length in characters is within `min_chars` and `max_chars`.

use super::{Input, Row};
use routeval_core::scorer_spec::LengthCheck;

pub(super) fn grade(check: &LengthCheck, input: &Input<'_>) -> Row {
    let n = input.content().chars().count();
    match (check.min_chars, check.max_chars) {
        (Some(lo), _) if n < lo => (false, 0.0, Some(format!("{n} chars, fewer than {lo}"))),
        (_, Some(hi)) if n > hi => (false, 0.0, Some(format!("{n} chars, more than {hi}"))),
        _ => (true, 1.0, None),
    }
}
