//! The engine in-process against the simulator: a run records every result once and
//! reports every outcome and its end; route filters skip a dataset and say so; a run
//! held by another process is refused; a rescore writes a new numbered scoring.

use routeval_engine::prepare::prepare;
use routeval_engine::rescore::{rescore, RescoreOptions};
use routeval_engine::run::{execute, RunControl, RunOptions};
use routeval_engine::{EngineError, Event, Observer};
use routeval_runner::RunStatus;
use routeval_sim::{Profiles, SimConfig, SimServer};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

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

/// Cases of each dataset sent: enough to fan out, few enough to be quick.
const LIMIT: usize = 5;

/// Read when the test runs: a test binary reused by a shared build cache must read
/// this checkout's files.
fn repo_root() -> PathBuf {
    Path::new(&std::env::var_os("CARGO_MANIFEST_DIR").expect("run by cargo test"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

async fn start_sim() -> SimServer {
    let root = repo_root();
    let config = SimConfig {
        profiles: Profiles::parse(Path::new("test-profiles.toml"), PROFILES).unwrap(),
        case_files: ["ticket_triage", "invoice_extraction"]
            .iter()
            .map(|d| root.join("datasets").join(d).join("cases.jsonl"))
            .collect(),
        seed: 3,
        latency_scale: 0.0,
        api_key: None,
    };
    routeval_sim::serve(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

/// Two routes on two models; ticket triage runs on `one` only, invoices on both.
fn write_suite(dir: &Path, base_url: &str) -> PathBuf {
    let r = repo_root();
    let suite = format!(
        r#"name = "engine"
concurrency = 4

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

[datasets.ticket_triage]
path = "{r}/datasets/ticket_triage/cases.jsonl"
task = "classification"
scorer = "{r}/scorers/ticket_triage.toml"
system_prompt = "{r}/datasets/ticket_triage/system.txt"
schema = "{r}/datasets/ticket_triage/schema.json"
response_format = "json_schema"
targets = ["one"]

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
    let path = dir.join("suite.toml");
    std::fs::write(&path, suite).unwrap();
    path
}

/// What an observer saw, owned.
#[derive(Debug, Clone, PartialEq)]
enum Seen {
    Skipped(String),
    Excluded(String, String),
    Resuming(usize),
    Started(u64),
    Case(String, String, String),
    Finished(RunStatus, u64),
    Failed(String),
    Rescored(String, usize),
    Warning(String),
}

#[derive(Default)]
struct Recorder(Mutex<Vec<Seen>>);

impl Recorder {
    fn seen(&self) -> Vec<Seen> {
        self.0.lock().unwrap().clone()
    }
}

impl Observer for Recorder {
    fn event(&self, event: &Event<'_>) {
        let seen = match event {
            Event::DatasetSkipped { dataset } => Seen::Skipped(dataset.to_string()),
            Event::PairExcluded { exclusion } => {
                Seen::Excluded(exclusion.dataset.clone(), exclusion.target.clone())
            }
            Event::Resuming { recorded, .. } => Seen::Resuming(*recorded),
            Event::RunStarted { jobs, .. } => Seen::Started(*jobs),
            Event::CaseFinished { outcome } => Seen::Case(
                outcome.result.dataset.clone(),
                outcome.result.target.clone(),
                outcome.result.case_id.clone(),
            ),
            Event::RunFinished { summary, .. } => Seen::Finished(summary.status, summary.outcomes),
            Event::RunFailed { reason, .. } => Seen::Failed(reason.to_string()),
            Event::DatasetRescored {
                dataset, results, ..
            } => Seen::Rescored(dataset.to_string(), *results),
            Event::Warning(text) => Seen::Warning(text.clone()),
        };
        self.0.lock().unwrap().push(seen);
    }
}

fn db_of(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("r.db").display())
}

fn options(db: &str) -> RunOptions {
    RunOptions {
        db: db.to_string(),
        limit: Some(LIMIT),
        ..RunOptions::default()
    }
}

async fn count(db: &str, sql: &str) -> i64 {
    let pool = sqlx::SqlitePool::connect(db).await.unwrap();
    let (n,): (i64,) = sqlx::query_as(sql).fetch_one(&pool).await.unwrap();
    pool.close().await;
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_records_every_result_once_and_reports_every_outcome() {
    let sim = start_sim().await;
    let dir = tempfile::tempdir().unwrap();
    let suite = write_suite(dir.path(), &sim.base_url());
    let db = db_of(dir.path());
    let recorder = Arc::new(Recorder::default());
    let prepared = prepare(&suite, &[], &[], recorder.as_ref()).unwrap();
    let finished = execute(
        &prepared,
        &options(&db),
        &RunControl::default(),
        recorder.clone(),
    )
    .await
    .unwrap();

    // Triage on `one`, invoices on `one` and `two`.
    let jobs = (LIMIT * 3) as u64;
    assert_eq!(finished.summary.status, RunStatus::Completed);
    assert_eq!(finished.summary.outcomes, jobs);
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM results").await,
        jobs as i64
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM (SELECT DISTINCT target, dataset, case_id, repeat FROM results)"
        )
        .await,
        jobs as i64
    );
    assert_eq!(sim.requests() as u64, jobs, "one request per case");
    let status: String = {
        let pool = sqlx::SqlitePool::connect(&db).await.unwrap();
        let (s,): (String,) = sqlx::query_as("SELECT status FROM runs")
            .fetch_one(&pool)
            .await
            .unwrap();
        pool.close().await;
        s
    };
    assert_eq!(status, "completed");

    let seen = recorder.seen();
    assert_eq!(seen.first(), Some(&Seen::Started(jobs)), "{seen:?}");
    assert_eq!(
        seen.last(),
        Some(&Seen::Finished(RunStatus::Completed, jobs)),
        "{seen:?}"
    );
    let mut cases: Vec<&Seen> = seen
        .iter()
        .filter(|s| matches!(s, Seen::Case(..)))
        .collect();
    assert_eq!(cases.len() as u64, jobs, "every outcome, once");
    cases.sort_by_key(|s| format!("{s:?}"));
    cases.dedup();
    assert_eq!(cases.len() as u64, jobs);

    // Taken up again, it finds everything recorded and sends nothing.
    let again = Arc::new(Recorder::default());
    let mut resume = options(&db);
    resume.resume = Some(finished.run_id.clone());
    let before = sim.requests();
    let resumed = execute(&prepared, &resume, &RunControl::default(), again.clone())
        .await
        .unwrap();
    assert_eq!(resumed.summary.status, RunStatus::Completed);
    assert_eq!(sim.requests(), before, "nothing sent twice");
    let seen = again.seen();
    assert_eq!(
        seen.first(),
        Some(&Seen::Resuming(jobs as usize)),
        "{seen:?}"
    );
    assert!(
        !seen.iter().any(|s| matches!(s, Seen::Case(..))),
        "{seen:?}"
    );
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM results").await,
        jobs as i64
    );

    // A rescore of the run grades the stored answers again, calling no model, into
    // scoring 1; the live verdicts stay. The suite's own scorers give the verdicts the
    // run gave, so scoring 1 stores none of its own: its view is the live verdicts.
    let rescorer = Recorder::default();
    let before = sim.requests();
    let rescored = rescore(
        &RescoreOptions {
            db: db.clone(),
            run: finished.run_id.clone(),
            ..RescoreOptions::default()
        },
        &rescorer,
    )
    .await
    .unwrap();
    assert_eq!(rescored.run_id, finished.run_id);
    assert_eq!(rescored.scoring, 1);
    assert_eq!(rescored.results as u64, jobs);
    assert_eq!(sim.requests(), before, "rescoring calls no model");
    assert_eq!(
        rescorer.seen(),
        vec![
            Seen::Rescored("invoice_extraction".into(), LIMIT * 2),
            Seen::Rescored("ticket_triage".into(), LIMIT),
        ]
    );
    assert_eq!(rescored.changed, 0, "the same scorers changed a verdict");
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM results WHERE scoring = 1").await,
        0
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM rescored_results WHERE scoring = 1 AND kept_live"
        )
        .await,
        jobs as i64
    );
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM results WHERE scoring = 0").await,
        jobs as i64
    );
    let again = rescore(
        &RescoreOptions {
            db: db.clone(),
            run: "latest".into(),
            ..RescoreOptions::default()
        },
        &routeval_engine::Silent,
    )
    .await
    .unwrap();
    assert_eq!(again.scoring, 2, "each rescore is numbered anew");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_route_filter_skips_a_dataset_and_says_so() {
    let sim = start_sim().await;
    let dir = tempfile::tempdir().unwrap();
    let suite = write_suite(dir.path(), &sim.base_url());
    let db = db_of(dir.path());
    let recorder = Arc::new(Recorder::default());
    let prepared = prepare(&suite, &["two".to_string()], &[], recorder.as_ref()).unwrap();
    assert_eq!(
        recorder.seen(),
        vec![Seen::Skipped("ticket_triage".into())],
        "triage runs on `one` only"
    );
    assert_eq!(prepared.datasets.len(), 1);
    let finished = execute(
        &prepared,
        &options(&db),
        &RunControl::default(),
        recorder.clone(),
    )
    .await
    .unwrap();
    assert_eq!(finished.summary.outcomes, LIMIT as u64);
    assert_eq!(
        sim.requests_for("test/steady"),
        0,
        "route `one` not asked for"
    );
    assert_eq!(sim.requests_for("test/other"), LIMIT as u64);
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM results WHERE target <> 'two'").await,
        0
    );

    // A filter that selects nothing sends nothing: bad input.
    let err = prepare(
        &suite,
        &["two".to_string()],
        &["ticket_triage".to_string()],
        recorder.as_ref(),
    )
    .err()
    .expect("nothing to send");
    assert!(matches!(err, EngineError::Input(_)), "{err:#}");
    assert!(format!("{err:#}").contains("nothing to send"), "{err:#}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_held_by_another_process_is_refused_and_sends_nothing() {
    let sim = start_sim().await;
    let dir = tempfile::tempdir().unwrap();
    let suite = write_suite(dir.path(), &sim.base_url());
    let db = db_of(dir.path());
    let prepared = prepare(&suite, &[], &[], &routeval_engine::Silent).unwrap();
    let mut opts = options(&db);
    opts.limit = Some(1);
    let first = execute(
        &prepared,
        &opts,
        &RunControl::default(),
        Arc::new(routeval_engine::Silent),
    )
    .await
    .unwrap();

    let store = routeval_store::Store::open(&db).await.unwrap();
    let taken = store
        .take_lease(
            &first.run_id,
            "elsewhere",
            std::time::Duration::from_secs(60),
            routeval_runner::now_ms(),
        )
        .await
        .unwrap();
    assert!(matches!(taken, routeval_store::Lease::Taken { .. }));
    store.close().await;

    let before = sim.requests();
    opts.resume = Some(first.run_id.clone());
    opts.limit = Some(LIMIT);
    let recorder = Arc::new(Recorder::default());
    let err = execute(&prepared, &opts, &RunControl::default(), recorder.clone())
        .await
        .expect_err("held elsewhere");
    assert!(matches!(err, EngineError::Held(_)), "{err:#}");
    assert!(
        format!("{err:#}").contains("is being run by another process"),
        "{err:#}"
    );
    assert_eq!(sim.requests(), before);
    assert!(recorder.seen().is_empty(), "{:?}", recorder.seen());
    sim.shutdown().await;
}
