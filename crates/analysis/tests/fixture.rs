//! Metrics, ranking, chain simulation, comparison and outputs on small hand-built runs
//! whose every figure is computed by hand in the comments.

use routeval_analysis::baseline::compare_with_baselines;
use routeval_analysis::chains::{chain_report, search, CaseOutcome, Outcomes};
use routeval_analysis::compare::{compare, CompareOptions, Test};
use routeval_analysis::report::{render, Format};
use routeval_analysis::{
    compute_metrics, is_eligible, rank, rank_with, registry, tag_acceptance, RankOptions, RunData,
    RunRows,
};
use routeval_core::class::ErrorClass;
use routeval_store::{
    AttemptRow, DatasetRow, ResultRow, ReviewAnswer, RunRow, ScoreRow, TargetRow,
};

fn run_row(id: &str) -> RunRow {
    RunRow {
        id: id.into(),
        suite: "fixture".into(),
        suite_path: "routeval.toml".into(),
        started_at: 1_700_000_000_000,
        finished_at: Some(1_700_000_060_000),
        status: "completed".into(),
        config_hash: "cafe".into(),
        git_rev: None,
        simulated: true,
        kind: "suite".into(),
    }
}

#[allow(clippy::too_many_arguments)]
fn result(
    target: &str,
    case: &str,
    accepted: bool,
    class: Option<&str>,
    cost: f64,
    latency: f64,
    validation_retries: i64,
) -> ResultRow {
    ResultRow {
        target: target.into(),
        target_kind: "route".into(),
        dataset: "d".into(),
        case_id: case.into(),
        repeat: 0,
        accepted,
        served_step: class.is_none().then_some(0),
        served_route: Some(target.into()),
        attempts: 1 + validation_retries,
        validation_retries,
        transport_retries: 0,
        cost: Some(cost),
        latency_ms: latency,
        ttft_ms: Some(latency / 2.0),
        error_class: class.map(str::to_string),
        reason: String::new(),
    }
}

fn attempt(
    target: &str,
    case: &str,
    class: Option<&str>,
    model: Option<&str>,
    tokens: [i64; 4],
) -> AttemptRow {
    AttemptRow {
        target: target.into(),
        route: target.into(),
        chain_step: 0,
        dataset: "d".into(),
        case_id: case.into(),
        repeat: 0,
        status: Some(if class.is_some() { 429 } else { 200 }),
        error_class: class.map(str::to_string),
        served_model: model.map(str::to_string),
        served_provider: model.map(|_| "prov".to_string()),
        prompt_tokens: Some(tokens[0]),
        completion_tokens: Some(tokens[1]),
        cached_tokens: Some(tokens[2]),
        reasoning_tokens: Some(tokens[3]),
        cost: Some(0.0),
        latency_ms: 0.0,
        ttft_ms: None,
    }
}

fn enum_score(target: &str, case: &str, expected: &str, got: Option<&str>) -> ScoreRow {
    ScoreRow {
        target: target.into(),
        dataset: "d".into(),
        case_id: case.into(),
        repeat: 0,
        check_name: "enum.priority".into(),
        pass: Some(expected) == got,
        value: if Some(expected) == got { 1.0 } else { 0.0 },
        detail: Some(serde_json::json!({"expected": expected, "got": got}).to_string()),
    }
}

