//! What writing differs in between SQLite and PostgreSQL; everything else is the same
//! SQL on both (see [`with_pool!`]).
//!
//! Result ids are given by the writer, not read back, so score rows can be bound to
//! their results in the same round trip. SQLite has one writer at a time: a writing
//! transaction takes the lock at once (`BEGIN IMMEDIATE`), then the ids after the
//! largest are free. PostgreSQL has many writers at once (the shards of a run, several
//! runs): ids come from the table's sequence, which never gives one twice, and rows
//! that were there already are skipped by the unique key (`ON CONFLICT DO NOTHING`).

use crate::{Pool, Result, Store};
use sqlx::{Postgres, Sqlite, Transaction};

/// A transaction that writes results, on either database.
pub(crate) enum WriteTx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

impl WriteTx {
    /// Begin a transaction that will write results.
    pub(crate) async fn begin(store: &Store) -> Result<Self> {
        Ok(match &store.pool {
            Pool::Sqlite(pool) => WriteTx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
            Pool::Postgres(pool) => WriteTx::Postgres(pool.begin().await?),
        })
    }

    pub(crate) async fn commit(self) -> Result<()> {
        match self {
            WriteTx::Sqlite(tx) => tx.commit().await?,
            WriteTx::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }
}

/// Call `$f` of the writes compiled for the transaction's database (see
/// `write::database_writes!`) with `$t` bound to its transaction.
macro_rules! with_tx {
    ($tx:expr, |$t:ident| $f:ident ( $($args:tt)* )) => {
        match $tx {
            $crate::dialect::WriteTx::Sqlite($t) => $crate::write::on_sqlite::$f($($args)*).await,
            $crate::dialect::WriteTx::Postgres($t) => $crate::write::on_postgres::$f($($args)*).await,
        }
    };
}

/// How a database gives ids to new results.
pub(crate) trait ResultIds: sqlx::Database {
    /// `n` ids no other result has or will get.
    async fn new_result_ids(tx: &mut Transaction<'_, Self>, n: usize) -> Result<Vec<i64>>;
}

impl ResultIds for Sqlite {
    async fn new_result_ids(tx: &mut Transaction<'_, Self>, n: usize) -> Result<Vec<i64>> {
        // Under `BEGIN IMMEDIATE` no other connection writes until this one commits.
        let (largest,): (i64,) = sqlx::query_as("SELECT COALESCE(MAX(id), 0) FROM results")
            .fetch_one(&mut **tx)
            .await?;
        Ok((largest + 1..).take(n).collect())
    }
}

impl ResultIds for Postgres {
    async fn new_result_ids(tx: &mut Transaction<'_, Self>, n: usize) -> Result<Vec<i64>> {
        let ids: Vec<(i64,)> = sqlx::query_as(
            "SELECT nextval(pg_get_serial_sequence('results', 'id')) FROM generate_series(1, $1)",
        )
        .bind(n as i64)
        .fetch_all(&mut **tx)
        .await?;
        Ok(ids.into_iter().map(|(id,)| id).collect())
    }
}
