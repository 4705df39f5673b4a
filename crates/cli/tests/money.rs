//! Nothing is sent that the user did not ask for, and nothing sent goes unrecorded:
//! filters only narrow, a writer that cannot write stops the run, one process at a time
//! holds a run, request ids stay unique across resumes, and exit codes say how a run ended.

mod support;

use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};
use support::{
    query, repo_root, routeval, routeval_cmd, start_sim_with, stderr, triage_dataset, SimOptions,
};

const PROFILES: &str = r#"
[models."test/steady"]
name = "Steady"
context_length = 100000
prompt_price = 1.0
completion_price = 2.0
quality = 1.0
ttft_ms = 150
tokens_per_s = 400

[models."test/other"]
name = "Other"
context_length = 100000
prompt_price = 1.0
completion_price = 2.0
quality = 1.0
ttft_ms = 150
tokens_per_s = 400
"#;

/// Two routes on two models (so the simulator counts each apart); ticket triage runs on
/// `one` only, invoices on both, each case `repeats` times.
fn write_suite(dir: &Path, base_url: &str, repeats: u32, concurrency: u32) {
    let r = repo_root();
    let dataset = triage_dataset();
    let suite = format!(
        r#"name = "money"
concurrency = {concurrency}
repeats = {repeats}

[endpoints.sim]
kind = "openrouter"
base_url = "{base_url}"
simulated = true

[routes.one]
endpoint = "sim"
model = "test/steady"

[routes.two]
endpoint = "sim"
model = "test/other"

{dataset}targets = ["one"]

[datasets.invoice_extraction]
path = "{r}/datasets/invoice_extraction/cases.jsonl"
task = "extraction"
scorer = "{r}/scorers/invoice_extraction.toml"
system_prompt = "{r}/datasets/invoice_extraction/system.txt"
schema = "{r}/datasets/invoice_extraction/schema.json"
response_format = "json_schema"
"#,
        r = r.display()
    );
    std::fs::write(dir.join("suite.toml"), suite).unwrap();
}

fn sim(rt: &tokio::runtime::Runtime, latency_scale: f64) -> routeval_sim::SimServer {
    start_sim_with(
        rt,
        Some(PROFILES),
        &[
            "ticket_triage/cases.jsonl",
            "invoice_extraction/cases.jsonl",
        ],
        None,
        SimOptions {
            seed: 3,
            latency_scale,
        },
    )
}

fn count(rt: &tokio::runtime::Runtime, db: &str, sql: &str) -> i64 {
    query::<(i64,)>(rt, db, sql)[0].0
}

