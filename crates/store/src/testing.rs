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

/// A run as tests and benches start one: suite `s` from `routeval.toml`, started at 0,
/// simulated; change what a test needs with `NewRun { .., ..new_run(id) }`.
pub fn new_run(id: &str) -> crate::NewRun {
    crate::NewRun {
        id: id.into(),
        suite: "s".into(),
        suite_path: "routeval.toml".into(),
        started_at_ms: 0,
        config_json: "{}".into(),
        suite_toml: None,
        config_hash: "h".into(),
        git_rev: None,
        simulated: true,
    }
}

/// Copies of the completed run `from` as `copies` later nights of the same suite, for
/// benchmarks of a team's history: `{from}-night-K`, started K days later, every table of
/// the run copied in the database (results and their scores under new ids), with the
/// verdict of one result in `flip_every` (by id, shifted each night) reversed so nights
/// differ. Returns the new run ids, oldest first.
pub async fn copy_run_as_nights(
    store: &crate::Store,
    from: &str,
    copies: usize,
    flip_every: i64,
) -> crate::Result<Vec<String>> {
    use crate::tables::{self, TableDef};
    const DAY_MS: i64 = 86_400_000;
    let (low, high): (i64, i64) = with_pool!(store, |pool| sqlx::query_as(
        "SELECT COALESCE(MIN(id), 0), COALESCE(MAX(id), 0) FROM results WHERE run_id = $1"
    )
    .bind(from)
    .fetch_one(pool)
    .await)?;
    let (mut next_id,): (i64,) = with_pool!(store, |pool| sqlx::query_as(
        "SELECT COALESCE(MAX(id), 0) + 1 FROM results"
    )
    .fetch_one(pool)
    .await)?;
    // The copied columns of a table, each with what it is copied from: `run_id` (or the
    // run's own `id`) as the new run's, the result ids shifted; identity columns are the
    // database's, but a run's id and a result's id are given.
    let copied = |table: &TableDef, shift: i64, night: i64| -> (String, String) {
        let (columns, sources): (Vec<&str>, Vec<String>) = table
            .columns
            .iter()
            .filter(|c| c.name != "id" || matches!(table.name, "runs" | "results"))
            .map(|c| {
                let source = match (table.name, c.name) {
                    ("runs", "id") | (_, "run_id") => "$2".to_string(),
                    ("runs", "started_at") => format!("started_at + {}", night * DAY_MS),
                    ("runs", "finished_at") => format!("finished_at + {}", night * DAY_MS),
                    ("results", "id") => format!("id + {shift}"),
                    ("results", "accepted") => format!(
                        "CASE WHEN (id + {night}) % {flip_every} = 0 THEN NOT accepted ELSE accepted END"
                    ),
                    _ => c.name.to_string(),
                };
                (c.name, source)
            })
            .unzip();
        (columns.join(", "), sources.join(", "))
    };
    let mut ids = Vec::with_capacity(copies);
    for night in 1..=copies as i64 {
        let id = format!("{from}-night-{night}");
        let shift = next_id - low;
        let mut tx = crate::dialect::WriteTx::begin(store).await?;
        for table in tables::ALL {
            let filter = match table.name {
                "runs" => "WHERE id = $1",
                "scores" | "checks" | "models" | "model_prices" | "probes" | "result_scores" => {
                    continue
                }
                _ if table.columns.iter().any(|c| c.name == "run_id") => "WHERE run_id = $1",
                _ => continue,
            };
            let (columns, sources) = copied(table, shift, night);
            let sql = format!(
                "INSERT INTO {} ({columns}) SELECT {sources} FROM {} {filter}",
                table.name, table.name
            );
            execute(&mut tx, &sql, &[from, &id]).await?;
        }
        let scores = format!(
            "INSERT INTO scores ({}) SELECT s.result_id + {shift}, s.check_id, s.pass, s.value, s.detail
             FROM scores s JOIN results r ON r.id = s.result_id WHERE r.run_id = $1",
            copied(&tables::SCORES, shift, night).0
        );
        execute(&mut tx, &scores, &[from]).await?;
        tx.commit().await?;
        next_id += high - low + 1;
        ids.push(id);
    }
    if let crate::Pool::Postgres(pool) = &store.pool {
        // Ids were given here, not by the sequence the writer draws from.
        sqlx::query("SELECT setval(pg_get_serial_sequence('results', 'id'), MAX(id)) FROM results")
            .execute(pool)
            .await?;
    }
    Ok(ids)
}

/// `sql` with `binds` bound in order (`$1`, `$2`, ...), in the transaction.
async fn execute(tx: &mut crate::dialect::WriteTx, sql: &str, binds: &[&str]) -> crate::Result<()> {
    use crate::dialect::WriteTx;
    match tx {
        WriteTx::Sqlite(tx) => {
            let mut query = sqlx::query(sql);
            for bind in binds {
                query = query.bind(*bind);
            }
            query.execute(&mut **tx).await?;
        }
        WriteTx::Postgres(tx) => {
            let mut query = sqlx::query(sql);
            for bind in binds {
                query = query.bind(*bind);
            }
            query.execute(&mut **tx).await?;
        }
    }
    Ok(())
}
