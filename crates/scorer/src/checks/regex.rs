//! `regex`: the text matches every pattern (none of them, with `negate`). The patterns
//! are compiled with the scorer.

use super::{patterns_outcome, Input, Row};
use routeval_core::scorer_spec::RegexCheck;

pub(super) fn grade(check: &RegexCheck, input: &Input<'_>, compiled: &[::regex::Regex]) -> Row {
    let text = input.content();
    let hits: Vec<bool> = compiled.iter().map(|re| re.is_match(text)).collect();
    patterns_outcome(
        &check.patterns,
        check.negate,
        &hits,
        "matches",
        "does not match",
    )
}