/// Wait until the run has recorded at least `n` results (or panic after a while).
fn wait_for_results(rt: &tokio::runtime::Runtime, path: &Path, db: &str, n: i64) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if path.exists() {
            let rows: Vec<(i64,)> = rt.block_on(async {
                let Ok(pool) = sqlx::SqlitePool::connect(db).await else {
                    return vec![];
                };
                let rows = sqlx::query_as("SELECT COUNT(*) FROM results")
                    .fetch_all(&pool)
                    .await
                    .unwrap_or_default();
                pool.close().await;
                rows
            });
            if rows.first().is_some_and(|(c,)| *c >= n) {
                return;
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the run never recorded {n} results");
}

fn spawn_run(dir: &Path, db: &str, extra: &[&str], env: &[(&str, &str)]) -> Child {
    routeval_cmd(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .args(["run", "suite.toml", "--db", db, "--quiet"])
        .args(extra)
        .envs(env.iter().copied())
        .spawn()
        .unwrap()
}

/// `run --resume RUN` in the foreground.
fn resume(dir: &Path, db: &str, run_id: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "run",
        "suite.toml",
        "--db",
        db,
        "--quiet",
        "--resume",
        run_id,
    ];
    args.extend_from_slice(extra);
    routeval(dir, &args, &[])
}

/// Request ids recorded more than once in the run.
fn duplicate_request_ids(rt: &tokio::runtime::Runtime, db: &str) -> i64 {
    count(
        rt,
        db,
        "SELECT COUNT(*) - COUNT(DISTINCT request_id) FROM attempts",
    )
}

fn child_stderr(child: Child) -> (Option<i32>, String) {
    let out = child.wait_with_output().unwrap();
    (out.status.code(), stderr(&out))
}

#[test]
fn routes_filter_never_widens_and_counts_what_reached_the_endpoint() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = sim(&rt, 0.0);
    let dir = tempfile::tempdir().unwrap();
    write_suite(dir.path(), &sim.base_url(), 1, 8);
    let db = format!("sqlite://{}", dir.path().join("f.db").display());
    let out = routeval(
        dir.path(),
        &[
            "run",
            "suite.toml",
            "--db",
            &db,
            "--quiet",
            "--routes",
            "two",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("dataset ticket_triage: skipped: none of its targets is in --routes"),
        "{err}"
    );
    assert_eq!(
        sim.requests_for("test/steady"),
        0,
        "route `one` was not asked for: nothing reaches its model"
    );
    assert_eq!(sim.requests_for("test/other"), 70, "invoices on `two` only");
    assert_eq!(sim.requests(), 70);
    assert_eq!(
        count(
            &rt,
            &db,
            "SELECT COUNT(*) FROM results WHERE target <> 'two'"
        ),
        0
    );

    // A filter that selects nothing at all sends nothing and says so.
    let before = sim.requests();
    let out = routeval(
        dir.path(),
        &[
            "run",
            "suite.toml",
            "--db",
            &db,
            "--datasets",
            "ticket_triage",
            "--routes",
            "two",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("nothing to send"), "{}", stderr(&out));
    assert_eq!(sim.requests(), before);
    rt.block_on(sim.shutdown());
}

#[test]
fn validate_lists_exactly_the_pairs_run_sends() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = sim(&rt, 0.0);
    let dir = tempfile::tempdir().unwrap();
    write_suite(dir.path(), &sim.base_url(), 1, 8);
    let db = format!("sqlite://{}", dir.path().join("v.db").display());
    let out = routeval(dir.path(), &["validate", "suite.toml", "--db", &db], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut listed: Vec<String> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("send "))
        .map(|l| l.split(':').next().unwrap().trim().to_string())
        .collect();
    listed.sort();
    assert_eq!(sim.requests(), 0, "validate sends no completion");

    let out = routeval(
        dir.path(),
        &["run", "suite.toml", "--db", &db, "--quiet"],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut ran: Vec<String> = query::<(String, String)>(
        &rt,
        &db,
        "SELECT DISTINCT dataset, target FROM results ORDER BY dataset, target",
    )
    .into_iter()
    .map(|(d, t)| format!("{d} x {t}"))
    .collect();
    ran.sort();
    assert_eq!(listed, ran, "{stdout}");
    rt.block_on(sim.shutdown());
}

#[test]
fn a_writer_that_cannot_write_stops_the_run_which_resumes_exactly_once() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = sim(&rt, 0.2);
    let dir = tempfile::tempdir().unwrap();
    let concurrency = 4;
    write_suite(dir.path(), &sim.base_url(), 4, concurrency);
    let path = dir.path().join("w.db");
    let db = format!("sqlite://{}", path.display());
    let jobs = (86 + 70 * 2) * 4;

    let child = spawn_run(
        dir.path(),
        &db,
        &[],
        &[("ROUTEVAL_DB_BUSY_TIMEOUT_MS", "300")],
    );
    wait_for_results(&rt, &path, &db, 40);

    // Another process takes the database's write lock and keeps it.
    let (locked_tx, locked_rx) = std::sync::mpsc::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let holder_db = db.clone();
    let holder = std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            use sqlx::Connection;
            let mut conn = sqlx::SqliteConnection::connect(&holder_db).await.unwrap();
            sqlx::query("BEGIN IMMEDIATE")
                .execute(&mut conn)
                .await
                .unwrap();
            locked_tx.send(()).unwrap();
            let _ = release_rx.recv_timeout(Duration::from_secs(60));
            sqlx::query("ROLLBACK").execute(&mut conn).await.unwrap();
            conn.close().await.unwrap();
        });
    });
    locked_rx.recv().unwrap();
    let sent_at_lock = sim.requests();

    // The writer gives up after the busy timeout: the run must stop sending at once.
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut stopped_at = None;
    while Instant::now() < deadline {
        let now = sim.requests();
        std::thread::sleep(Duration::from_millis(1000));
        if sim.requests() == now {
            stopped_at = Some(now);
            break;
        }
    }
    let stopped_at = stopped_at.expect("requests kept coming while the database was locked");
    let after_lock = stopped_at - sent_at_lock;
    // In flight (c), queued for the writer (2c), and the batch it was writing (≤ 2c).
    let bound = u64::from(concurrency) * 5;
    assert!(
        after_lock <= bound,
        "{after_lock} requests sent after the writer lost the database (bound {bound})"
    );
    release_tx.send(()).unwrap();
    holder.join().unwrap();
    let (code, err) = child_stderr(child);
    assert_eq!(code, Some(3), "a failed run exits 3: {err}");
    let (status, reason): (String, Option<String>) =
        query(&rt, &db, "SELECT status, status_reason FROM runs").remove(0);
    assert_eq!(status, "failed", "{err}");
    let reason = reason.unwrap_or_default();
    assert!(
        reason.contains("locked") || reason.contains("busy"),
        "{reason}"
    );
    let recorded = count(&rt, &db, "SELECT COUNT(*) FROM results");
    assert!(recorded < jobs, "stopped before the end");

    let (run_id,): (String,) = query(&rt, &db, "SELECT id FROM runs").remove(0);
    let before_resume = sim.requests();
    let out = resume(dir.path(), &db, &run_id, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(count(&rt, &db, "SELECT COUNT(*) FROM results"), jobs);
    assert_eq!(
        count(
            &rt,
            &db,
            "SELECT COUNT(*) FROM (SELECT DISTINCT target, dataset, case_id, repeat FROM results)"
        ),
        jobs
    );
    assert_eq!(
        (sim.requests() - before_resume) as i64,
        jobs - recorded,
        "the resume sends only what was not recorded"
    );
    let resent = sim.requests() as i64 - jobs;
    assert!(
        resent <= bound as i64,
        "{resent} requests sent twice: more than were in flight when the writer stopped"
    );
    assert_eq!(
        duplicate_request_ids(&rt, &db),
        0,
        "request ids are unique within the run across its resume"
    );
    rt.block_on(sim.shutdown());
}

