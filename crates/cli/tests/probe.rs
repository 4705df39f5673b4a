//! `routeval probe` end to end against the simulator's bundled models: the expected
//! compatibility matrix (a model without tools or structured outputs, one with a 4k
//! context, a flagship that passes everything), a wrong key, the matrix in reports, and
//! a failed tools probe keeping a tool dataset away from its route.

mod support;

use routeval_store::{ProbeRow, Store};
use serde_json::Value;
use std::collections::BTreeMap;
use std::process::Output;
use support::{repo_root, routeval, start_sim_with, stderr, SimOptions};

const KEY: &str = "sk-or-v1-probe-test-5e1d";

/// The keys the suites' two endpoints read, set for every run of the binary.
const ENV: &[(&str, &str)] = &[
    ("PROBE_TEST_KEY", KEY),
    ("PROBE_TEST_WRONG_KEY", "sk-or-v1-wrong"),
];

const SIM: SimOptions = SimOptions {
    seed: 11,
    latency_scale: 0.0,
};

fn ok(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        stderr(out)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

const ROUTES: &str = r#"
[routes.atlas]
endpoint = "sim"
model = "sim/atlas-pro"
provider = { only = ["atlascloud"], allow_fallbacks = false }

[routes.plain]
endpoint = "sim"
model = "sim/plain-chat"

[routes.tiny]
endpoint = "sim"
model = "sim/tiny-context"

[routes.wrongkey]
endpoint = "badkey"
model = "sim/atlas-pro"
"#;

fn suite(base_url: &str, body: &str) -> String {
    format!(
        "name = \"probe\"\n\n[endpoints.sim]\nkind = \"openrouter\"\nbase_url = \"{base_url}\"\napi_key_env = \"PROBE_TEST_KEY\"\n\n[endpoints.badkey]\nkind = \"openrouter\"\nbase_url = \"{base_url}\"\napi_key_env = \"PROBE_TEST_WRONG_KEY\"\n{body}"
    )
}

/// route -> probe -> (verdict, status, latency_ms, evidence)
type Matrix = BTreeMap<String, BTreeMap<String, (String, Option<u64>, f64, String)>>;

fn matrix(json: &str) -> Matrix {
    let results: Vec<Value> = serde_json::from_str(json).unwrap();
    let mut m = Matrix::new();
    for r in results {
        m.entry(r["route"].as_str().unwrap().to_string())
            .or_default()
            .insert(
                r["probe"].as_str().unwrap().to_string(),
                (
                    r["verdict"].as_str().unwrap().to_string(),
                    r["status"].as_u64(),
                    r["latency_ms"].as_f64().unwrap(),
                    r["evidence"].as_str().unwrap().to_string(),
                ),
            );
    }
    m
}

#[test]
fn probes_give_the_expected_matrix_on_the_simulator() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = start_sim_with(&rt, None, &[], Some(KEY), SIM);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("suite.toml"),
        suite(&sim.base_url(), ROUTES),
    )
    .unwrap();
    let db = format!("sqlite://{}", dir.path().join("p.db").display());

    let started = std::time::Instant::now();
    let out = routeval(
        dir.path(),
        &[
            "probe",
            "--suite",
            "suite.toml",
            "--db",
            &db,
            "--format",
            "json",
        ],
        ENV,
    );
    let m = matrix(&ok(&out));
    assert!(
        started.elapsed().as_secs() < 30,
        "a battery takes seconds, took {:?}",
        started.elapsed()
    );
    let verdict = |route: &str, probe: &str| m[route][probe].0.as_str();
    let cell = |route: &str, probe: &str| &m[route][probe];

    // The flagship passes everything, provider policy included.
    for (probe, (v, _, _, evidence)) in &m["atlas"] {
        assert_eq!(v, "pass", "atlas {probe}: {evidence}");
    }
    assert_eq!(m["atlas"].len(), routeval_runner::probe::PROBES.len());

    // No tools, no response_format: those probes are unsupported, the rest pass.
    for probe in [
        "tools",
        "parallel_tools",
        "tool_choice_required",
        "tool_choice_named",
        "json_object",
        "json_schema",
    ] {
        assert_eq!(
            verdict("plain", probe),
            "unsupported",
            "plain {probe}: {:?}",
            cell("plain", probe)
        );
    }
    assert_eq!(verdict("plain", "provider_policy"), "unsupported");
    for probe in [
        "auth",
        "chat",
        "stream",
        "cancel",
        "context_near",
        "context_over",
        "unknown_model",
        "invalid_request",
        "usage_cost",
        "served",
    ] {
        assert_eq!(
            verdict("plain", probe),
            "pass",
            "plain {probe}: {:?}",
            cell("plain", probe)
        );
    }

    // A 4k context: near it answers, over it is refused with the documented class, fast.
    assert_eq!(
        verdict("tiny", "context_near"),
        "pass",
        "{:?}",
        cell("tiny", "context_near")
    );
    let (v, status, latency_ms, evidence) = cell("tiny", "context_over");
    assert_eq!((v.as_str(), *status), ("pass", Some(400)), "{evidence}");
    assert!(
        evidence.contains("bad_request") && evidence.contains("context_length_exceeded"),
        "{evidence}"
    );
    assert!(*latency_ms < 5_000.0, "no hang: {latency_ms} ms");
    assert!(evidence.contains("of 4096 tokens"), "{evidence}");

    // Error surfaces come back as their documented class.
    let (_, status, _, evidence) = cell("atlas", "unknown_model");
    assert_eq!(*status, Some(400));
    assert!(
        evidence.contains("bad_request") && evidence.contains("not a valid model"),
        "{evidence}"
    );
    let (_, status, _, evidence) = cell("atlas", "invalid_request");
    assert_eq!(*status, Some(400), "{evidence}");

    // A wrong key: auth fails with 401, and so does everything that needs an answer.
    let (v, status, _, evidence) = cell("wrongkey", "auth");
    assert_eq!((v.as_str(), *status), ("fail", Some(401)), "{evidence}");
    assert!(evidence.contains("unauthorized"), "{evidence}");
    assert_eq!(verdict("wrongkey", "tools"), "fail");

    // Stored: the latest matrix per route.
    let rows: Vec<ProbeRow> = rt.block_on(async {
        let store = Store::open(&db).await.unwrap();
        let rows = store.latest_probes(&["plain".into()]).await.unwrap();
        store.close().await;
        rows
    });
    assert_eq!(rows.len(), routeval_runner::probe::PROBES.len());
    assert!(rows
        .iter()
        .any(|r| r.probe == "tools" && r.verdict == "unsupported" && r.model == "sim/plain-chat"));

    // The table: routes as rows, probes as columns.
    let out = routeval(
        dir.path(),
        &["probe", "plain", "--suite", "suite.toml", "--db", &db],
        ENV,
    );
    let table = ok(&out);
    assert!(
        table.contains("plain") && !table.contains("atlas"),
        "{table}"
    );
    assert!(table.contains("–") && table.contains("✓"), "{table}");
    assert!(table.contains("plain · tools –"), "{table}");
}

