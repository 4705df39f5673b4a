//! Reads and writes for re-grading a stored run without calling any model: the answer
//! each result used, and a new numbered set of verdicts (`scoring = n`).

use crate::dialect::WriteTx;
use crate::tables::{self, ResultRow};
use crate::{Pool, Result, Store};
use routeval_core::ResultRecord;
use sqlx::Transaction;
use std::collections::HashMap;

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

/// A result's key: target, dataset, case, repeat (its attempts share it).
type ResultKey = (String, String, String, i64);

/// A page of live results in key order, with their live fingerprints; `$3..$6` the key
/// to start after, when there is one.
fn page_results_sql(after: bool) -> String {
    format!(
        "SELECT {}, r.verdict_digest FROM results r WHERE r.run_id = $1 AND r.scoring = 0 {}
         ORDER BY r.target, r.dataset, r.case_id, r.repeat LIMIT $2",
        tables::select_list("r.", ResultRow::COLUMNS),
        if after {
            "AND (r.target, r.dataset, r.case_id, r.repeat) > ($3, $4, $5, $6)"
        } else {
            ""
        }
    )
}

/// The attempts of a key range (the attempts' unique key starts with it), in no order.
const RANGE_ATTEMPTS: &str = "SELECT target, dataset, case_id, repeat, chain_step, turn, try_index, http_attempt, content, tool_calls_json
     FROM attempts WHERE run_id = $1
       AND (target, dataset, case_id, repeat) >= ($2, $3, $4, $5)
       AND (target, dataset, case_id, repeat) <= ($6, $7, $8, $9)";

/// The reference answers of a range of one dataset's cases.
const RANGE_CASES: &str = "SELECT case_id, expected_json FROM cases
     WHERE run_id = $1 AND dataset = $2 AND case_id >= $3 AND case_id <= $4";

/// An attempt of a page's range, as [`RANGE_ATTEMPTS`] reads it.
struct RangeAttempt {
    target: String,
    dataset: String,
    case_id: String,
    repeat: i64,
    chain_step: i64,
    turn: i64,
    try_index: i64,
    http_attempt: i64,
    content: Option<String>,
    tool_calls_json: Option<String>,
}

/// A [`RangeAttempt`] from a row of [`RANGE_ATTEMPTS`], each field by its column's place
/// there, with the driver's getter: `try_get` (sqlx) or `get` (rusqlite).
macro_rules! range_attempt {
    ($row:ident . $get:ident) => {
        RangeAttempt {
            target: $row.$get(0)?,
            dataset: $row.$get(1)?,
            case_id: $row.$get(2)?,
            repeat: $row.$get(3)?,
            chain_step: $row.$get(4)?,
            turn: $row.$get(5)?,
            try_index: $row.$get(6)?,
            http_attempt: $row.$get(7)?,
            content: $row.$get(8)?,
            tool_calls_json: $row.$get(9)?,
        }
    };
}

impl<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> for RangeAttempt {
    fn from_row(row: &'r sqlx::postgres::PgRow) -> std::result::Result<Self, sqlx::Error> {
        use sqlx::Row;
        Ok(range_attempt!(row.try_get))
    }
}

impl RangeAttempt {
    fn from_rusqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(range_attempt!(row.get))
    }
}

/// What the page query of one dialect read, before the answers are matched to results.
struct PageParts {
    results: Vec<(ResultRow, Option<i64>)>,
    attempts: Vec<RangeAttempt>,
    /// dataset → case id → reference answer.
    cases: HashMap<String, HashMap<String, Option<String>>>,
}

/// The stretches of a page sharing a (target, dataset), as (dataset, first case id, last
/// case id): the cases to read are those ranges (a page in key order holds each case of a
/// stretch once, and usually spans one or two stretches).
fn case_ranges(results: &[(ResultRow, Option<i64>)]) -> Vec<(String, String, String)> {
    let mut ranges: Vec<(String, String, String)> = Vec::new();
    let mut previous: Option<(&str, &str)> = None;
    for (r, _) in results {
        let stretch = (r.target.as_str(), r.dataset.as_str());
        match ranges.last_mut() {
            Some(range) if previous == Some(stretch) => range.2.clone_from(&r.case_id),
            _ => ranges.push((r.dataset.clone(), r.case_id.clone(), r.case_id.clone())),
        }
        previous = Some(stretch);
    }
    ranges
}

