//! What every output format makes of hostile and huge text: target names, answers,
//! reasons and error messages come from suites, models and endpoints, and each format
//! must show them as literal text, stay well-formed and stay small. Also the failure
//! classes and `--force` marks every format shows.

use routeval_analysis::report::{ranking_csv, render, Format};
use routeval_analysis::{compute_metrics, rank, Governance, RunData, RunRows, Violation};
use routeval_store::{
    DatasetRow, ErrorDetailRow, ExclusionRow, ProbeRow, ResultRow, ReviewAnswer, RunRow, TargetRow,
};

/// Pipes, a line break, a heading, backticks, markup, an entity, control characters
/// (a NUL, a terminal escape) and the two non-characters XML forbids.
const HOSTILE: &str = "x|y\n# head `tick` <script>alert(1)</script> &amp; \u{0}\u{1b}[31m\u{FFFE}\u{FFFF} \"q\" 'a' *b* [l](u)";

fn run_row() -> RunRow {
    RunRow {
        id: "run-1".into(),
        suite: "outputs".into(),
        suite_path: "routeval.toml".into(),
        started_at: 1_700_000_000_000,
        finished_at: Some(1_700_000_060_000),
        status: "completed".into(),
        config_hash: "cafe".into(),
        git_rev: None,
        simulated: false,
    }
}

fn result(target: &str, case: &str, accepted: bool, class: Option<&str>) -> ResultRow {
    ResultRow {
        target: target.into(),
        target_kind: "route".into(),
        dataset: "d".into(),
        case_id: case.into(),
        repeat: 0,
        accepted,
        served_step: class.is_none().then_some(0),
        served_route: Some(target.into()),
        attempts: 1,
        validation_retries: 0,
        transport_retries: 0,
        cost: 1.0_f64.into(),
        latency_ms: 100.0,
        ttft_ms: None,
        error_class: class.map(str::to_string),
        reason: String::new(),
    }
}

/// Route `fast` (run with --force past `capability.tools`): c1 accepted, c2 timeout,
/// c3 and c4 rate_limited. Route `safe`: accepts all four. Plus a route whose name is
/// `name`.
fn run(name: &str) -> RunData {
    let mut results = vec![
        result("fast", "c1", true, None),
        result("fast", "c2", false, Some("timeout")),
        result("fast", "c3", false, Some("rate_limited")),
        result("fast", "c4", false, Some("rate_limited")),
    ];
    for c in ["c1", "c2", "c3", "c4"] {
        results.push(result("safe", c, true, None));
        results.push(result(name, c, c != "c4", None));
    }
    let targets = ["fast", "safe", name]
        .map(|n| TargetRow {
            name: n.into(),
            kind: "route".into(),
            spec_json: serde_json::json!({"endpoint": "e", "model": "m"}).to_string(),
        })
        .to_vec();
    let mut data = RunData::from_rows(
        run_row(),
        vec![DatasetRow {
            name: "d".into(),
            task: "classification".into(),
            privacy: "internal".into(),
            min_acceptance: 0.2,
            case_count: 4,
            baseline: None,
        }],
        targets,
        RunRows {
            results,
            ..RunRows::default()
        },
    )
    .unwrap();
    data.governance = Governance {
        exclusions: vec![ExclusionRow {
            dataset: "d".into(),
            target: "fast".into(),
            rule: "capability.tools".into(),
            detail: "the catalog lists no tools support".into(),
            forced: true,
        }],
        ..Governance::default()
    };
    data
}

