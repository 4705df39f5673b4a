//! Typed reads for the analysis and the CLI.

use crate::bulk::{copy_rows, quote_literal};
use crate::tables::{
    self, select_list, AttemptRow, CellSink, Column, DatasetRow, FromBinary, ResultRow, RunRow,
    ScoreRow, TargetRow,
};
use crate::{Pool, Result, Store, StoreError};
use sqlx::sqlite::SqliteRow;
use sqlx::FromRow;
use std::collections::HashSet;

/// The result columns a comparison or a history reads of each result (see
/// [`Store::each_result_of`]): the key's, with `accepted`, `cost` and `latency_ms`, which
/// the key's index also carries on PostgreSQL, so these come from the index alone.
pub const HEADLINE_COLUMNS: [&str; 7] = [
    "target",
    "dataset",
    "case_id",
    "repeat",
    "accepted",
    "cost",
    "latency_ms",
];

impl Store {
    pub async fn runs(&self) -> Result<Vec<RunRow>> {
        let sql = format!(
            "SELECT {} FROM runs ORDER BY started_at DESC, id DESC",
            select_list("", RunRow::COLUMNS)
        );
        Ok(with_pool!(self, |pool| sqlx::query_as(&sql)
            .fetch_all(pool)
            .await)?)
    }

    pub async fn run(&self, id: &str) -> Result<RunRow> {
        let sql = format!(
            "SELECT {} FROM runs WHERE id = $1",
            select_list("", RunRow::COLUMNS)
        );
        with_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(pool)
            .await)?
        .ok_or_else(|| StoreError::NoSuchRun(id.to_string()))
    }

    /// The run named, or the latest when `None`.
    pub async fn run_or_latest(&self, id: Option<&str>) -> Result<RunRow> {
        match id {
            Some(id) if id != "latest" => self.run(id).await,
            _ => self
                .runs()
                .await?
                .into_iter()
                .next()
                .ok_or(StoreError::NoRuns),
        }
    }

    /// The suite a run was started with, as its TOML source and that source's schema
    /// version; `None` for runs recorded before sources were stored.
    pub async fn run_suite_source(&self, id: &str) -> Result<Option<(String, i64)>> {
        let row: Option<(Option<String>, Option<i64>)> = with_pool!(self, |pool| {
            sqlx::query_as("SELECT suite_toml, suite_schema FROM runs WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await
        })?;
        let (toml, schema) = row.ok_or_else(|| StoreError::NoSuchRun(id.to_string()))?;
        Ok(toml.zip(schema))
    }

    pub async fn run_config_json(&self, id: &str) -> Result<String> {
        let (json,): (String,) = with_pool!(self, |pool| sqlx::query_as(
            "SELECT config_json FROM runs WHERE id = $1"
        )
        .bind(id)
        .fetch_one(pool)
        .await)?;
        Ok(json)
    }

    pub async fn targets(&self, run_id: &str) -> Result<Vec<TargetRow>> {
        let sql = format!(
            "SELECT {} FROM targets WHERE run_id = $1 ORDER BY name",
            select_list("", TargetRow::COLUMNS)
        );
        Ok(with_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(run_id)
            .fetch_all(pool)
            .await)?)
    }

    pub async fn datasets(&self, run_id: &str) -> Result<Vec<DatasetRow>> {
        let sql = format!(
            "SELECT {} FROM datasets WHERE run_id = $1 ORDER BY name",
            select_list("", DatasetRow::COLUMNS)
        );
        Ok(with_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(run_id)
            .fetch_all(pool)
            .await)?)
    }

    pub async fn results(&self, run_id: &str) -> Result<Vec<ResultRow>> {
        self.run_rows(run_id, "results WHERE run_id = $1 AND scoring = 0", true)
            .await
    }

    /// The [`ResultRow::FRAME`] cells of the live results of a run, the rows
    /// [`Store::results`] reads, handed to `sink` as SQLite steps through them: nothing
    /// is held, and no string is copied out of the row. A bulk read (see `bulk`): `sink`
    /// fills on a blocking thread, and comes back at the end. Rows come in the order
    /// the database finds them, unsorted: on PostgreSQL sorting a night's 100,000 rows
    /// by id was a third of the read.
    pub async fn each_result<S>(&self, run_id: &str, sink: S) -> Result<S>
    where
        S: CellSink + Send + 'static,
    {
        self.each_result_of(run_id, ResultRow::FRAME, sink).await
    }

    /// [`Store::each_result`] of some of [`ResultRow::FRAME`]'s columns only, `sink`
    /// receiving their cells by position in `columns`: a database formats and sends
    /// each value asked for, so a reader that needs few columns asks for few.
    pub async fn each_result_of<S>(&self, run_id: &str, columns: &[Column], sink: S) -> Result<S>
    where
        S: CellSink + Send + 'static,
    {
        assert!(
            columns.iter().all(|c| ResultRow::FRAME.contains(c)),
            "only framed columns of results"
        );
        let from = "results WHERE run_id = $1 AND scoring = 0";
        self.each_framed(run_id, columns, from, sink).await
    }

    /// The [`ScoreRow::FRAME`] cells of the live check verdicts of a run, as
    /// [`Store::scores`] reads them, handed to `sink` (as [`Store::each_result`]).
    pub async fn each_score<S>(&self, run_id: &str, sink: S) -> Result<S>
    where
        S: CellSink + Send + 'static,
    {
        self.each_framed(run_id, ScoreRow::FRAME, self.live_scores(), sink)
            .await
    }

    /// The [`AttemptRow::FRAME`] cells of a run's attempts, as [`Store::attempts`]
    /// reads them, handed to `sink` (as [`Store::each_result`]).
    pub async fn each_attempt<S>(&self, run_id: &str, sink: S) -> Result<S>
    where
        S: CellSink + Send + 'static,
    {
        self.each_framed(
            run_id,
            AttemptRow::FRAME,
            "attempts WHERE run_id = $1",
            sink,
        )
        .await
    }

    /// The cells of `columns` of the rows `from` (a table or view and a condition on the
    /// run id `$1`) into `sink`, unsorted: a binary COPY from PostgreSQL, stepped on a
    /// blocking thread from SQLite.
    async fn each_framed<S>(
        &self,
        run_id: &str,
        columns: &[Column],
        from: &str,
        mut sink: S,
    ) -> Result<S>
    where
        S: CellSink + Send + 'static,
    {
        let list = tables::select_list("", columns);
        if let Pool::Postgres(pool) = &self.pool {
            let from = from.replace("$1", &quote_literal(run_id));
            copy_rows(pool, &format!("SELECT {list} FROM {from}"), |fields| {
                for (at, (column, field)) in columns.iter().zip(fields).enumerate() {
                    column.visit_binary(at, *field, &mut sink)?;
                }
                Ok(())
            })
            .await?;
            return Ok(sink);
        }
        let sql = format!("SELECT {list} FROM {}", from.replace("$1", "?1"));
        let (run_id, columns) = (run_id.to_string(), columns.to_vec());
        self.bulk_read(move |conn| {
            let mut statement = conn.prepare(&sql)?;
            let index = tables::column_indexes(&statement, &columns)?;
            let mut rows = statement.query([&run_id])?;
            while let Some(row) = rows.next()? {
                for (at, (column, &i)) in columns.iter().zip(&index).enumerate() {
                    column.visit_row(at, row, i, &mut sink)?;
                }
            }
            Ok(sink)
        })
        .await
    }

    /// Where the live check verdicts of run `$1` are read from: the `result_scores` view,
    /// except on PostgreSQL, where the view joined as written is planned as a scan of
    /// every run's scores once the table's statistics are in (90M rows for one night's
    /// 900,000: 6 s); each result's scores are looked up by its id instead (0.7 s).
    fn live_scores(&self) -> &'static str {
        match &self.pool {
            Pool::Sqlite(_) => "result_scores WHERE run_id = $1 AND scoring = 0",
            // OFFSET 0 keeps the lookup a lookup: the planner may not flatten it into a join.
            Pool::Postgres(_) => {
                "(SELECT r.run_id, r.target, r.dataset, r.case_id, r.repeat, r.scoring,
                         c.name AS check_name, s.pass, s.value, s.detail
                  FROM results r
                  CROSS JOIN LATERAL (
                      SELECT check_id, pass, value, detail FROM scores
                      WHERE result_id = r.id OFFSET 0) s
                  JOIN checks c ON c.id = s.check_id
                  WHERE r.run_id = $1 AND r.scoring = 0) AS live_scores"
            }
        }
    }

    /// The check verdicts of the live results of a run.
    pub async fn scores(&self, run_id: &str) -> Result<Vec<ScoreRow>> {
        self.run_rows(run_id, self.live_scores(), false).await
    }

    pub async fn attempts(&self, run_id: &str) -> Result<Vec<AttemptRow>> {
        self.run_rows(run_id, "attempts WHERE run_id = $1", true)
            .await
    }

    /// The declared columns of `R` of the rows `from` (a table or view, and a condition
    /// on the run id `$1`): read by name through sqlx from SQLite, in one binary COPY
    /// from PostgreSQL, there in id order when `by_id` (as SQLite gives a table's rows;
    /// scores have no id of their own and come as found).
    async fn run_rows<R>(&self, run_id: &str, from: &str, by_id: bool) -> Result<Vec<R>>
    where
        R: for<'r> FromRow<'r, SqliteRow> + FromBinary + Send + Unpin,
    {
        let columns = tables::select_list("", R::COLUMNS);
        match &self.pool {
            Pool::Sqlite(pool) => Ok(sqlx::query_as(&format!("SELECT {columns} FROM {from}"))
                .bind(run_id)
                .fetch_all(pool)
                .await?),
            Pool::Postgres(pool) => {
                let from = from.replace("$1", &quote_literal(run_id));
                let order = if by_id { " ORDER BY id" } else { "" };
                let mut rows = Vec::new();
                copy_rows(
                    pool,
                    &format!("SELECT {columns} FROM {from}{order}"),
                    |fields| {
                        rows.push(R::from_binary(fields)?);
                        Ok(())
                    },
                )
                .await?;
                Ok(rows)
            }
        }
    }

    /// Every case of a run as (dataset, case id, tags as a JSON array of strings).
    pub async fn case_tags(&self, run_id: &str) -> Result<Vec<(String, String, String)>> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as(
            "SELECT dataset, case_id, tags_json FROM cases WHERE run_id = $1 ORDER BY dataset, case_id",
        )
        .bind(run_id)
        .fetch_all(pool)
        .await
        })?)
    }

    /// (target, dataset, case, repeat) keys that already have a result: what a resumed
    /// run must not send again.
    pub async fn finished_keys(
        &self,
        run_id: &str,
    ) -> Result<HashSet<(String, String, String, u32)>> {
        let rows: Vec<(String, String, String, i64)> = with_pool!(self, |pool| {
            sqlx::query_as(
            "SELECT target, dataset, case_id, repeat FROM results WHERE run_id = $1 AND scoring = 0",
        )
        .bind(run_id)
        .fetch_all(pool)
        .await
        })?;
        Ok(rows
            .into_iter()
            .map(|(t, d, c, r)| (t, d, c, r as u32))
            .collect())
    }

    /// Total spend recorded for a run, every attempt included, and its live judges'
    /// requests: what a resumed run's budget has already used.
    pub async fn run_spend(&self, run_id: &str) -> Result<f64> {
        let (spent,): (f64,) = with_pool!(self, |pool| {
            sqlx::query_as(
            "SELECT (SELECT COALESCE(SUM(cost), 0.0) FROM attempts WHERE run_id = $1)
                  + (SELECT COALESCE(SUM(cost), 0.0) FROM judge_attempts WHERE run_id = $1 AND scoring = 0)",
        )
        .bind(run_id)
        .fetch_one(pool)
        .await
        })?;
        Ok(spent)
    }
}

