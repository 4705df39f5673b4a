//! A run killed at any moment (SIGKILL) or stopped with Ctrl-C (SIGINT) resumes to
//! exactly one result per (target, case, repeat), without re-sending finished cases,
//! and leaves a sound database.

mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;
use support::{query, routeval_cmd, start_sim_with, stderr, triage_dataset, SimOptions};

const PROFILES: &str = r#"
[models."test/steady"]
name = "Steady"
context_length = 100000
prompt_price = 1.0
completion_price = 2.0
quality = 1.0
ttft_ms = 150
tokens_per_s = 400
"#;

const ROUTES: usize = 2;

fn write_suite(dir: &Path, base_url: &str) {
    let dataset = triage_dataset();
    let suite = format!(
        r#"name = "resume"
concurrency = 8

[endpoints.sim]
kind = "openrouter"
base_url = "{base_url}"
simulated = true

[routes.one]
endpoint = "sim"
model = "test/steady"

[routes.two]
endpoint = "sim"
model = "test/steady"
stream = true

{dataset}"#,
    );
    std::fs::write(dir.join("suite.toml"), suite).unwrap();
}

struct DbState {
    run_id: String,
    status: String,
    results: i64,
    distinct_results: i64,
    attempts: i64,
    integrity: String,
}

fn db_state(rt: &tokio::runtime::Runtime, db: &str) -> DbState {
    let (run_id, status): (String, String) = query(rt, db, "SELECT id, status FROM runs").remove(0);
    let (results,): (i64,) = query(rt, db, "SELECT COUNT(*) FROM results")[0];
    let (distinct_results,): (i64,) = query(
        rt,
        db,
        "SELECT COUNT(*) FROM (SELECT DISTINCT target, dataset, case_id, repeat FROM results)",
    )[0];
    let (attempts,): (i64,) = query(rt, db, "SELECT COUNT(*) FROM attempts")[0];
    let (integrity,): (String,) = query(rt, db, "PRAGMA integrity_check").remove(0);
    DbState {
        run_id,
        status,
        results,
        distinct_results,
        attempts,
        integrity,
    }
}

/// Start a run, interrupt it after `after` with `signal`, resume it, check the result.
fn interrupt_and_resume(after: Duration, signal: &str) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = start_sim_with(
        &rt,
        Some(PROFILES),
        &["ticket_triage/cases.jsonl"],
        None,
        SimOptions {
            seed: 3,
            latency_scale: 1.0,
        },
    );
    let dir = tempfile::tempdir().unwrap();
    write_suite(dir.path(), &sim.base_url());
    let db = format!("sqlite://{}", dir.path().join("r.db").display());
    let cases = 86;
    let jobs = (cases * ROUTES) as i64;

    let mut child = routeval_cmd(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .args(["run", "suite.toml", "--db", &db, "--quiet"])
        .spawn()
        .unwrap();
    std::thread::sleep(after);
    let status = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    if signal == "-INT" {
        assert_eq!(
            exit.code(),
            Some(4),
            "Ctrl-C drains and exits with the code of an interrupted run"
        );
    }

    let before = db_state(&rt, &db);
    assert_eq!(before.integrity, "ok");
    assert!(
        before.results < jobs,
        "interrupted before the end ({signal} after {after:?})"
    );
    assert_eq!(before.results, before.distinct_results);
    // Attempts are written with their result: nothing half-recorded survives a kill.
    assert_eq!(before.attempts, before.results);
    if signal == "-INT" {
        assert_eq!(before.status, "interrupted");
    }

    let sent_before = sim.requests();
    let out = routeval_cmd(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .args([
            "run",
            "suite.toml",
            "--db",
            &db,
            "--quiet",
            "--resume",
            &before.run_id,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let after_state = db_state(&rt, &db);
    assert_eq!(after_state.status, "completed");
    assert_eq!(
        after_state.results, jobs,
        "every (target, case, repeat) exactly once"
    );
    assert_eq!(after_state.distinct_results, jobs);
    assert_eq!(
        after_state.attempts, jobs,
        "one attempt per job: the steady model never fails"
    );
    assert_eq!(after_state.integrity, "ok");
    assert_eq!(
        (sim.requests() - sent_before) as i64,
        jobs - before.results,
        "resume sends only what was not recorded"
    );
    rt.block_on(sim.shutdown());
}

#[test]
fn sigkill_early_then_resume() {
    interrupt_and_resume(Duration::from_millis(700), "-KILL");
}

#[test]
fn sigkill_midway_then_resume() {
    interrupt_and_resume(Duration::from_millis(2200), "-KILL");
}

#[test]
fn ctrl_c_drains_then_resume() {
    interrupt_and_resume(Duration::from_millis(1500), "-INT");
}
