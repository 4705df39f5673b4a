//! Merging a run recorded in other databases into this one: the SQLite files of a run
//! split across machines with no shared server (`routeval merge`), each holding some
//! of its shards, into one history file or server.
//!
//! Every table is copied by its declaration (see `tables`), so a new column is merged
//! with no change here. What cannot be copied as it is: result ids (each database gives
//! its own, see `dialect`), so scores follow their result through a map of ids, and
//! check ids, taken by name. The rows of one source are read on the source's pool and
//! handed over a bounded channel in chunks: memory holds a few chunks, not a night.
//!
//! All sources go in one transaction of this database: a merge lands whole or not at
//! all, and a second merge of the same shard fails on the shard's key.

use crate::dialect::WriteTx;
use crate::shards::run_status_of_shards;
use crate::tables::{self, Column, ColumnType, TableDef};
use crate::write::MAX_PARAMS;
use crate::{Result, Store, StoreError};
use futures_util::TryStreamExt;
use std::collections::HashMap;
use tokio::sync::mpsc;

/// One cell copied between databases, typed by its declaration.
#[derive(Debug, Clone)]
pub(crate) enum Value {
    Text(Option<String>),
    Int(Option<i64>),
    Real(Option<f64>),
    Bool(Option<bool>),
}

impl Value {
    fn int(&self) -> Option<i64> {
        match self {
            Value::Int(v) => *v,
            _ => None,
        }
    }

    fn text(&self) -> Option<&str> {
        match self {
            Value::Text(v) => v.as_deref(),
            _ => None,
        }
    }
}

/// Rows as they travel from a source to this database.
type Chunk = Vec<Vec<Value>>;

/// What a merge wrote.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct MergedRun {
    pub run_id: String,
    /// The run's status once merged (from its shards' when split).
    pub status: String,
    pub results: u64,
    pub attempts: u64,
    /// N of the run's K/N; `None` for a run made in one process.
    pub shard_count: Option<i64>,
    /// Shards of K/N not present in any source nor here before (with `--allow-partial`).
    pub missing_shards: Vec<i64>,
}

/// How one table's rows of a run are copied.
struct TableCopy {
    table: TableDef,
    /// Columns left for this database to fill (ids, leases).
    skip: &'static [&'static str],
    /// The rows of the run (`$1`), or every row (a catalog).
    filter: &'static str,
    /// Appended to each `INSERT`: empty where a row already here is an error.
    conflict: &'static str,
}

impl TableCopy {
    fn columns(&self) -> Vec<Column> {
        self.table
            .columns
            .iter()
            .filter(|c| !self.skip.contains(&c.name))
            .copied()
            .collect()
    }

    fn select(&self, columns: &[Column]) -> String {
        format!(
            "SELECT {} FROM {} {}",
            tables::select_list("", columns),
            self.table.name,
            self.filter
        )
    }
}

const BY_RUN: &str = "WHERE run_id = $1";

/// The tables copied as they are, parents first (SQLite checks foreign keys).
/// `results` and `scores` are copied apart (their ids); `probes` belong to no run.
const COPIES: &[TableCopy] = &[
    TableCopy {
        table: tables::RUNS,
        skip: &["lease_owner", "lease_expires_at"],
        filter: "WHERE id = $1",
        conflict: " ON CONFLICT DO NOTHING",
    },
    TableCopy {
        table: tables::RUN_SHARDS,
        skip: &["lease_owner", "lease_expires_at"],
        filter: BY_RUN,
        conflict: "",
    },
    TableCopy {
        table: tables::TARGETS,
        skip: &[],
        filter: BY_RUN,
        conflict: " ON CONFLICT DO NOTHING",
    },
    TableCopy {
        table: tables::DATASETS,
        skip: &[],
        filter: BY_RUN,
        conflict: " ON CONFLICT DO NOTHING",
    },
    TableCopy {
        table: tables::CASES,
        skip: &[],
        filter: BY_RUN,
        conflict: " ON CONFLICT DO NOTHING",
    },
    TableCopy {
        table: tables::EXCLUSIONS,
        skip: &[],
        filter: BY_RUN,
        conflict: " ON CONFLICT DO NOTHING",
    },
    TableCopy {
        table: tables::SCORINGS,
        skip: &[],
        filter: BY_RUN,
        conflict: " ON CONFLICT DO NOTHING",
    },
    TableCopy {
        table: tables::MODEL_PRICES,
        skip: &[],
        filter: "",
        conflict: " ON CONFLICT DO NOTHING",
    },
];

