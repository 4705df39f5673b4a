//! The checks a scorer spec can name, and the accept rule over them.

use crate::json_extract::extract_json;
use crate::tool_match::match_tool_calls;
use crate::{Answer, Scorer, Verdict};
use routeval_core::scorer_spec::{CheckKind, CheckSpec};
use routeval_core::{ErrorClass, ScoreRecord};
use serde_json::Value;

/// How many schema violations a verdict lists before it says "and N more".
const MAX_VIOLATIONS: usize = 5;

pub(crate) fn grade(scorer: &Scorer, answer: Answer<'_>, expected: Option<&Value>) -> Verdict {
    let spec = scorer.spec();
    let mut scores = Vec::with_capacity(spec.checks.len() + 4);
    // The answer parsed once, shared by every check that reads JSON.
    let parsed = parse_content(
        answer.content,
        spec.checks
            .iter()
            .any(|c| c.kind == CheckKind::Json && c.lenient),
    );
    let mut validation_failure = None;

    for check in &spec.checks {
        let name = check.name().to_string();
        let (pass, value, detail) = match check.kind {
            CheckKind::Json => json_check(&parsed, check),
            CheckKind::Schema => schema_check(scorer, &parsed),
            CheckKind::Enum => {
                let (pass, value, detail, fields) = enum_check(&parsed, check, expected);
                scores.extend(fields);
                (pass, value, detail)
            }
            CheckKind::Fields => fields_check(&parsed, check, expected),
            CheckKind::ToolCalls => {
                let calls = answer.tool_calls.unwrap_or_default();
                let m = match_tool_calls(calls, expected, &scorer.tools);
                if let Some(problem) = m.invalid_arguments.clone() {
                    validation_failure.get_or_insert((ErrorClass::InvalidToolCall, problem));
                }
                (m.pass, m.score, m.detail)
            }
        };
        if !pass && check.kind.is_validation() && validation_failure.is_none() {
            let class = match check.kind {
                CheckKind::Json => ErrorClass::InvalidJson,
                _ => ErrorClass::SchemaInvalid,
            };
            validation_failure = Some((class, detail.clone().unwrap_or_default()));
        }
        scores.push(ScoreRecord {
            check: name,
            pass,
            value,
            detail,
        });
    }

    let failed: Vec<&str> = spec
        .checks
        .iter()
        .map(CheckSpec::name)
        .filter(|n| spec.is_required(n))
        .filter(|n| scores.iter().any(|s| s.check == *n && !s.pass))
        .collect();
    let accepted = failed.is_empty();
    let reason = if accepted {
        "accepted".to_string()
    } else {
        let first = scores.iter().find(|s| s.check == failed[0]);
        let detail = first.and_then(|s| s.detail.as_deref()).unwrap_or("");
        format!("failed {}: {}", failed.join(", "), truncate(detail, 200))
    };
    Verdict {
        accepted,
        scores,
        validation_failure,
        reason,
    }
}

/// Content parsed as JSON: strictly, or only after cleanup, or not at all.
enum Parsed {
    Strict(Value),
    AfterCleanup(Value),
    Invalid(String),
    Empty,
}

