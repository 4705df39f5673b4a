//! Set-up shared by the store's unit tests.

use crate::{NewRun, Store};

/// A store in a fresh temporary directory, with the run `run_id` started. The directory
/// lasts as long as the returned guard.
pub(crate) async fn store_with_run(run_id: &str) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("test.db").display().to_string())
        .await
        .unwrap();
    store
        .create_run(&NewRun {
            id: run_id.into(),
            suite: "s".into(),
            suite_path: "routeval.toml".into(),
            started_at_ms: 0,
            config_json: "{}".into(),
            config_hash: "h".into(),
            git_rev: None,
            simulated: true,
        })
        .await
        .unwrap();
    (dir, store)
}
