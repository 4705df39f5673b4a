//! `contains`: the text contains every pattern (none of them, with `negate`), after
//! normalisation.

use super::{patterns_outcome, Input, Row};
use crate::normalise::StrNorm;
use routeval_core::scorer_spec::ContainsCheck;

pub(super) fn grade(check: &ContainsCheck, input: &Input<'_>) -> Row {
    let norm = StrNorm::of(check);
    let text = norm.apply(input.content());
    let hits: Vec<bool> = check
        .patterns
        .iter()
        .map(|p| text.contains(norm.apply(p).as_ref()))
        .collect();
    patterns_outcome(&check.patterns, check.negate, &hits, "contains", "lacks")
}
