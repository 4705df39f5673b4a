//! Governance end to end: privacy and capability refusals send nothing, budgets stop
//! dispatch before they are exceeded, a served-provider violation is recorded, and an
//! API key never reaches the database, the logs or a report.

mod support;

use support::{query, repo_root, routeval, start_sim, stderr};

const PROFILES: &str = r#"
[models."test/open"]
name = "Open"
context_length = 100000
prompt_price = 1.0
completion_price = 2.0
quality = 1.0
providers = [{ name = "Loose Host", slug = "loose-host" }]

[models."test/locked"]
name = "Locked"
context_length = 100000
prompt_price = 1.0
completion_price = 2.0
quality = 1.0
providers = [{ name = "Vault", slug = "vault", zdr = true, data_collection = "deny" }]

[models."test/notools"]
name = "No tools"
context_length = 100000
prompt_price = 1.0
completion_price = 2.0
quality = 1.0
supports_tools = false

[models."test/leaky"]
name = "Leaky router"
context_length = 100000
prompt_price = 1.0
completion_price = 2.0
quality = 1.0
ignores_provider_preferences = true
providers = [{ name = "Vault", slug = "vault", zdr = true, data_collection = "deny" }, { name = "Elsewhere", slug = "elsewhere" }]
"#;

const CANARY: &str = "sk-or-v1-canary-7f3a9c2e5d8b1a4f6e0c";

/// The key the suites read from `ROUTEVAL_TEST_KEY`, set for every run of the binary.
const KEY: (&str, &str) = ("ROUTEVAL_TEST_KEY", CANARY);

/// The datasets the simulator knows the reference answers of.
const DATASETS: &[&str] = &["ticket_triage/cases.jsonl", "support_tools/cases.jsonl"];

fn dataset(name: &str, privacy: &str) -> String {
    let r = repo_root();
    let r = r.display();
    let extra = match name {
        "ticket_triage" => format!("schema = \"{r}/datasets/ticket_triage/schema.json\"\nresponse_format = \"json_schema\""),
        _ => format!("tools = \"{r}/datasets/support_tools/tools.json\""),
    };
    format!(
        "[datasets.{name}]\npath = \"{r}/datasets/{name}/cases.jsonl\"\ntask = \"t\"\nprivacy = \"{privacy}\"\nscorer = \"{r}/scorers/{name}.toml\"\nsystem_prompt = \"{r}/datasets/{name}/system.txt\"\n{extra}\n"
    )
}

fn suite(base_url: &str, key_env: &str, body: &str) -> String {
    format!(
        "name = \"gov\"\nconcurrency = 4\n\n[endpoints.sim]\nkind = \"openrouter\"\nbase_url = \"{base_url}\"\napi_key_env = \"{key_env}\"\n\n{body}"
    )
}

const LOCKED_ROUTE: &str = "[routes.locked]\nendpoint = \"sim\"\nmodel = \"test/locked\"\nprovider = { zdr = true, data_collection = \"deny\", only = [\"vault\"], allow_fallbacks = false }\n\n";
const OPEN_ROUTE: &str = "[routes.open]\nendpoint = \"sim\"\nmodel = \"test/open\"\n\n";

#[test]
fn privacy_refusal_sends_nothing_for_the_refused_pair() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = start_sim(&rt, Some(PROFILES), DATASETS, Some(CANARY));
    let dir = tempfile::tempdir().unwrap();
    let body = format!(
        "{OPEN_ROUTE}{LOCKED_ROUTE}{}",
        dataset("ticket_triage", "confidential")
    );
    std::fs::write(
        dir.path().join("suite.toml"),
        suite(&sim.base_url(), "ROUTEVAL_TEST_KEY", &body),
    )
    .unwrap();
    let db = format!("sqlite://{}", dir.path().join("g.db").display());

    let out = routeval(
        dir.path(),
        &["run", "suite.toml", "--db", &db, "--limit", "4", "--quiet"],
        &[KEY],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("ticket_triage x open: not sent"), "{err}");
    assert_eq!(
        sim.requests_for("test/open"),
        0,
        "no request for the refused pair"
    );
    assert_eq!(sim.requests_for("test/locked"), 4);
    let rows: Vec<(String, String, bool)> =
        query(&rt, &db, "SELECT target, rule, forced FROM exclusions");
    assert_eq!(
        rows,
        vec![(
            "open".to_string(),
            "privacy.confidential.require_zdr".to_string(),
            false
        )]
    );

    let out = routeval(
        dir.path(),
        &["report", "--db", &db, "--out", "out", "--format", "md"],
        &[KEY],
    );
    let md = std::fs::read_to_string(dir.path().join(String::from_utf8_lossy(&out.stdout).trim()))
        .unwrap();
    assert!(
        md.contains("Not eligible") && md.contains("`privacy.confidential.require_zdr`"),
        "{md}"
    );
}