impl Parsed {
    fn value(&self, lenient_allowed: bool) -> Option<&Value> {
        match self {
            Parsed::Strict(v) => Some(v),
            Parsed::AfterCleanup(v) if lenient_allowed => Some(v),
            _ => None,
        }
    }
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

/// The parsed value checks after `json` may read: cleanup counts only when the
/// spec's `json` check is lenient.
fn usable(parsed: &Parsed) -> Option<&Value> {
    parsed.value(true)
}

fn json_check(parsed: &Parsed, check: &CheckSpec) -> (bool, f64, Option<String>) {
    match parsed {
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
        Parsed::Invalid(e) => (false, 0.0, Some(format!("not valid JSON: {e}"))),
        Parsed::Empty => (false, 0.0, Some("empty answer".into())),
    }
}

fn schema_check(scorer: &Scorer, parsed: &Parsed) -> (bool, f64, Option<String>) {
    let Some(validator) = &scorer.schema else {
        return (false, 0.0, Some("no schema".into()));
    };
    let Some(value) = usable(parsed) else {
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

/// Exact equality on named fields. Adds one `enum.<field>` record per field whose
/// detail holds `{"expected", "got"}`, the data of a confusion matrix.
fn enum_check(
    parsed: &Parsed,
    check: &CheckSpec,
    expected: Option<&Value>,
) -> (bool, f64, Option<String>, Vec<ScoreRecord>) {
    let got = usable(parsed);
    let mut right = 0;
    let mut wrong = Vec::new();
    let mut per_field = Vec::with_capacity(check.fields.len());
    for field in &check.fields {
        let want = expected.and_then(|e| lookup(e, field));
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
            check: format!("{}.{field}", check.name()),
            pass,
            value: if pass { 1.0 } else { 0.0 },
            detail: Some(serde_json::json!({"expected": want, "got": have}).to_string()),
        });
    }
    let n = check.fields.len().max(1);
    let detail = (!wrong.is_empty()).then(|| wrong.join("; "));
    (wrong.is_empty(), right as f64 / n as f64, detail, per_field)
}

/// Deep comparison of the expected object with the answer, field by field.
fn fields_check(
    parsed: &Parsed,
    check: &CheckSpec,
    expected: Option<&Value>,
) -> (bool, f64, Option<String>) {
    let Some(expected) = expected else {
        return (false, 0.0, Some("case has no expected answer".into()));
    };
    let Some(got) = usable(parsed) else {
        return (false, 0.0, Some("no JSON to compare".into()));
    };
    let mut cmp = FieldCompare {
        check,
        leaves: 0,
        matched: 0,
        mismatches: Vec::new(),
    };
    cmp.compare("", expected, Some(got));
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
    check: &'a CheckSpec,
    leaves: usize,
    matched: usize,
    mismatches: Vec<String>,
}

impl FieldCompare<'_> {
    fn compare(&mut self, path: &str, want: &Value, got: Option<&Value>) {
        match (want, got) {
            (Value::Object(w), Some(Value::Object(g))) => {
                for (k, wv) in w {
                    self.compare(&join(path, k), wv, g.get(k));
                }
                for k in g.keys().filter(|k| !w.contains_key(*k)) {
                    self.leaves += 1;
                    self.mismatches
                        .push(format!("{}: invented key", join(path, k)));
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
                    None if want.is_null() => Some("missing (expected null)".to_string()),
                    None => Some(format!("missing (expected {})", show(Some(want)))),
                    Some(g) if want.is_null() && !g.is_null() => {
                        Some(format!("invented value {}", show(Some(g))))
                    }
                    Some(g) if !leaf_equal(want, g, self.check) => Some(format!(
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
}

fn leaf_equal(want: &Value, got: &Value, check: &CheckSpec) -> bool {
    match (want, got) {
        (Value::Number(w), Value::Number(g)) => match (w.as_f64(), g.as_f64()) {
            (Some(w), Some(g)) => (w - g).abs() <= check.numeric_tolerance,
            _ => false,
        },
        (Value::String(w), Value::String(g)) => {
            if check.ignore_case {
                collapse_ws(w).to_lowercase() == collapse_ws(g).to_lowercase()
            } else {
                collapse_ws(w) == collapse_ws(g)
            }
        }
        _ => want == got,
    }
}

fn collapse_ws(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Normalise a string the way the Berkeley Function Calling Leaderboard's AST checker
/// does: lowercase, drop spaces and `,./-_*^`, treat `'` as `"`.
pub fn normalise_str(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, ',' | '.' | '/' | '-' | '_' | '*' | '^'))
        .map(|c| if c == '\'' { '"' } else { c })
        .flat_map(char::to_lowercase)
        .collect()
}

fn lookup<'a>(value: &'a Value, dotted: &str) -> Option<&'a Value> {
    dotted.split('.').try_fold(value, |v, key| v.get(key))
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

fn show(v: Option<&Value>) -> String {
    match v {
        None => "nothing".into(),
        Some(v) => truncate(&v.to_string(), 60),
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let cut: String = s.chars().take(max).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use crate::{Answer, Scorer};
    use routeval_core::scorer_spec::ScorerSpec;
    use routeval_core::ErrorClass;
    use serde_json::{json, Value};

    fn spec(toml_text: &str) -> ScorerSpec {
        let dir = std::env::temp_dir().join(format!("routeval-scorer-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // One file per call: tests run in parallel and must not read each other's writes.
        static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = dir.join(format!("spec-{n}.toml"));
        std::fs::write(&path, toml_text).unwrap();
        ScorerSpec::load(&path).unwrap()
    }

    fn triage() -> Scorer {
        let schema = json!({
            "type": "object",
            "properties": {
                "category": {"enum": ["billing", "refund"]},
                "priority": {"enum": ["low", "high"]}
            },
            "required": ["category", "priority"],
            "additionalProperties": false
        });
        let spec = spec(
            "validation_retries = 1\n[[checks]]\nkind = \"json\"\n[[checks]]\nkind = \"schema\"\n[[checks]]\nkind = \"enum\"\nfields = [\"category\", \"priority\"]\n",
        );
        Scorer::new(spec, Some(&schema), None).unwrap()
    }

    fn grade(s: &Scorer, content: &str, expected: Value) -> crate::Verdict {
        s.grade(
            Answer {
                content: Some(content),
                tool_calls: None,
            },
            Some(&expected),
        )
    }

    #[test]
    fn correct_answer_is_accepted() {
        let v = grade(
            &triage(),
            r#"{"category":"refund","priority":"high"}"#,
            json!({"category":"refund","priority":"high"}),
        );
        assert!(v.accepted, "{v:?}");
        assert_eq!(v.validation_failure, None);
        let per_field: Vec<_> = v
            .scores
            .iter()
            .filter(|s| s.check.starts_with("enum."))
            .collect();
        assert_eq!(per_field.len(), 2);
    }

    #[test]
    fn wrong_enum_fails_with_partial_credit_but_is_not_a_validation_failure() {
        let v = grade(
            &triage(),
            r#"{"category":"billing","priority":"high"}"#,
            json!({"category":"refund","priority":"high"}),
        );
        assert!(!v.accepted);
        assert_eq!(v.validation_failure, None);
        let e = v.scores.iter().find(|s| s.check == "enum").unwrap();
        assert_eq!(e.value, 0.5);
        assert!(
            v.reason
                .contains("category: expected \"refund\", got \"billing\""),
            "{}",
            v.reason
        );
    }

    #[test]
    fn schema_violation_names_the_instance_path() {
        let v = grade(
            &triage(),
            r#"{"category":"billing","priority":"meh"}"#,
            json!({"category":"billing","priority":"low"}),
        );
        let (class, feedback) = v.validation_failure.unwrap();
        assert_eq!(class, ErrorClass::SchemaInvalid);
        assert!(feedback.contains("/priority"), "{feedback}");
    }

    #[test]
    fn prose_around_json_is_invalid_unless_lenient() {
        let answer = "Here you go: {\"category\":\"billing\",\"priority\":\"low\"}";
        let v = grade(
            &triage(),
            answer,
            json!({"category":"billing","priority":"low"}),
        );
        assert_eq!(v.validation_failure.unwrap().0, ErrorClass::InvalidJson);

        let lenient = spec("[[checks]]\nkind = \"json\"\nlenient = true\n[[checks]]\nkind = \"enum\"\nfields = [\"category\"]\n");
        let s = Scorer::new(lenient, None, None).unwrap();
        let v = grade(&s, answer, json!({"category":"billing"}));
        assert!(v.accepted);
        assert!(v.scores[0]
            .detail
            .as_deref()
            .unwrap()
            .contains("after cleanup"));
    }

    #[test]
    fn fields_check_tells_missing_null_and_invented_apart() {
        let s = Scorer::new(spec("[[checks]]\nkind = \"fields\"\n"), None, None).unwrap();
        let expected = json!({"a": null, "b": 1.0, "c": "Acme  Corp", "d": null});
        let v = grade(
            &s,
            r#"{"a": "x", "b": 1.004, "c": "acme corp", "e": 2}"#,
            expected,
        );
        assert!(!v.accepted);
        let detail = v.scores[0].detail.clone().unwrap();
        assert!(detail.contains("a: invented value"), "{detail}");
        assert!(detail.contains("d: missing (expected null)"), "{detail}");
        assert!(detail.contains("e: invented key"), "{detail}");
        assert!(!detail.contains("b:"), "{detail}");
        assert!(!detail.contains("c:"), "{detail}");
    }

    #[test]
    fn accept_rule_can_require_a_subset() {
        let s = Scorer::new(
            spec("[[checks]]\nkind = \"json\"\n[[checks]]\nkind = \"enum\"\nfields = [\"x\"]\n[accept]\nrequire = [\"json\"]\n"),
            None,
            None,
        )
        .unwrap();
        let v = grade(&s, r#"{"x": 2}"#, json!({"x": 1}));
        assert!(v.accepted);
    }

    #[test]
    fn normaliser_follows_bfcl() {
        assert_eq!(super::normalise_str("New-York, N.Y."), "newyorkny");
        assert_eq!(super::normalise_str("it's"), "it\"s");
    }
}