/// Copied after the results.
const AFTER_RESULTS: &[TableCopy] = &[
    TableCopy {
        table: tables::ATTEMPTS,
        skip: &["id"],
        filter: BY_RUN,
        conflict: "",
    },
    TableCopy {
        table: tables::RUN_PROVIDERS,
        skip: &[],
        filter: BY_RUN,
        // Each process counts under its own name, so shards meet no one's counts here.
        conflict: " ON CONFLICT (run_id, writer, dataset, target, provider)
             DO UPDATE SET attempts = run_providers.attempts + excluded.attempts",
    },
    TableCopy {
        table: tables::JUDGE_ATTEMPTS,
        skip: &["id"],
        filter: BY_RUN,
        conflict: "",
    },
    TableCopy {
        table: tables::JUDGE_VERDICTS,
        skip: &[],
        filter: BY_RUN,
        conflict: " ON CONFLICT DO NOTHING",
    },
];

/// A source's scores, each with its result's id there and its check's name.
const SCORES_OF_RUN: &str = "SELECT s.result_id, c.name, s.pass, s.value, s.detail
     FROM scores s JOIN checks c ON c.id = s.check_id JOIN results r ON r.id = s.result_id
     WHERE r.run_id = $1";
const SCORE_TYPES: &[ColumnType] = &[
    ColumnType::Int,
    ColumnType::Text,
    ColumnType::Bool,
    ColumnType::Real,
    ColumnType::Text,
];

/// The cell at `index` of a row of either database, as `ty`.
fn cell<R>(row: &R, index: usize, ty: ColumnType) -> std::result::Result<Value, sqlx::Error>
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<i64>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<f64>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<bool>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok(match ty {
        ColumnType::Text => Value::Text(row.try_get(index)?),
        ColumnType::Int => Value::Int(row.try_get(index)?),
        ColumnType::Real => Value::Real(row.try_get(index)?),
        ColumnType::Bool => Value::Bool(row.try_get(index)?),
    })
}

/// The rows `sql` selects on `source`, in chunks: the future that reads them, and
/// where they arrive.
fn rows_of<'a>(
    source: &'a Store,
    sql: &'a str,
    run_id: &'a str,
    types: &'a [ColumnType],
) -> (
    impl std::future::Future<Output = Result<()>> + 'a,
    mpsc::Receiver<Chunk>,
) {
    let chunk = (MAX_PARAMS / types.len().max(1)).max(1);
    let (sender, receiver) = mpsc::channel(2);
    (
        source.send_rows(sql, run_id, types, chunk, sender),
        receiver,
    )
}

/// Read and write at once; the write's answer, or the first failure.
async fn joined<T>(
    read: impl std::future::Future<Output = Result<()>>,
    write: impl std::future::Future<Output = Result<T>>,
) -> Result<T> {
    let (read, written) = tokio::join!(read, write);
    // A failed write drops the receiver, which ends the read quietly: its error first.
    let written = written?;
    read?;
    Ok(written)
}

impl Store {
    /// Send the rows `sql` selects (its `$1`, when it has one, is `run_id`) in chunks of
    /// `chunk`, each cell typed by `types`. Stops quietly when the receiver is gone.
    async fn send_rows(
        &self,
        sql: &str,
        run_id: &str,
        types: &[ColumnType],
        chunk: usize,
        out: mpsc::Sender<Chunk>,
    ) -> Result<()> {
        with_pool!(self, |pool| {
            let mut query = sqlx::query(sql);
            if sql.contains("$1") {
                query = query.bind(run_id);
            }
            let mut rows = query.fetch(pool);
            let mut batch = Vec::with_capacity(chunk);
            while let Some(row) = rows.try_next().await? {
                let values = types
                    .iter()
                    .enumerate()
                    .map(|(i, ty)| cell(&row, i, *ty))
                    .collect::<std::result::Result<Vec<_>, _>>()?;
                batch.push(values);
                if batch.len() == chunk && out.send(std::mem::take(&mut batch)).await.is_err() {
                    return Ok(());
                }
            }
            if !batch.is_empty() {
                let _ = out.send(batch).await;
            }
        });
        Ok(())
    }

