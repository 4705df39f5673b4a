//! `fields`: every field of the expected object matches the answer's, after
//! normalisation: numbers within a tolerance, strings by the check's string options,
//! dates as dates when asked; missing, invented and extra keys by the check's rules.

use super::{show, Input, Row, MAX_VIOLATIONS};
use crate::normalise::{parse_date, StrNorm};
use routeval_core::scorer_spec::{ExtraRule, FieldsCheck, MissingRule};
use serde_json::Value;

/// Deep comparison of the expected object with the answer, field by field.
pub(super) fn grade(check: &FieldsCheck, input: &Input<'_>) -> Row {
    let Some(expected) = input.expected else {
        return (false, 0.0, Some("case has no expected answer".into()));
    };
    let Some(got) = input.parsed.usable() else {
        return (false, 0.0, Some("no JSON to compare".into()));
    };
    // With `fields`, only those keys of the expected answer are compared.
    let only;
    let expected = if check.fields.is_empty() {
        expected
    } else {
        only = Value::Object(
            check
                .fields
                .iter()
                .filter_map(|f| expected.get(f).map(|v| (f.clone(), v.clone())))
                .collect(),
        );
        &only
    };
    let mut cmp = FieldCompare {
        check,
        norm: StrNorm::of(check),
        leaves: 0,
        matched: 0,
        mismatches: Vec::new(),
    };
    cmp.compare_root(expected, got);
    let pass = cmp.mismatches.is_empty();
    let value = if cmp.leaves == 0 {
        1.0
    } else {
        cmp.matched as f64 / cmp.leaves as f64
    };
    let detail = (!pass).then(|| {
        let shown: Vec<&str> = cmp
            .mismatches
            .iter()
            .take(MAX_VIOLATIONS)
            .map(String::as_str)
            .collect();
        let more = cmp.mismatches.len().saturating_sub(MAX_VIOLATIONS);
        if more > 0 {
            format!("{}; and {more} more", shown.join("; "))
        } else {
            shown.join("; ")
        }
    });
    (pass, value, detail)
}

struct FieldCompare<'a> {
    check: &'a FieldsCheck,
    norm: StrNorm,
    leaves: usize,
    matched: usize,
    mismatches: Vec<String>,
}

impl FieldCompare<'_> {
    /// The whole answer: on a check limited to some `fields`, the answer's other keys
    /// follow [`FieldsCheck::unselected_keys`], not `extra_keys`.
    fn compare_root(&mut self, want: &Value, got: &Value) {
        self.compare_at("", want, Some(got), self.check.unselected_keys());
    }

    fn compare(&mut self, path: &str, want: &Value, got: Option<&Value>) {
        self.compare_at(path, want, got, self.check.extra_keys());
    }

    fn compare_at(&mut self, path: &str, want: &Value, got: Option<&Value>, extra: ExtraRule) {
        match (want, got) {
            (Value::Object(w), Some(Value::Object(g))) => {
                for (k, wv) in w {
                    self.compare(&join(path, k), wv, g.get(k));
                }
                if extra == ExtraRule::Fail {
                    for k in g.keys().filter(|k| !w.contains_key(*k)) {
                        self.leaves += 1;
                        self.mismatches
                            .push(format!("{}: invented key", join(path, k)));
                    }
                }
            }
            (Value::Array(w), Some(Value::Array(g))) => {
                if w.len() != g.len() {
                    self.leaves += w.len().max(1);
                    self.mismatches.push(format!(
                        "{}: expected {} items, got {}",
                        display_path(path),
                        w.len(),
                        g.len()
                    ));
                    return;
                }
                for (i, (wv, gv)) in w.iter().zip(g).enumerate() {
                    self.compare(&format!("{path}[{i}]"), wv, Some(gv));
                }
            }
            (want, got) => {
                self.leaves += 1;
                let problem = match got {
                    None if want.is_null() && self.check.missing == MissingRule::AsNull => None,
                    None if want.is_null() => Some("missing (expected null)".to_string()),
                    None => Some(format!("missing (expected {})", show(Some(want)))),
                    Some(g) if want.is_null() && !g.is_null() => (self.check.invented_values
                        == ExtraRule::Fail)
                        .then(|| format!("invented value {}", show(Some(g)))),
                    Some(Value::Null) if !want.is_null() => {
                        Some(format!("null (expected {})", show(Some(want))))
                    }
                    Some(g) if !self.leaf_equal(want, g) => Some(format!(
                        "expected {}, got {}",
                        show(Some(want)),
                        show(Some(g))
                    )),
                    Some(_) => None,
                };
                match problem {
                    None => self.matched += 1,
                    Some(p) => self.mismatches.push(format!("{}: {p}", display_path(path))),
                }
            }
        }
    }

    fn leaf_equal(&self, want: &Value, got: &Value) -> bool {
        match (want, got) {
            (Value::Number(w), Value::Number(g)) => match (w.as_f64(), g.as_f64()) {
                (Some(w), Some(g)) => (w - g).abs() <= self.check.numeric_tolerance,
                _ => false,
            },
            (Value::String(w), Value::String(g)) => {
                if self.check.dates {
                    if let (Some(dw), Some(dg)) = (parse_date(w), parse_date(g)) {
                        return dw == dg;
                    }
                }
                self.norm.eq(w, g)
            }
            _ => want == got,
        }
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn display_path(path: &str) -> &str {
    if path.is_empty() {
        "(root)"
    } else {
        path
    }
}
