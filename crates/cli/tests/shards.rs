//! A run split across processes (`--shard K/N --run-id ID`): N processes writing one run
//! into one database at once record every result exactly once, the same results a
//! single process records, and together stay within the suite budget.

mod support;

use routeval_store::testing::TestDb;
use routeval_store::Store;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;
use support::{routeval, routeval_cmd, start_sim, stderr, triage_dataset};

/// Two models alike, one per route: the simulator's draws for a prompt depend on how
/// many requests that model has had for it, so each route has a model of its own.
const PROFILES: &str = r#"
[models."test/steady"]
name = "Steady"
context_length = 100000
prompt_price = 1.0
completion_price = 2.0
quality = 0.8
ttft_ms = 150
tokens_per_s = 400

[models."test/steady-b"]
name = "Steady B"
context_length = 100000
prompt_price = 1.0
completion_price = 2.0
quality = 0.8
ttft_ms = 150
tokens_per_s = 400
"#;

const CASES: &str = "60";

fn write_suite(dir: &Path, base_url: &str, budget: Option<f64>) {
    let dataset = triage_dataset();
    let budget = budget.map_or(String::new(), |b| format!("budget_usd = {b}\n"));
    let suite = format!(
        r#"name = "shards"
concurrency = 8
{budget}
[endpoints.sim]
kind = "openrouter"
base_url = "{base_url}"
simulated = true

[routes.one]
endpoint = "sim"
model = "test/steady"
params = {{ max_tokens = 200 }}

[routes.two]
endpoint = "sim"
model = "test/steady-b"
params = {{ max_tokens = 200 }}
stream = true

{dataset}"#,
    );
    std::fs::write(dir.join("suite.toml"), suite).unwrap();
}

/// What a run recorded that must not depend on how it was split: each result's key
/// and verdict, and how many of each check's verdicts passed.
#[derive(Debug, PartialEq)]
struct Recorded {
    results: BTreeMap<(String, String, String, i64), bool>,
    checks: BTreeMap<(String, String), (usize, usize)>,
}

fn recorded(rt: &tokio::runtime::Runtime, db: &str, run_id: &str) -> Recorded {
    rt.block_on(async {
        let store = Store::open_existing(db).await.unwrap();
        let rows = store.results(run_id).await.unwrap();
        let results: BTreeMap<_, _> = rows
            .iter()
            .map(|r| {
                let key = (
                    r.target.clone(),
                    r.dataset.clone(),
                    r.case_id.clone(),
                    r.repeat,
                );
                (key, r.accepted)
            })
            .collect();
        assert_eq!(results.len(), rows.len(), "every result exactly once");
        let mut checks = BTreeMap::new();
        for s in store.scores(run_id).await.unwrap() {
            let entry: &mut (usize, usize) = checks.entry((s.target, s.check_name)).or_default();
            entry.0 += 1;
            entry.1 += usize::from(s.pass);
        }
        store.close().await;
        Recorded { results, checks }
    })
}

fn shard(dir: &Path, db: &str, k: u32, extra: &[&str]) -> std::process::Child {
    shard_of(dir, db, k, 4, "night-1", extra)
}