    /// Merge run `run_id` from each of `sources` into this database, in one
    /// transaction; the caller has checked they are shards of one run that do not
    /// overlap (here, a shard or result already present fails the whole merge). The
    /// run's status follows from its shards; a run missing some is `interrupted`, and
    /// resuming those shards (`run --shard K/N --run-id ID`) here completes it.
    pub async fn merge_run(&self, run_id: &str, sources: &[Store]) -> Result<MergedRun> {
        let mut tx = WriteTx::begin(self).await?;
        let mut merged = MergedRun {
            run_id: run_id.to_string(),
            ..MergedRun::default()
        };
        for source in sources {
            let (results, attempts) = match &mut tx {
                WriteTx::Sqlite(tx) => on_sqlite::copy_run(tx, source, run_id).await?,
                WriteTx::Postgres(tx) => on_postgres::copy_run(tx, source, run_id).await?,
            };
            merged.results += results;
            merged.attempts += attempts;
        }
        let (status, count, missing) = match &mut tx {
            WriteTx::Sqlite(tx) => on_sqlite::settle_status(tx, run_id).await?,
            WriteTx::Postgres(tx) => on_postgres::settle_status(tx, run_id).await?,
        };
        tx.commit().await?;
        merged.status = status;
        merged.shard_count = count;
        merged.missing_shards = missing;
        Ok(merged)
    }
}

