//! Set-up shared by the store's unit tests.

use crate::testing::TestDb;
use crate::Store;
use routeval_core::{AttemptRecord, CaseOutcome, ResultRecord, ScoreRecord};

/// A store in a fresh SQLite file, with the run `run_id` started. The file lasts as long
/// as the returned guard.
pub(crate) async fn store_with_run(run_id: &str) -> (TestDb, Store) {
    store_with_run_on(TestDb::sqlite(), run_id).await
}

/// A store on each backend there is (see [`TestDb::each`]), each with the run `run_id`
/// started: a test loops over them, so one test covers both databases.
pub(crate) async fn stores_with_run(run_id: &str) -> Vec<(TestDb, Store)> {
    let mut stores = Vec::new();
    for db in TestDb::each().await {
        stores.push(store_with_run_on(db, run_id).await);
    }
    stores
}

async fn store_with_run_on(db: TestDb, run_id: &str) -> (TestDb, Store) {
    let store = Store::open(&db.url)
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", db.backend));
    store
        .create_run(&crate::testing::new_run(run_id))
        .await
        .unwrap();
    (db, store)
}

/// An accepted outcome of case `case_id` on target `t` after `attempts` attempts.
pub(crate) fn outcome(case_id: &str, attempts: u32) -> CaseOutcome {
    let attempt = |i: u32| AttemptRecord {
        target: "t".into(),
        route: "r".into(),
        dataset: "d".into(),
        case_id: case_id.into(),
        http_attempt: i,
        request_id: format!("{case_id}-{i}"),
        ..AttemptRecord::default()
    };
    CaseOutcome {
        attempts: (0..attempts).map(attempt).collect(),
        result: ResultRecord {
            target: "t".into(),
            target_kind: "route".into(),
            dataset: "d".into(),
            case_id: case_id.into(),
            repeat: 0,
            accepted: true,
            served_step: Some(0),
            served_route: Some("r".into()),
            attempts,
            validation_retries: 0,
            transport_retries: attempts - 1,
            cost: Some(0.5),
            latency_ms: 1.0,
            ttft_ms: None,
            error_class: None,
            reason: "accepted".into(),
            scores: vec![ScoreRecord {
                check: "json".into(),
                pass: true,
                value: 1.0,
                detail: None,
            }],
        },
        judging: Default::default(),
    }
}