#[test]
fn one_live_process_per_run_and_a_dead_holder_is_taken_over() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = sim(&rt, 1.0);
    let dir = tempfile::tempdir().unwrap();
    write_suite(dir.path(), &sim.base_url(), 1, 2);
    let path = dir.path().join("l.db");
    let db = format!("sqlite://{}", path.display());
    let jobs = 86 + 70 * 2;

    let mut first = spawn_run(dir.path(), &db, &[], &[]);
    wait_for_results(&rt, &path, &db, 4);
    let (run_id,): (String,) = query(&rt, &db, "SELECT id FROM runs").remove(0);

    // A second process (a CI retry, another terminal) is refused and sends nothing.
    let sent = sim.requests();
    let out = resume(dir.path(), &db, &run_id, &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("is being run by another process"), "{err}");
    assert!(
        err.contains(&format!(":{}:", first.id())),
        "names the holder: {err}"
    );
    // Only the first process's own dispatch goes on (2 at a time, ~0.5 s each).
    assert!(
        sim.requests() - sent <= 8,
        "the refused process sent nothing"
    );

    // The holder dies without a word; its hold can be taken over at once on this host.
    first.kill().unwrap();
    first.wait().unwrap();
    let recorded = count(&rt, &db, "SELECT COUNT(*) FROM results");
    let out = resume(dir.path(), &db, &run_id, &["--concurrency", "16"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(recorded < jobs);
    assert_eq!(count(&rt, &db, "SELECT COUNT(*) FROM results"), jobs);
    assert_eq!(
        duplicate_request_ids(&rt, &db),
        0,
        "request ids are unique within the run across its resume"
    );
    let (status, owner): (String, Option<String>) =
        query(&rt, &db, "SELECT status, lease_owner FROM runs").remove(0);
    assert_eq!(status, "completed");
    assert_eq!(owner, None, "a finished process lets the run go");
    rt.block_on(sim.shutdown());
}

#[test]
fn a_run_stopped_by_its_budget_exits_5() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = sim(&rt, 0.0);
    let dir = tempfile::tempdir().unwrap();
    write_suite(dir.path(), &sim.base_url(), 1, 2);
    let db = format!("sqlite://{}", dir.path().join("b.db").display());
    let out = routeval(
        dir.path(),
        &[
            "run",
            "suite.toml",
            "--db",
            &db,
            "--quiet",
            "--budget",
            "0.02",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    let (status,): (String,) = query(&rt, &db, "SELECT status FROM runs").remove(0);
    assert_eq!(status, "budget_exhausted");
    rt.block_on(sim.shutdown());
}
