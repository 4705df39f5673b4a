//! `json`: the content parses as JSON; leniently, after cleanup, with `lenient`. The
//! content is parsed once here for every check that reads JSON.

use super::{Input, Outcome};
use crate::json_extract::extract_json;
use routeval_core::scorer_spec::{CheckSpec, JsonCheck};
use routeval_core::ScoreRecord;
use serde_json::Value;

/// How the detail of an answer that is not JSON starts; the parser's message follows.
pub(crate) const NOT_JSON: &str = "not valid JSON: ";

/// Content parsed as JSON: strictly, or only after cleanup, or not at all.
pub(crate) enum Parsed {
    Strict(Value),
    AfterCleanup(Value),
    Invalid(String),
    Empty,
}

impl Parsed {
    /// The parsed value checks after `json` may read: cleanup happens only when the
    /// spec's `json` check is lenient.
    pub(super) fn usable(&self) -> Option<&Value> {
        match self {
            Parsed::Strict(v) | Parsed::AfterCleanup(v) => Some(v),
            Parsed::Invalid(_) | Parsed::Empty => None,
        }
    }
}

/// The content parsed once, shared by every check that reads JSON; only when a check
/// of `checks` reads it.
pub(super) fn parse_for(checks: &[CheckSpec], content: Option<&str>) -> Parsed {
    let reads_json = checks.iter().any(|c| {
        matches!(
            c,
            CheckSpec::Json(_) | CheckSpec::Schema(_) | CheckSpec::Enum(_) | CheckSpec::Fields(_)
        )
    });
    if !reads_json {
        return Parsed::Empty;
    }
    let lenient = checks
        .iter()
        .any(|c| matches!(c, CheckSpec::Json(j) if j.lenient));
    parse_content(content, lenient)
}

fn parse_content(content: Option<&str>, lenient: bool) -> Parsed {
    let Some(text) = content.filter(|t| !t.trim().is_empty()) else {
        return Parsed::Empty;
    };
    match serde_json::from_str(text) {
        Ok(v) => Parsed::Strict(v),
        Err(e) => match lenient.then(|| extract_json(text)).flatten() {
            Some(v) => Parsed::AfterCleanup(v),
            None => Parsed::Invalid(e.to_string()),
        },
    }
}

pub(super) fn grade(check: &JsonCheck, name: &str, input: &Input<'_>) -> Outcome {
    let parsed = input.parsed;
    let mut outcome: Outcome = match parsed {
        Parsed::Strict(_) => (true, 1.0, None),
        Parsed::AfterCleanup(_) if check.lenient => (
            true,
            1.0,
            Some("valid only after cleanup (fenced code or prose around the JSON)".into()),
        ),
        Parsed::AfterCleanup(_) => (
            false,
            0.0,
            Some("not JSON: text around the JSON object".into()),
        ),
        Parsed::Invalid(e) => (false, 0.0, Some(format!("{NOT_JSON}{e}"))),
        Parsed::Empty => (false, 0.0, Some("empty answer".into())),
    }
    .into();
    if check.lenient {
        // "Valid only after cleanup" stays visible in the data.
        outcome.rows.push(strict_row(name, parsed));
    }
    outcome
}

fn strict_row(name: &str, parsed: &Parsed) -> ScoreRecord {
    let (pass, detail) = match parsed {
        Parsed::Strict(_) => (true, None),
        Parsed::AfterCleanup(_) => (false, Some("valid only after cleanup".to_string())),
        Parsed::Invalid(e) => (false, Some(format!("{NOT_JSON}{e}"))),
        Parsed::Empty => (false, Some("empty answer".to_string())),
    };
    ScoreRecord {
        check: format!("{name}.strict"),
        pass,
        value: if pass { 1.0 } else { 0.0 },
        detail,
    }
}
