//! The checks a scorer spec can name, and the accept rule over them.

use crate::json_extract::extract_json;
use crate::normalise::{parse_date, StrNorm};
use crate::text;
use crate::tool_match::{match_tool_calls, match_tool_calls_by, ToolMatch, ToolSet};
use crate::turns::{self, Turn};
use crate::{Answer, Scorer, Verdict};
use routeval_core::scorer_spec::{
    CheckSpec, EnumCheck, ExtraRule, FieldsCheck, JsonCheck, MissingRule,
};
use routeval_core::{ErrorClass, ScoreRecord};
use serde_json::Value;

/// How many schema violations a verdict lists before it says "and N more".
const MAX_VIOLATIONS: usize = 5;

/// How the detail of an answer that is not JSON starts; the parser's message follows.
pub(crate) const NOT_JSON: &str = "not valid JSON: ";

/// Grade one answer; with `turns`, a multi-turn loop whose last turn is `answer`.
pub(crate) fn grade(
    scorer: &Scorer,
    tools: &ToolSet,
    answer: Answer<'_>,
    expected: Option<&Value>,
    turns: Option<&[Turn]>,
) -> Verdict {
    let spec = scorer.spec();
    // A single answer is a loop of one turn for the loop checks.
    let single;
    let played: &[Turn] = match turns {
        Some(t) => t,
        None => {
            single = [Turn {
                content: answer.content.map(String::from),
                tool_calls: answer.tool_calls.unwrap_or_default().to_vec(),
                tool_error: false,
            }];
            &single
        }
    };
    // Mid-loop (the answer calls tools), only the calls can be fed back: content checks
    // grade the final answer.
    let mid_loop = turns.is_some() && !answer.tool_calls.unwrap_or_default().is_empty();
    let mut scores = Vec::with_capacity(spec.checks.len() + 4);
    // The answer parsed once, shared by every check that reads JSON; only when a
    // check reads it.
    let reads_json = spec.checks.iter().any(|c| {
        matches!(
            c,
            CheckSpec::Json(_) | CheckSpec::Schema(_) | CheckSpec::Enum(_) | CheckSpec::Fields(_)
        )
    });
    let parsed = if reads_json {
        parse_content(
            answer.content,
            spec.checks
                .iter()
                .any(|c| matches!(c, CheckSpec::Json(j) if j.lenient)),
        )
    } else {
        Parsed::Empty
    };
    let mut validation_failure = None;
    // (name, pass, value) per spec check, for the accept rule.
    let mut outcomes: Vec<(&str, bool, f64)> = Vec::with_capacity(spec.checks.len());

    for (index, check) in spec.checks.iter().enumerate() {
        let name = check.name().to_string();
        let (pass, value, detail) = match check {
            CheckSpec::Json(check) => {
                let outcome = json_check(&parsed, check);
                if check.lenient {
                    // "Valid only after cleanup" stays visible in the data.
                    scores.push(strict_row(&name, &parsed));
                }
                outcome
            }
            CheckSpec::Schema(_) => schema_check(scorer, &parsed),
            CheckSpec::Enum(check) => {
                let (pass, value, detail, fields) = enum_check(&parsed, check, &name, expected);
                scores.extend(fields);
                (pass, value, detail)
            }
            CheckSpec::Fields(check) => fields_check(&parsed, check, expected),
            CheckSpec::ToolCalls(check) => {
                let calls = answer.tool_calls.unwrap_or_default();
                let norm = StrNorm::of(check);
                let m = match (turns, turns::expected_turns(expected)) {
                    (Some(played), Some(want)) => {
                        let (outcome, rows) = turns::per_turn(&name, played, want, tools, norm);
                        scores.extend(rows);
                        // Feedback is about the answer just given: the last turn's calls.
                        let invalid = match_tool_calls(calls, None, tools, norm).invalid_arguments;
                        ToolMatch {
                            pass: outcome.0,
                            score: outcome.1,
                            detail: outcome.2,
                            invalid_arguments: invalid,
                        }
                    }
                    // A single-turn reference in a loop grades the first turn's calls.
                    (Some(played), None) => {
                        let first = played.first().map_or(&[][..], |t| &t.tool_calls[..]);
                        let mut m = match_tool_calls_by(first, expected, tools, norm, check.compat);
                        m.invalid_arguments =
                            match_tool_calls(calls, None, tools, norm).invalid_arguments;
                        m
                    }
                    (None, _) => match_tool_calls_by(calls, expected, tools, norm, check.compat),
                };
                if let Some(problem) = m.invalid_arguments.clone() {
                    validation_failure.get_or_insert((ErrorClass::InvalidToolCall, problem));
                }
                (m.pass, m.score, m.detail)
            }
            CheckSpec::Recovery(check) => {
                turns::recovery(played, expected, tools, StrNorm::of(check))
            }
            CheckSpec::Stopping(_) => turns::stopping(played, spec.max_turns),
            CheckSpec::Exact(check) => text::exact(&answer, check, expected),
            CheckSpec::Contains(check) => text::contains(&answer, check),
            CheckSpec::Regex(check) => text::regex(&answer, check, &scorer.regexes[index]),
            CheckSpec::Refusal(check) => text::refusal(&answer, check),
            CheckSpec::Length(check) => text::length(&answer, check),
            CheckSpec::Latency(check) => text::latency(&answer, check),
            CheckSpec::Cost(check) => text::cost(&answer, check),
            // Decided by a judge route after the answer is in: see `Scorer::with_judgements`.
            CheckSpec::Judge(check) => {
                let row = crate::judge::judge_row(check, None);
                (row.pass, row.value, row.detail)
            }
        };
        if !pass && check.kind().is_validation() && validation_failure.is_none() && !mid_loop {
            let class = match check {
                CheckSpec::Json(_) => ErrorClass::InvalidJson,
                _ => ErrorClass::SchemaInvalid,
            };
            validation_failure = Some((class, detail.clone().unwrap_or_default()));
        }
        outcomes.push((check.name(), pass, value));
        scores.push(ScoreRecord {
            check: name,
            pass,
            value,
            detail,
        });
    }

    let (accepted, reason) = accept(scorer, &outcomes, &scores);
    Verdict {
        accepted,
        scores,
        validation_failure,
        reason,
    }
}

