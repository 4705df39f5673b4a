//! End-to-end tests of the `routeval` binary: bad input is refused with a located
//! message and exit code 2; a run on the simulator over loopback lands in SQLite, and
//! the ranking's figures equal plain SQL over that file.

#[path = "../support/mod.rs"]
mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use support::{query, repo_root, routeval, start_sim_with, stderr, SimOptions};

const SUITE_HEAD: &str = r#"name = "t"

[endpoints.sim]
kind = "openrouter"
base_url = "BASE_URL"
simulated = true
"#;

#[test]
fn typo_in_config_exits_2_naming_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let suite =
        format!("{SUITE_HEAD}\n[routes.fast]\nendpoint = \"sim\"\nmodle = \"sim/atlas-pro\"\n");
    std::fs::write(dir.path().join("suite.toml"), suite).unwrap();
    let out = routeval(dir.path(), &["validate", "suite.toml"], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("suite.toml:10: key `routes.fast.modle`"),
        "{err}"
    );
    assert!(err.contains("did you mean `model`?"), "{err}");
}

#[test]
fn broken_dataset_line_exits_2_naming_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let root = repo_root();
    let suite = format!(
        "{}\n[routes.fast]\nendpoint = \"sim\"\nmodel = \"sim/atlas-pro\"\n\n[datasets.d]\npath = \"cases.jsonl\"\ntask = \"classification\"\nscorer = \"{}\"\n",
        SUITE_HEAD.replace("BASE_URL", "http://127.0.0.1:1/api/v1"),
        root.join("scorers/support_tools.toml").display()
    );
    std::fs::write(dir.path().join("suite.toml"), suite).unwrap();
    let good =
        r#"{"id":"a","messages":[{"role":"user","content":"hi"}],"expected":{"tool_calls":[]}}"#;
    let bad = r#"{"id":"c","messages":[{"role":"user","contnt":"hi"}]}"#;
    std::fs::write(
        dir.path().join("cases.jsonl"),
        format!(
            "{good}\n{}\n{bad}\n",
            good.replace("\"a\"", "\"b\"").replace("hi", "yo")
        ),
    )
    .unwrap();
    let out = routeval(
        dir.path(),
        &["run", "suite.toml", "--db", "sqlite://x.db"],
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("cases.jsonl:3: key `messages[0].contnt`"),
        "{err}"
    );
    assert!(err.contains("did you mean `content`?"), "{err}");
    assert!(
        !dir.path().join("x.db").exists(),
        "nothing is opened or sent for bad input"
    );
}

