//! The analysis commands end to end: a live chain on the simulator against its offline
//! simulation, `compare` gating, the report formats and the TOML registry.

use super::support::{routeval, stderr};
use super::{suite_sim, write_suite};
use serde_json::Value;

#[test]
fn offline_chain_simulation_agrees_with_the_live_chain() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = suite_sim(&rt);
    let dir = tempfile::tempdir().unwrap();
    write_suite(dir.path(), &sim.base_url());
    let db = format!("sqlite://{}", dir.path().join("c.db").display());
    let out = routeval(
        dir.path(),
        &["run", "suite.toml", "--db", &db, "--limit", "60", "--quiet"],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let out = routeval(
        dir.path(),
        &["chains", "--db", &db, "--max-len", "2", "--format", "json"],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    // The suite has one chain: its fallback classes are the search's.
    assert_eq!(report["fallback_on"].as_array().unwrap().len(), 5);
    let live = report["live"].as_array().unwrap();
    assert_eq!(live.len(), 2, "the chain on both datasets: {report}");
    for c in live {
        let (l, s) = (&c["live"], &c["simulated"]);
        assert_eq!(l["cases"], s["cases"], "{c}");
        // The live chain's first step and the route run alone are two independent
        // samples of the same flaky model (the simulator draws per request), so they
        // agree up to sampling error: a two-proportion test at 99.9%, rather than the
        // report's interval overlap, which two fair samples miss about once in a hundred.
        let f = |v: &Value, k: &str| v[k].as_f64().unwrap();
        let n = f(l, "cases");
        let (pl, ps) = (f(l, "acceptance"), f(s, "acceptance"));
        let pooled = (pl + ps) / 2.0;
        let z = (pl - ps).abs() / (pooled * (1.0 - pooled) * 2.0 / n).sqrt().max(1e-9);
        assert!(z < 3.3, "z = {z:.2}: {c}");
        let overlap = f(l, "acceptance_low") <= f(s, "acceptance_high")
            && f(s, "acceptance_low") <= f(l, "acceptance_high");
        assert_eq!(c["agrees"], overlap, "{c}");
    }
    for d in report["datasets"].as_array().unwrap() {
        // 3 routes: 3 single + 6 ordered pairs.
        assert_eq!(d["candidates"], 9);
        assert_eq!(d["chains"][0]["front"], 0);
    }
    let out = routeval(dir.path(), &["chains", "--db", &db], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("live chains vs simulation"));

    // A run compared with itself changes nothing: the gate passes.
    let run_id = report["run_id"].as_str().unwrap();
    let out = routeval(
        dir.path(),
        &[
            "compare",
            run_id,
            run_id,
            "--db",
            &db,
            "--fail-on-regression",
            "--format",
            "json",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let cmp: Value = serde_json::from_slice(&out.stdout).unwrap();
    for c in cmp["changes"].as_array().unwrap() {
        assert_eq!(c["delta_acceptance"], 0.0);
        assert_eq!(c["test"], "mcnemar");
        assert_eq!(c["regression"], false);
    }
    // No earlier run of the suite: bad input.
    let out = routeval(
        dir.path(),
        &["compare", "--baseline", "previous", "--db", &db],
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));

    let out = routeval(
        dir.path(),
        &[
            "report",
            "--db",
            &db,
            "--out",
            "out",
            "--format",
            "junit,json,csv,html",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let files: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(files.len(), 4);
    let junit = std::fs::read_to_string(dir.path().join(&files[0])).unwrap();
    assert!(junit.contains("<testsuites") && junit.contains("<testcase"));
    let csv = std::fs::read_to_string(dir.path().join(&files[2])).unwrap();
    assert!(csv.starts_with("run_id,dataset,target"));
    assert_eq!(csv.lines().count(), 1 + 2 * 4 * 60);
    let html = std::fs::read_to_string(dir.path().join(&files[3])).unwrap();
    html_screenshot(&dir.path().join(&files[3]), &html);

    let out = routeval(
        dir.path(),
        &["export", "registry", "--db", &db, "--format", "toml"],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // The analysis crate's tests parse the TOML fully; here its shape is enough.
    let registry = String::from_utf8_lossy(&out.stdout);
    assert!(registry.contains("[source]") && registry.contains("simulated = true"));
    assert!(registry.contains("[[workflows]]"), "{registry}");
    rt.block_on(sim.shutdown());
}

/// Headless Chromium renders the report when it is installed (skipped otherwise):
/// the page loads with no external requests and the charts are drawn.
fn html_screenshot(path: &std::path::Path, html: &str) {
    assert!(html.contains("<svg") && !html.contains("src=\"http"));
    let Some(chromium) = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            std::process::Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
    else {
        eprintln!("chromium not installed: skipping the headless render");
        return;
    };
    let shot = std::env::temp_dir().join("report.png");
    let out = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--window-size=1280,2400",
            &format!("--screenshot={}", shot.display()),
        ])
        .arg(format!("file://{}", path.display()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(std::fs::metadata(&shot).unwrap().len() > 10_000);
}
