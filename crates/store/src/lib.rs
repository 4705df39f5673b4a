//! The results database: SQLite (a file, WAL) or PostgreSQL (a shared server), both
//! through sqlx with migrations applied on open, and a writer task per run that records
//! whole case outcomes in batched transactions.
//!
//! Queries are written once: [`with_pool!`] runs the same SQL (with `$N` placeholders,
//! which both accept) on whichever pool the store has, compiled for each. What differs
//! between the two lives in `dialect` (how a writing transaction starts, how result ids
//! are taken) and `bulk` (how millions of rows are read).
//!
//! This crate stores and reads back; it computes no metrics.

/// Run `$body` with `$pool` bound to the store's pool: an `&SqlitePool` or an `&PgPool`,
/// the body compiled for each.
macro_rules! with_pool {
    ($store:expr, |$pool:ident| $body:expr) => {
        match &$store.pool {
            $crate::Pool::Sqlite($pool) => $body,
            $crate::Pool::Postgres($pool) => $body,
        }
    };
}

/// The attempt whose answer a result used, joined as `a` to results `r`: the last
/// attempt (latest turn, then validate-and-retry round, then transport retry) of the
/// served chain step. A macro so queries can `concat!` it.
macro_rules! answer_attempt_join {
    () => {
        "LEFT JOIN attempts a ON a.id = (
         SELECT a2.id FROM attempts a2
         WHERE a2.run_id = r.run_id AND a2.dataset = r.dataset AND a2.target = r.target
           AND a2.case_id = r.case_id AND a2.repeat = r.repeat
           AND a2.chain_step = r.served_step
         ORDER BY a2.turn DESC, a2.try_index DESC, a2.http_attempt DESC
         LIMIT 1)"
    };
}

mod bulk;
#[macro_use]
mod dialect;
mod governance;
mod judge;
mod lease;
mod merge;
mod open;
mod probes;
mod read;
mod redact;
mod rescore;
mod review;
mod row;
mod shards;
mod tables;
#[cfg(test)]
mod test_support;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
mod verdict;
mod write;

// For `from_row!` in other crates.
#[doc(hidden)]
pub use sqlx as __sqlx;

pub use governance::ErrorDetailRow;
pub use judge::JudgeSpend;
pub use lease::{new_lease_owner, Lease, LeaseHolder};
pub use merge::MergedRun;
pub use read::HEADLINE_COLUMNS;
pub use rescore::StoredAnswer;
pub use review::ReviewAnswer;
pub use shards::{run_status_of_shards, JoinedRun};
pub use tables::{
    AttemptRow, CellSink, Column, ColumnType, DatasetRow, ExclusionRow, JudgeVerdictRow, ModelRow,
    ProbeRow, ResultRow, RunRow, ScoreRow, ShardRow, TableDef, TargetRow, ALL as TABLES, ATTEMPTS,
    CHECKS, JUDGE_ATTEMPTS, JUDGE_VERDICTS, RESULTS, RESULT_SCORES, SCORES,
};
pub use verdict::keeps_live;
pub use write::{spawn_writer, NewDataset, NewRun, WriterHandle, RUN_KIND_GRADED, RUN_KIND_SUITE};

/// Prepared statements kept per connection.
const STATEMENT_CACHE: usize = 16;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database {url}: {source}")]
    Open { url: String, source: sqlx::Error },
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("database: {0}")]
    BulkRead(#[from] rusqlite::Error),
    #[error("database: {0}")]
    Copy(String),
    #[error("no run `{0}` in the database")]
    NoSuchRun(String),
    #[error("the database holds no runs yet")]
    NoRuns,
    #[error("no database at {} (run `routeval run` first)", .0.display())]
    Missing(PathBuf),
    #[error("{} is a folder, not a database file", .0.display())]
    IsDirectory(PathBuf),
    #[error("{} is not a routeval database (not an SQLite file)", .0.display())]
    NotADatabase(PathBuf),
    #[error("database {} is read-only and this command writes to it", .0.display())]
    ReadOnly(PathBuf),
    #[error("cannot create database {}: its folder does not exist", .0.display())]
    NoFolder(PathBuf),
    #[error("cannot open database {} (check the path and its folder's permissions)", .0.display())]
    CannotOpen(PathBuf),
    /// A PostgreSQL server that refused or could not be reached: down, a wrong port,
    /// user, password or database name.
    #[error("cannot connect to database {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("database {} holds no routeval tables (run `routeval run` first)", .0.display())]
    NoSchema(PathBuf),
    #[error(
        "database {} was written by a newer routeval: schema version {found}, this build knows up to {known}",
        path.display()
    )]
    NewerSchema {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error(
        "database {} is at schema version {found} and this build reads version {known}: a command that writes to it (such as `routeval run`) upgrades it",
        path.display()
    )]
    OlderSchema {
        path: PathBuf,
        found: i64,
        known: i64,
    },
}

