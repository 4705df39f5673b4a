//! Fresh databases for tests, of this crate and of the others: the same test runs on
//! SQLite and on PostgreSQL (a real server, from `ROUTEVAL_TEST_PG`), so there is one
//! suite of store tests, not one per database.
//!
//! `scripts/test.sh` starts a throwaway PostgreSQL cluster and sets `ROUTEVAL_TEST_PG`.
//! Without it the PostgreSQL half of each test is skipped with a message, except under
//! CI (`CI` set), where a missing server fails the test.

use sqlx::Connection;
use std::sync::atomic::{AtomicU32, Ordering};

/// An empty database for one test. Its SQLite folder lasts as long as the value.
pub struct TestDb {
    /// What `--db` or [`crate::Store::open`] takes.
    pub url: String,
    /// "sqlite" or "postgres", for messages.
    pub backend: &'static str,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// A new SQLite file in a fresh temporary folder.
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("a temporary folder");
        Self {
            url: dir.path().join("test.db").display().to_string(),
            backend: "sqlite",
            _dir: Some(dir),
        }
    }

    /// A new database on the test server, or `None` (and a message) when there is none.
    pub async fn postgres() -> Option<Self> {
        let Some(server) = postgres_server() else {
            eprintln!("ROUTEVAL_TEST_PG is not set: the PostgreSQL half of this test is skipped");
            return None;
        };
        let url = fresh_postgres_database(&server, "routeval_test").await;
        Some(Self {
            url,
            backend: "postgres",
            _dir: None,
        })
    }

    /// One fresh database of each backend there is: SQLite, then PostgreSQL when a test
    /// server is set.
    pub async fn each() -> Vec<Self> {
        let mut dbs = vec![Self::sqlite()];
        dbs.extend(Self::postgres().await);
        dbs
    }
}

/// The test server's URL: `ROUTEVAL_TEST_PG`. Under CI it must be set.
pub fn postgres_server() -> Option<String> {
    match std::env::var("ROUTEVAL_TEST_PG") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var_os("CI").is_some() => {
            panic!("CI is set but ROUTEVAL_TEST_PG is not: run the tests with scripts/test.sh")
        }
        _ => None,
    }
}

/// A new, empty database on the PostgreSQL server at `server` (any database URL on it),
/// named `PREFIX_pid_n_nanos`; its URL.
pub async fn fresh_postgres_database(server: &str, prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let name = format!(
        "{prefix}_{}_{}_{nanos:x}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let mut conn = sqlx::PgConnection::connect(server)
        .await
        .unwrap_or_else(|e| panic!("the server {server}: {e}"));
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
    conn.close().await.ok();
    let mut url = url::Url::parse(server).expect("a database URL");
    url.set_path(&name);
    url.to_string()
}
