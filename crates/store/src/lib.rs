//! The results database: SQLite through sqlx, migrations applied on open, WAL, and a
//! single writer task that records whole case outcomes in batched transactions.
//!
//! This crate stores and reads back; it computes no metrics.

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
mod governance;
mod judge;
mod lease;
mod open;
mod probes;
mod read;
mod redact;
mod rescore;
mod review;
mod tables;
#[cfg(test)]
mod test_support;
mod write;

pub use governance::{ExclusionRow, ModelRow};
pub use judge::JudgeSpend;
pub use lease::{new_lease_owner, Lease, LeaseHolder};
pub use probes::ProbeRow;
pub use read::{DatasetRow, RunRow, TargetRow};
pub use rescore::StoredAnswer;
pub use review::ReviewAnswer;
pub use tables::{
    AttemptRow, CellSink, Column, ColumnType, JudgeVerdictRow, ResultRow, ScoreRow, TableDef,
    ALL as TABLES, ATTEMPTS, CHECKS, JUDGE_ATTEMPTS, JUDGE_VERDICTS, RESULTS, RESULT_SCORES,
    SCORES,
};
pub use write::{spawn_writer, NewDataset, NewRun, WriterHandle};

/// Prepared statements kept per connection.
const STATEMENT_CACHE: usize = 16;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
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
                | StoreError::NoSchema(_)
                | StoreError::NewerSchema { .. }
                | StoreError::OlderSchema { .. }
        )
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A handle on the results database.
#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
    /// The database file, for bulk reads (see `bulk`).
    path: std::path::PathBuf,
}

impl Store {
    /// Open (creating if needed) a database at `sqlite://PATH` or a plain path, and
    /// bring its schema up to date. For commands that write.
    pub async fn open(url: &str) -> Result<Self> {
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
        open::refuse_newer(&pool, &path).await?;
        open::MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| open::migrate_error(&path, e))?;
        redact::register_stored_keys(&pool).await?;
        Ok(Self { pool, path })
    }

    /// Open an existing database for reading, as it is: never created, never migrated.
    /// A missing file, and a schema other than this build's, are refused (for commands
    /// that only read: `rank`, `report`, `compare`, `chains`, `export`, `models list`).
    pub async fn open_existing(url: &str) -> Result<Self> {
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
        open::require_current(&pool, &path).await?;
        redact::register_stored_keys(&pool).await?;
        Ok(Self { pool, path })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// `PRAGMA integrity_check`: "ok" when the file is sound.
    pub async fn integrity_check(&self) -> Result<String> {
        let (answer,): (String,) = sqlx::query_as("PRAGMA integrity_check")
            .fetch_one(&self.pool)
            .await?;
        Ok(answer)
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
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
