//! Provider sweeps end to end: one model served by four providers on the simulator, a
//! route with `providers = "each"`, and what the report and the registry say of them.

mod support;

use serde_json::Value;
use support::{routeval, start_sim, stderr, triage_dataset};

fn write_suite(dir: &std::path::Path, base_url: &str) {
    let suite = format!(
        r#"name = "sweep"
concurrency = 8
min_acceptance = 0.5

[endpoints.sim]
kind = "openrouter"
base_url = "{base_url}"
simulated = true

[routes.keystone]
endpoint = "sim"
model = "sim/keystone-70b"
providers = "each"
params = {{ max_tokens = 300 }}

{}"#,
        triage_dataset()
    );
    std::fs::write(dir.join("suite.toml"), suite).unwrap();
}

/// `sim/keystone-70b` has four providers: full precision, an int4 one that answers
/// worse, a slow one, and one without structured outputs. The sweep sends the
/// structured-output dataset to the three that can take it, flags the int4 one as
/// significantly worse than the best case by case, and the exported `provider` object
/// keeps the workflow off it.
#[test]
fn a_sweep_flags_the_quantized_provider_and_exports_the_rest() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = start_sim(&rt, None, &["ticket_triage/cases.jsonl"], None);
    let dir = tempfile::tempdir().unwrap();
    write_suite(dir.path(), &sim.base_url());
    let db = format!("sqlite://{}", dir.path().join("r.db").display());

    let out = routeval(
        dir.path(),
        &[
            "models",
            "endpoints",
            "sim/keystone-70b",
            "--suite",
            "suite.toml",
            "--format",
            "json",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let listed: Value = serde_json::from_slice(&out.stdout).unwrap();
    let slugs: Vec<&str> = listed["providers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, ["granite", "budget-tensor", "slowpoke", "lattice"]);

    let out = routeval(
        dir.path(),
        &["run", "suite.toml", "--quiet", "--db", &db],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));

    let out = routeval(
        dir.path(),
        &["report", "--db", &db, "--format", "json", "--out", "out"],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let written = std::fs::read_dir(dir.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "json"))
        .expect("report-RUN.json written");
    let report: Value = serde_json::from_str(&std::fs::read_to_string(written).unwrap()).unwrap();
    let sweeps = report["providers"].as_array().unwrap();
    assert_eq!(sweeps.len(), 1, "{sweeps:?}");
    let rows = sweeps[0]["providers"].as_array().unwrap();
    let row = |slug: &str| rows.iter().find(|r| r["slug"] == slug).cloned();
    assert!(row("lattice").is_none(), "no structured outputs: not sent");
    let quant = row("budget-tensor").expect("the int4 provider ran");
    assert_eq!(quant["quantization"], "int4");
    assert_eq!(quant["significantly_worse"], true, "{quant}");
    assert!(quant["vs_best"]["p_value"].as_f64().unwrap() < 0.05);
    for slug in ["granite", "slowpoke"] {
        let r = row(slug).unwrap();
        assert_eq!(r["significantly_worse"], false, "{r}");
        assert_eq!(r["approved"], true, "{r}");
    }

    let out = routeval(dir.path(), &["export", "registry", "--db", &db], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let registry: Value = serde_json::from_slice(&out.stdout).unwrap();
    let choice = &registry["workflows"][0]["providers"][0];
    assert_eq!(choice["route"], "keystone");
    let provider = &choice["provider"];
    let only: Vec<&str> = provider["only"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(
        only.contains(&"granite") && only.contains(&"slowpoke"),
        "{provider}"
    );
    assert!(!only.contains(&"budget-tensor"), "{provider}");
    assert_eq!(provider["allow_fallbacks"], false);
    let ignored = provider["ignore"].to_string();
    assert!(
        ignored.contains("budget-tensor") && ignored.contains("lattice"),
        "{provider}"
    );
    assert!(
        !provider["quantizations"].to_string().contains("int4"),
        "{provider}"
    );
    rt.block_on(sim.shutdown());
}
