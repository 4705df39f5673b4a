//! Reads and writes for re-grading a stored run without calling any model: the answer
//! each result used, and a new numbered set of verdicts (`scoring = n`).

use crate::dialect::WriteTx;
use crate::tables::{self, ResultRow};
use crate::{Pool, Result, Store};
use routeval_core::redact::Redact;
use routeval_core::ResultRecord;
use sqlx::Transaction;

/// A live result (`scoring = 0`) with the answer it used and its case's reference.
#[derive(Debug, Clone)]
pub struct StoredAnswer {
    pub result: ResultRow,
    /// Content of the last attempt of the served chain step (None when nothing answered).
    pub content: Option<String>,
    /// Its tool calls, a JSON array string as received.
    pub tool_calls_json: Option<String>,
    /// `cases.expected_json` of the result's case.
    pub expected_json: Option<String>,
    /// The live verdict's fingerprint (`results.verdict_digest`): a new verdict with the
    /// same one is not written again. `None` for results stored before fingerprints.
    pub live_digest: Option<i64>,
}

/// Columns and joins of a stored answer: the result, the last attempt (latest turn, then
/// highest validate-and-retry round, then transport retry) of its served chain step,
/// and its case's reference answer. Rows are read by column name ([`StoredAnswers`]).
fn stored_answer_sql(rest: &str) -> String {
    format!(
        concat!(
            "SELECT {}, r.verdict_digest, a.content, a.tool_calls_json, c.expected_json FROM results r ",
            answer_attempt_join!(),
            " LEFT JOIN cases c ON c.run_id = r.run_id AND c.dataset = r.dataset AND c.case_id = r.case_id
     WHERE r.run_id = $1 AND r.scoring = 0 {}"
        ),
        tables::select_list("r.", ResultRow::COLUMNS),
        rest
    )
}

/// A stored answer as sqlx reads it by column name (from PostgreSQL).
struct StoredAnswerRow(StoredAnswer);

impl<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> for StoredAnswerRow {
    fn from_row(row: &'r sqlx::postgres::PgRow) -> std::result::Result<Self, sqlx::Error> {
        use sqlx::Row;
        Ok(Self(StoredAnswer {
            result: ResultRow::from_row(row)?,
            content: row.try_get("content")?,
            tool_calls_json: row.try_get("tool_calls_json")?,
            expected_json: row.try_get("expected_json")?,
            live_digest: row.try_get("verdict_digest")?,
        }))
    }
}

/// `$N` placeholders as rusqlite binds them: `?N`.
fn numbered(sql: &str) -> String {
    sql.replace('$', "?")
}

/// Where the columns of a stored answer are in a statement's rows, looked up once.
struct StoredAnswers {
    result: Vec<usize>,
    content: usize,
    tool_calls_json: usize,
    expected_json: usize,
    live_digest: usize,
}

impl StoredAnswers {
    fn of(statement: &rusqlite::Statement<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            result: tables::column_indexes(statement, ResultRow::COLUMNS)?,
            content: statement.column_index("content")?,
            tool_calls_json: statement.column_index("tool_calls_json")?,
            expected_json: statement.column_index("expected_json")?,
            live_digest: statement.column_index("verdict_digest")?,
        })
    }

    fn read(&self, row: &rusqlite::Row<'_>) -> rusqlite::Result<StoredAnswer> {
        Ok(StoredAnswer {
            result: ResultRow::from_rusqlite(row, &self.result)?,
            content: row.get(self.content)?,
            tool_calls_json: row.get(self.tool_calls_json)?,
            expected_json: row.get(self.expected_json)?,
            live_digest: row.get(self.live_digest)?,
        })
    }
}

impl Store {
    /// Every live result of a run with the answer it used: the last attempt (highest
    /// validate-and-retry round, then transport retry) of the served chain step.
    pub async fn stored_answers(&self, run_id: &str) -> Result<Vec<StoredAnswer>> {
        let sql = stored_answer_sql("ORDER BY r.dataset, r.target, r.case_id, r.repeat");
        if let Pool::Postgres(pool) = &self.pool {
            let rows: Vec<StoredAnswerRow> =
                sqlx::query_as(&sql).bind(run_id).fetch_all(pool).await?;
            return Ok(rows.into_iter().map(|row| row.0).collect());
        }
        let run_id = run_id.to_string();
        self.bulk_read(move |conn| {
            let mut statement = conn.prepare(&numbered(&sql))?;
            let columns = StoredAnswers::of(&statement)?;
            let answers = statement.query_map([&run_id], |row| columns.read(row))?;
            answers.collect()
        })
        .await
    }

