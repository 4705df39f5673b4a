//! Grading through a scorer built from a spec, the way users set checks.

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
    let fixed = text_scorer("[[checks]]\nkind = \"exact\"\nvalue = \"OK\"\nignore_case = true\n");
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
    let not =
        text_scorer("[[checks]]\nkind = \"contains\"\npatterns = [\"password\"]\nnegate = true\n");
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
    let s =
        spec("[[checks]]\nkind = \"json\"\n\n[[checks]]\nkind = \"regex\"\npatterns = [\"(\"]\n");
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
