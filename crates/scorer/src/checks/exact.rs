//! `exact`: the text equals `value`, or the case's expected text, after normalisation.

use super::{quote, Input, Row};
use crate::normalise::StrNorm;
use routeval_core::scorer_spec::ExactCheck;
use serde_json::Value;

pub(super) fn grade(check: &ExactCheck, input: &Input<'_>) -> Row {
    let want = match &check.value {
        Some(v) => v.as_str(),
        None => match input.expected {
            Some(Value::String(s)) => s.as_str(),
            Some(e) => match e.get("text").and_then(Value::as_str) {
                Some(s) => s,
                None => return (false, 0.0, Some("case has no expected text".into())),
            },
            None => return (false, 0.0, Some("case has no expected text".into())),
        },
    };
    let got = input.content();
    if StrNorm::of(check).eq(want, got) {
        (true, 1.0, None)
    } else {
        (
            false,
            0.0,
            Some(format!("expected {}, got {}", quote(want), quote(got))),
        )
    }
}
