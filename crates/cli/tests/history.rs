//! `routeval history` over nights of one suite: what changed is flagged, and nothing
//! else is.

mod support;

use routeval_store::testing::TestDb;
use std::path::Path;
use support::{routeval, start_sim, stderr, triage_dataset};

/// Two models, one per route. From night 4 on, `test/keen` answers worse and
/// `test/plain` is served by another provider; on night 6 `test/keen`'s catalog price
/// triples. Everything else stays as it was.
fn profiles(night: u32) -> String {
    let changed = night >= 4;
    let keen_price = if night >= 6 { 3.0 } else { 1.0 };
    let (quality, provider) = if changed {
        (0.45, ("Beta Cloud", "beta"))
    } else {
        (0.95, ("Alpha Cloud", "alpha"))
    };
    format!(
        r#"
[models."test/keen"]
name = "Keen"
context_length = 100000
prompt_price = {keen_price}
completion_price = 2.0
quality = {quality}
providers = [{{ name = "Alpha Cloud", slug = "alpha" }}]

[models."test/plain"]
name = "Plain"
context_length = 100000
prompt_price = 1.0
completion_price = 2.0
quality = 0.9
providers = [{{ name = "{}", slug = "{}" }}]
"#,
        provider.0, provider.1
    )
}

fn write_suite(dir: &Path, base_url: &str) {
    let dataset = triage_dataset();
    let suite = format!(
        r#"name = "drift"
concurrency = 8

[endpoints.sim]
kind = "openrouter"
base_url = "{base_url}"
simulated = true

[routes.keen]
endpoint = "sim"
model = "test/keen"
params = {{ max_tokens = 200 }}

[routes.plain]
endpoint = "sim"
model = "test/plain"
params = {{ max_tokens = 200 }}

{dataset}"#,
    );
    std::fs::write(dir.join("suite.toml"), suite).unwrap();
}

/// Five nights on a fresh simulator each (same seed: unchanged routes answer alike). On
/// night 4 one route's quality drops and another's serving provider changes: history
/// flags those two on night 4, and nothing else on any night. A sixth night, with the
/// catalog synced before it and the night before, flags the price change (and what it
/// does to cost per accepted) and nothing else.
#[test]
fn history_flags_what_changed_on_night_four_and_nothing_else() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    for db in rt.block_on(TestDb::each()) {
        let backend = db.backend;
        for night in 1..=6 {
            let sim = start_sim(
                &rt,
                Some(&profiles(night)),
                &["ticket_triage/cases.jsonl"],
                None,
            );
            write_suite(dir.path(), &sim.base_url());
            let id = format!("night-{night}");
            if night >= 5 {
                let out = routeval(
                    dir.path(),
                    &["models", "sync", "--suite", "suite.toml", "--db", &db.url],
                    &[],
                );
                assert!(out.status.success(), "{backend}: {}", stderr(&out));
            }
            let out = routeval(
                dir.path(),
                &[
                    "run",
                    "suite.toml",
                    "--quiet",
                    "--limit",
                    "80",
                    "--db",
                    &db.url,
                    "--run-id",
                    &id,
                ],
                &[],
            );
            assert!(out.status.success(), "{backend} {id}: {}", stderr(&out));
        }

        let out = routeval(
            dir.path(),
            &[
                "history", "--db", &db.url, "--last", "6", "--format", "json",
            ],
            &[],
        );
        assert!(out.status.success(), "{backend}: {}", stderr(&out));
        let h: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(h["suite"], "drift");
        let nights: Vec<&str> = h["nights"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["run_id"].as_str().unwrap())
            .collect();
        assert_eq!(
            nights,
            ["night-1", "night-2", "night-3", "night-4", "night-5", "night-6"]
        );
        let flagged: std::collections::BTreeSet<(String, String, String)> = h["flags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["run_id"].as_str().unwrap().to_string(),
                    f["target"].as_str().unwrap().to_string(),
                    f["kind"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let on = |target: &str, kind: &str| {
            flagged.contains(&("night-4".into(), target.into(), kind.into()))
        };
        assert!(on("keen", "acceptance"), "{backend}: {flagged:?}");
        assert!(on("plain", "new_provider"), "{backend}: {flagged:?}");
        assert!(
            flagged.iter().all(|(run, target, kind)| (run == "night-4"
                && (target == "keen" || (target == "plain" && kind == "new_provider")))
                || (run == "night-6"
                    && target == "keen"
                    && (kind == "price" || kind == "cost_per_accepted"))),
            "{backend}: only night 4's two changes and night 6's price are flagged: {flagged:?}"
        );
        assert!(
            flagged.contains(&("night-6".into(), "keen".into(), "price".into())),
            "{backend}: {flagged:?}"
        );
        let plain = h["series"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["target"] == "plain")
            .unwrap();
        assert_eq!(plain["points"][4]["providers"][0][0], "Beta Cloud");
        assert_eq!(plain["points"][2]["providers"][0][0], "Alpha Cloud");

        // The table names both changes; --last narrows the window.
        let out = routeval(dir.path(), &["history", "--db", &db.url], &[]);
        let table = String::from_utf8_lossy(&out.stdout);
        assert!(
            table.contains("new provider") && table.contains("Beta Cloud"),
            "{backend}: {table}"
        );
        let out = routeval(
            dir.path(),
            &[
                "history", "--db", &db.url, "--last", "2", "--format", "json",
            ],
            &[],
        );
        let last2: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(last2["nights"].as_array().unwrap().len(), 2);
        assert!(
            last2["flags"]
                .as_array()
                .unwrap()
                .iter()
                .all(|f| f["run_id"] == "night-6"),
            "{last2}"
        );

        // The report's trend section (up to night 5): one chart per target, the night-4
        // changes listed.
        let out = routeval(
            dir.path(),
            &[
                "report", "--run", "night-5", "--db", &db.url, "--format", "html,md", "--out",
                "rep",
            ],
            &[],
        );
        assert!(out.status.success(), "{backend}: {}", stderr(&out));
        let html = std::fs::read_to_string(dir.path().join("rep/report-night-5.html")).unwrap();
        assert_eq!(
            html.matches("class=\"trend-chart\"").count(),
            2,
            "{backend}: a chart per target"
        );
        assert!(html.contains("Beta Cloud served"), "{backend}");
        let md = std::fs::read_to_string(dir.path().join("rep/report-night-5.md")).unwrap();
        assert!(md.contains("## Trend"), "{backend}: {md}");
        std::fs::remove_dir_all(dir.path().join("rep")).unwrap();

        // Out-of-range options are refused by name.
        let out = routeval(
            dir.path(),
            &["history", "--db", &db.url, "--alpha", "1.5"],
            &[],
        );
        assert_eq!(out.status.code(), Some(2));
        assert!(stderr(&out).contains("--alpha"), "{}", stderr(&out));
        let out = routeval(
            dir.path(),
            &["history", "--db", &db.url, "--suite", "nope"],
            &[],
        );
        assert_eq!(out.status.code(), Some(2));
        assert!(stderr(&out).contains("no completed run of suite `nope`"));
    }
}