/// The writes of a merge, compiled for one database.
macro_rules! merge_writes {
    ($db:ty) => {
        use super::*;
        use crate::dialect::ResultIds;
        use sqlx::{QueryBuilder, Transaction};
        type Db = $db;

        /// Copy one source's rows of the run; returns the results and attempts written.
        pub(super) async fn copy_run(
            tx: &mut Transaction<'static, Db>,
            source: &Store,
            run_id: &str,
        ) -> Result<(u64, u64)> {
            for copy in COPIES {
                copy_table(tx, source, run_id, copy).await?;
            }
            let ids = copy_results(tx, source, run_id).await?;
            copy_scores(tx, source, run_id, &ids).await?;
            let mut attempts = 0;
            for copy in AFTER_RESULTS {
                let n = copy_table(tx, source, run_id, copy).await?;
                if copy.table.name == tables::ATTEMPTS.name {
                    attempts = n;
                }
            }
            copy_models(tx, source).await?;
            Ok((ids.len() as u64, attempts))
        }

        /// `INSERT INTO table (columns) VALUES ...` of `rows`, then `tail`.
        async fn insert_rows(
            tx: &mut Transaction<'static, Db>,
            table: &str,
            columns: &[Column],
            rows: Chunk,
            tail: &str,
        ) -> Result<u64> {
            let per = (MAX_PARAMS / columns.len()).max(1);
            let mut rows = rows.into_iter().peekable();
            let mut written = 0;
            while rows.peek().is_some() {
                let mut qb = QueryBuilder::<Db>::new(format!(
                    "INSERT INTO {table} ({}) ",
                    tables::select_list("", columns)
                ));
                qb.push_values(rows.by_ref().take(per), |mut b, row| {
                    for value in row {
                        match value {
                            Value::Text(v) => b.push_bind(v),
                            Value::Int(v) => b.push_bind(v),
                            Value::Real(v) => b.push_bind(v),
                            Value::Bool(v) => b.push_bind(v),
                        };
                    }
                });
                qb.push(tail);
                written += qb.build().execute(&mut **tx).await?.rows_affected();
            }
            Ok(written)
        }

        async fn copy_table(
            tx: &mut Transaction<'static, Db>,
            source: &Store,
            run_id: &str,
            copy: &TableCopy,
        ) -> Result<u64> {
            let columns = copy.columns();
            let types: Vec<ColumnType> = columns.iter().map(|c| c.ty).collect();
            let select = copy.select(&columns);
            let (read, mut chunks) = rows_of(source, &select, run_id, &types);
            let write = async {
                let mut written = 0;
                while let Some(rows) = chunks.recv().await {
                    written +=
                        insert_rows(tx, copy.table.name, &columns, rows, copy.conflict).await?;
                }
                Ok(written)
            };
            joined(read, write).await
        }

        /// Copy the run's results under ids of this database; returns the map from
        /// each source id to its new one.
        async fn copy_results(
            tx: &mut Transaction<'static, Db>,
            source: &Store,
            run_id: &str,
        ) -> Result<HashMap<i64, i64>> {
            let columns: Vec<Column> = tables::RESULTS.columns.to_vec();
            let id_at = columns.iter().position(|c| c.name == "id").expect("results.id");
            let types: Vec<ColumnType> = columns.iter().map(|c| c.ty).collect();
            let select = format!(
                "SELECT {} FROM results {BY_RUN}",
                tables::select_list("", &columns)
            );
            let (read, mut chunks) = rows_of(source, &select, run_id, &types);
            let write = async {
                let mut ids = HashMap::new();
                while let Some(mut rows) = chunks.recv().await {
                    let fresh = Db::new_result_ids(tx, rows.len()).await?;
                    for (row, &new) in rows.iter_mut().zip(&fresh) {
                        let old = row[id_at].int().unwrap_or_default();
                        ids.insert(old, new);
                        row[id_at] = Value::Int(Some(new));
                    }
                    insert_rows(tx, "results", &columns, rows, "").await?;
                }
                Ok(ids)
            };
            joined(read, write).await
        }

        /// Copy the scores of the results `ids` maps, each check taken by name.
        async fn copy_scores(
            tx: &mut Transaction<'static, Db>,
            source: &Store,
            run_id: &str,
            ids: &HashMap<i64, i64>,
        ) -> Result<()> {
            let columns: Vec<Column> = tables::SCORES.columns.to_vec();
            let (read, mut chunks) = rows_of(source, SCORES_OF_RUN, run_id, SCORE_TYPES);
            let write = async {
                let mut checks: HashMap<String, i64> = HashMap::new();
                while let Some(rows) = chunks.recv().await {
                    let mut out = Vec::with_capacity(rows.len());
                    for mut row in rows {
                        let name = row[1].text().unwrap_or_default().to_string();
                        let check = match checks.get(&name) {
                            Some(id) => *id,
                            None => {
                                let id = check_id(tx, &name).await?;
                                checks.insert(name, id);
                                id
                            }
                        };
                        let old = row[0].int().unwrap_or_default();
                        let result = *ids.get(&old).ok_or_else(|| {
                            StoreError::Copy(format!("a score of result {old}, which was not merged"))
                        })?;
                        let detail = row.pop().unwrap_or(Value::Text(None));
                        let value = row.pop().unwrap_or(Value::Real(None));
                        let pass = row.pop().unwrap_or(Value::Bool(None));
                        out.push(vec![
                            Value::Int(Some(result)),
                            Value::Int(Some(check)),
                            pass,
                            value,
                            detail,
                        ]);
                    }
                    insert_rows(tx, "scores", &columns, out, "").await?;
                }
                Ok(())
            };
            joined(read, write).await
        }

        /// The id of check `name` here, recording it when new.
        async fn check_id(tx: &mut Transaction<'static, Db>, name: &str) -> Result<i64> {
            sqlx::query("INSERT INTO checks (name) VALUES ($1) ON CONFLICT DO NOTHING")
                .bind(name)
                .execute(&mut **tx)
                .await?;
            let (id,): (i64,) = sqlx::query_as("SELECT id FROM checks WHERE name = $1")
                .bind(name)
                .fetch_one(&mut **tx)
                .await?;
            Ok(id)
        }

        /// The source's catalog: a model synced there later than here replaces ours.
        async fn copy_models(tx: &mut Transaction<'static, Db>, source: &Store) -> Result<()> {
            let columns: Vec<Column> = tables::MODELS.columns.to_vec();
            let types: Vec<ColumnType> = columns.iter().map(|c| c.ty).collect();
            let set: Vec<String> = columns
                .iter()
                .filter(|c| c.name != "endpoint" && c.name != "id")
                .map(|c| format!("{0} = excluded.{0}", c.name))
                .collect();
            let tail = format!(
                " ON CONFLICT (endpoint, id) DO UPDATE SET {} WHERE excluded.synced_at > models.synced_at",
                set.join(", ")
            );
            let select = format!("SELECT {} FROM models", tables::select_list("", &columns));
            let (read, mut chunks) = rows_of(source, &select, "", &types);
            let write = async {
                while let Some(rows) = chunks.recv().await {
                    insert_rows(tx, "models", &columns, rows, &tail).await?;
                }
                Ok(())
            };
            joined(read, write).await
        }

        /// Set the run's status from its shards (a run in one process keeps its own);
        /// returns it with the shard count and the shards missing.
        pub(super) async fn settle_status(
            tx: &mut Transaction<'static, Db>,
            run_id: &str,
        ) -> Result<(String, Option<i64>, Vec<i64>)> {
            let (status, count): (String, Option<i64>) =
                sqlx::query_as("SELECT status, shards FROM runs WHERE id = $1")
                    .bind(run_id)
                    .fetch_optional(&mut **tx)
                    .await?
                    .ok_or_else(|| StoreError::NoSuchRun(run_id.to_string()))?;
            let Some(count) = count else {
                return Ok((status, None, Vec::new()));
            };
            // No process runs a merged shard: one that never said how it ended stopped.
            sqlx::query(
                "UPDATE run_shards SET status = 'interrupted' WHERE run_id = $1 AND status = 'running'",
            )
            .bind(run_id)
            .execute(&mut **tx)
            .await?;
            let shards: Vec<(i64, String, Option<i64>)> = sqlx::query_as(
                "SELECT shard, status, finished_at FROM run_shards WHERE run_id = $1 ORDER BY shard",
            )
            .bind(run_id)
            .fetch_all(&mut **tx)
            .await?;
            let missing: Vec<i64> = (1..=count)
                .filter(|k| !shards.iter().any(|(s, _, _)| s == k))
                .collect();
            let statuses: Vec<String> = shards.iter().map(|(_, s, _)| s.clone()).collect();
            let (status, reason) = if missing.is_empty() {
                (run_status_of_shards(&statuses, count as usize), None)
            } else {
                let list: Vec<String> = missing.iter().map(|k| format!("{k}/{count}")).collect();
                (
                    "interrupted",
                    Some(format!("merged without shard {}", list.join(", "))),
                )
            };
            let finished = (status == "completed")
                .then(|| shards.iter().filter_map(|(_, _, f)| *f).max())
                .flatten();
            sqlx::query(
                "UPDATE runs SET status = $2, finished_at = $3, status_reason = $4,
                 lease_owner = NULL, lease_expires_at = NULL WHERE id = $1",
            )
            .bind(run_id)
            .bind(status)
            .bind(finished)
            .bind(reason)
            .execute(&mut **tx)
            .await?;
            Ok((status.to_string(), Some(count), missing))
        }
    };
}