    /// Up to `limit` live results with their answers, in key order (target, dataset,
    /// case, repeat), starting after `after`: page through a run without holding it
    /// all. The results' key serves both the order and the start, so each page costs
    /// what it returns. A bulk read (see `bulk`).
    pub async fn stored_answers_page(
        &self,
        run_id: &str,
        after: Option<&ResultRow>,
        limit: usize,
    ) -> Result<Vec<StoredAnswer>> {
        const ORDER: &str = "ORDER BY r.target, r.dataset, r.case_id, r.repeat LIMIT $2";
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let run_id = run_id.to_string();
        let after = after.map(|k| {
            (
                k.target.clone(),
                k.dataset.clone(),
                k.case_id.clone(),
                k.repeat,
            )
        });
        let after_sql = stored_answer_sql(&format!(
            "AND (r.target, r.dataset, r.case_id, r.repeat) > ($3, $4, $5, $6) {ORDER}"
        ));
        if let Pool::Postgres(pool) = &self.pool {
            let rows: Vec<StoredAnswerRow> = match after {
                None => {
                    sqlx::query_as(&stored_answer_sql(ORDER))
                        .bind(run_id)
                        .bind(limit)
                        .fetch_all(pool)
                        .await?
                }
                Some((target, dataset, case_id, repeat)) => {
                    sqlx::query_as(&after_sql)
                        .bind(run_id)
                        .bind(limit)
                        .bind(target)
                        .bind(dataset)
                        .bind(case_id)
                        .bind(repeat)
                        .fetch_all(pool)
                        .await?
                }
            };
            return Ok(rows.into_iter().map(|row| row.0).collect());
        }
        self.bulk_read(move |conn| match after {
            None => {
                let mut statement = conn.prepare(&numbered(&stored_answer_sql(ORDER)))?;
                let columns = StoredAnswers::of(&statement)?;
                let page = statement
                    .query_map(rusqlite::params![run_id, limit], |row| columns.read(row))?;
                page.collect()
            }
            Some((target, dataset, case_id, repeat)) => {
                let mut statement = conn.prepare(&numbered(&after_sql))?;
                let columns = StoredAnswers::of(&statement)?;
                let page = statement.query_map(
                    rusqlite::params![run_id, limit, target, dataset, case_id, repeat],
                    |row| columns.read(row),
                )?;
                page.collect()
            }
        })
        .await
    }

    /// The datasets a run has live results in, by name.
    pub async fn result_datasets(&self, run_id: &str) -> Result<Vec<String>> {
        let rows: Vec<(String,)> = with_pool!(self, |pool| {
            sqlx::query_as(
            "SELECT DISTINCT dataset FROM results WHERE run_id = $1 AND scoring = 0 ORDER BY dataset",
        )
        .bind(run_id)
        .fetch_all(pool)
        .await
        })?;
        Ok(rows.into_iter().map(|(d,)| d).collect())
    }

    /// The latest set of verdicts of a run: 0 when it was never rescored.
    pub async fn latest_scoring(&self, run_id: &str) -> Result<i64> {
        let (n,): (i64,) = with_pool!(self, |pool| sqlx::query_as(
            "SELECT COALESCE(MAX(scoring), 0) FROM results WHERE run_id = $1"
        )
        .bind(run_id)
        .fetch_one(pool)
        .await)?;
        Ok(n)
    }

    /// Write a new set of verdicts for a run in one transaction, numbered after the
    /// latest, every one of them (none is compared with the live ones); returns its
    /// number. `source` says what graded it.
    pub async fn record_scoring(
        &self,
        run_id: &str,
        source: &str,
        created_at_ms: i64,
        results: &[ResultRecord],
    ) -> Result<i64> {
        let mut scoring = self.begin_scoring(run_id, source, created_at_ms).await?;
        let verdicts = results.iter().map(|r| (r.clone(), None)).collect();
        scoring.write_changed(verdicts).await?;
        scoring.commit().await
    }