impl PageParts {
    /// Each result with the last attempt (latest turn, then highest validate-and-retry
    /// round, then transport retry) of its served chain step, and its case's reference.
    fn matched(self) -> Vec<StoredAnswer> {
        let PageParts {
            results,
            mut attempts,
            cases,
        } = self;
        // The last attempt of each (result, step), by its place in `attempts`.
        let mut last: HashMap<(&str, &str, &str, i64, i64), usize> =
            HashMap::with_capacity(attempts.len());
        for (i, a) in attempts.iter().enumerate() {
            let key = (
                a.target.as_str(),
                a.dataset.as_str(),
                a.case_id.as_str(),
                a.repeat,
                a.chain_step,
            );
            let kept = last.entry(key).or_insert(i);
            let k = &attempts[*kept];
            if (k.turn, k.try_index, k.http_attempt) < (a.turn, a.try_index, a.http_attempt) {
                *kept = i;
            }
        }
        let answered: Vec<Option<usize>> = results
            .iter()
            .map(|(r, _)| {
                let step = r.served_step?;
                let key = (
                    r.target.as_str(),
                    r.dataset.as_str(),
                    r.case_id.as_str(),
                    r.repeat,
                    step,
                );
                last.get(&key).copied()
            })
            .collect();
        drop(last);
        results
            .into_iter()
            .zip(answered)
            .map(|((result, live_digest), answer)| {
                let (content, tool_calls_json) = answer
                    .map(|i| {
                        let a = &mut attempts[i];
                        (a.content.take(), a.tool_calls_json.take())
                    })
                    .unwrap_or_default();
                let expected_json = cases
                    .get(result.dataset.as_str())
                    .and_then(|c| c.get(result.case_id.as_str()))
                    .cloned()
                    .flatten();
                StoredAnswer {
                    result,
                    content,
                    tool_calls_json,
                    expected_json,
                    live_digest,
                }
            })
            .collect()
    }
}

/// A page's results as sqlx reads them from PostgreSQL.
struct PageResultRow(ResultRow, Option<i64>);

impl<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> for PageResultRow {
    fn from_row(row: &'r sqlx::postgres::PgRow) -> std::result::Result<Self, sqlx::Error> {
        use sqlx::Row;
        Ok(Self(
            ResultRow::from_row(row)?,
            row.try_get("verdict_digest")?,
        ))
    }
}

/// `$N` placeholders as rusqlite binds them: `?N`.
fn numbered(sql: &str) -> String {
    sql.replace('$', "?")
}

/// A result's key, in the order the page queries bind it.
fn result_key(r: &ResultRow) -> ResultKey {
    (
        r.target.clone(),
        r.dataset.clone(),
        r.case_id.clone(),
        r.repeat,
    )
}

/// The first and last keys of a page.
fn key_range(results: &[(ResultRow, Option<i64>)]) -> Option<(ResultKey, ResultKey)> {
    Some((
        result_key(&results.first()?.0),
        result_key(&results.last()?.0),
    ))
}

impl Store {
    /// Every live result of a run with the answer it used, in key order (see
    /// [`Store::stored_answers_page`]).
    pub async fn stored_answers(&self, run_id: &str) -> Result<Vec<StoredAnswer>> {
        const PAGE: usize = 8192;
        let mut answers: Vec<StoredAnswer> = Vec::new();
        loop {
            let after = answers.last().map(|a| a.result.clone());
            let page = self
                .stored_answers_page(run_id, after.as_ref(), PAGE)
                .await?;
            let done = page.len() < PAGE;
            answers.extend(page);
            if done {
                return Ok(answers);
            }
        }
    }

