//! What an attempt stored cut keeps beside it: the full sizes of its content, tool calls
//! and error (migration 0011), written by the writer and read back as written.

use routeval_core::record::CostSource;
use routeval_core::{AttemptRecord, CaseOutcome, ErrorClass, ResultRecord};
use routeval_store::{spawn_writer, NewRun, Store};

/// `http_attempt`, `content_bytes`, `tool_calls_bytes`, `error_bytes`.
type SizesRow = (i64, Option<i64>, Option<i64>, Option<i64>);

#[tokio::test]
async fn full_sizes_are_stored_beside_cut_texts() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("caps.db").display().to_string())
        .await
        .unwrap();
    store
        .create_run(&NewRun {
            id: "r1".into(),
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
    let attempt = |http_attempt: u32, content: Option<u64>, error: Option<u64>| AttemptRecord {
        target: "t".into(),
        route: "t".into(),
        dataset: "d".into(),
        case_id: "c".into(),
        http_attempt,
        request_id: format!("r1-1-{http_attempt}"),
        request_hash: "h".into(),
        error_class: error.map(|_| ErrorClass::ServerError),
        error_message: error.map(|n| format!("HTTP 500: xx…[truncated, {n} bytes in all]")),
        error_bytes: error,
        content: content.map(|n| format!("xx…[truncated, {n} bytes in all]")),
        content_bytes: content,
        tool_calls: content.map(|_| "[]".into()),
        tool_calls_bytes: content.map(|_| 2),
        cost: Some(0.0),
        cost_source: Some(CostSource::Reported),
        ..AttemptRecord::default()
    };
    let outcome = CaseOutcome {
        attempts: vec![
            attempt(0, None, Some(20_971_600)),
            attempt(1, Some(5_242_880), None),
        ],
        result: ResultRecord {
            target: "t".into(),
            target_kind: "route".into(),
            dataset: "d".into(),
            case_id: "c".into(),
            repeat: 0,
            accepted: true,
            served_step: Some(0),
            served_route: Some("t".into()),
            attempts: 2,
            validation_retries: 0,
            transport_retries: 1,
            cost: Some(0.0),
            latency_ms: 1.0,
            ttft_ms: None,
            error_class: None,
            reason: "ok".into(),
            scores: Vec::new(),
        },
        judging: Default::default(),
    };
    let writer = spawn_writer(&store, "r1", 4);
    writer.sender.send(outcome).await.unwrap();
    drop(writer.sender);
    writer.task.await.unwrap().unwrap();

    let rows: Vec<SizesRow> = sqlx::query_as(
        "SELECT http_attempt, content_bytes, tool_calls_bytes, error_bytes FROM attempts
         ORDER BY http_attempt",
    )
    .fetch_all(store.sqlite_pool().unwrap())
    .await
    .unwrap();
    assert_eq!(
        rows,
        [
            (0, None, None, Some(20_971_600)),
            (1, Some(5_242_880), Some(2), None)
        ]
    );
}