/// Route `a` (model m/a, $1 a case, 100–400 ms):
///   c1 accepted after one validation retry; c2 rate_limited; c3 wrong answer;
///   c4 bad_request.
/// Route `b` (model m/b, $2 a case, 200 ms): accepts all four.
fn fixture() -> RunData {
    let mut results = vec![
        result("a", "c1", true, None, 1.0, 100.0, 1),
        result("a", "c2", false, Some("rate_limited"), 1.0, 200.0, 0),
        result("a", "c3", false, None, 1.0, 300.0, 0),
        result("a", "c4", false, Some("bad_request"), 1.0, 400.0, 0),
    ];
    for c in ["c1", "c2", "c3", "c4"] {
        results.push(result("b", c, true, None, 2.0, 200.0, 0));
    }
    let attempts = vec![
        // Served by another model than requested: a server-side fallback.
        attempt("a", "c1", None, Some("m/a-fallback"), [10, 5, 2, 1]),
        attempt("a", "c2", Some("rate_limited"), None, [0, 0, 0, 0]),
        attempt("a", "c3", None, Some("m/a"), [10, 5, 0, 0]),
        attempt("a", "c4", Some("bad_request"), None, [0, 0, 0, 0]),
        attempt("b", "c1", None, Some("m/b"), [10, 5, 0, 0]),
    ];
    let scores = vec![
        enum_score("a", "c1", "high", Some("high")),
        enum_score("a", "c2", "low", None),
        enum_score("a", "c3", "low", Some("high")),
    ];
    let tags = [
        ("c1", r#"["billing"]"#),
        ("c2", r#"["billing","urgent"]"#),
        ("c3", "[]"),
        ("c4", r#"["urgent"]"#),
    ];
    let targets = ["a", "b"]
        .map(|n| TargetRow {
            name: n.into(),
            kind: "route".into(),
            spec_json: serde_json::json!({"endpoint": "e", "model": format!("m/{n}")}).to_string(),
        })
        .to_vec();
    RunData::from_rows(
        run_row("run-1"),
        vec![DatasetRow {
            name: "d".into(),
            task: "classification".into(),
            privacy: "internal".into(),
            min_acceptance: 0.4,
            case_count: 4,
            baseline: None,
        }],
        targets,
        RunRows {
            results,
            scores,
            attempts,
            case_tags: tags
                .iter()
                .map(|(c, t)| ("d".to_string(), c.to_string(), t.to_string()))
                .collect(),
        },
    )
    .unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn metrics_match_hand_computed_figures() {
    let data = fixture();
    let m = compute_metrics(&data).unwrap();
    let a = m.iter().find(|m| m.target == "a").unwrap();
    assert_eq!((a.cases, a.accepted), (4, 1));
    // The only accepted result needed a validation retry.
    assert_eq!(a.retried_accepted_share, Some(1.0));
    assert_eq!(
        a.error_class_rates,
        vec![("bad_request".into(), 0.25), ("rate_limited".into(), 0.25)]
    );
    // Two answered attempts, one served by another model than m/a.
    assert_eq!(a.server_fallback_rate, Some(0.5));
    assert_eq!(a.chain_fallback_rate, None, "routes have no chain fallback");
    // Tokens over every attempt / 1 accepted.
    assert_eq!(a.prompt_tokens_per_accepted, Some(20.0));
    assert_eq!(a.completion_tokens_per_accepted, Some(10.0));
    assert_eq!(a.cached_tokens_per_accepted, Some(2.0));
    assert_eq!(a.reasoning_tokens_per_accepted, Some(1.0));
    // Latencies 100, 200, 300, 400 (linear): p50 250, p90 370, p95 385, p99 397.
    assert!(close(a.p50_latency_ms, 250.0), "{}", a.p50_latency_ms);
    assert!(close(a.p90_latency_ms, 370.0), "{}", a.p90_latency_ms);
    assert!(close(a.p95_latency_ms, 385.0), "{}", a.p95_latency_ms);
    assert!(close(a.p99_latency_ms, 397.0), "{}", a.p99_latency_ms);
    assert!(close(a.p50_ttft_ms.unwrap(), 125.0));
    assert_eq!(a.cost_per_accepted, Some(4.0));
    // enum.priority: 1 of 3 right; confusion (high→high), (low→none), (low→high).
    let f = &a.enum_fields[0];
    assert_eq!((f.field.as_str(), f.n), ("priority", 3));
    assert!(close(f.accuracy, 1.0 / 3.0));
    let mut cells: Vec<(&str, &str, u64)> = f
        .confusion
        .iter()
        .map(|c| (c.expected.as_str(), c.got.as_str(), c.count))
        .collect();
    cells.sort();
    assert_eq!(
        cells,
        vec![
            ("high", "high", 1),
            ("low", "(none)", 1),
            ("low", "high", 1)
        ]
    );
    let b = m.iter().find(|m| m.target == "b").unwrap();
    assert_eq!(b.cost_per_accepted, Some(2.0));
    assert_eq!(b.retried_accepted_share, Some(0.0));
    assert_eq!(b.server_fallback_rate, Some(0.0));
}

#[test]
fn per_tag_acceptance() {
    let tags = tag_acceptance(&fixture()).unwrap();
    let get = |tag: &str, target: &str| {
        let t = tags
            .iter()
            .find(|t| t.tag == tag && t.target == target)
            .unwrap();
        (t.accepted, t.cases)
    };
    assert_eq!(get("billing", "a"), (1, 2));
    assert_eq!(get("urgent", "a"), (0, 2));
    assert_eq!(get("billing", "b"), (2, 2));
    assert_eq!(get("urgent", "b"), (2, 2));
    assert_eq!(tags.len(), 4, "untagged c3 adds no row");
}

#[test]
fn ranking_uses_the_lower_bound_and_marks_the_frontier() {
    let data = fixture();
    let metrics = compute_metrics(&data).unwrap();
    let r = &rank(&data, &metrics)[0];
    assert_eq!(r.eligible.len(), 1);
    assert_eq!(r.eligible[0].target, "b");
    // b is cheaper per accepted ($2 vs $4) and more accepted: a is dominated.
    assert!(r.eligible[0].pareto);
    assert!(!r.ineligible[0].pareto);

    // 0.5 point estimate clears 0.4, but the interval of 2/4 does not.
    let mut half = metrics[0].clone();
    (half.cases, half.accepted, half.acceptance) = (4, 2, 0.5);
    (half.acceptance_low, half.acceptance_high) = routeval_analysis::wilson_interval(2, 4);
    assert!(!is_eligible(&half, 0.4, RankOptions::default()));

    // A latency cap below b's p95 (200 ms) leaves nothing eligible.
    let capped = rank_with(
        &data,
        &metrics,
        RankOptions {
            max_p95_latency_ms: Some(150.0),
        },
    );
    assert!(capped[0].eligible.is_empty());
}

#[test]
fn chain_simulation_matches_hand_computation() {
    let report = chain_report(&fixture(), 2, None).unwrap();
    let d = &report.datasets[0];
    // a, b, a→b, b→a; b→a never reaches a (b never fails), so it is left out.
    assert_eq!((d.candidates, d.redundant), (4, 1));
    let ab = d.chains.iter().find(|c| c.steps == ["a", "b"]).unwrap();
    // c1: a serves, accepted ($1, 100 ms). c2: a rate_limited → b accepted ($3, 400 ms).
    // c3: a answers wrong, serves, rejected ($1, 300 ms). c4: a bad_request is not a
    // fallback class, a serves, rejected ($1, 400 ms).
    let s = &ab.stats;
    assert_eq!((s.cases, s.accepted), (4, 2));
    assert!(close(s.total_cost.unwrap(), 6.0));
    assert_eq!(s.cost_per_accepted, Some(3.0));
    assert!(close(s.fallback_rate, 0.25));
    // Latencies 100, 300, 400, 400: p50 350, p95 400.
    assert!(close(s.p50_latency_ms, 350.0));
    assert!(close(s.p95_latency_ms, 400.0));

    // Falling back on client errors too, c4 goes to b as well.
    let any = chain_report(
        &fixture(),
        2,
        Some(vec!["rate_limited".into(), "client_error".into()]),
    )
    .unwrap();
    let ab = any.datasets[0]
        .chains
        .iter()
        .find(|c| c.steps == ["a", "b"])
        .unwrap();
    assert_eq!(ab.stats.accepted, 3);
    assert!(close(ab.stats.total_cost.unwrap(), 8.0));
}

#[test]
fn search_over_many_routes_is_pareto_sorted() {
    // Route r{i} accepts every case but costs i and fails (server_error) on case i.
    let mut rows = Vec::new();
    let names: Vec<String> = (0..5).map(|i| format!("r{i}")).collect();
    let cases: Vec<String> = (0..5).map(|c| format!("c{c}")).collect();
    for (i, r) in names.iter().enumerate() {
        for (c, case) in cases.iter().enumerate() {
            rows.push((
                r.as_str(),
                case.as_str(),
                0,
                CaseOutcome {
                    accepted: c != i,
                    error_class: (c == i).then_some(ErrorClass::ServerError),
                    cost: Some(1.0 + i as f64),
                    latency_ms: 10.0,
                },
            ));
        }
    }
    let o = Outcomes::from_rows("d", rows);
    let d = search(&o, 3, &["server_error".to_string()]);
    assert_eq!(d.candidates, 5 + 20 + 60);
    let best = &d.chains[0];
    assert_eq!(best.front, 0);
    // Every two-step chain reaches 100%; the cheapest starts with r0 then r1.
    assert_eq!(best.steps, ["r0", "r1"]);
    assert_eq!(best.stats.acceptance, 1.0);
    assert!(d.chains.windows(2).all(|w| w[0].front <= w[1].front));
}

/// 40 cases; the base accepts all, the new run rejects `drop` of them.
fn paired_run(id: &str, drop: usize) -> RunData {
    let results = (0..40)
        .map(|i| {
            result(
                "b",
                &format!("c{i}"),
                i >= drop,
                None,
                1.0,
                100.0 + i as f64,
                0,
            )
        })
        .collect();
    RunData::from_rows(
        run_row(id),
        vec![],
        vec![],
        RunRows {
            results,
            ..RunRows::default()
        },
    )
    .unwrap()
}

#[test]
fn compare_flags_only_significant_drops_beyond_the_threshold() {
    let base = paired_run("base", 0);
    let opts = CompareOptions::default();
    // 10 of 40 lost, none gained: McNemar exact p = 2 * 0.5^10 ≈ 0.002.
    let cmp = compare(&base, &paired_run("new", 10), opts).unwrap();
    let c = &cmp.changes[0];
    assert_eq!(c.test, Test::Mcnemar);
    assert_eq!((c.paired, c.base_only, c.new_only), (40, 10, 0));
    assert!((c.p_value - 2.0 * 0.5f64.powi(10)).abs() < 1e-12);
    assert!(close(c.delta_acceptance, -0.25));
    assert!(c.regression);
    // 2 of 40 lost: p = 0.5, not significant.
    let cmp = compare(&base, &paired_run("new", 2), opts).unwrap();
    assert!(!cmp.changes[0].significant && !cmp.changes[0].regression);
    // Significant but within a 30-point threshold: no regression.
    let loose = CompareOptions {
        threshold: 0.3,
        ..opts
    };
    let cmp = compare(&base, &paired_run("new", 10), loose).unwrap();
    assert!(cmp.changes[0].significant && !cmp.changes[0].regression);
}

/// Run ids and generation times vary; snapshots keep the rest.
fn redact(s: &str) -> String {
    s.replace("run-1", "[run]")
        .lines()
        .map(|l| {
            if l.trim_start().starts_with("\"generated_at\"") {
                "  \"generated_at\": \"[time]\",".to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn markdown_snapshot() {
    let data = fixture();
    let rankings = rank(&data, &compute_metrics(&data).unwrap());
    insta::assert_snapshot!(redact(&render(&data, &rankings, Format::Markdown).unwrap()));
}

#[test]
fn junit_snapshot() {
    let data = fixture();
    let rankings = rank(&data, &compute_metrics(&data).unwrap());
    insta::assert_snapshot!(redact(&render(&data, &rankings, Format::Junit).unwrap()));
}

#[test]
fn registry_snapshot_schema_and_toml() {
    let data = fixture();
    let rankings = rank(&data, &compute_metrics(&data).unwrap());
    let export = registry::export(&data, &rankings);
    let json = registry::to_json(&export);
    insta::assert_snapshot!(redact(&json));

    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../../../docs/registry.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let instance: serde_json::Value = serde_json::from_str(&json).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");

    let toml_text = registry::to_toml(&export).unwrap();
    let back: toml::Value = toml::from_str(&toml_text).unwrap();
    assert_eq!(back["source"]["run_id"].as_str(), Some("run-1"));
    assert_eq!(
        back["workflows"][0]["recommended"].as_str(),
        Some("b"),
        "{toml_text}"
    );
}

#[test]
fn html_escapes_model_output_and_is_self_contained() {
    let mut data = fixture();
    // A model answer that is markup must come out inert.
    let evil = "<script>alert(1)</script>";
    let rows = RunRows {
        scores: vec![enum_score("a", "c1", "high", Some(evil))],
        results: vec![result("a", "c1", true, None, 1.0, 100.0, 0)],
        ..RunRows::default()
    };
    data.scores = RunData::from_rows(run_row("x"), vec![], vec![], rows)
        .unwrap()
        .scores;
    let rankings = rank(&data, &compute_metrics(&data).unwrap());
    let html = render(&data, &rankings, Format::Html).unwrap();
    assert!(!html.contains(evil));
    assert!(html.contains("&lt;script&gt;"));
    assert!(!html.contains("src=\"http") && !html.contains("href=\"http"));
    assert!(html.contains("<svg"));
    let csv = render(&data, &rankings, Format::Csv).unwrap();
    assert_eq!(csv.lines().count(), 1 + 8);
    let json: serde_json::Value =
        serde_json::from_str(&render(&data, &rankings, Format::Json).unwrap()).unwrap();
    assert_eq!(json["datasets"][0]["eligible"][0]["target"], "b");
}

#[test]
fn results_round_trip_through_parquet() {
    let data = fixture();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("results.parquet");
    routeval_analysis::report::write_results_parquet(&data, &path).unwrap();
    use polars_io::SerReader;
    let back = polars_io::parquet::read::ParquetReader::new(std::fs::File::open(&path).unwrap())
        .finish()
        .unwrap();
    assert_eq!(back.height(), data.results.height());
    assert_eq!(back.get_column_names()[0].as_str(), "run_id");
    let accepted = back
        .column("accepted")
        .unwrap()
        .bool()
        .unwrap()
        .sum()
        .unwrap();
    let want = data
        .results
        .column("accepted")
        .unwrap()
        .bool()
        .unwrap()
        .sum()
        .unwrap();
    assert_eq!(accepted, want);
}

fn review(
    target: &str,
    case: &str,
    accepted: bool,
    content: &str,
    calls: Option<&str>,
) -> ReviewAnswer {
    ReviewAnswer {
        dataset: "d".into(),
        target: target.into(),
        case_id: case.into(),
        repeat: 0,
        accepted,
        error_class: (content == "REFUSED").then(|| "refusal".to_string()),
        reason: if accepted {
            "accepted".into()
        } else {
            "failed enum".into()
        },
        latency_ms: if target == "base" { 100.0 } else { 300.0 },
        cost: Some(if target == "base" { 0.002 } else { 0.001 }),
        content: Some(content.into()),
        tool_calls_json: calls.map(str::to_string),
        input: Some(format!("input of {case} <b>")),
    }
}

/// Twelve cases on `base` and `cand`: both accept c01–c05, only the baseline c06–c09,
/// only the candidate c10, neither c11–c12. McNemar on b = 4, c = 1: statistic
/// (|4 − 1| − 1)² / 5 = 0.8, exact p = 2 · (1 + 5) / 32 = 0.375.
fn baseline_fixture() -> RunData {
    let verdicts = [
        (true, true),
        (true, true),
        (true, true),
        (true, true),
        (true, true),
        (true, false),
        (true, false),
        (true, false),
        (true, false),
        (false, true),
        (false, false),
        (false, false),
    ];
    let mut results = Vec::new();
    let mut reviews = Vec::new();
    let mut scores = Vec::new();
    for (i, (b, c)) in verdicts.iter().enumerate() {
        let case = format!("c{:02}", i + 1);
        results.push(result("base", &case, *b, None, 0.002, 100.0, 0));
        results.push(result("cand", &case, *c, None, 0.001, 300.0, 0));
        // Tool calls: the same on c01 (keys in another order), different on c02.
        let (calls_b, calls_c) = match i {
            0 => (
                Some(
                    r#"[{"id":"1","type":"function","function":{"name":"refund","arguments":"{\"order\":\"A1\",\"amount\":5}"}}]"#,
                ),
                Some(
                    r#"[{"id":"9","type":"function","function":{"name":"refund","arguments":"{\"amount\": 5, \"order\": \"A1\"}"}}]"#,
                ),
            ),
            1 => (
                Some(
                    r#"[{"id":"1","type":"function","function":{"name":"refund","arguments":"{\"order\":\"A1\"}"}}]"#,
                ),
                Some(
                    r#"[{"id":"1","type":"function","function":{"name":"escalate","arguments":"{}"}}]"#,
                ),
            ),
            _ => (None, None),
        };
        let content_c = if i == 11 {
            "REFUSED"
        } else {
            "<script>x</script>"
        };
        reviews.push(review(
            "base",
            &case,
            *b,
            "{\"priority\":\"high\"}",
            calls_b,
        ));
        reviews.push(review("cand", &case, *c, content_c, calls_c));
        // Enum values: the candidate says `low` where the baseline says `high` on c03.
        scores.push(enum_score("base", &case, "high", Some("high")));
        scores.push(enum_score(
            "cand",
            &case,
            "high",
            Some(if i == 2 { "low" } else { "high" }),
        ));
    }
    let mut data = RunData::from_rows(
        run_row("run-b"),
        vec![DatasetRow {
            name: "d".into(),
            task: "classification".into(),
            privacy: "internal".into(),
            min_acceptance: 0.4,
            case_count: 12,
            baseline: Some("base".into()),
        }],
        vec![],
        RunRows {
            results,
            scores,
            ..RunRows::default()
        },
    )
    .unwrap();
    data.reviews = reviews;
    data
}

#[test]
fn baseline_comparison_counts_pairs_and_tests_the_discordant_ones() {
    let data = baseline_fixture();
    let all = compare_with_baselines(&data).unwrap();
    assert_eq!(all.len(), 1);
    let b = &all[0];
    assert_eq!(
        (b.baseline.as_str(), b.candidate.as_str()),
        ("base", "cand")
    );
    assert_eq!(b.pairs, 12);
    assert_eq!(
        (
            b.both_accepted,
            b.only_baseline,
            b.only_candidate,
            b.neither
        ),
        (5, 4, 1, 2)
    );
    assert!(close(b.mcnemar_statistic, 0.8), "{}", b.mcnemar_statistic);
    assert!(close(b.p_value, 0.375), "{}", b.p_value);
    let enums = b.enum_agreement.unwrap();
    assert_eq!((enums.agree, enums.compared), (11, 12));
    let tools = b.tool_agreement.unwrap();
    assert_eq!((tools.agree, tools.compared), (1, 2));
    assert!(close(b.refusal_rate.baseline, 0.0) && close(b.refusal_rate.candidate, 1.0 / 12.0));
    assert!(close(b.p50_latency_ms.delta, 200.0));
    assert!(close(b.mean_cost.delta.unwrap(), -0.001));
    // c02 (tool calls), c03 (enum), c06–c10 (verdicts): regressions listed first.
    assert_eq!(b.disagreements, 7);
    let order: Vec<&str> = b.listed.iter().map(|d| d.case_id.as_str()).collect();
    assert_eq!(order, ["c06", "c07", "c08", "c09", "c10", "c02", "c03"]);
    assert_eq!(b.listed[6].differences, ["priority: high → low"]);

    let rankings = rank(&data, &compute_metrics(&data).unwrap());
    let md = render(&data, &rankings, Format::Markdown).unwrap();
    assert!(md.contains("Against the baseline `base`"), "{md}");
    assert!(
        md.contains("| `cand` | 12 | 5 | 4 | 1 | 2 | 0.80 | 0.375 |"),
        "{md}"
    );
    let html = render(&data, &rankings, Format::Html).unwrap();
    assert!(html.contains("7 case(s) disagree with <code>base</code>"));
    // Inputs and answers are shown, escaped.
    assert!(html.contains("input of c06 &lt;b&gt;"));
    assert!(!html.contains("<script>x</script>") && html.contains("&lt;script&gt;x"));
    let json: serde_json::Value =
        serde_json::from_str(&render(&data, &rankings, Format::Json).unwrap()).unwrap();
    assert_eq!(json["baselines"][0]["only_baseline"], 4);
}

/// Route `b` as in [`fixture`] ($2 a case, all four accepted); route `c` accepts all four
/// at $0.50 a case where its cost is known, but the cost of c4 is unknown (billed with
/// no price): its spend is unknown, not $1.50.
fn unknown_cost_fixture() -> RunData {
    let mut results = Vec::new();
    for c in ["c1", "c2", "c3", "c4"] {
        results.push(result("b", c, true, None, 2.0, 200.0, 0));
        let mut r = result("c", c, true, None, 0.5, 100.0, 0);
        if c == "c4" {
            r.cost = None;
        }
        results.push(r);
    }
    let targets = ["b", "c"]
        .map(|n| TargetRow {
            name: n.into(),
            kind: "route".into(),
            spec_json: serde_json::json!({"endpoint": "e", "model": format!("m/{n}")}).to_string(),
        })
        .to_vec();
    RunData::from_rows(
        run_row("run-u"),
        vec![DatasetRow {
            name: "d".into(),
            task: "classification".into(),
            privacy: "internal".into(),
            min_acceptance: 0.4,
            case_count: 4,
            baseline: None,
        }],
        targets,
        RunRows {
            results,
            scores: Vec::new(),
            attempts: Vec::new(),
            case_tags: Vec::new(),
        },
    )
    .unwrap()
}

#[test]
fn an_unknown_cost_is_never_the_cheapest() {
    let data = unknown_cost_fixture();
    let metrics = compute_metrics(&data).unwrap();
    let c = metrics.iter().find(|m| m.target == "c").unwrap();
    assert_eq!((c.accepted, c.unknown_cost_results), (4, 1));
    assert!(!c.cost_known);
    assert_eq!((c.total_cost, c.cost_per_accepted), (None, None));
    let b = metrics.iter().find(|m| m.target == "b").unwrap();
    assert!(b.cost_known);
    assert_eq!(b.cost_per_accepted, Some(2.0));

    let rankings = rank(&data, &metrics);
    let r = &rankings[0];
    let order: Vec<&str> = r.eligible.iter().map(|m| m.target.as_str()).collect();
    assert_eq!(order, ["b", "c"], "known cost first");
    assert!(r.eligible[0].pareto, "b is on the frontier");
    assert!(!r.eligible[1].pareto, "an unknown cost is not on it");
    assert!(r
        .note
        .as_deref()
        .is_some_and(|n| n.contains("cost unknown for c")));

    // `rank --format json` serializes the rankings as they are.
    let json = serde_json::to_value(&rankings).unwrap();
    let c_json = &json[0]["eligible"][1];
    assert_eq!(c_json["target"], "c");
    assert!(c_json["cost_per_accepted"].is_null() && c_json["total_cost"].is_null());
    assert_eq!(c_json["cost_known"], false);

    let export = registry::export(&data, &rankings);
    let workflow = &export.workflows[0];
    assert_eq!(workflow.recommended.as_deref(), Some("b"));
    let json: serde_json::Value = serde_json::from_str(&registry::to_json(&export)).unwrap();
    let approved = &json["workflows"][0]["approved"];
    assert_eq!(approved[1]["name"], "c");
    assert!(approved[1]["evaluation"]["cost_per_accepted_usd"].is_null());
    assert_eq!(approved[1]["evaluation"]["cost_known"], false);
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../../../docs/registry.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    assert!(validator.is_valid(&json));

    // Tables and reports say "unknown", CSV leaves the cells empty.
    let md = render(&data, &rankings, Format::Markdown).unwrap();
    assert!(md.contains("**unknown**"), "{md}");
    let csv = routeval_analysis::report::ranking_csv(&rankings).unwrap();
    let c_row = csv.lines().find(|l| l.contains(",c,")).unwrap();
    assert!(c_row.contains(",,,"), "{c_row}");

    // With only the unknown-cost target approved, nothing is recommended for cost.
    let only_c: Vec<_> = metrics
        .iter()
        .filter(|m| m.target == "c")
        .cloned()
        .collect();
    let rankings = rank(&data, &only_c);
    assert_eq!(rankings[0].eligible.len(), 1);
    let export = registry::export(&data, &rankings);
    assert_eq!(export.workflows[0].recommended, None);
}

#[test]
fn a_chain_through_an_unknown_cost_has_an_unknown_cost() {
    let outcome = |cost: Option<f64>| CaseOutcome {
        accepted: false,
        error_class: Some(ErrorClass::RateLimited),
        cost,
        latency_ms: 1.0,
    };
    let answer = |cost: Option<f64>| CaseOutcome {
        accepted: true,
        error_class: None,
        cost,
        latency_ms: 1.0,
    };
    let o = Outcomes::from_rows(
        "d",
        [
            ("a", "c1", 0, outcome(None)),
            ("b", "c1", 0, answer(Some(1.0))),
        ],
    );
    let s = o
        .simulate(&["a".into(), "b".into()], &["rate_limited".into()])
        .unwrap();
    assert_eq!(
        (s.accepted, s.total_cost, s.cost_per_accepted),
        (1, None, None)
    );
    let s = o.simulate(&["b".into()], &[]).unwrap();
    assert_eq!(s.total_cost, Some(1.0));
}