/// A run whose governance records and probe evidence carry `text`, with a route named
/// `name`.
fn run_with_text(name: &str, text: &str) -> RunData {
    let mut data = run(name);
    data.governance.exclusions.push(ExclusionRow {
        dataset: "d".into(),
        target: text.into(),
        rule: "capability.json_schema".into(),
        detail: text.into(),
        forced: false,
    });
    data.governance.violations.push(Violation {
        dataset: "d".into(),
        target: text.into(),
        served_provider: Some(text.into()),
        detail: text.into(),
        attempts: 2,
    });
    // What an endpoint said about a failure: every field of it its text.
    data.error_details.push(ErrorDetailRow {
        dataset: "d".into(),
        target: text.into(),
        status: Some(403),
        error_class: Some("forbidden".into()),
        served_provider: Some(text.into()),
        error_metadata: serde_json::json!({
            "reasons": [text], "flagged_input": text, "provider_name": text, "model_slug": text,
        })
        .to_string(),
        attempts: 1,
    });
    data.governance.probes.push(ProbeRow {
        run_at: 1_700_000_000_000,
        route: "fast".into(),
        model: "m".into(),
        probe: "tools".into(),
        verdict: "fail".into(),
        status: Some(500),
        latency_ms: 10.0,
        evidence: text.into(),
    });
    data
}

fn render_all(data: &RunData) -> [(Format, String); 5] {
    let rankings = rank(data, &compute_metrics(data).unwrap());
    [
        Format::Markdown,
        Format::Html,
        Format::Junit,
        Format::Json,
        Format::Csv,
    ]
    .map(|f| (f, render(data, &rankings, f).unwrap()))
}

/// Pipes that end a Markdown table cell (not escaped with a backslash).
fn cell_pipes(line: &str) -> usize {
    let mut n = 0;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '|' => n += 1,
            _ => {}
        }
    }
    n
}