#[cfg(test)]
mod tests {
    use super::HEADLINE_COLUMNS;
    use crate::spawn_writer;
    use crate::tables::{CellSink, Column, ResultRow, ScoreRow};
    use crate::Pool;
    use routeval_core::{CaseOutcome, ErrorClass, ResultRecord, ScoreRecord};

    /// The live check verdicts of a run, however a database is asked for them, are the
    /// `result_scores` view's rows of that run and scoring 0: not another run's, not a
    /// rescore's.
    #[tokio::test]
    async fn live_scores_are_the_views_rows_of_the_run() {
        for (db, store) in crate::test_support::stores_with_run("run").await {
            store
                .create_run(&crate::testing::new_run("other"))
                .await
                .unwrap();
            let scored = |case: &str, checks: &[&str]| {
                let mut outcome = crate::test_support::outcome(case, 1);
                outcome.result.scores = checks
                    .iter()
                    .enumerate()
                    .map(|(i, check)| ScoreRecord {
                        check: (*check).into(),
                        pass: i % 2 == 0,
                        value: i as f64 / 2.0,
                        detail: (i != 1).then(|| format!("{case} {check}")),
                    })
                    .collect();
                outcome
            };
            for (run, cases) in [("run", ["a", "b", "c"]), ("other", ["a", "x", "y"])] {
                let writer = spawn_writer(&store, run, 8);
                for case in cases {
                    writer
                        .sender
                        .send(scored(case, &["json", "enum.priority", "schema"]))
                        .await
                        .unwrap();
                }
                drop(writer.sender);
                writer.task.await.unwrap().unwrap();
            }
            let mut rescored = scored("a", &["json", "judge"]).result;
            rescored.accepted = false;
            store
                .record_scoring("run", "test", 1, &[rescored])
                .await
                .unwrap();

            type Row = (
                String,
                String,
                String,
                i64,
                String,
                bool,
                f64,
                Option<String>,
            );
            let sql = "SELECT target, dataset, case_id, repeat, check_name, pass, value, detail
                       FROM result_scores WHERE run_id = 'run' AND scoring = 0";
            let mut expected: Vec<Row> = with_pool!(store, |pool| sqlx::query_as(sql)
                .fetch_all(pool)
                .await
                .unwrap());
            let mut got: Vec<Row> = store
                .scores("run")
                .await
                .unwrap()
                .into_iter()
                .map(|s| {
                    (
                        s.target,
                        s.dataset,
                        s.case_id,
                        s.repeat,
                        s.check_name,
                        s.pass,
                        s.value,
                        s.detail,
                    )
                })
                .collect();
            expected.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
            got.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
            assert_eq!(expected.len(), 9, "{}", db.backend);
            assert_eq!(got, expected, "{}", db.backend);
            let cells = store.each_score("run", Cells::default()).await.unwrap();
            assert_eq!(cells.0.len(), 9 * ScoreRow::FRAME.len(), "{}", db.backend);
            store.close().await;
        }
    }