impl StoreError {
    /// Whether the problem is the database file the user named (missing, a folder, not a
    /// database, read-only, from another version), not a failure while using it.
    pub fn is_bad_path(&self) -> bool {
        matches!(
            self,
            StoreError::Missing(_)
                | StoreError::IsDirectory(_)
                | StoreError::NotADatabase(_)
                | StoreError::ReadOnly(_)
                | StoreError::NoFolder(_)
                | StoreError::CannotOpen(_)
                | StoreError::Unreachable { .. }
                | StoreError::NoSchema(_)
                | StoreError::NewerSchema { .. }
                | StoreError::OlderSchema { .. }
        )
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The database a store is on.
#[derive(Clone, Debug)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A handle on the results database.
#[derive(Clone, Debug)]
pub struct Store {
    pool: Pool,
    /// The database file (for bulk reads, see `bulk`), or the server's URL without its
    /// password: where the database is, as messages name it.
    path: std::path::PathBuf,
}

/// Whether `url` names a PostgreSQL server rather than an SQLite file.
pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

impl Store {
    /// Open (creating if needed) a database at `sqlite://PATH`, a plain path, or
    /// `postgres://...`, and bring its schema up to date. For commands that write.
    pub async fn open(url: &str) -> Result<Self> {
        if is_postgres_url(url) {
            return Self::open_postgres(url, true).await;
        }
        let url = sqlite_url(url);
        let options = SqliteConnectOptions::from_str(&url)
            .map_err(|source| StoreError::Open {
                url: url.clone(),
                source,
            })?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // NORMAL in WAL mode is durable across process crashes (kill -9), only a
            // power loss may drop the last transactions.
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(busy_timeout())
            // Checkpoint the WAL into the file every ~40 MB rather than every ~4 MB: the
            // pages a run keeps rewriting (the right edges of its tables and indexes) are
            // then copied once per checkpoint, not once per few commits.
            .pragma("wal_autocheckpoint", "10000")
            .foreign_keys(true)
            // Multi-row inserts are prepared per row count, and one prepared for thousands
            // of rows holds about a megabyte: a few are worth keeping, a hundred are not.
            .statement_cache_capacity(STATEMENT_CACHE);
        let path = options.get_filename().to_path_buf();
        open::check_writable(&path)?;
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(|source| open::connect_error(&url, &path, source))?;
        let store = Self {
            pool: Pool::Sqlite(pool.clone()),
            path,
        };
        open::refuse_newer(&store).await?;
        open::migrate_sqlite(&store, &pool).await?;
        redact::register_stored_keys(&store).await?;
        Ok(store)
    }

    /// Open an existing database for reading, as it is: never created, never migrated.
    /// A missing file, and a schema other than this build's, are refused (for commands
    /// that only read: `rank`, `report`, `compare`, `chains`, `export`, `models list`).
    pub async fn open_existing(url: &str) -> Result<Self> {
        if is_postgres_url(url) {
            return Self::open_postgres(url, false).await;
        }
        let url = sqlite_url(url);
        let options = SqliteConnectOptions::from_str(&url)
            .map_err(|source| StoreError::Open {
                url: url.clone(),
                source,
            })?
            .read_only(true)
            .busy_timeout(busy_timeout())
            .statement_cache_capacity(STATEMENT_CACHE);
        let path = options.get_filename().to_path_buf();
        open::check_readable(&path)?;
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(|source| open::connect_error(&url, &path, source))?;
        let store = Self {
            pool: Pool::Sqlite(pool),
            path,
        };
        open::require_current(&store).await?;
        redact::register_stored_keys(&store).await?;
        Ok(store)
    }

    /// A PostgreSQL database: migrated when `write`, else required to be current. Many
    /// processes may open and write it at once (sqlx migrates under an advisory lock).
    async fn open_postgres(url: &str, write: bool) -> Result<Self> {
        let shown = open::url_without_password(url);
        let options = PgConnectOptions::from_str(url)
            .map_err(|source| StoreError::Open {
                url: shown.clone(),
                source,
            })?
            .application_name("routeval")
            .statement_cache_capacity(STATEMENT_CACHE)
            // The server compiles a query whose estimated cost is high enough (a night's
            // rows out of a history of them) before running it: 140 ms to COPY 100,000
            // rows it copies in 100 ms without, each night of a history. No query here
            // runs long enough to pay that back.
            .options([("jit", "off")]);
        // The password is a secret like an API key: never in a log, an error or a report.
        if let Some(password) = url::Url::parse(url)
            .ok()
            .and_then(|u| u.password().map(str::to_string))
        {
            routeval_core::redact::register(&password);
        }
        // One direct connection first: the pool retries a refused connection until its
        // timeout, which would turn a mistyped port into half a minute and a vague error.
        let probe = <sqlx::PgConnection as sqlx::Connection>::connect_with(&options)
            .await
            .map_err(|source| StoreError::Unreachable {
                url: shown.clone(),
                // The innermost cause, once: sqlx repeats it in its own message.
                reason: match &source {
                    sqlx::Error::Io(e) => e.to_string(),
                    sqlx::Error::Database(e) => e.message().to_string(),
                    other => other.to_string(),
                },
            })?;
        let _ = sqlx::Connection::close(probe).await;
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(busy_timeout())
            .connect_with(options)
            .await
            .map_err(|source| StoreError::Open {
                url: shown.clone(),
                source,
            })?;
        let store = Self {
            pool: Pool::Postgres(pool.clone()),
            path: PathBuf::from(shown),
        };
        if write {
            open::refuse_newer(&store).await?;
            open::PG_MIGRATOR
                .run(&pool)
                .await
                .map_err(|e| open::migrate_error(&store.path, e))?;
        } else {
            open::require_current(&store).await?;
        }
        redact::register_stored_keys(&store).await?;
        Ok(store)
    }

    /// Whether this store is on a PostgreSQL server.
    pub fn is_postgres(&self) -> bool {
        matches!(self.pool, Pool::Postgres(_))
    }

    /// Where the database is: its file, or its server's URL without the password.
    pub fn location(&self) -> &std::path::Path {
        &self.path
    }

    /// The SQLite pool, when the store is a file (for tests and tools that inspect it).
    pub fn sqlite_pool(&self) -> Option<&SqlitePool> {
        match &self.pool {
            Pool::Sqlite(pool) => Some(pool),
            Pool::Postgres(_) => None,
        }
    }

    /// The PostgreSQL pool, when the store is on a server.
    pub fn pg_pool(&self) -> Option<&PgPool> {
        match &self.pool {
            Pool::Postgres(pool) => Some(pool),
            Pool::Sqlite(_) => None,
        }
    }

    /// One integer that `sql` (no parameters) computes, on either database: for tests
    /// and checks that count rows.
    pub async fn query_i64(&self, sql: &str) -> Result<i64> {
        let (n,): (i64,) = with_pool!(self, |pool| sqlx::query_as(sql).fetch_one(pool).await)?;
        Ok(n)
    }

    /// "ok" when the database is sound: SQLite's `PRAGMA integrity_check`; a server
    /// checks its own pages.
    pub async fn integrity_check(&self) -> Result<String> {
        match &self.pool {
            Pool::Sqlite(pool) => {
                let (answer,): (String,) = sqlx::query_as("PRAGMA integrity_check")
                    .fetch_one(pool)
                    .await?;
                Ok(answer)
            }
            Pool::Postgres(_) => Ok("ok".into()),
        }
    }

    /// Close the pool. An SQLite file opened for writing first has its write-ahead log
    /// copied in and emptied, so the file alone holds everything (a shard's file is
    /// uploaded as a CI artifact without its `-wal`), whether or not every connection
    /// gets to close before the process exits.
    pub async fn close(&self) {
        if let Pool::Sqlite(pool) = &self.pool {
            if let Err(e) = checkpoint(pool).await {
                // A read-only store cannot checkpoint, and need not: it wrote nothing.
                tracing::debug!("no checkpoint on closing {}: {e}", self.path.display());
            }
        }
        with_pool!(self, |pool| pool.close().await);
    }
}

/// Copy the write-ahead log into the file and empty it. Other processes still using
/// the file (shards sharing it) are waited for a moment only: the last to close
/// checkpoints what remains.
async fn checkpoint(pool: &SqlitePool) -> sqlx::Result<()> {
    let mut conn = pool.acquire().await?;
    sqlx::query("PRAGMA busy_timeout = 1000")
        .execute(&mut *conn)
        .await?;
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// How long a statement waits for another connection's write lock before it fails (and
/// a run's writer with it): 30 s, or `ROUTEVAL_DB_BUSY_TIMEOUT_MS`.
fn busy_timeout() -> Duration {
    std::env::var("ROUTEVAL_DB_BUSY_TIMEOUT_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .map_or(Duration::from_secs(30), Duration::from_millis)
}

/// `sqlite://PATH` for a plain path; a `sqlite:` URL as it is.
fn sqlite_url(url: &str) -> String {
    if url.starts_with("sqlite:") {
        url.to_string()
    } else {
        format!("sqlite://{url}")
    }
}