/// Shard K/N of run `run_id`, writing `db`.
fn shard_of(
    dir: &Path,
    db: &str,
    k: u32,
    n: u32,
    run_id: &str,
    extra: &[&str],
) -> std::process::Child {
    routeval_cmd(dir)
        .args(["run", "suite.toml", "--quiet", "--limit", CASES, "--db", db])
        .args(["--shard", &format!("{k}/{n}"), "--run-id", run_id])
        .args(extra)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

fn all_succeed(children: Vec<std::process::Child>) -> Vec<Output> {
    children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect()
}

#[test]
fn three_shard_processes_record_what_one_process_does() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let whole_dir = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();

    for (whole, split) in rt
        .block_on(TestDb::each())
        .into_iter()
        .zip(rt.block_on(TestDb::each()))
    {
        let backend = whole.backend;
        let summary = whole_dir.path().join(format!("summary-{backend}.md"));
        // A simulator each, started alike: the same seed sees the same requests.
        let whole_sim = start_sim(&rt, Some(PROFILES), &["ticket_triage/cases.jsonl"], None);
        write_suite(whole_dir.path(), &whole_sim.base_url(), None);
        let sim = start_sim(&rt, Some(PROFILES), &["ticket_triage/cases.jsonl"], None);
        write_suite(dir.path(), &sim.base_url(), None);
        let out = routeval(
            whole_dir.path(),
            &[
                "run",
                "suite.toml",
                "--quiet",
                "--limit",
                CASES,
                "--db",
                &whole.url,
                "--run-id",
                "whole",
            ],
            &[("GITHUB_STEP_SUMMARY", summary.to_str().unwrap())],
        );
        assert!(out.status.success(), "{backend}: {}", stderr(&out));
        let text = std::fs::read_to_string(&summary).unwrap();
        assert!(
            text.contains("Run `whole`"),
            "{backend}: the job summary: {text}"
        );

        let outs = all_succeed(
            (1..=3)
                .map(|k| shard_of(dir.path(), &split.url, k, 3, "night-1", &[]))
                .collect(),
        );
        for (k, out) in outs.iter().enumerate() {
            assert!(
                out.status.success(),
                "{backend} shard {}: {}",
                k + 1,
                stderr(out)
            );
        }
        let single = recorded(&rt, &whole.url, "whole");
        let sharded = recorded(&rt, &split.url, "night-1");
        assert_eq!(single.results.len(), 2 * 60, "{backend}");
        assert_eq!(
            sharded, single,
            "{backend}: the shards together are the whole run"
        );

        rt.block_on(async {
            let store = Store::open_existing(&split.url).await.unwrap();
            let run = store.run("night-1").await.unwrap();
            assert_eq!(run.status, "completed", "{backend}");
            let shards = store.run_shards("night-1").await.unwrap();
            assert_eq!(shards.len(), 3, "{backend}");
            assert!(shards
                .iter()
                .all(|s| s.status == "completed" && s.lease_owner.is_none()));
            let ids = store
                .query_i64("SELECT COUNT(DISTINCT request_id) - COUNT(*) FROM attempts")
                .await
                .unwrap();
            assert_eq!(ids, 0, "{backend}: no request id used twice across shards");
            let cases = store.query_i64("SELECT COUNT(*) FROM cases").await.unwrap();
            let whole = Store::open_existing(&whole.url).await.unwrap();
            let all = whole.query_i64("SELECT COUNT(*) FROM cases").await.unwrap();
            whole.close().await;
            assert_eq!(cases, all, "{backend}: the shards recorded each case once");
            store.close().await;
        });

        // `status` shows the run and each shard; so does the report.
        let out = routeval(
            dir.path(),
            &["status", "night-1", "--db", &split.url, "--format", "json"],
            &[],
        );
        assert!(out.status.success(), "{backend}: {}", stderr(&out));
        let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(status["run"]["status"], "completed", "{backend}: {status}");
        assert_eq!(status["shard_count"], 3, "{backend}: {status}");
        assert_eq!(
            status["shards"].as_array().unwrap().len(),
            3,
            "{backend}: {status}"
        );
        let out = routeval(dir.path(), &["status", "night-1", "--db", &split.url], &[]);
        let table = String::from_utf8_lossy(&out.stdout);
        assert!(
            table.contains("3/3") && table.contains("completed"),
            "{backend}: {table}"
        );
        let out = routeval(
            dir.path(),
            &[
                "report", "--run", "night-1", "--db", &split.url, "--format", "md", "--out", "rep",
            ],
            &[],
        );
        assert!(out.status.success(), "{backend}: {}", stderr(&out));
        let md: String = std::fs::read_dir(dir.path().join("rep"))
            .unwrap()
            .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
            .collect();
        assert!(
            md.contains("Split across 3 shards, 3 started") && md.contains("| 2/3 | completed |"),
            "{backend}: {md}"
        );
        std::fs::remove_dir_all(dir.path().join("rep")).unwrap();

        // A shard that is run again finds its results recorded and sends nothing.
        let again = all_succeed(vec![shard_of(dir.path(), &split.url, 2, 3, "night-1", &[])]);
        assert!(again[0].status.success(), "{}", stderr(&again[0]));
        assert_eq!(recorded(&rt, &split.url, "night-1"), sharded, "{backend}");
    }
}