    /// Up to `limit` live results with their answers, in key order (target, dataset,
    /// case, repeat), starting after `after`: page through a run without holding it
    /// all. Each result comes with the last attempt (latest turn, then highest
    /// validate-and-retry round, then transport retry) of its served chain step and its
    /// case's reference answer. Three range reads a page, matched in memory (results,
    /// then the attempts and cases of the page's key range: every key starts the same
    /// way), rather than two lookups per result; each page costs what it returns.
    /// A bulk read (see `bulk`) on SQLite.
    pub async fn stored_answers_page(
        &self,
        run_id: &str,
        after: Option<&ResultRow>,
        limit: usize,
    ) -> Result<Vec<StoredAnswer>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let run_id = run_id.to_string();
        let after = after.map(result_key);
        let parts = if let Pool::Postgres(pool) = &self.pool {
            let results_sql = page_results_sql(after.is_some());
            let mut query = sqlx::query_as(&results_sql).bind(&run_id).bind(limit);
            if let Some((target, dataset, case_id, repeat)) = &after {
                query = query.bind(target).bind(dataset).bind(case_id).bind(repeat);
            }
            let rows: Vec<PageResultRow> = query.fetch_all(pool).await?;
            let results: Vec<_> = rows.into_iter().map(|r| (r.0, r.1)).collect();
            let attempts = match key_range(&results) {
                None => Vec::new(),
                Some((first, last)) => {
                    sqlx::query_as(RANGE_ATTEMPTS)
                        .bind(&run_id)
                        .bind(first.0)
                        .bind(first.1)
                        .bind(first.2)
                        .bind(first.3)
                        .bind(last.0)
                        .bind(last.1)
                        .bind(last.2)
                        .bind(last.3)
                        .fetch_all(pool)
                        .await?
                }
            };
            let mut cases: HashMap<String, HashMap<String, Option<String>>> = HashMap::new();
            for (dataset, first, last) in case_ranges(&results) {
                let rows: Vec<(String, Option<String>)> = sqlx::query_as(RANGE_CASES)
                    .bind(&run_id)
                    .bind(&dataset)
                    .bind(first)
                    .bind(last)
                    .fetch_all(pool)
                    .await?;
                cases.entry(dataset).or_default().extend(rows);
            }
            PageParts {
                results,
                attempts,
                cases,
            }
        } else {
            self.bulk_read(move |conn| {
                let mut statement = conn.prepare(&numbered(&page_results_sql(after.is_some())))?;
                let result_columns = tables::column_indexes(&statement, ResultRow::COLUMNS)?;
                let digest_column = statement.column_index("verdict_digest")?;
                let read = |row: &rusqlite::Row<'_>| {
                    Ok((
                        ResultRow::from_rusqlite(row, &result_columns)?,
                        row.get(digest_column)?,
                    ))
                };
                let results: Vec<(ResultRow, Option<i64>)> = match &after {
                    None => statement
                        .query_map(rusqlite::params![run_id, limit], read)?
                        .collect::<rusqlite::Result<_>>()?,
                    Some((target, dataset, case_id, repeat)) => statement
                        .query_map(
                            rusqlite::params![run_id, limit, target, dataset, case_id, repeat],
                            read,
                        )?
                        .collect::<rusqlite::Result<_>>()?,
                };
                let attempts = match key_range(&results) {
                    None => Vec::new(),
                    Some((first, last)) => conn
                        .prepare(&numbered(RANGE_ATTEMPTS))?
                        .query_map(
                            rusqlite::params![
                                run_id, first.0, first.1, first.2, first.3, last.0, last.1, last.2,
                                last.3
                            ],
                            RangeAttempt::from_rusqlite,
                        )?
                        .collect::<rusqlite::Result<_>>()?,
                };
                let mut cases: HashMap<String, HashMap<String, Option<String>>> = HashMap::new();
                let mut statement = conn.prepare(&numbered(RANGE_CASES))?;
                for (dataset, first, last) in case_ranges(&results) {
                    let rows = statement
                        .query_map(rusqlite::params![run_id, dataset, first, last], |row| {
                            Ok((row.get(0)?, row.get(1)?))
                        })?
                        .collect::<rusqlite::Result<Vec<(String, Option<String>)>>>()?;
                    cases.entry(dataset).or_default().extend(rows);
                }
                Ok(PageParts {
                    results,
                    attempts,
                    cases,
                })
            })
            .await?
        };
        Ok(parts.matched())
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
        let changed: Vec<&ResultRecord> = verdicts
            .iter_mut()
            .filter_map(|(verdict, live)| {
                (!crate::verdict::keeps_live(verdict, *live)).then_some(&*verdict)
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

    /// What a stored answer is, as the per-result join reads it: for each live result, the
    /// last attempt of its served step (`answer_attempt_join!`) and its case's reference.
    fn joined_answers_sql() -> String {
        concat!(
            "SELECT r.target, r.dataset, r.case_id, r.repeat, a.content, c.expected_json, r.verdict_digest
             FROM results r ",
            answer_attempt_join!(),
            " LEFT JOIN cases c ON c.run_id = r.run_id AND c.dataset = r.dataset AND c.case_id = r.case_id
             WHERE r.run_id = 'run1' AND r.scoring = 0
             ORDER BY r.target, r.dataset, r.case_id, r.repeat"
        )
        .to_string()
    }

    type Answer = (
        String,
        String,
        String,
        i64,
        Option<String>,
        Option<String>,
        Option<i64>,
    );

    #[tokio::test]
    async fn pages_match_answers_as_a_join_per_result_finds_them() {
        for (db, store) in crate::test_support::stores_with_run("run1").await {
            // Two datasets, one case without a reference; targets and cases written out
            // of key order, attempts of each result shuffled, several steps, turns,
            // rounds and sends; some results served by no step.
            let datasets = [("d", vec!["a", "b", "b2", "c"]), ("e", vec!["a", "x"])];
            for (name, ids) in &datasets {
                store
                    .record_dataset(
                        "run1",
                        &crate::NewDataset {
                            name,
                            task: "classification",
                            privacy: "internal",
                            scorer_path: "s.toml",
                            min_acceptance: 0.5,
                            baseline: None,
                            case_count: ids.len(),
                        },
                    )
                    .await
                    .unwrap();
                let cases: Vec<routeval_core::Case> = ids
                    .iter()
                    .map(|id| {
                        let expected = if *id == "c" {
                            String::new()
                        } else {
                            format!(r#","expected":{{"id":"{name}/{id}"}}"#)
                        };
                        serde_json::from_str(&format!(
                            r#"{{"id":"{id}","messages":[{{"role":"user","content":"hi"}}]{expected}}}"#
                        ))
                        .unwrap()
                    })
                    .collect();
                store.record_cases("run1", name, &cases).await.unwrap();
            }
            let writer = spawn_writer(&store, "run1", 4);
            let mut n = 0u32;
            for target in ["u", "t", "t2"] {
                for (dataset, ids) in &datasets {
                    for id in ids.iter().rev() {
                        for repeat in [1u32, 0] {
                            n += 1;
                            let served_step = match n % 4 {
                                0 => None,
                                1 | 2 => Some(1),
                                _ => Some(0),
                            };
                            let mut attempts = Vec::new();
                            for step in 0..=1u32 {
                                for turn in 0..=(n % 2) {
                                    for try_index in 0..=(n % 3).min(1) {
                                        for http in 0..=1u32 {
                                            attempts.push(AttemptRecord {
                                                target: target.into(),
                                                dataset: (*dataset).into(),
                                                case_id: (*id).into(),
                                                repeat,
                                                turn,
                                                request_id: format!("{n}-{step}-{turn}-{try_index}-{http}"),
                                                content: Some(format!(
                                                    "{target}/{dataset}/{id}#{repeat} step {step} turn {turn} round {try_index} send {http}"
                                                )),
                                                ..attempt(step, try_index, http, "")
                                            });
                                        }
                                    }
                                }
                            }
                            // Writers do not promise an order: the last is found by key.
                            let shift = n as usize % attempts.len();
                            attempts.rotate_left(shift);
                            if n % 2 == 0 {
                                attempts.reverse();
                            }
                            let result = ResultRecord {
                                target: target.into(),
                                target_kind: "chain".into(),
                                dataset: (*dataset).into(),
                                case_id: (*id).into(),
                                repeat,
                                accepted: served_step.is_some(),
                                served_step,
                                served_route: served_step.map(|_| "r".into()),
                                attempts: attempts.len() as u32,
                                validation_retries: 0,
                                transport_retries: 0,
                                cost: None,
                                latency_ms: 1.0,
                                ttft_ms: None,
                                error_class: None,
                                reason: format!("verdict {n}"),
                                scores: Vec::new(),
                            };
                            let outcome = CaseOutcome {
                                attempts,
                                result,
                                judging: Default::default(),
                            };
                            writer.sender.send(outcome).await.unwrap();
                        }
                    }
                }
            }
            drop(writer.sender);
            writer.task.await.unwrap().unwrap();

            let sql = joined_answers_sql();
            let joined: Vec<Answer> = with_pool!(store, |pool| sqlx::query_as(&sql)
                .fetch_all(pool)
                .await
                .unwrap());
            assert_eq!(joined.len(), 3 * 6 * 2, "{}", db.backend);
            assert!(joined.iter().any(|a| a.4.is_none()) && joined.iter().any(|a| a.5.is_none()));
            for page_size in [1, 2, 5, 7, 100] {
                let mut paged: Vec<Answer> = Vec::new();
                let mut after: Option<ResultRow> = None;
                loop {
                    let page = store
                        .stored_answers_page("run1", after.as_ref(), page_size)
                        .await
                        .unwrap();
                    after = page.last().map(|a| a.result.clone());
                    let done = page.len() < page_size;
                    paged.extend(page.into_iter().map(|a| {
                        (
                            a.result.target,
                            a.result.dataset,
                            a.result.case_id,
                            a.result.repeat,
                            a.content,
                            a.expected_json,
                            a.live_digest,
                        )
                    }));
                    if done {
                        break;
                    }
                }
                assert_eq!(paged, joined, "{}: pages of {page_size}", db.backend);
            }
            store.close().await;
        }
    }
}
