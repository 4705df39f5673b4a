//! `enum`: named fields equal the expected values exactly (enum accuracy).

use super::{show, Input, Outcome};
use routeval_core::scorer_spec::EnumCheck;
use routeval_core::ScoreRecord;
use serde_json::Value;

/// Exact equality on named fields. Adds one `enum.<field>` record per field whose
/// detail holds `{"expected", "got"}`, the data of a confusion matrix.
pub(super) fn grade(check: &EnumCheck, name: &str, input: &Input<'_>) -> Outcome {
    let got = input.parsed.usable();
    let mut right = 0;
    let mut wrong = Vec::new();
    let mut per_field = Vec::with_capacity(check.fields.len());
    for field in &check.fields {
        let want = input.expected.and_then(|e| lookup(e, field));
        let have = got.and_then(|g| lookup(g, field));
        let pass = want.is_some() && want == have;
        if pass {
            right += 1;
        } else {
            wrong.push(format!(
                "{field}: expected {}, got {}",
                show(want),
                show(have)
            ));
        }
        per_field.push(ScoreRecord {
            check: format!("{name}.{field}"),
            pass,
            value: if pass { 1.0 } else { 0.0 },
            detail: Some(serde_json::json!({"expected": want, "got": have}).to_string()),
        });
    }
    let n = check.fields.len().max(1);
    let detail = (!wrong.is_empty()).then(|| wrong.join("; "));
    let mut outcome = Outcome::from((wrong.is_empty(), right as f64 / n as f64, detail));
    outcome.rows = per_field;
    outcome
}

/// The value at a dotted path (`customer.tier`).
fn lookup<'a>(value: &'a Value, dotted: &str) -> Option<&'a Value> {
    dotted.split('.').try_fold(value, |v, key| v.get(key))
}