    #[tokio::test]
    async fn each_result_reads_what_results_returns() {
        for (db, store) in crate::test_support::stores_with_run("run").await {
            let writer = spawn_writer(&store, "run", 8);
            for i in 0..40u32 {
                let failed = i % 3 == 0;
                let result = ResultRecord {
                    target: format!("t{}", i % 4),
                    target_kind: if i % 5 == 0 { "chain" } else { "route" }.into(),
                    dataset: format!("d{}", i % 2),
                    case_id: format!("c{i}"),
                    repeat: i % 2,
                    accepted: !failed && i % 2 == 0,
                    served_step: (!failed).then_some(i % 2),
                    served_route: (!failed).then(|| "r".into()),
                    attempts: 1 + i % 3,
                    validation_retries: i % 2,
                    transport_retries: i % 3,
                    cost: (i % 7 != 0).then(|| 0.1 * f64::from(i) / 3.0),
                    latency_ms: 1000.0 / f64::from(i + 7),
                    ttft_ms: (i % 4 != 0).then(|| f64::from(i) / 7.0),
                    error_class: failed.then_some(ErrorClass::ServerError),
                    reason: format!("reason {i}"),
                    scores: Vec::new(),
                };
                let outcome = CaseOutcome {
                    attempts: Vec::new(),
                    result,
                    judging: Default::default(),
                };
                writer.sender.send(outcome).await.unwrap();
            }
            drop(writer.sender);
            writer.task.await.unwrap().unwrap();

            let rows = store.results("run").await.unwrap();
            let cells = store.each_result("run", Cells::default()).await.unwrap();
            let mut expected = Cells::default();
            for row in &rows {
                row.visit_frame(&mut expected);
            }
            assert_eq!(cells.0.len(), 40 * ResultRow::FRAME.len());
            // The same rows, cell for cell, in whatever order the database found them.
            let by_row = |cells: Cells| {
                let mut rows: Vec<Vec<(usize, String)>> = cells
                    .0
                    .chunks(ResultRow::FRAME.len())
                    .map(<[_]>::to_vec)
                    .collect();
                rows.sort();
                rows
            };
            assert_eq!(by_row(cells.clone()), by_row(expected));
            assert_eq!(rows.len(), 40);

            // Some columns: the same cells, numbered within the projection.
            let picked: Vec<(usize, Column)> = ResultRow::FRAME
                .iter()
                .copied()
                .enumerate()
                .filter(|(_, c)| HEADLINE_COLUMNS.contains(&c.name))
                .collect();
            assert_eq!(picked.len(), HEADLINE_COLUMNS.len());
            let columns: Vec<Column> = picked.iter().map(|(_, c)| *c).collect();
            let some = store
                .each_result_of("run", &columns, Cells::default())
                .await
                .unwrap();
            let projected = Cells(
                cells
                    .0
                    .iter()
                    .filter_map(|(at, v)| {
                        let to = picked.iter().position(|(from, _)| from == at)?;
                        Some((to, v.clone()))
                    })
                    .collect(),
            );
            let by_row = |cells: Cells| {
                let mut rows: Vec<Vec<(usize, String)>> =
                    cells.0.chunks(columns.len()).map(<[_]>::to_vec).collect();
                rows.sort();
                rows
            };
            assert_eq!(by_row(some), by_row(projected), "{}", db.backend);

            // On PostgreSQL they come from the key's index alone, once the table's pages
            // are marked visible (the planner is kept off the scan a small table gets).
            if let Pool::Postgres(pool) = &store.pool {
                sqlx::query("VACUUM ANALYZE results")
                    .execute(pool)
                    .await
                    .unwrap();
                let mut conn = pool.acquire().await.unwrap();
                sqlx::query("SET enable_seqscan = off")
                    .execute(&mut *conn)
                    .await
                    .unwrap();
                let plan: Vec<(String,)> = sqlx::query_as(&format!(
                    "EXPLAIN SELECT {} FROM results WHERE run_id = 'run' AND scoring = 0",
                    HEADLINE_COLUMNS.join(", ")
                ))
                .fetch_all(&mut *conn)
                .await
                .unwrap();
                assert!(
                    plan.iter().any(|(line,)| line.contains("Index Only Scan")),
                    "{plan:?}"
                );
            }
        }
    }

    /// Every cell handed over, as (column, value).
    #[derive(Default, Clone)]
    struct Cells(Vec<(usize, String)>);

    impl CellSink for Cells {
        fn text(&mut self, column: usize, value: Option<&str>) {
            self.0.push((column, format!("{value:?}")));
        }
        fn int(&mut self, column: usize, value: Option<i64>) {
            self.0.push((column, format!("{value:?}")));
        }
        fn real(&mut self, column: usize, value: Option<f64>) {
            self.0.push((column, format!("{value:?}")));
        }
        fn bool(&mut self, column: usize, value: Option<bool>) {
            self.0.push((column, format!("{value:?}")));
        }
    }
}