#[test]
fn capability_refusal_sends_nothing_unless_forced() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = start_sim(&rt, Some(PROFILES), DATASETS, Some(CANARY));
    let dir = tempfile::tempdir().unwrap();
    let body = format!(
        "[routes.notools]\nendpoint = \"sim\"\nmodel = \"test/notools\"\n\n{OPEN_ROUTE}{}",
        dataset("support_tools", "internal")
    );
    std::fs::write(
        dir.path().join("suite.toml"),
        suite(&sim.base_url(), "ROUTEVAL_TEST_KEY", &body),
    )
    .unwrap();
    let db = format!("sqlite://{}", dir.path().join("g.db").display());

    let out = routeval(
        dir.path(),
        &["run", "suite.toml", "--db", &db, "--limit", "3", "--quiet"],
        &[KEY],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        sim.requests_for("test/notools"),
        0,
        "no request for the refused pair"
    );
    assert_eq!(sim.requests_for("test/open"), 3);
    let rows: Vec<(String, String, bool)> =
        query(&rt, &db, "SELECT target, rule, forced FROM exclusions");
    assert_eq!(
        rows,
        vec![("notools".to_string(), "capability.tools".to_string(), false)]
    );

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
        &[KEY],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        sim.requests_for("test/notools") >= 3,
        "--force measures what happens"
    );
    let forced: Vec<(bool,)> = query(&rt, &db, "SELECT forced FROM exclusions WHERE forced = 1");
    assert_eq!(forced.len(), 1);

    // The forced target is marked in the ranking and the reports.
    let out = routeval(dir.path(), &["rank", "--db", &db, "--format", "json"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let ranking: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let targets: Vec<&serde_json::Value> = ranking["datasets"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| ["eligible", "ineligible"].map(|k| d[k].as_array().unwrap()))
        .flatten()
        .collect();
    let forced_of = |t: &str| targets.iter().find(|m| m["target"] == t).unwrap()["forced"].clone();
    assert_eq!(forced_of("notools"), true);
    assert_eq!(forced_of("open"), false);
    let out = routeval(dir.path(), &["rank", "--db", &db], &[]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("notools (forced: capability.tools)"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = routeval(
        dir.path(),
        &["report", "--db", &db, "--out", "out", "--format", "md"],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let md = std::fs::read_to_string(dir.path().join(path)).unwrap();
    assert!(md.contains("`notools` (forced: capability.tools)"), "{md}");
}

#[test]
fn budget_stops_dispatch_and_resume_with_more_finishes() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = start_sim(&rt, Some(PROFILES), DATASETS, Some(CANARY));
    let dir = tempfile::tempdir().unwrap();
    // Worst case per case: ~700 prompt tokens at $1/M + 4096 completion tokens at $2/M,
    // two validation rounds: about $0.018. Two cases fit in $0.04, not ten.
    let body = format!(
        "budget_usd_placeholder\n{OPEN_ROUTE}{}",
        dataset("ticket_triage", "internal")
    );
    let text = suite(&sim.base_url(), "ROUTEVAL_TEST_KEY", &body)
        .replace("concurrency = 4\n", "concurrency = 1\nbudget_usd = 0.04\n")
        .replace("budget_usd_placeholder\n", "");
    std::fs::write(dir.path().join("suite.toml"), text).unwrap();
    let db = format!("sqlite://{}", dir.path().join("g.db").display());

    let out = routeval(
        dir.path(),
        &["run", "suite.toml", "--db", &db, "--limit", "10", "--quiet"],
        &[KEY],
    );
    assert_eq!(
        out.status.code(),
        Some(5),
        "a run stopped by its budget exits 5: {}",
        stderr(&out)
    );
    let runs: Vec<(String, String)> = query(&rt, &db, "SELECT id, status FROM runs");
    assert_eq!(runs[0].1, "budget_exhausted");
    let (results,): (i64,) = query(&rt, &db, "SELECT COUNT(*) FROM results")[0];
    assert!((1..10).contains(&results), "{results}");
    let (spent,): (f64,) = query(&rt, &db, "SELECT SUM(cost) FROM attempts")[0];
    assert!(spent <= 0.04, "{spent}");
    assert_eq!(
        sim.requests() as i64,
        results,
        "nothing sent beyond what was recorded"
    );

    let out = routeval(
        dir.path(),
        &[
            "run",
            "suite.toml",
            "--db",
            &db,
            "--limit",
            "10",
            "--quiet",
            "--resume",
            &runs[0].0,
            "--budget",
            "5",
        ],
        &[KEY],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let runs: Vec<(String,)> = query(&rt, &db, "SELECT status FROM runs");
    assert_eq!(runs[0].0, "completed");
    let (results,): (i64,) = query(&rt, &db, "SELECT COUNT(*) FROM results")[0];
    assert_eq!(results, 10);
}

#[test]
fn served_provider_outside_the_policy_is_recorded() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = start_sim(&rt, Some(PROFILES), DATASETS, Some(CANARY));
    let dir = tempfile::tempdir().unwrap();
    let body = format!(
        "[privacy.eu]\nallowed_providers = [\"vault\"]\n\n[routes.leaky]\nendpoint = \"sim\"\nmodel = \"test/leaky\"\nprovider = {{ only = [\"vault\"], allow_fallbacks = false }}\n\n{}",
        dataset("ticket_triage", "eu")
    );
    std::fs::write(
        dir.path().join("suite.toml"),
        suite(&sim.base_url(), "ROUTEVAL_TEST_KEY", &body),
    )
    .unwrap();
    let db = format!("sqlite://{}", dir.path().join("g.db").display());
    let out = routeval(
        dir.path(),
        &["run", "suite.toml", "--db", &db, "--limit", "2", "--quiet"],
        &[KEY],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows: Vec<(String, String)> = query(
        &rt,
        &db,
        "SELECT served_provider, policy_violation FROM attempts WHERE policy_violation IS NOT NULL",
    );
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0].0, "Elsewhere");
    assert!(
        rows[0]
            .1
            .contains("outside the providers the `eu` data may reach (vault)"),
        "{}",
        rows[0].1
    );

    let out = routeval(
        dir.path(),
        &[
            "report",
            "--db",
            &db,
            "--out",
            "out",
            "--format",
            "md,html,junit",
        ],
        &[KEY],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let reports: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|p| std::fs::read_to_string(dir.path().join(p)).unwrap())
        .collect();
    assert_eq!(reports.len(), 3);
    for report in &reports {
        assert!(
            report.contains("Elsewhere"),
            "every report names the provider: {report}"
        );
    }
    assert!(reports[0].contains("⚠ Privacy policy violations"));
    assert!(reports[1].contains("⚠ Privacy policy violations"));
    assert!(reports[2].contains("type=\"policy_violation\""));
}

#[test]
fn canary_key_never_reaches_database_logs_or_reports() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = start_sim(&rt, Some(PROFILES), DATASETS, Some(CANARY));
    let dir = tempfile::tempdir().unwrap();
    let body = format!(
        "{OPEN_ROUTE}{}{}",
        dataset("ticket_triage", "internal"),
        dataset("support_tools", "internal")
    );
    std::fs::write(
        dir.path().join("suite.toml"),
        suite(&sim.base_url(), "ROUTEVAL_TEST_KEY", &body),
    )
    .unwrap();
    let db_path = dir.path().join("g.db");
    let db = format!("sqlite://{}", db_path.display());

    let run = routeval(
        dir.path(),
        &[
            "--verbose",
            "run",
            "suite.toml",
            "--db",
            &db,
            "--limit",
            "3",
            "--quiet",
        ],
        &[KEY],
    );
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let (accepted,): (i64,) = query(&rt, &db, "SELECT SUM(accepted) FROM results")[0];
    assert!(
        accepted > 0,
        "the key was sent: the simulator answers 401 without it"
    );
    let logs = stderr(&run);
    assert!(
        logs.contains("authorization: [REDACTED]"),
        "the trace shows the header, redacted"
    );

    let report = routeval(dir.path(), &["report", "--db", &db, "--out", "out"], &[KEY]);
    assert_eq!(report.status.code(), Some(0), "{}", stderr(&report));
    let registry = routeval(
        dir.path(),
        &[
            "export",
            "registry",
            "--db",
            &db,
            "--out",
            "out/registry.json",
        ],
        &[KEY],
    );
    assert_eq!(registry.status.code(), Some(0));
    let rank = routeval(
        dir.path(),
        &["rank", "--db", &db, "--format", "json"],
        &[KEY],
    );

    let mut haystacks: Vec<(String, Vec<u8>)> = vec![
        ("run stderr".into(), run.stderr.clone()),
        ("run stdout".into(), run.stdout.clone()),
        ("rank".into(), rank.stdout.clone()),
    ];
    for entry in std::fs::read_dir(dir.path())
        .unwrap()
        .chain(std::fs::read_dir(dir.path().join("out")).unwrap())
    {
        let path = entry.unwrap().path();
        if path.is_file() {
            haystacks.push((path.display().to_string(), std::fs::read(&path).unwrap()));
        }
    }
    assert!(haystacks.iter().any(|(name, _)| name.ends_with(".html")));
    assert!(haystacks.iter().any(|(name, _)| name.ends_with("g.db")));
    for (name, bytes) in &haystacks {
        let found = bytes.windows(CANARY.len()).any(|w| w == CANARY.as_bytes());
        assert!(!found, "the key leaked into {name}");
    }
    rt.block_on(sim.shutdown());
}
