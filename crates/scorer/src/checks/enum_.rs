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
            detail: Some(confusion_detail(want, have)),
        });
    }
    let n = check.fields.len().max(1);
    let detail = (!wrong.is_empty()).then(|| wrong.join("; "));
    let mut outcome = Outcome::from((wrong.is_empty(), right as f64 / n as f64, detail));
    outcome.rows = per_field;
    outcome
}

/// `{"expected": .., "got": ..}`, written straight from the values (no tree is built:
/// this runs for every field of every answer).
fn confusion_detail(expected: Option<&Value>, got: Option<&Value>) -> String {
    #[derive(serde::Serialize)]
    struct Confusion<'a> {
        expected: Option<&'a Value>,
        got: Option<&'a Value>,
    }
    serde_json::to_string(&Confusion { expected, got }).expect("JSON values serialize")
}

/// The value at a dotted path (`customer.tier`).
fn lookup<'a>(value: &'a Value, dotted: &str) -> Option<&'a Value> {
    dotted.split('.').try_fold(value, |v, key| v.get(key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Stored details are fingerprinted (a rescore compares them): the text must stay the
    /// one the `json!` tree gave.
    #[test]
    fn confusion_detail_is_the_text_the_tree_gave() {
        let values = [
            None,
            Some(json!("high")),
            Some(json!({"b": [1, 2.5, null], "a": "x\"y"})),
            Some(json!(true)),
        ];
        for want in &values {
            for have in &values {
                let (want, have) = (want.as_ref(), have.as_ref());
                assert_eq!(
                    confusion_detail(want, have),
                    json!({"expected": want, "got": have}).to_string()
                );
            }
        }
    }
}