mod on_sqlite {
    merge_writes!(sqlx::Sqlite);
}

mod on_postgres {
    merge_writes!(sqlx::Postgres);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{outcome, store_with_run, stores_with_run};
    use crate::{spawn_writer, NewRun};

    async fn write(store: &Store, run_id: &str, cases: std::ops::Range<usize>, check: &str) {
        let writer = spawn_writer(store, run_id, 64);
        for i in cases {
            let mut o = outcome(&format!("c{i}"), 2);
            o.result.scores[0].check = check.into();
            writer.sender.send(o).await.unwrap();
        }
        drop(writer.sender);
        writer.task.await.unwrap().unwrap();
    }

    /// A shard file's results land under this database's ids, after results already
    /// here, each score with its own result and its check taken by name; what was here
    /// is untouched; a run missing a shard is merged as interrupted.
    #[tokio::test]
    async fn a_shard_is_merged_under_new_ids_on_either_database() {
        let (_source_db, source) = store_with_run("other-source-run").await;
        let run = NewRun {
            started_at_ms: 1,
            ..crate::testing::new_run("night")
        };
        source.join_run(&run, 2, None).await.unwrap();
        let ttl = std::time::Duration::from_secs(30);
        source
            .take_shard_lease("night", 1, "host:1:x", ttl, 1)
            .await
            .unwrap();
        source
            .set_shard_status("night", 1, "completed", Some(9), None)
            .await
            .unwrap();
        write(&source, "night", 0..2500, "json").await;

        for (db, into) in stores_with_run("earlier").await {
            // Earlier results hold the ids the source used, and another check comes first.
            write(&into, "earlier", 0..600, "schema").await;
            let merged = into
                .merge_run("night", std::slice::from_ref(&source))
                .await
                .unwrap();
            assert_eq!(merged.results, 2500, "{}", db.backend);
            assert_eq!(merged.attempts, 5000, "{}", db.backend);
            assert_eq!(
                (merged.status.as_str(), merged.missing_shards.as_slice()),
                ("interrupted", &[2][..]),
                "{}",
                db.backend
            );
            let count = |sql: &'static str| {
                let into = into.clone();
                async move { into.query_i64(sql).await.unwrap() }
            };
            assert_eq!(
                count("SELECT COUNT(*) FROM result_scores WHERE run_id = 'night' AND check_name = 'json'").await,
                2500,
                "{}: every score with its own result",
                db.backend
            );
            assert_eq!(
                count("SELECT COUNT(*) FROM result_scores WHERE run_id = 'earlier' AND check_name = 'schema'").await,
                600,
                "{}",
                db.backend
            );
            assert_eq!(count("SELECT COUNT(*) FROM results").await, 3100);
            assert_eq!(count("SELECT COUNT(*) FROM run_shards").await, 1);
            // The same shard again fails whole: nothing of it is written twice.
            assert!(into
                .merge_run("night", std::slice::from_ref(&source))
                .await
                .is_err());
            assert_eq!(count("SELECT COUNT(*) FROM results").await, 3100);
            into.close().await;
        }
        source.close().await;
    }
}
