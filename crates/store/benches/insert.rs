//! Insert rate of the store's writer: synthetic case outcomes shaped like what the bench
//! suite records (one attempt with its stored answer, nine score rows per result) sent
//! through `spawn_writer`, which writes them with `write_batch` in batched transactions,
//! into a real SQLite file (WAL, migrations applied). Prints results/s, attempts/s,
//! score rows/s and the file size per million attempts, median of the repetitions.
//!
//! `cargo bench -p routeval-store --bench insert`
//! (`BENCH_RESULTS`, default 1,000,000; `BENCH_REPS`, default 3; `BENCH_WRITER_CAPACITY`,
//! default 128: what `routeval run` gives the writer at concurrency 64; `BENCH_PG`, a
//! PostgreSQL server URL: write into a fresh database there instead of a SQLite file.)

use routeval_core::record::CostSource;
use routeval_core::{AttemptRecord, CaseOutcome, ResultRecord, ScoreRecord};
use routeval_store::{spawn_writer, NewRun, Store};
use std::time::Instant;

const ROUTES: usize = 4;
const ANSWER: &str = r#"{"category": "billing", "priority": "high", "escalate": false}"#;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

fn score(check: &str, value: f64, detail: Option<&str>) -> ScoreRecord {
    ScoreRecord {
        check: check.into(),
        pass: true,
        value,
        detail: detail.map(str::to_string),
    }
}

