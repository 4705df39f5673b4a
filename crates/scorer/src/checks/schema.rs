//! `schema`: the parsed content validates against the dataset's JSON Schema.

use super::{Input, Row, MAX_VIOLATIONS};

pub(super) fn grade(input: &Input<'_>) -> Row {
    let Some(validator) = &input.scorer.schema else {
        return (false, 0.0, Some("no schema".into()));
    };
    let Some(value) = input.parsed.usable() else {
        return (false, 0.0, Some("no JSON to validate".into()));
    };
    let mut violations = Vec::new();
    let mut total = 0;
    for error in validator.iter_errors(value) {
        total += 1;
        if violations.len() < MAX_VIOLATIONS {
            let path = error.instance_path().to_string();
            let path = if path.is_empty() {
                "/".to_string()
            } else {
                path
            };
            violations.push(format!("{path}: {error}"));
        }
    }
    if total == 0 {
        (true, 1.0, None)
    } else {
        let mut detail = violations.join("; ");
        if total > MAX_VIOLATIONS {
            detail.push_str(&format!("; and {} more", total - MAX_VIOLATIONS));
        }
        (false, 0.0, Some(detail))
    }
}
