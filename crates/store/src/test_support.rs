//! Set-up shared by the store's unit tests.

use crate::testing::TestDb;
use crate::{NewRun, Store};

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
        .create_run(&NewRun {
            id: run_id.into(),
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
    (db, store)
}