/// The outcome of case `case` on route `route`, as a live run of the bench suite writes it.
fn outcome(run_id: &str, n: usize, route: usize, case: usize) -> CaseOutcome {
    let target = format!("r{route}");
    let case_id = format!("b-{case:08}");
    let attempt = AttemptRecord {
        target: target.clone(),
        route: target.clone(),
        dataset: "bench".into(),
        case_id: case_id.clone(),
        request_id: format!("{run_id}-{n:07}"),
        request_hash: format!("{:016x}", (n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)),
        status: Some(200),
        served_model: Some("bench/static".into()),
        served_provider: Some("Static".into()),
        generation_id: Some("gen-bench".into()),
        prompt_tokens: Some(120),
        completion_tokens: Some(18),
        cost: Some(0.000_042),
        cost_source: Some(CostSource::Reported),
        latency_ms: 2.5,
        finish_reason: Some("stop".into()),
        native_finish_reason: Some("stop".into()),
        content: Some(ANSWER.into()),
        started_at_ms: 1_795_608_296_983 + n as i64,
        ..AttemptRecord::default()
    };
    CaseOutcome {
        attempts: vec![attempt],
        result: ResultRecord {
            target: target.clone(),
            target_kind: "route".into(),
            dataset: "bench".into(),
            case_id,
            repeat: 0,
            accepted: true,
            served_step: Some(0),
            served_route: Some(target),
            attempts: 1,
            validation_retries: 0,
            transport_retries: 0,
            cost: Some(0.000_042),
            latency_ms: 2.5,
            ttft_ms: None,
            error_class: None,
            reason: "accepted".into(),
            scores: vec![
                score("json", 1.0, None),
                score("schema", 1.0, None),
                score(
                    "enum.category",
                    1.0,
                    Some(r#"{"expected":"billing","got":"billing"}"#),
                ),
                score(
                    "enum.priority",
                    1.0,
                    Some(r#"{"expected":"high","got":"high"}"#),
                ),
                score(
                    "enum.escalate",
                    1.0,
                    Some(r#"{"expected":false,"got":false}"#),
                ),
                score("enum", 1.0, None),
                score(
                    "retries.attempts",
                    1.0,
                    Some("1 request(s): 0 validation retries, 0 transport retries"),
                ),
                score("retries.validation", 0.0, None),
                score("retries.needed", 0.0, Some("accepted on the first request")),
            ],
        },
        judging: Default::default(),
    }
}

struct Figures {
    secs: f64,
    bytes: u64,
    attempts: i64,
    scores: i64,
}

/// A fresh database on the server `server` names; its URL.
async fn fresh_postgres(server: &str, rep: usize) -> String {
    use sqlx::Connection;
    let name = format!("routeval_insert_bench_{}_{rep}", std::process::id());
    let mut conn = sqlx::PgConnection::connect(server).await.expect("BENCH_PG");
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
        .execute(&mut conn)
        .await
        .expect("drop");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("create");
    conn.close().await.ok();
    let mut url = url::Url::parse(server).expect("BENCH_PG is a URL");
    url.set_path(&name);
    url.to_string()
}

async fn once(results: usize, capacity: usize, pg: Option<&str>, rep: usize) -> Figures {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("insert.db");
    let url = match pg {
        Some(server) => fresh_postgres(server, rep).await,
        None => path.display().to_string(),
    };
    let store = Store::open(&url).await.expect("open");
    let run_id = "20261125-000000-bench";
    store
        .create_run(&NewRun {
            id: run_id.into(),
            suite: "bench".into(),
            suite_path: "bench.toml".into(),
            started_at_ms: 0,
            config_json: "{}".into(),
            suite_toml: None,
            config_hash: "h".into(),
            git_rev: None,
            simulated: false,
        })
        .await
        .expect("run");
    let cases = results.div_ceil(ROUTES);
    let writer = spawn_writer(&store, run_id, capacity);
    let start = Instant::now();
    let mut n = 0;
    'send: for case in 0..cases {
        for route in 0..ROUTES {
            if n == results {
                break 'send;
            }
            n += 1;
            let o = outcome(run_id, n, route, case);
            writer.sender.send(o).await.expect("writer alive");
        }
    }
    drop(writer.sender);
    let written = writer.task.await.expect("writer task").expect("writes");
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(written as usize, results);
    let attempts = store
        .query_i64("SELECT COUNT(*) FROM attempts")
        .await
        .expect("count");
    let scores = store
        .query_i64("SELECT COUNT(*) FROM scores")
        .await
        .expect("count");
    let bytes = match store.sqlite_pool() {
        Some(pool) => {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(pool)
                .await
                .expect("checkpoint");
            store.close().await;
            std::fs::metadata(&path).expect("db file").len()
        }
        None => {
            let size = store
                .query_i64("SELECT pg_database_size(current_database())")
                .await
                .expect("size");
            store.close().await;
            size as u64
        }
    };
    Figures {
        secs,
        bytes,
        attempts,
        scores,
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let results = env("BENCH_RESULTS", 1_000_000);
    let reps = env("BENCH_REPS", 3).max(1);
    let capacity = env("BENCH_WRITER_CAPACITY", 128);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    println!(
        "{results} results (1 attempt, 9 score rows each) through spawn_writer (capacity {capacity}), {reps} runs"
    );
    let pg = std::env::var("BENCH_PG").ok().filter(|v| !v.is_empty());
    let into = if pg.is_some() { "PostgreSQL" } else { "SQLite" };
    let mut runs = Vec::with_capacity(reps);
    for rep in 0..reps {
        let f = rt.block_on(once(results, capacity, pg.as_deref(), rep));
        println!(
            "  {:.2} s: {:>8.0} results/s, {:>8.0} attempts/s, {:>9.0} score rows/s, {:.0} MB",
            f.secs,
            results as f64 / f.secs,
            f.attempts as f64 / f.secs,
            f.scores as f64 / f.secs,
            f.bytes as f64 / 1_048_576.0
        );
        runs.push(f);
    }
    let secs = median(runs.iter().map(|f| f.secs).collect());
    let f = &runs[0];
    let per_million = median(
        runs.iter()
            .map(|f| f.bytes as f64 / f.attempts as f64 * 1e6 / 1_048_576.0)
            .collect(),
    );
    println!(
        "| store writer, {into}: {results} results in batched transactions (`write_batch`), median of {reps} | {:.0} results/s, {:.0} attempts/s, {:.0} score rows/s | |",
        results as f64 / secs,
        f.attempts as f64 / secs,
        f.scores as f64 / secs,
    );
    println!(
        "| store writer, {into}: database size (attempts, results, scores; no cases) | {per_million:.0} MB per million attempts | |"
    );
}