#[test]
fn shards_share_one_budget_and_agree_on_the_split() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = start_sim(&rt, Some(PROFILES), &["ticket_triage/cases.jsonl"], None);
    let dir = tempfile::tempdir().unwrap();
    // Enough for some of the cases, not all: every shard wants more than its quarter.
    let budget = 0.02;
    write_suite(dir.path(), &sim.base_url(), Some(budget));
    for db in rt.block_on(TestDb::each()) {
        let outs = all_succeed(
            (1..=4)
                .map(|k| shard(dir.path(), &db.url, k, &[]))
                .collect(),
        );
        let codes: Vec<Option<i32>> = outs.iter().map(|o| o.status.code()).collect();
        assert!(
            codes.contains(&Some(5)),
            "{}: some shard meets the budget: {codes:?}",
            db.backend
        );
        let hint = outs
            .iter()
            .map(stderr)
            .find(|e| e.contains("budget_exhausted"))
            .unwrap();
        assert!(
            hint.contains("--run-id night-1"),
            "a shard resumes as itself: {hint}"
        );
        rt.block_on(async {
            let store = Store::open_existing(&db.url).await.unwrap();
            let spent = store.run_spend("night-1").await.unwrap();
            assert!(
                spent > 0.0 && spent <= budget,
                "{}: spent {spent}",
                db.backend
            );
            store.close().await;
        });

        // Another N, or no run id, is refused before anything is sent.
        let out = routeval(
            dir.path(),
            &[
                "run",
                "suite.toml",
                "--db",
                &db.url,
                "--shard",
                "1/3",
                "--run-id",
                "night-1",
            ],
            &[],
        );
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("split into 4 shards, not 3"),
            "{}",
            stderr(&out)
        );
        let out = routeval(
            dir.path(),
            &["run", "suite.toml", "--db", &db.url, "--shard", "1/3"],
            &[("GITHUB_RUN_ID", ""), ("CI_PIPELINE_ID", "")],
        );
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains("--run-id"), "{}", stderr(&out));
    }
}

/// Merge the files at `names` (in `dir`) into `into`; the output.
fn merge(dir: &Path, names: &[&str], into: &str, extra: &[&str]) -> Output {
    let mut args = vec!["merge"];
    args.extend_from_slice(names);
    args.extend_from_slice(&["--into", into]);
    args.extend_from_slice(extra);
    routeval(dir, &args, &[])
}

