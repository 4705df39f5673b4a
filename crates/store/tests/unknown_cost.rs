//! An attempt whose cost is unknown (billed, but no price to compute it from) is stored
//! as NULL, not 0, and so is its result's cost; a database written before costs could
//! be unknown opens with every cost kept.

use routeval_core::record::CostSource;
use routeval_core::{AttemptRecord, CaseOutcome, ResultRecord};
use routeval_store::{spawn_writer, NewRun, Store};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::SqlitePool;
use std::borrow::Cow;

fn outcome(case_id: &str, costs: &[Option<f64>]) -> CaseOutcome {
    let attempts: Vec<AttemptRecord> = costs
        .iter()
        .enumerate()
        .map(|(i, cost)| AttemptRecord {
            target: "t".into(),
            route: "t".into(),
            dataset: "d".into(),
            case_id: case_id.into(),
            http_attempt: i as u32,
            request_id: format!("{case_id}-{i}"),
            status: Some(200),
            prompt_tokens: Some(10),
            completion_tokens: Some(5),
            cost: *cost,
            cost_source: Some(if cost.is_some() {
                CostSource::Reported
            } else {
                CostSource::Unknown
            }),
            ..AttemptRecord::default()
        })
        .collect();
    CaseOutcome {
        result: ResultRecord {
            target: "t".into(),
            target_kind: "route".into(),
            dataset: "d".into(),
            case_id: case_id.into(),
            repeat: 0,
            accepted: true,
            served_step: Some(0),
            served_route: Some("t".into()),
            attempts: attempts.len() as u32,
            validation_retries: 0,
            transport_retries: 0,
            cost: routeval_core::record::total_cost(costs.iter().copied()),
            latency_ms: 1.0,
            ttft_ms: None,
            error_class: None,
            reason: "accepted".into(),
            scores: Vec::new(),
        },
        attempts,
        judging: Default::default(),
    }
}

#[tokio::test]
async fn an_unknown_cost_is_stored_as_null() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("t.db").display().to_string())
        .await
        .unwrap();
    store
        .create_run(&NewRun {
            id: "run".into(),
            suite: "s".into(),
            suite_path: "routeval.toml".into(),
            started_at_ms: 0,
            config_json: "{}".into(),
            suite_toml: None,
            config_hash: "h".into(),
            git_rev: None,
            simulated: true,
        })
        .await
        .unwrap();
    let writer = spawn_writer(&store, "run", 4);
    for o in [
        outcome("known", &[Some(0.25), Some(0.5)]),
        outcome("unknown", &[Some(0.25), None]),
    ] {
        writer.sender.send(o).await.unwrap();
    }
    drop(writer.sender);
    writer.task.await.unwrap().unwrap();

    let attempts: Vec<(String, Option<f64>, Option<String>)> = sqlx::query_as(
        "SELECT case_id, cost, cost_source FROM attempts ORDER BY case_id, http_attempt",
    )
    .fetch_all(store.sqlite_pool().unwrap())
    .await
    .unwrap();
    assert_eq!(
        attempts,
        vec![
            ("known".into(), Some(0.25), Some("reported".into())),
            ("known".into(), Some(0.5), Some("reported".into())),
            ("unknown".into(), Some(0.25), Some("reported".into())),
            ("unknown".into(), None, Some("unknown".into())),
        ]
    );
    let results: Vec<(String, Option<f64>)> =
        sqlx::query_as("SELECT case_id, cost FROM results ORDER BY case_id")
            .fetch_all(store.sqlite_pool().unwrap())
            .await
            .unwrap();
    assert_eq!(
        results,
        vec![("known".into(), Some(0.75)), ("unknown".into(), None)]
    );
    let read: Vec<Option<f64>> = store
        .results("run")
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.cost)
        .collect();
    assert!(
        read.contains(&None) && read.contains(&Some(0.75)),
        "{read:?}"
    );
}

#[tokio::test]
async fn costs_written_before_they_could_be_unknown_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let options = SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true);
    let pool = SqlitePool::connect_with(options).await.unwrap();
    let mut before = sqlx::migrate::Migrator::new(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../migrations"
    )))
    .await
    .unwrap();
    let upto = before
        .migrations
        .iter()
        .position(|m| m.description == "unknown cost")
        .expect("the unknown-cost migration");
    before.migrations = Cow::Owned(before.migrations[..upto].to_vec());
    before.run(&pool).await.unwrap();
    for statement in [
        "INSERT INTO runs (id, suite, suite_path, started_at, status, config_json, config_hash)
         VALUES ('r1', 's', 's.toml', 0, 'completed', '{}', 'h')",
        "INSERT INTO results (id, run_id, target, target_kind, dataset, case_id, repeat, accepted,
            attempts, validation_retries, transport_retries, cost, latency_ms, reason)
         VALUES (7, 'r1', 't', 'route', 'd', 'a', 0, 1, 1, 0, 0, 0.5, 10.0, 'x')",
        "INSERT INTO checks (id, name) VALUES (1, 'json')",
        "INSERT INTO scores (result_id, check_id, pass, value) VALUES (7, 1, 1, 1.0)",
        "INSERT INTO attempts (id, run_id, target, route, chain_step, dataset, case_id, repeat,
            try_index, http_attempt, request_id, request_hash, cost, latency_ms, started_at)
         VALUES (3, 'r1', 't', 't', 0, 'd', 'a', 0, 0, 0, 'q', 'h', 0.5, 10.0, 0)",
        "INSERT INTO judge_attempts (run_id, target, dataset, case_id, repeat, check_name,
            judge_route, cache_key, http_attempt, request_id, cost, latency_ms, started_at)
         VALUES ('r1', 't', 'd', 'a', 0, 'policy', 'j', 'k', 0, 'jq', 0.125, 5.0, 0)",
    ] {
        sqlx::query(statement).execute(&pool).await.unwrap();
    }
    pool.close().await;

    let store = Store::open(&path.display().to_string()).await.unwrap();
    let kept: (i64, f64, i64, f64, f64, String) = sqlx::query_as(
        "SELECT r.id, r.cost, a.id, a.cost, j.cost, v.check_name
         FROM results r, attempts a, judge_attempts j, result_scores v",
    )
    .fetch_one(store.sqlite_pool().unwrap())
    .await
    .unwrap();
    assert_eq!(kept, (7, 0.5, 3, 0.5, 0.125, "json".into()));
    sqlx::query("UPDATE attempts SET cost = NULL")
        .execute(store.sqlite_pool().unwrap())
        .await
        .expect("attempts.cost takes NULL");
    sqlx::query("UPDATE results SET cost = NULL")
        .execute(store.sqlite_pool().unwrap())
        .await
        .expect("results.cost takes NULL");
    sqlx::query("UPDATE judge_attempts SET cost = NULL")
        .execute(store.sqlite_pool().unwrap())
        .await
        .expect("judge_attempts.cost takes NULL");
}