/// `sim --api-key-env NAME` with NAME unset would take any key: refused, exit 2.
#[test]
fn sim_refuses_an_unset_key_variable() {
    let dir = tempfile::tempdir().unwrap();
    let out = routeval(
        dir.path(),
        &[
            "sim",
            "--port",
            "0",
            "--api-key-env",
            "ROUTEVAL_UNSET_SIM_KEY",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("ROUTEVAL_UNSET_SIM_KEY"),
        "{}",
        stderr(&out)
    );
}

/// A small suite over the bundled datasets, on a simulator started in this process.
fn write_suite(dir: &Path, base_url: &str) -> PathBuf {
    let root = repo_root();
    let ds = |name: &str, extra: &str| {
        format!(
            "[datasets.{name}]\npath = \"{r}/datasets/{name}/cases.jsonl\"\ntask = \"t\"\nscorer = \"{r}/scorers/{name}.toml\"\nsystem_prompt = \"{r}/datasets/{name}/system.txt\"\n{extra}\n",
            r = root.display()
        )
    };
    let suite = format!(
        "{}\n[routes.atlas]\nendpoint = \"sim\"\nmodel = \"sim/atlas-pro\"\n\n[routes.gale]\nendpoint = \"sim\"\nmodel = \"sim/gale-flaky\"\nstream = true\nretry = {{ attempts = 3, base_delay_ms = 1, max_delay_ms = 5 }}\ntimeouts = {{ first_byte_s = 1, idle_s = 1, total_s = 5 }}\n\n[routes.mini]\nendpoint = \"sim\"\nmodel = \"sim/swift-mini\"\n\n[chains.gale-then-atlas]\nsteps = [\"gale\", \"atlas\"]\nfallback_on = [\"rate_limited\", \"server_error\", \"timeout\", \"malformed\", \"schema_invalid\"]\n\n{}{}",
        SUITE_HEAD.replace("BASE_URL", base_url),
        ds(
            "ticket_triage",
            &format!("schema = \"{}/datasets/ticket_triage/schema.json\"\nresponse_format = \"json_schema\"", root.display())
        ),
        ds("support_tools", &format!("tools = \"{}/datasets/support_tools/tools.json\"", root.display())),
    );
    let path = dir.join("suite.toml");
    std::fs::write(&path, suite).unwrap();
    path
}

/// The simulator `write_suite`'s suite runs on: the bundled models, knowing both datasets.
fn suite_sim(rt: &tokio::runtime::Runtime) -> routeval_sim::SimServer {
    start_sim_with(
        rt,
        None,
        &["ticket_triage/cases.jsonl", "support_tools/cases.jsonl"],
        None,
        SimOptions {
            seed: 11,
            latency_scale: 0.0,
        },
    )
}

/// `models sync` stores the simulator's catalog; `models suggest --format json` lists
/// the synced models that can serve a dataset, cheapest first, unpriced ones last.
#[test]
fn models_suggest_reads_the_synced_catalog_as_json() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = suite_sim(&rt);
    let dir = tempfile::tempdir().unwrap();
    write_suite(dir.path(), &sim.base_url());
    let db = format!("sqlite://{}", dir.path().join("m.db").display());
    let out = routeval(
        dir.path(),
        &["models", "sync", "--suite", "suite.toml", "--db", &db],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = routeval(
        dir.path(),
        &["models", "list", "--db", &db, "--format", "json"],
        &[],
    );
    let listed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(listed.as_array().is_some_and(|m| !m.is_empty()), "{listed}");
    let args = [
        "models",
        "suggest",
        "support_tools",
        "--suite",
        "suite.toml",
        "--db",
        &db,
        "--max",
        "3",
        "--format",
        "json",
    ];
    let out = routeval(dir.path(), &args, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["needs"]["tools"], true, "{v}");
    let candidates = v["candidates"].as_array().unwrap();
    assert!(!candidates.is_empty() && candidates.len() <= 3, "{v}");
    let costs: Vec<f64> = candidates
        .iter()
        .map(|c| c["cost_per_case"].as_f64().unwrap_or(f64::INFINITY))
        .collect();
    assert!(
        costs.windows(2).all(|w| w[0] <= w[1]),
        "cheapest first: {costs:?}"
    );
}

#[test]
fn run_then_rank_agrees_with_plain_sql() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = suite_sim(&rt);
    let dir = tempfile::tempdir().unwrap();
    write_suite(dir.path(), &sim.base_url());
    let db = format!("sqlite://{}", dir.path().join("r.db").display());

    // Scripts read what `validate` and `run --dry-run` would send, and the run's id.
    let json_of = |args: &[&str]| -> Value {
        let out = routeval(dir.path(), args, &[]);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}"))
    };
    let valid = json_of(&["validate", "suite.toml", "--db", &db, "--format", "json"]);
    assert_eq!(valid["valid"], true, "{valid}");
    assert_eq!(
        valid["pairs"]["send"].as_array().unwrap().len(),
        2 * 4,
        "{valid}"
    );
    let plan = json_of(&[
        "run",
        "suite.toml",
        "--db",
        &db,
        "--dry-run",
        "--format",
        "json",
    ]);
    assert_eq!(plan["send"], valid["pairs"]["send"], "one plan for both");
    assert_eq!(sim.requests(), 0, "nothing sent");

    let args = ["run", "suite.toml", "--db", &db, "--limit", "12", "--quiet"];
    let ran = json_of(&[&args[..], &["--format", "json"]].concat());
    assert_eq!(ran["status"], "completed", "{ran}");
    assert_eq!(ran["recorded"], 2 * 12 * 4, "{ran}");
    let run_id = ran["run_id"].as_str().unwrap();
    let runs: Vec<(String,)> = query(&rt, &db, "SELECT id FROM runs");
    assert_eq!(runs, [(run_id.to_string(),)]);
    assert!(
        sim.requests() >= 2 * 12 * 4,
        "every result went over HTTP: {}",
        sim.requests()
    );

    let out = routeval(dir.path(), &["rank", "--db", &db, "--format", "json"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let ranking: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(ranking["simulated"], true);

    let sql: Vec<(String, String, f64, i64, i64)> = query(
        &rt,
        &db,
        "SELECT r.dataset, r.target,
                (SELECT SUM(a.cost) FROM attempts a WHERE a.run_id = r.run_id AND a.dataset = r.dataset AND a.target = r.target),
                SUM(r.accepted), COUNT(*)
         FROM results r GROUP BY r.dataset, r.target",
    );
    assert_eq!(sql.len(), 2 * 4, "2 datasets x (3 routes + 1 chain)");
    let mut compared = 0;
    for dataset in ranking["datasets"].as_array().unwrap() {
        for m in dataset["eligible"]
            .as_array()
            .unwrap()
            .iter()
            .chain(dataset["ineligible"].as_array().unwrap())
        {
            let (_, _, cost, accepted, cases) = sql
                .iter()
                .find(|(d, t, ..)| {
                    d == m["dataset"].as_str().unwrap() && t == m["target"].as_str().unwrap()
                })
                .expect("every ranked pair is in the database");
            assert_eq!(m["cases"].as_i64().unwrap(), *cases);
            assert_eq!(m["accepted"].as_i64().unwrap(), *accepted);
            let expected = (*accepted > 0).then(|| cost / *accepted as f64);
            match (m["cost_per_accepted"].as_f64(), expected) {
                (Some(got), Some(want)) => {
                    assert!((got - want).abs() <= want * 1e-9, "{m}: {got} vs {want}")
                }
                (None, None) => {}
                other => panic!("cost per accepted disagrees for {m}: {other:?}"),
            }
            compared += 1;
        }
    }
    assert_eq!(compared, 8);

    let out = routeval(
        dir.path(),
        &["report", "--db", &db, "--out", "out", "--format", "md,html"],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let md_path = dir
        .path()
        .join(String::from_utf8_lossy(&out.stdout).lines().next().unwrap());
    let md = std::fs::read_to_string(md_path).unwrap();
    assert!(md.contains("**Simulated.**"));
    assert!(md.contains("## ticket_triage"));

    let out = routeval(dir.path(), &["export", "registry", "--db", &db], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let registry: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(registry["source"]["simulated"], true);
    assert_eq!(registry["workflows"].as_array().unwrap().len(), 2);
    rt.block_on(sim.shutdown());
}

/// With an installed binary and no checkout: quickstart in an empty folder writes out
/// the suite built into the binary and runs the whole loop on it.
#[test]
fn quickstart_runs_from_an_empty_folder() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "quickstart",
        "--latency-scale",
        "0",
        "--db",
        "sqlite://q.db",
        "--out",
        "out",
        "--format",
        "json",
    ];
    let out = routeval(dir.path(), &args, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let done: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(done["simulated"], true, "{done}");
    assert_eq!(done["datasets"].as_array().unwrap().len(), 6, "{done}");
    let bundle = dir.path().join("routeval-quickstart");
    assert!(bundle.join("routeval.toml").is_file());
    assert!(bundle.join("datasets/ticket_triage/cases.jsonl").is_file());
    assert!(bundle.join("scorers/ticket_triage.toml").is_file());
    assert!(dir.path().join("out/registry.json").is_file());
}

/// `init` writes a starter suite for OpenRouter that validates as it is, with the data
/// it names beside it, and never replaces a suite unless told to.
#[test]
fn init_writes_a_starter_suite_that_validates() {
    let dir = tempfile::tempdir().unwrap();
    let out = routeval(dir.path(), &["init"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(dir
        .path()
        .join("datasets/ticket_triage/schema.json")
        .is_file());
    let out = routeval(dir.path(), &["validate", "suite.toml", "--offline"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("suite.toml is valid"));
    let before = std::fs::read_to_string(dir.path().join("suite.toml")).unwrap();
    let out = routeval(dir.path(), &["init"], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--force"), "{}", stderr(&out));
    let after = std::fs::read_to_string(dir.path().join("suite.toml")).unwrap();
    assert_eq!(before, after, "left as it was");
}

/// The whole loop a newcomer runs (quickstart, then rank, report, export, rescore,
/// compare and chains on what it recorded) on each database backend.
#[test]
fn quickstart_loop_works_on_every_backend() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dbs = rt.block_on(routeval_store::testing::TestDb::each());
    // The backends side by side: each loop is a few processes, mostly waiting.
    std::thread::scope(|s| {
        for db in &dbs {
            s.spawn(|| quickstart_loop(&db.url, db.backend));
        }
    });
}

fn quickstart_loop(db: &str, backend: &str) {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let quickstart = [
        "quickstart",
        "--db",
        db,
        "--out",
        out_dir.to_str().unwrap(),
        "--latency-scale",
        "0",
    ];
    let out = routeval(&repo_root(), &quickstart, &[]);
    assert_eq!(out.status.code(), Some(0), "{backend}: {}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("SIMULATED"), "{stdout}");
    for dataset in [
        "ticket_triage",
        "invoice_extraction",
        "support_tools",
        "support_tools_multi_turn",
        "support_bot",
        "long_document",
    ] {
        assert!(stdout.contains(dataset), "{backend}: {stdout}");
    }
    let files: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(files.iter().any(|f| f.ends_with(".md")), "{files:?}");
    let md_name = files.iter().find(|f| f.ends_with(".md")).unwrap();
    let md = std::fs::read_to_string(out_dir.join(md_name)).unwrap();
    assert!(
        !md.contains("Privacy policy violations"),
        "the bundled routes keep their data where the policy allows"
    );
    assert!(
        md.contains("Model-graded checks") && md.contains("Against the baseline `atlas-pro`"),
        "{backend}: the judge and the baseline comparison are in the report"
    );
    assert!(
        md.contains("| `tiny-context` | `capability.context_length`"),
        "{backend}: long documents are kept from the 4k-context route"
    );
    assert!(files.iter().any(|f| f.ends_with(".html")), "{files:?}");
    let registry: Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("registry.json")).unwrap())
            .unwrap();
    assert_eq!(registry["workflows"].as_array().unwrap().len(), 6);

    // Then everything a team does with a run, from another folder.
    let succeed = |args: &[&str]| {
        let mut args = args.to_vec();
        args.extend(["--db", db]);
        let out = routeval(dir.path(), &args, &[]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(0), "{backend} {args:?}: {err}");
        out.stdout
    };
    let json = |args: &[&str]| -> Value {
        let stdout = succeed(args);
        serde_json::from_slice(&stdout).unwrap_or_else(|e| panic!("{backend} {args:?}: {e}"))
    };
    let ranking = json(&["rank", "--format", "json"]);
    let datasets = ranking["datasets"].as_array().unwrap().len();
    assert_eq!(datasets, 6, "{backend}: {ranking}");
    let registry = json(&["export", "registry"]);
    let workflows = registry["workflows"].as_array().unwrap().len();
    assert_eq!(workflows, 6, "{backend}: {registry}");
    let run_id = ranking["run"]["id"].as_str().unwrap().to_string();
    let compare = json(&["compare", &run_id, &run_id, "--format", "json"]);
    assert!(!compare.is_null(), "{backend}: {compare}");
    let chains = json(&["chains", "--format", "json"]);
    assert!(!chains.is_null(), "{backend}: {chains}");
    succeed(&["rescore", "latest"]);
    succeed(&[
        "report",
        "--format",
        "md,html,junit,json,csv",
        "--out",
        "again",
    ]);
    assert!(
        dir.path().join("again").read_dir().unwrap().count() >= 5,
        "{backend}"
    );

    // In a GitHub Actions job, `report` appends its Markdown to the job's summary.
    let summary = dir.path().join("summary.md");
    let env = [("GITHUB_STEP_SUMMARY", summary.to_str().unwrap())];
    for _ in 0..2 {
        let args = ["report", "--format", "json", "--out", "again", "--db", db];
        let out = routeval(dir.path(), &args, &env);
        assert_eq!(out.status.code(), Some(0), "{backend}: {}", stderr(&out));
    }
    let text = std::fs::read_to_string(&summary).unwrap();
    let reports = text.matches("# routeval report").count();
    assert_eq!(reports, 2, "{backend}: appended once per report");
}

mod analysis;
mod export;

/// Numbers out of range and endpoints the HTTP client could not use are refused when the
/// suite loads, by `validate` and `run` alike: exit 2 naming file, line and key, no panic
/// (a negative, NaN or huge timeout used to panic building the route's client).
#[test]
fn out_of_range_settings_exit_2_naming_file_line_and_key() {
    let head = SUITE_HEAD.replace("BASE_URL", "http://127.0.0.1:1/api/v1");
    let route = "\n[routes.fast]\nendpoint = \"sim\"\nmodel = \"sim/atlas-pro\"\n";
    let cases: [(String, &str); 8] = [
        (
            format!("{head}{route}timeouts = {{ total_s = -1 }}\n"),
            "suite.toml:11: key `routes.fast.timeouts.total_s`",
        ),
        (
            format!("{head}{route}timeouts = {{ total_s = nan }}\n"),
            "suite.toml:11: key `routes.fast.timeouts.total_s`",
        ),
        (
            format!("{head}{route}timeouts = {{ total_s = 1e300 }}\n"),
            "suite.toml:11: key `routes.fast.timeouts.total_s`",
        ),
        (
            format!("{head}{route}concurrency = 0\n"),
            "suite.toml:11: key `routes.fast.concurrency`",
        ),
        (
            format!(
                "{}{route}",
                head.replace("name = \"t\"", "name = \"t\"\nconcurrency = 0")
            ),
            "suite.toml:2: key `concurrency`",
        ),
        (
            format!(
                "{}{route}",
                head.replace("name = \"t\"", "name = \"t\"\nbudget_usd = -5")
            ),
            "suite.toml:2: key `budget_usd`",
        ),
        (
            format!(
                "{}{route}",
                head.replace(
                    "simulated = true",
                    "simulated = true\nheaders = { \"X-Title\" = \"a\\nb\" }"
                )
            ),
            "suite.toml:7: key `endpoints.sim.headers.X-Title`",
        ),
        (
            format!(
                "{}{route}",
                head.replace("http://127.0.0.1:1/api/v1", "127.0.0.1:1/api/v1")
            ),
            "suite.toml:5: key `endpoints.sim.base_url`",
        ),
    ];
    for (suite, located) in cases {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("suite.toml"), &suite).unwrap();
        for args in [
            &["validate", "suite.toml"][..],
            &["run", "suite.toml", "--db", "sqlite://x.db"],
        ] {
            let out = routeval(dir.path(), args, &[]);
            let err = stderr(&out);
            assert_eq!(out.status.code(), Some(2), "{args:?}\n{suite}\n{err}");
            assert!(!err.contains("panicked"), "{err}");
            assert!(err.contains(located), "{args:?}: want {located}\n{err}");
            assert!(!dir.path().join("x.db").exists(), "nothing is opened");
        }
    }
}

/// `run`'s numeric flags are checked before anything is read: a budget that is not a
/// positive finite amount, a concurrency or a limit of 0 exit 2 with the flag named.
#[test]
fn out_of_range_run_flags_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let suite = repo_root().join("routeval.toml");
    let suite = suite.to_str().unwrap();
    for (flag, value) in [
        ("--budget", "-5"),
        ("--budget", "0"),
        ("--budget", "nan"),
        ("--budget", "inf"),
        ("--concurrency", "0"),
        ("--limit", "0"),
    ] {
        let arg = format!("{flag}={value}");
        let out = routeval(
            dir.path(),
            &["run", suite, "--db", "sqlite://x.db", &arg],
            &[],
        );
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{arg}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(
            err.contains(&format!("'{value}' for '{flag}")),
            "{arg}: {err}"
        );
        assert!(!dir.path().join("x.db").exists(), "nothing is opened");
    }
}

/// A provider preference routeval does not know loads (it is sent as written), and
/// `validate` warns of it by file, line and key, in text and JSON alike.
#[test]
fn validate_warns_of_unknown_provider_preferences() {
    let dir = tempfile::tempdir().unwrap();
    let suite = format!(
        "{}\n[routes.fast]\nendpoint = \"sim\"\nmodel = \"sim/atlas-pro\"\nprovider = {{ sort = \"price\", new_pref = 1 }}\n",
        SUITE_HEAD.replace("BASE_URL", "http://127.0.0.1:1/api/v1")
    );
    std::fs::write(dir.path().join("suite.toml"), suite).unwrap();
    let warning = "warn suite.toml:11: key `routes.fast.provider.new_pref`: not a provider \
                   preference routeval knows; sent as written";
    let out = routeval(
        dir.path(),
        &[
            "validate",
            "suite.toml",
            "--offline",
            "--db",
            "sqlite://x.db",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.lines().any(|l| l == warning), "{text}");
    let out = routeval(
        dir.path(),
        &[
            "validate",
            "suite.toml",
            "--offline",
            "--db",
            "sqlite://x.db",
            "--format",
            "json",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        json["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w == warning),
        "{json}"
    );
}