/// Teams without a database server: each shard writes a file of its own (a CI
/// artifact), and `merge` makes them one run, the same one a single process records.
/// Files of another suite, a shard twice or a shard missing are refused before the
/// target is touched; `--allow-partial` merges what is there and the missing shard
/// completes the run later; a second night is appended to the same history file.
#[test]
fn three_shard_files_merged_record_what_one_process_does() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let whole_dir = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let whole_sim = start_sim(&rt, Some(PROFILES), &["ticket_triage/cases.jsonl"], None);
    write_suite(whole_dir.path(), &whole_sim.base_url(), None);
    let out = routeval(
        whole_dir.path(),
        &[
            "run",
            "suite.toml",
            "--quiet",
            "--limit",
            CASES,
            "--db",
            "whole.db",
            "--run-id",
            "whole",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let single = recorded(&rt, &path_in(whole_dir.path(), "whole.db"), "whole");
    assert_eq!(single.results.len(), 2 * 60);

    let sim = start_sim(&rt, Some(PROFILES), &["ticket_triage/cases.jsonl"], None);
    write_suite(dir.path(), &sim.base_url(), None);
    let files = ["shard-1.db", "shard-2.db", "shard-3.db"];
    let outs = all_succeed(
        (1..=3)
            .map(|k| shard_of(dir.path(), files[k - 1], k as u32, 3, "night-1", &[]))
            .collect(),
    );
    for out in &outs {
        assert!(out.status.success(), "{}", stderr(out));
    }
    // Each file alone holds its shard (an artifact is uploaded without its `-wal`).
    for f in files {
        let wal = dir.path().join(format!("{f}-wal"));
        let pending = std::fs::metadata(&wal).map_or(0, |m| m.len());
        assert_eq!(
            pending, 0,
            "{f} left {pending} bytes of write-ahead log beside it"
        );
    }

    // Refusals, each before the target exists.
    let refused = |out: Output, says: &str| {
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(
            stderr(&out).contains(says),
            "wanted `{says}`: {}",
            stderr(&out)
        );
        assert!(
            !dir.path().join("night.db").exists(),
            "nothing written on a refusal"
        );
    };
    refused(
        merge(dir.path(), &files[..2], "night.db", &[]),
        "missing shard 3/3",
    );
    std::fs::copy(dir.path().join("shard-2.db"), dir.path().join("again.db")).unwrap();
    refused(
        merge(
            dir.path(),
            &["shard-1.db", "shard-2.db", "again.db", "shard-3.db"],
            "night.db",
            &[],
        ),
        "shard 2/3 of run night-1 is in both shard-2.db and again.db",
    );
    let other = tempfile::tempdir().unwrap();
    write_suite(other.path(), &sim.base_url(), Some(5.0));
    let out = all_succeed(vec![shard_of(
        other.path(),
        dir.path().join("other.db").to_str().unwrap(),
        1,
        3,
        "night-1",
        &[],
    )]);
    assert!(out[0].status.success(), "{}", stderr(&out[0]));
    refused(
        merge(
            dir.path(),
            &["other.db", "shard-2.db", "shard-3.db"],
            "night.db",
            &[],
        ),
        "from different suites",
    );

    // The whole night: exactly the single process's results, verdicts and checks.
    let out = merge(dir.path(), &files, "night.db", &["--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let merged: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(merged["status"], "completed", "{merged}");
    assert_eq!(merged["results"], 120, "{merged}");
    let night = path_in(dir.path(), "night.db");
    assert_eq!(recorded(&rt, &night, "night-1"), single);
    rt.block_on(async {
        let store = Store::open_existing(&night).await.unwrap();
        assert_eq!(store.run("night-1").await.unwrap().status, "completed");
        assert_eq!(store.run_shards("night-1").await.unwrap().len(), 3);
        let count = |db: String, sql: &'static str| async move {
            let s = Store::open_existing(&db).await.unwrap();
            let n = s.query_i64(sql).await.unwrap();
            s.close().await;
            n
        };
        for table in ["attempts", "cases", "datasets", "targets"] {
            let sql: &'static str = Box::leak(format!("SELECT COUNT(*) FROM {table}").into());
            let mut parts = 0;
            for f in files {
                parts += count(path_in(dir.path(), f), sql).await;
            }
            let ours = store.query_i64(sql).await.unwrap();
            let expected = if matches!(table, "datasets" | "targets") {
                parts / 3
            } else {
                parts
            };
            assert_eq!(ours, expected, "{table}");
        }
        assert_eq!(store.integrity_check().await.unwrap(), "ok");
        store.close().await;
    });
    // The same files again: the run is there already.
    let out = merge(dir.path(), &files, "night.db", &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("shard 1/3 of run night-1 is in both night.db and shard-1.db"));

    // A partial night is merged as interrupted, and its missing shard, run against the
    // merged file, completes it.
    let out = merge(dir.path(), &files[..2], "partial.db", &["--allow-partial"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("missing shard 3/3"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let partial = path_in(dir.path(), "partial.db");
    rt.block_on(async {
        let store = Store::open_existing(&partial).await.unwrap();
        let run = store.run("night-1").await.unwrap();
        assert_eq!(run.status, "interrupted");
        store.close().await;
    });
    let out = all_succeed(vec![shard_of(
        dir.path(),
        "partial.db",
        3,
        3,
        "night-1",
        &[],
    )]);
    assert!(out[0].status.success(), "{}", stderr(&out[0]));
    rt.block_on(async {
        let store = Store::open_existing(&partial).await.unwrap();
        assert_eq!(store.run("night-1").await.unwrap().status, "completed");
        assert_eq!(store.results("night-1").await.unwrap().len(), 120);
        store.close().await;
    });

    // The next night joins the history file beside the first.
    let night2: Vec<String> = (1..=3).map(|k| format!("n2-{k}.db")).collect();
    let outs = all_succeed(
        (1..=3)
            .map(|k| shard_of(dir.path(), &night2[k - 1], k as u32, 3, "night-2", &[]))
            .collect(),
    );
    assert!(outs.iter().all(|o| o.status.success()));
    let names: Vec<&str> = night2.iter().map(String::as_str).collect();
    let out = merge(dir.path(), &names, "night.db", &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    rt.block_on(async {
        let store = Store::open_existing(&night).await.unwrap();
        let runs: Vec<String> = store
            .runs()
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(runs, ["night-2", "night-1"]);
        assert_eq!(store.results("night-2").await.unwrap().len(), 120);
        store.close().await;
    });
    assert_eq!(
        recorded(&rt, &night, "night-1"),
        single,
        "the first night is as it was"
    );
    let out = routeval(
        dir.path(),
        &["compare", "--db", "night.db", "--baseline", "previous"],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
}

fn path_in(dir: &Path, name: &str) -> String {
    dir.join(name).to_str().unwrap().to_string()
}