    /// Start a new set of verdicts for a run, numbered after the latest: written in
    /// pages with [`ScoringWriter::write_changed`], all in one transaction that
    /// [`ScoringWriter::commit`] ends (dropped uncommitted, nothing of it is kept).
    /// `source` says what graded it.
    pub async fn begin_scoring(
        &self,
        run_id: &str,
        source: &str,
        created_at_ms: i64,
    ) -> Result<ScoringWriter> {
        let mut tx = WriteTx::begin(self).await?;
        // Numbered inside the transaction, so two rescoring processes cannot take the
        // same number: on SQLite the second waits for the first's write lock, then sees
        // it; on PostgreSQL the second's insert meets the first's key and fails.
        let scoring = match &mut tx {
            WriteTx::Sqlite(tx) => number_scoring(tx, run_id, source, created_at_ms).await?,
            WriteTx::Postgres(tx) => number_scoring(tx, run_id, source, created_at_ms).await?,
        };
        Ok(ScoringWriter {
            tx,
            run_id: run_id.to_string(),
            scoring,
        })
    }
}

/// Take the next scoring number of a run and record it.
async fn number_scoring<DB>(
    tx: &mut Transaction<'_, DB>,
    run_id: &str,
    source: &str,
    created_at_ms: i64,
) -> Result<i64>
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB> + sqlx::Decode<'q, DB>,
    (i64,): for<'r> sqlx::FromRow<'r, DB::Row>,
{
    let (scoring,): (i64,) = sqlx::query_as(
        "SELECT MAX(n) FROM (
             SELECT COALESCE(MAX(scoring), 0) + 1 AS n FROM results WHERE run_id = $1
             UNION ALL SELECT COALESCE(MAX(scoring), 0) + 1 FROM scorings WHERE run_id = $1) AS next",
    )
    .bind(run_id)
    .fetch_one(&mut **tx)
    .await?;
    // The columns of `tables::SCORINGS`, bound in their order.
    let sql = format!(
        "INSERT INTO scorings ({}) VALUES ($1, $2, $3, $4)",
        crate::tables::ScoringValues::COLUMNS.join(", ")
    );
    sqlx::query(&sql)
        .bind(run_id)
        .bind(scoring)
        .bind(created_at_ms)
        .bind(source)
        .execute(&mut **tx)
        .await?;
    Ok(scoring)
}

/// A numbered set of verdicts being written (see [`Store::begin_scoring`]).
pub struct ScoringWriter {
    tx: WriteTx,
    run_id: String,
    scoring: i64,
}

impl ScoringWriter {
    /// The number this set of verdicts takes.
    pub fn scoring(&self) -> i64 {
        self.scoring
    }

    /// Write the verdicts of a page that differ from the live ones, in a few multi-row
    /// statements; returns how many that was. Each verdict comes with its live one's
    /// fingerprint ([`StoredAnswer::live_digest`]; `None`: written whatever it is). A
    /// result this scoring holds no row for kept its live verdict: readers of scoring
    /// `n` take its rows, and the live ones (`scoring = 0`) for the rest.
    pub async fn write_changed(
        &mut self,
        mut verdicts: Vec<(ResultRecord, Option<i64>)>,
    ) -> Result<usize> {
        let redactor = routeval_core::redact::Redactor::GLOBAL;
        let changed: Vec<&ResultRecord> = verdicts
            .iter_mut()
            .filter_map(|(verdict, live)| {
                verdict.redact_in_place(&redactor);
                (*live != Some(crate::verdict::digest(verdict))).then_some(&*verdict)
            })
            .collect();
        if changed.is_empty() {
            return Ok(0);
        }
        let (run_id, scoring) = (&self.run_id, self.scoring);
        with_tx!(&mut self.tx, |t| insert_verdicts(
            t, run_id, &changed, scoring
        ))?;
        Ok(changed.len())
    }