fn tool_suite(base_url: &str) -> String {
    let r = repo_root();
    let r = r.display();
    format!(
        "name = \"probe-gate\"\nconcurrency = 4\n\n[endpoints.sim]\nkind = \"openrouter\"\nbase_url = \"{base_url}\"\napi_key_env = \"PROBE_TEST_KEY\"\n\n\
         [routes.atlas]\nendpoint = \"sim\"\nmodel = \"sim/atlas-pro\"\n\n\
         [routes.meridian]\nendpoint = \"sim\"\nmodel = \"sim/meridian-mid\"\n\n\
         [datasets.support_tools]\npath = \"{r}/datasets/support_tools/cases.jsonl\"\ntask = \"t\"\nprivacy = \"internal\"\n\
         scorer = \"{r}/scorers/support_tools.toml\"\nsystem_prompt = \"{r}/datasets/support_tools/system.txt\"\n\
         tools = \"{r}/datasets/support_tools/tools.json\"\n"
    )
}

#[test]
fn a_failed_tools_probe_keeps_tool_datasets_away_unless_forced() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = start_sim_with(&rt, None, &["support_tools/cases.jsonl"], Some(KEY), SIM);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("suite.toml"), tool_suite(&sim.base_url())).unwrap();
    let db = format!("sqlite://{}", dir.path().join("g.db").display());

    // An earlier probe passed tools on atlas; the latest one failed.
    let row = |run_at, verdict: &str| ProbeRow {
        run_at,
        route: "atlas".into(),
        model: "sim/atlas-pro".into(),
        probe: "tools".into(),
        verdict: verdict.into(),
        status: Some(200),
        latency_ms: 12.0,
        evidence: "no tool call; answered in text".into(),
    };
    rt.block_on(async {
        let store = Store::open(&db).await.unwrap();
        store.record_probes(&[row(1, "pass")]).await.unwrap();
        store.record_probes(&[row(2, "fail")]).await.unwrap();
        store.close().await;
    });

    let out = routeval(
        dir.path(),
        &["run", "suite.toml", "--db", &db, "--limit", "3", "--quiet"],
        ENV,
    );
    ok(&out);
    let err = stderr(&out);
    assert!(
        err.contains("support_tools x atlas: not sent") && err.contains("probe.tools"),
        "{err}"
    );
    assert_eq!(
        sim.requests_for("sim/atlas-pro"),
        0,
        "no request for the refused pair"
    );
    assert!(sim.requests_for("sim/meridian-mid") >= 3);

    // The refusal is in the report, and so is the probe matrix of the run's routes.
    let out = routeval(
        dir.path(),
        &["report", "--db", &db, "--out", "out", "--format", "md,html"],
        ENV,
    );
    let paths = ok(&out);
    let mut lines = paths.lines();
    let md = std::fs::read_to_string(dir.path().join(lines.next().unwrap().trim())).unwrap();
    assert!(md.contains("`probe.tools`"), "{md}");
    assert!(
        md.contains("Route probes") && md.contains("| `atlas` |"),
        "{md}"
    );
    let html = std::fs::read_to_string(dir.path().join(lines.next().unwrap().trim())).unwrap();
    assert!(
        html.contains("Route probes") && html.contains("✗"),
        "{html}"
    );

    // --force measures what happens anyway.
    let out = routeval(
        dir.path(),
        &[
            "run",
            "suite.toml",
            "--db",
            &db,
            "--limit",
            "3",
            "--quiet",
            "--force",
        ],
        ENV,
    );
    ok(&out);
    assert!(
        sim.requests_for("sim/atlas-pro") >= 3,
        "--force sends the pair"
    );
}
