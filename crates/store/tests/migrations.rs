//! A database written before scores were keyed by result id opens with every result
//! and score kept, each score still on its own result.

use routeval_store::Store;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::SqlitePool;
use std::borrow::Cow;

#[tokio::test]
async fn scores_keyed_by_text_move_onto_result_ids() {
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
        .position(|m| m.description == "result ids")
        .expect("the result-id migration");
    before.migrations = Cow::Owned(before.migrations[..upto].to_vec());
    before.run(&pool).await.unwrap();

    sqlx::query(
        "INSERT INTO runs (id, suite, suite_path, started_at, status, config_json, config_hash)
         VALUES ('r1', 's', 's.toml', 0, 'completed', '{}', 'h')",
    )
    .execute(&pool)
    .await
    .unwrap();
    // Two scorings of case a, one of case b, inserted out of key order.
    for (case, scoring, accepted) in [("b", 0, 1), ("a", 0, 0), ("a", 1, 1)] {
        sqlx::query(
            "INSERT INTO results (run_id, target, target_kind, dataset, case_id, repeat, scoring, accepted,
                attempts, validation_retries, transport_retries, cost, latency_ms, reason)
             VALUES ('r1', 't', 'route', 'd', ?, 0, ?, ?, 1, 0, 0, 0.5, 10.0, 'x')",
        )
        .bind(case)
        .bind(scoring)
        .bind(accepted)
        .execute(&pool)
        .await
        .unwrap();
        for check in ["json", "enum.priority"] {
            sqlx::query(
                "INSERT INTO scores (run_id, target, dataset, case_id, repeat, scoring, check_name, pass, value, detail)
                 VALUES ('r1', 't', 'd', ?, 0, ?, ?, ?, ?, ?)",
            )
            .bind(case)
            .bind(scoring)
            .bind(check)
            .bind(accepted)
            .bind(f64::from(accepted))
            .bind(format!("{case}/{scoring}/{check}"))
            .execute(&pool)
            .await
            .unwrap();
        }
    }
    pool.close().await;

    let store = Store::open(&path.display().to_string()).await.unwrap();
    let rows: Vec<(String, i64, String, bool, Option<String>)> = sqlx::query_as(
        "SELECT case_id, scoring, check_name, pass, detail FROM result_scores
         ORDER BY case_id, scoring, check_name",
    )
    .fetch_all(store.sqlite_pool().unwrap())
    .await
    .unwrap();
    let expect = [("a", 0, false), ("a", 1, true), ("b", 0, true)];
    assert_eq!(rows.len(), 6);
    for (row, (case, scoring, pass)) in rows
        .chunks(2)
        .zip(expect)
        .flat_map(|(pair, e)| pair.iter().map(move |r| (r, e)))
    {
        assert_eq!((row.0.as_str(), row.1, row.3), (case, scoring, pass));
        assert_eq!(
            row.4.as_deref(),
            Some(format!("{case}/{scoring}/{}", row.2).as_str())
        );
    }
    let (ids,): (i64,) = sqlx::query_as("SELECT COUNT(DISTINCT id) FROM results")
        .fetch_one(store.sqlite_pool().unwrap())
        .await
        .unwrap();
    assert_eq!(ids, 3);
    assert_eq!(store.integrity_check().await.unwrap(), "ok");
}