    /// Commit the set; returns its number.
    pub async fn commit(self) -> Result<i64> {
        self.tx.commit().await?;
        Ok(self.scoring)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spawn_writer;
    use routeval_core::{AttemptRecord, CaseOutcome, ScoreRecord};

    fn attempt(step: u32, try_index: u32, http: u32, content: &str) -> AttemptRecord {
        AttemptRecord {
            target: "t".into(),
            route: "r".into(),
            chain_step: step,
            dataset: "d".into(),
            case_id: "c1".into(),
            try_index,
            http_attempt: http,
            request_id: format!("{step}-{try_index}-{http}"),
            content: Some(content.into()),
            ..AttemptRecord::default()
        }
    }

    #[tokio::test]
    async fn answers_come_from_the_served_step_and_scorings_are_numbered() {
        for (_db, store) in crate::test_support::stores_with_run("run1").await {
            let case: routeval_core::Case = serde_json::from_str(
                r#"{"id":"c1","messages":[{"role":"user","content":"hi"}],"expected":{"x":1}}"#,
            )
            .unwrap();
            store
                .record_dataset(
                    "run1",
                    &crate::NewDataset {
                        name: "d",
                        task: "classification",
                        privacy: "internal",
                        scorer_path: "s.toml",
                        min_acceptance: 0.5,
                        baseline: None,
                        case_count: 1,
                    },
                )
                .await
                .unwrap();
            store.record_cases("run1", "d", &[case]).await.unwrap();
            let result = ResultRecord {
                target: "t".into(),
                target_kind: "chain".into(),
                dataset: "d".into(),
                case_id: "c1".into(),
                repeat: 0,
                accepted: true,
                served_step: Some(1),
                served_route: Some("r".into()),
                attempts: 4,
                validation_retries: 1,
                transport_retries: 1,
                cost: Some(0.5),
                latency_ms: 10.0,
                ttft_ms: None,
                error_class: None,
                reason: "accepted".into(),
                scores: vec![ScoreRecord {
                    check: "json".into(),
                    pass: true,
                    value: 1.0,
                    detail: None,
                }],
            };
            let writer = spawn_writer(&store, "run1", 4);
            writer
                .sender
                .send(CaseOutcome {
                    attempts: vec![
                        attempt(0, 0, 0, "step 0"),
                        attempt(1, 0, 0, "first round"),
                        attempt(1, 1, 0, "second round, first send"),
                        attempt(1, 1, 1, "second round, retried"),
                    ],
                    result: result.clone(),
                    judging: Default::default(),
                })
                .await
                .unwrap();
            drop(writer.sender);
            writer.task.await.unwrap().unwrap();

            let answers = store.stored_answers("run1").await.unwrap();
            assert_eq!(answers.len(), 1);
            assert_eq!(answers[0].content.as_deref(), Some("second round, retried"));
            assert_eq!(answers[0].expected_json.as_deref(), Some(r#"{"x":1}"#));
            assert_eq!(store.latest_scoring("run1").await.unwrap(), 0);

            let mut regraded = result.clone();
            regraded.accepted = false;
            assert_eq!(
                store
                    .record_scoring("run1", "test", 1, &[regraded.clone()])
                    .await
                    .unwrap(),
                1
            );
            assert_eq!(
                store
                    .record_scoring("run1", "test", 2, &[regraded])
                    .await
                    .unwrap(),
                2
            );
            assert_eq!(store.latest_scoring("run1").await.unwrap(), 2);
            // The live verdicts are untouched, and rescoring reads only them.
            assert!(store.results("run1").await.unwrap()[0].accepted);
            assert_eq!(store.stored_answers("run1").await.unwrap().len(), 1);
            store.close().await;
        }
    }

    #[tokio::test]
    async fn turns_of_a_tool_loop_are_distinct_attempts_and_the_last_one_answers() {
        for (_db, store) in crate::test_support::stores_with_run("run1").await {
            // The same (step, round, send) on every turn: only the turn tells them apart.
            let turn = |n: u32, content: &str| AttemptRecord {
                turn: n,
                ..attempt(0, 0, 0, content)
            };
            let result = ResultRecord {
                target: "t".into(),
                target_kind: "route".into(),
                dataset: "d".into(),
                case_id: "c1".into(),
                repeat: 0,
                accepted: true,
                served_step: Some(0),
                served_route: Some("r".into()),
                attempts: 3,
                validation_retries: 0,
                transport_retries: 0,
                cost: Some(0.0),
                latency_ms: 10.0,
                ttft_ms: None,
                error_class: None,
                reason: "accepted".into(),
                scores: Vec::new(),
            };
            let writer = spawn_writer(&store, "run1", 4);
            writer
                .sender
                .send(CaseOutcome {
                    attempts: vec![
                        turn(0, "lookup"),
                        turn(1, "refund"),
                        turn(2, "final answer"),
                    ],
                    result,
                    judging: Default::default(),
                })
                .await
                .unwrap();
            drop(writer.sender);
            writer.task.await.unwrap().unwrap();
            let answers = store.stored_answers("run1").await.unwrap();
            assert_eq!(answers[0].content.as_deref(), Some("final answer"));
            let n = store
                .query_i64("SELECT COUNT(*) FROM attempts WHERE turn = 1")
                .await
                .unwrap();
            assert_eq!(n, 1);
            store.close().await;
        }
    }
}