#[test]
fn markdown_shows_hostile_text_as_one_literal_cell() {
    let data = run_with_text(HOSTILE, HOSTILE);
    let rankings = rank(&data, &compute_metrics(&data).unwrap());
    let md = render(&data, &rankings, Format::Markdown).unwrap();

    assert!(!md.contains("<script>"), "{md}");
    assert!(md.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{md}");
    // An entity in the text is shown as written, not decoded.
    assert!(md.contains("&amp;amp;"), "{md}");
    assert!(
        !md.chars().any(|c| c.is_control() && c != '\n'),
        "control characters removed"
    );
    assert!(
        !md.lines()
            .any(|l| l.trim_start_matches(['>', ' ']).starts_with("# head")),
        "a line break in a cell starts no heading: {md}"
    );
    assert!(md.contains("x\\|y"), "{md}");
    assert!(md.contains("\\*b\\* \\[l\\](u)"), "{md}");
    // Every row of every table has as many cells as its header.
    let mut header: Option<usize> = None;
    for line in md.lines() {
        let row = line.trim_start_matches("> ");
        if row.starts_with('|') {
            let pipes = cell_pipes(row);
            match header {
                None => header = Some(pipes),
                Some(n) => assert_eq!(pipes, n, "a cell split a row: {row}"),
            }
        } else {
            header = None;
        }
    }
    // The hostile target name is escaped text (it holds markup, so no code span).
    assert!(
        md.contains("| x\\|y \\# head \\`tick\\` &lt;script&gt;"),
        "{md}"
    );
}

#[test]
fn junit_is_well_formed_xml_holding_the_text() {
    use quick_xml::events::Event;
    let data = run_with_text(HOSTILE, HOSTILE);
    let rankings = rank(&data, &compute_metrics(&data).unwrap());
    let xml = render(&data, &rankings, Format::Junit).unwrap();
    assert!(!xml.contains('\u{0}') && !xml.contains('\u{1b}') && !xml.contains('\u{FFFE}'));

    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut names = Vec::new();
    let mut messages = Vec::new();
    let mut testcases = 0;
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) => {
                for a in e.attributes() {
                    let a = a.expect("well-formed attribute");
                    let value = a.unescape_value().expect("escaped attribute").into_owned();
                    match (e.name().as_ref(), a.key.as_ref()) {
                        (b"testcase", b"name") => {
                            testcases += 1;
                            names.push(value);
                        }
                        (b"failure", b"message") => messages.push(value),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    // What XML cannot hold is dropped; the rest comes back exactly, line break included.
    let kept: String = HOSTILE
        .chars()
        .filter(|c| !matches!(c, '\u{0}' | '\u{1b}' | '\u{FFFE}' | '\u{FFFF}'))
        .collect();
    assert!(names.contains(&kept), "{names:#?}");
    assert!(messages.contains(&kept), "{messages:#?}");
    // Three ranked targets and the policy violation.
    assert_eq!(testcases, 4, "{xml}");
}

#[test]
fn html_escapes_hostile_text() {
    let data = run_with_text(HOSTILE, HOSTILE);
    let rankings = rank(&data, &compute_metrics(&data).unwrap());
    let html = render(&data, &rankings, Format::Html).unwrap();
    assert!(!html.contains("<script>alert(1)"), "{html}");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"));
}

#[test]
fn csv_quotes_commas_quotes_and_line_breaks() {
    let name = "a,\"b\"\nc";
    let data = run(name);
    let rankings = rank(&data, &compute_metrics(&data).unwrap());

    let ranking = ranking_csv(&rankings).unwrap();
    let mut reader = csv::Reader::from_reader(ranking.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let target = headers.iter().position(|h| h == "target").unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3, "{ranking}");
    assert!(rows.iter().all(|r| r.len() == headers.len()));
    assert!(rows.iter().any(|r| &r[target] == name), "{ranking}");

    let results = render(&data, &rankings, Format::Csv).unwrap();
    let mut reader = csv::Reader::from_reader(results.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 12);
    assert_eq!(rows.iter().filter(|r| &r[2] == name).count(), 4);
}

#[test]
fn a_megabyte_error_message_leaves_reports_small() {
    let huge = "E".repeat(1 << 20);
    // Names are keys and kept whole (a CSV of results is data for notebooks); messages are
    // cut.
    let mut data = run_with_text("wide", &huge);
    // Also a baseline comparison whose reviewed answers carry the message as a reason.
    data.datasets[0].baseline = Some("safe".into());
    data.reviews = ["safe", "fast"]
        .iter()
        .flat_map(|t| {
            let huge = &huge;
            ["c1", "c2", "c3", "c4"].map(move |c| ReviewAnswer {
                dataset: "d".into(),
                target: t.to_string(),
                case_id: c.into(),
                repeat: 0,
                accepted: *t == "safe" || c == "c1",
                error_class: None,
                reason: huge.clone(),
                latency_ms: 100.0,
                cost: 1.0_f64.into(),
                content: Some(huge.clone()),
                tool_calls_json: None,
                input: Some(huge.clone()),
            })
        })
        .collect();
    for (format, text) in render_all(&data) {
        assert!(
            text.len() < 256 * 1024,
            "{format:?} report is {} bytes",
            text.len()
        );
        if format != Format::Csv {
            assert!(
                text.contains(&format!("… [truncated, {} chars]", 1 << 20)),
                "{format:?} shows where it cut"
            );
        }
    }
}

#[test]
fn failure_classes_and_forced_targets_are_shown() {
    let data = run("plain");
    let rankings = rank(&data, &compute_metrics(&data).unwrap());
    let [(_, md), (_, html), (_, junit), (_, json), _] = render_all(&data);

    assert!(
        md.contains("`fast` (forced: capability.tools)"),
        "forced in Markdown: {md}"
    );
    assert!(
        md.contains("rate_limited 50.0%, timeout 25.0%"),
        "failure classes in Markdown: {md}"
    );
    assert!(!md.contains("`safe` (forced"), "{md}");
    assert!(html.contains("forced: capability.tools"), "{html}");
    assert!(junit.contains("forced: capability.tools"), "{junit}");
    assert!(junit.contains("failures: rate_limited 50.0%, timeout 25.0%"));

    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    let all: Vec<&serde_json::Value> = ["eligible", "ineligible"]
        .iter()
        .flat_map(|k| json["datasets"][0][k].as_array().unwrap())
        .collect();
    let of = |t: &str| *all.iter().find(|m| m["target"] == t).unwrap();
    assert_eq!(of("fast")["forced"], true);
    assert_eq!(of("fast")["forced_rules"][0], "capability.tools");
    assert_eq!(of("safe")["forced"], false);

    let csv = ranking_csv(&rankings).unwrap();
    assert!(
        csv.lines().any(|l| l.contains(",fast,route,")
            && l.ends_with(",capability.tools,\"rate_limited 50.0%, timeout 25.0%\"")),
        "{csv}"
    );
}