/// The accept rule: required checks pass, and with a threshold the weighted mean of
/// check values reaches it. The reason says which part decided.
pub(crate) fn accept(
    scorer: &Scorer,
    outcomes: &[(&str, bool, f64)],
    scores: &[ScoreRecord],
) -> (bool, String) {
    let spec = scorer.spec();
    let failed: Vec<&str> = outcomes
        .iter()
        .filter(|(name, pass, _)| !pass && spec.is_required(name))
        .map(|(name, _, _)| *name)
        .collect();
    let detail_of = |name: &str| {
        scores
            .iter()
            .find(|s| s.check == name)
            .and_then(|s| s.detail.as_deref())
            .unwrap_or("")
            .to_string()
    };
    if let Some(first) = failed.first() {
        return (
            false,
            format!(
                "failed {}: {}",
                failed.join(", "),
                truncate(&detail_of(first), 200)
            ),
        );
    }
    let Some(threshold) = spec.accept.threshold else {
        return (true, "accepted".into());
    };
    let (sum, total) = outcomes
        .iter()
        .fold((0.0, 0.0), |(s, t), (name, _, value)| {
            let w = spec.weight(name);
            (s + w * value, t + w)
        });
    let score = if total > 0.0 { sum / total } else { 0.0 };
    let other_failures: Vec<&str> = outcomes
        .iter()
        .filter(|(_, pass, _)| !pass)
        .map(|(name, _, _)| *name)
        .collect();
    let failures = if other_failures.is_empty() {
        String::new()
    } else {
        format!(
            "; failed {}: {}",
            other_failures.join(", "),
            truncate(&detail_of(other_failures[0]), 160)
        )
    };
    // A small epsilon so that 0.8 reached by summing weights is not read as 0.7999.
    if score + 1e-9 >= threshold {
        (
            true,
            format!("accepted: weighted score {score:.2} >= {threshold:.2}{failures}"),
        )
    } else {
        (
            false,
            format!("weighted score {score:.2} below threshold {threshold:.2}{failures}"),
        )
    }
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

fn json_check(parsed: &Parsed, check: &JsonCheck) -> (bool, f64, Option<String>) {
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
        Parsed::Invalid(e) => (false, 0.0, Some(format!("{NOT_JSON}{e}"))),
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
    check: &EnumCheck,
    name: &str,
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
            check: format!("{name}.{field}"),
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
    check: &FieldsCheck,
    expected: Option<&Value>,
) -> (bool, f64, Option<String>) {
    let Some(expected) = expected else {
        return (false, 0.0, Some("case has no expected answer".into()));
    };
    let Some(got) = usable(parsed) else {
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

/// A string shown in a detail: JSON-quoted and cut short.
pub(crate) fn quote(s: &str) -> String {
    truncate(&Value::String(s.to_string()).to_string(), 80)
}

pub(crate) fn truncate(s: &str, max: usize) -> String {
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
        s.grade(Answer::text(content), Some(&expected))
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
    fn null_where_null_is_expected_matches() {
        let s = Scorer::new(spec("[[checks]]\nkind = \"fields\"\n"), None, None).unwrap();
        let expected = json!({"a": null, "b": {"c": null}, "d": 1});
        let v = grade(&s, r#"{"a": null, "b": {"c": null}, "d": 1}"#, expected);
        assert!(v.accepted, "{v:?}");
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

    fn fields(options: &str) -> Scorer {
        Scorer::new(
            spec(&format!("[[checks]]\nkind = \"fields\"\n{options}")),
            None,
            None,
        )
        .unwrap()
    }

    fn passes(s: &Scorer, content: &str, expected: Value) -> bool {
        grade(s, content, expected).accepted
    }

    #[test]
    fn lenient_json_records_strictness_separately() {
        let s = Scorer::new(
            spec("[[checks]]\nkind = \"json\"\nlenient = true\n"),
            None,
            None,
        )
        .unwrap();
        let v = grade(&s, "```json\n{\"a\": 1}\n```", json!({}));
        assert!(v.accepted);
        let strict = v.scores.iter().find(|s| s.check == "json.strict").unwrap();
        assert!(!strict.pass);
        assert_eq!(strict.detail.as_deref(), Some("valid only after cleanup"));
        let v = grade(&s, "{\"a\": 1}", json!({}));
        assert!(v.scores.iter().any(|s| s.check == "json.strict" && s.pass));
        // A strict json check adds no extra row.
        let v = grade(&triage(), "{}", json!({}));
        assert!(!v.scores.iter().any(|s| s.check == "json.strict"));
    }

    #[test]
    fn dates_compare_as_dates_only_when_asked() {
        let want = json!({"date": "2025-03-04"});
        for written in ["2025-03-04", "March 4, 2025", "4 Mar 2025"] {
            let content = format!("{{\"date\": \"{written}\"}}");
            assert!(
                passes(&fields("dates = true\n"), &content, want.clone()),
                "{written}"
            );
        }
        assert!(!passes(
            &fields("dates = true\n"),
            r#"{"date": "March 5, 2025"}"#,
            want.clone()
        ));
        assert!(!passes(
            &fields(""),
            r#"{"date": "March 4, 2025"}"#,
            want.clone()
        ));
        // Strings that are not dates still compare as strings.
        assert!(passes(
            &fields("dates = true\n"),
            r#"{"date": "soon"}"#,
            json!({"date": "Soon"})
        ));
    }

    #[test]
    fn missing_rule() {
        let want = json!({"a": 1, "b": null});
        assert!(
            !passes(&fields(""), r#"{"a": 1}"#, want.clone()),
            "missing fails by default"
        );
        assert!(passes(
            &fields("missing = \"as_null\"\n"),
            r#"{"a": 1}"#,
            want.clone()
        ));
        // A missing key that should hold a value fails under either rule.
        let v = grade(&fields("missing = \"as_null\"\n"), r#"{"b": null}"#, want);
        assert!(v.reason.contains("a: missing (expected 1)"), "{}", v.reason);
    }

    #[test]
    fn null_where_a_value_was_expected_always_fails() {
        for options in [
            "",
            "missing = \"as_null\"\ninvented_values = \"ignore\"\nextra_keys = \"ignore\"\n",
        ] {
            let v = grade(&fields(options), r#"{"a": null}"#, json!({"a": "x"}));
            assert!(!v.accepted);
            assert!(
                v.reason.contains("a: null (expected \"x\")"),
                "{}",
                v.reason
            );
        }
    }

    #[test]
    fn invented_values_rule() {
        let want = json!({"po": null});
        let v = grade(&fields(""), r#"{"po": "PO-1"}"#, want.clone());
        assert!(v.reason.contains("po: invented value"), "{}", v.reason);
        assert!(passes(
            &fields("invented_values = \"ignore\"\n"),
            r#"{"po": "PO-1"}"#,
            want
        ));
    }

    #[test]
    fn extra_keys_rule() {
        let want = json!({"a": 1});
        let v = grade(&fields(""), r#"{"a": 1, "b": 2}"#, want.clone());
        assert!(v.reason.contains("b: invented key"), "{}", v.reason);
        assert!(passes(
            &fields("extra_keys = \"ignore\"\n"),
            r#"{"a": 1, "b": 2}"#,
            want
        ));
    }

    #[test]
    fn fields_limited_to_some_keys_compare_only_those() {
        let want = json!({"total": 12.5, "currency": "EUR", "lines": [{"sku": "A"}]});
        let answer = r#"{"total": 12.5, "currency": "USD", "note": "thanks", "id": 7}"#;
        let v = grade(&fields("fields = [\"total\"]\n"), answer, want.clone());
        assert!(v.accepted, "{}", v.reason);
        let row = v.scores.iter().find(|s| s.check == "fields").unwrap();
        assert_eq!(
            (row.pass, row.value, row.detail.as_deref()),
            (true, 1.0, None)
        );

        // The strict rule is still there when asked for.
        let v = grade(
            &fields("fields = [\"total\"]\nextra_keys = \"fail\"\n"),
            answer,
            want.clone(),
        );
        assert!(!v.accepted);
        assert!(v.reason.contains("note: invented key"), "{}", v.reason);

        // Inside a compared value, keys the reference lacks are still invented.
        let nested = json!({"party": {"name": "Acme"}});
        let v = grade(
            &fields("fields = [\"party\"]\n"),
            r#"{"party": {"name": "Acme", "vat": "X1"}, "other": 1}"#,
            nested,
        );
        assert!(!v.accepted);
        assert!(v.reason.contains("party.vat: invented key"), "{}", v.reason);
        assert!(!v.reason.contains("other"), "{}", v.reason);
    }

    #[test]
    fn validation_reasons_carry_the_detail() {
        let v = grade(
            &triage(),
            r#"{"category": "billing" "priority": "low"}"#,
            json!({"category": "billing", "priority": "low"}),
        );
        assert_eq!(
            v.validation_reason().as_deref(),
            Some("invalid_json: expected `,` or `}` at line 1 column 24"),
            "{v:?}"
        );

        let schema = json!({
            "type": "object",
            "properties": {"total": {"type": "number"}},
            "required": ["total"]
        });
        let s = Scorer::new(
            spec("[[checks]]\nkind = \"json\"\n[[checks]]\nkind = \"schema\"\n"),
            Some(&schema),
            None,
        )
        .unwrap();
        let v = s.grade(Answer::text(r#"{"total": "12"}"#), None);
        assert_eq!(
            v.validation_reason().as_deref(),
            Some(r#"schema_invalid: /total: "12" is not of type "number""#),
            "{v:?}"
        );
        // An accepted answer, or one that fails only on its content, has none.
        let v = s.grade(Answer::text(r#"{"total": 12}"#), None);
        assert_eq!(v.validation_reason(), None);
    }

    #[test]
    fn string_normalisation_is_configurable() {
        let want = json!({"name": "Acme  Corp"});
        assert!(passes(
            &fields(""),
            r#"{"name": "acme corp"}"#,
            want.clone()
        ));
        assert!(!passes(
            &fields("ignore_case = false\n"),
            r#"{"name": "acme corp"}"#,
            want.clone()
        ));
        assert!(!passes(
            &fields("whitespace = \"keep\"\n"),
            r#"{"name": "Acme Corp"}"#,
            want.clone()
        ));
        assert!(passes(
            &fields("punctuation = true\n"),
            r#"{"name": "Acme Corp."}"#,
            want.clone()
        ));
        assert!(!passes(&fields(""), r#"{"name": "Acme Corp."}"#, want));
        // Numeric tolerance.
        assert!(passes(&fields(""), r#"{"n": 10.004}"#, json!({"n": 10})));
        assert!(!passes(
            &fields("numeric_tolerance = 0.0\n"),
            r#"{"n": 10.004}"#,
            json!({"n": 10})
        ));
    }

    fn text_scorer(checks: &str) -> Scorer {
        Scorer::new(spec(checks), None, None).unwrap()
    }

    #[test]
    fn text_checks() {
        let exact = text_scorer("[[checks]]\nkind = \"exact\"\n");
        assert!(passes(&exact, " Paris ", json!("Paris")));
        assert!(
            !passes(&exact, "paris", json!("Paris")),
            "case counts by default"
        );
        assert!(passes(&exact, "Paris", json!({"text": "Paris"})));
        assert!(!passes(&exact, "Paris", json!({"other": 1})));
        let fixed =
            text_scorer("[[checks]]\nkind = \"exact\"\nvalue = \"OK\"\nignore_case = true\n");
        assert!(passes(&fixed, "ok", json!(null)));

        let contains = text_scorer("[[checks]]\nkind = \"contains\"\npatterns = [\"refund\", \"order SO-1\"]\nignore_case = true\n");
        assert!(passes(
            &contains,
            "Your REFUND for Order  SO-1 is on its way",
            json!(null)
        ));
        let v = grade(&contains, "Your refund is on its way", json!(null));
        assert!(v.reason.contains("lacks `order SO-1`"), "{}", v.reason);
        assert_eq!(v.scores[0].value, 0.5);
        let not = text_scorer(
            "[[checks]]\nkind = \"contains\"\npatterns = [\"password\"]\nnegate = true\n",
        );
        assert!(passes(&not, "all good", json!(null)));
        assert!(!passes(&not, "your password is", json!(null)));

        let re = text_scorer("[[checks]]\nkind = \"regex\"\npatterns = [\"^SO-\\\\d{5}$\"]\n");
        assert!(passes(&re, "SO-12345", json!(null)));
        assert!(!passes(&re, "so-12345", json!(null)));
        assert!(!passes(&re, "SO-1234", json!(null)));

        let len = text_scorer("[[checks]]\nkind = \"length\"\nmin_chars = 2\nmax_chars = 5\n");
        assert!(passes(&len, "héllo", json!(null)), "chars, not bytes");
        assert!(!passes(&len, "a", json!(null)));
        assert!(grade(&len, "toolong", json!(null))
            .reason
            .contains("7 chars, more than 5"));

        let refusal = text_scorer("[[checks]]\nkind = \"refusal\"\n");
        assert!(passes(&refusal, "Here is your summary.", json!(null)));
        assert!(!passes(
            &refusal,
            "I'm sorry, but I can't help with that.",
            json!(null)
        ));
        let must = text_scorer("[[checks]]\nkind = \"refusal\"\nrefuse = true\n");
        assert!(passes(
            &must,
            "I'm sorry, but I can't help with that.",
            json!(null)
        ));
    }

    #[test]
    fn bad_regex_is_located() {
        let s = spec(
            "[[checks]]\nkind = \"json\"\n\n[[checks]]\nkind = \"regex\"\npatterns = [\"(\"]\n",
        );
        let err = Scorer::new(s, None, None).unwrap_err();
        let text = err.to_string();
        assert!(text.contains(":6: key `checks[1].patterns`"), "{text}");
        assert!(text.contains("bad regex `(`"), "{text}");
    }

    #[test]
    fn latency_and_cost_thresholds() {
        let s = text_scorer("[[checks]]\nkind = \"latency\"\nmax_ms = 1000\n[[checks]]\nkind = \"cost\"\nmax_usd = 0.01\n");
        let answer = |latency_ms, cost| Answer {
            latency_ms,
            cost,
            ..Answer::text("x")
        };
        assert!(s.grade(answer(Some(900.0), Some(0.01)), None).accepted);
        let v = s.grade(answer(Some(1200.0), Some(0.001)), None);
        assert!(
            v.reason.starts_with("failed latency: took 1200 ms"),
            "{}",
            v.reason
        );
        let v = s.grade(answer(Some(10.0), Some(0.02)), None);
        assert!(v.reason.starts_with("failed cost"), "{}", v.reason);
        let v = s.grade(answer(None, None), None);
        assert!(v.reason.contains("no latency recorded"), "{}", v.reason);
    }

    #[test]
    fn weighted_threshold_with_required_checks() {
        let s = text_scorer(concat!(
            "[[checks]]\nkind = \"json\"\n",
            "[[checks]]\nkind = \"contains\"\npatterns = [\"a\"]\n",
            "[[checks]]\nkind = \"length\"\nmax_chars = 10\n",
            "[accept]\nrequire = [\"json\"]\nthreshold = 0.7\nweights = { json = 2, contains = 1, length = 1 }\n",
        ));
        // json + contains pass: (2 + 1) / 4 = 0.75 >= 0.7, although length fails.
        let v = grade(&s, r#"{"k": "aaaaaaaaaaaaaa"}"#, json!(null));
        assert!(v.accepted, "{v:?}");
        assert!(
            v.reason.contains("weighted score 0.75 >= 0.70"),
            "{}",
            v.reason
        );
        assert!(v.reason.contains("failed length"), "{}", v.reason);
        // json + length pass, contains fails: 0.75 again.
        assert!(grade(&s, r#"{"k": 1}"#, json!(null)).accepted);
        // Only json passes: 0.5 < 0.7.
        let v = grade(&s, r#"{"k": "bbbbbbbbbbbbbbbb"}"#, json!(null));
        assert!(!v.accepted);
        assert!(
            v.reason
                .starts_with("weighted score 0.50 below threshold 0.70"),
            "{}",
            v.reason
        );
        // The required check decides on its own, whatever the score.
        let v = grade(&s, "aaa", json!(null));
        assert!(!v.accepted);
        assert!(v.reason.starts_with("failed json"), "{}", v.reason);
    }

    #[test]
    fn shared_schema_is_compiled_once() {
        let schema = json!({"type": "object", "title": "shared-by-two-scorers"});
        let a = Scorer::new(spec("[[checks]]\nkind = \"schema\"\n"), Some(&schema), None).unwrap();
        let b = Scorer::new(
            spec("[[checks]]\nkind = \"json\"\n[[checks]]\nkind = \"schema\"\n"),
            Some(&schema),
            None,
        )
        .unwrap();
        assert!(std::sync::Arc::ptr_eq(
            a.schema.as_ref().unwrap(),
            b.schema.as_ref().unwrap()
        ));
    }
}
