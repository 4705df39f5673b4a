//! Typed reads for the analysis and the CLI.

use crate::{Result, Store, StoreError};
use sqlx::FromRow;
use std::collections::HashSet;

#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct RunRow {
    pub id: String,
    pub suite: String,
    pub suite_path: String,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub status: String,
    pub config_hash: String,
    pub git_rev: Option<String>,
    pub simulated: bool,
}

#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct TargetRow {
    pub name: String,
    pub kind: String,
    pub spec_json: String,
}

#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct DatasetRow {
    pub name: String,
    pub task: String,
    pub privacy: String,
    pub min_acceptance: f64,
    pub case_count: i64,
    /// The target the others are compared with, case by case.
    pub baseline: Option<String>,
}

/// One verdict, as the analysis reads it.
#[derive(Debug, Clone, FromRow)]
pub struct ResultRow {
    pub target: String,
    pub target_kind: String,
    pub dataset: String,
    pub case_id: String,
    pub repeat: i64,
    pub accepted: bool,
    pub served_step: Option<i64>,
    pub served_route: Option<String>,
    pub attempts: i64,
    pub validation_retries: i64,
    pub transport_retries: i64,
    /// `None` when unknown (an attempt of the result had no known cost).
    pub cost: Option<f64>,
    pub latency_ms: f64,
    pub ttft_ms: Option<f64>,
    pub error_class: Option<String>,
    pub reason: String,
}

/// The columns of a live result the analysis lays out as frames (a [`ResultRow`]
/// without `served_route` and `reason`), borrowed from the row being read.
#[derive(Debug, Clone, Copy)]
pub struct ResultCells<'r> {
    pub target: &'r str,
    pub target_kind: &'r str,
    pub dataset: &'r str,
    pub case_id: &'r str,
    pub repeat: i64,
    pub accepted: bool,
    pub served_step: Option<i64>,
    pub attempts: i64,
    pub validation_retries: i64,
    pub transport_retries: i64,
    /// `None` when unknown (an attempt of the result had no known cost).
    pub cost: Option<f64>,
    pub latency_ms: f64,
    pub ttft_ms: Option<f64>,
    pub error_class: Option<&'r str>,
}

#[derive(Debug, Clone, FromRow)]
pub struct ScoreRow {
    pub target: String,
    pub dataset: String,
    pub case_id: String,
    pub repeat: i64,
    pub check_name: String,
    pub pass: bool,
    pub value: f64,
    pub detail: Option<String>,
}

/// The attempt columns the analysis aggregates (content left out).
#[derive(Debug, Clone, FromRow)]
pub struct AttemptRow {
    pub target: String,
    pub route: String,
    pub chain_step: i64,
    pub dataset: String,
    pub case_id: String,
    pub repeat: i64,
    pub status: Option<i64>,
    pub error_class: Option<String>,
    pub served_model: Option<String>,
    pub served_provider: Option<String>,
    pub prompt_tokens: Option<i64>,
    pub completion_tokens: Option<i64>,
    pub cached_tokens: Option<i64>,
    pub reasoning_tokens: Option<i64>,
    /// `None` when unknown.
    pub cost: Option<f64>,
    pub latency_ms: f64,
    pub ttft_ms: Option<f64>,
}

impl Store {
    pub async fn runs(&self) -> Result<Vec<RunRow>> {
        Ok(sqlx::query_as(
            "SELECT id, suite, suite_path, started_at, finished_at, status, config_hash, git_rev, simulated
             FROM runs ORDER BY started_at DESC, id DESC",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn run(&self, id: &str) -> Result<RunRow> {
        sqlx::query_as(
            "SELECT id, suite, suite_path, started_at, finished_at, status, config_hash, git_rev, simulated
             FROM runs WHERE id = ?",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
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

    pub async fn run_config_json(&self, id: &str) -> Result<String> {
        let (json,): (String,) = sqlx::query_as("SELECT config_json FROM runs WHERE id = ?")
            .bind(id)
            .fetch_one(&self.pool)
            .await?;
        Ok(json)
    }

    pub async fn targets(&self, run_id: &str) -> Result<Vec<TargetRow>> {
        Ok(sqlx::query_as(
            "SELECT name, kind, spec_json FROM targets WHERE run_id = ? ORDER BY name",
        )
        .bind(run_id)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn datasets(&self, run_id: &str) -> Result<Vec<DatasetRow>> {
        Ok(sqlx::query_as(
            "SELECT name, task, privacy, min_acceptance, case_count, baseline FROM datasets WHERE run_id = ? ORDER BY name",
        )
        .bind(run_id)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn results(&self, run_id: &str) -> Result<Vec<ResultRow>> {
        Ok(sqlx::query_as(
            "SELECT target, target_kind, dataset, case_id, repeat, accepted, served_step, served_route, attempts,
                    validation_retries, transport_retries, cost, latency_ms, ttft_ms, error_class, reason
             FROM results WHERE run_id = ? AND scoring = 0",
        )
        .bind(run_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The live results of a run, as [`Store::results`] reads them (same rows, same
    /// order), handed to `f` one at a time as SQLite steps through them: nothing is
    /// held, and no string is copied out of the row. A bulk read (see `bulk`): `f` runs
    /// on a blocking thread, gathering into `state`, which comes back at the end.
    pub async fn each_result<S, F>(&self, run_id: &str, mut state: S, mut f: F) -> Result<S>
    where
        S: Send + 'static,
        F: FnMut(&mut S, ResultCells<'_>) + Send + 'static,
    {
        let run_id = run_id.to_string();
        self.bulk_read(move |conn| {
            let mut statement = conn.prepare(
                "SELECT target, target_kind, dataset, case_id, repeat, accepted, served_step, attempts,
                        validation_retries, transport_retries, cost, latency_ms, ttft_ms, error_class
                 FROM results WHERE run_id = ? AND scoring = 0",
            )?;
            let mut rows = statement.query([&run_id])?;
            while let Some(row) = rows.next()? {
                f(&mut state, ResultCells {
                    target: row.get_ref(0)?.as_str()?,
                    target_kind: row.get_ref(1)?.as_str()?,
                    dataset: row.get_ref(2)?.as_str()?,
                    case_id: row.get_ref(3)?.as_str()?,
                    repeat: row.get(4)?,
                    accepted: row.get(5)?,
                    served_step: row.get(6)?,
                    attempts: row.get(7)?,
                    validation_retries: row.get(8)?,
                    transport_retries: row.get(9)?,
                    cost: row.get(10)?,
                    latency_ms: row.get(11)?,
                    ttft_ms: row.get(12)?,
                    error_class: row.get_ref(13)?.as_str_or_null()?,
                });
            }
            Ok(state)
        })
        .await
    }

    pub async fn scores(&self, run_id: &str) -> Result<Vec<ScoreRow>> {
        Ok(sqlx::query_as(
            "SELECT r.target, r.dataset, r.case_id, r.repeat, c.name AS check_name, s.pass, s.value, s.detail
             FROM results r JOIN scores s ON s.result_id = r.id JOIN checks c ON c.id = s.check_id
             WHERE r.run_id = ? AND r.scoring = 0",
        )
        .bind(run_id)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn attempts(&self, run_id: &str) -> Result<Vec<AttemptRow>> {
        Ok(sqlx::query_as(
            "SELECT target, route, chain_step, dataset, case_id, repeat, status, error_class, served_model,
                    served_provider, prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens,
                    cost, latency_ms, ttft_ms
             FROM attempts WHERE run_id = ?",
        )
        .bind(run_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Every case of a run as (dataset, case id, tags as a JSON array of strings).
    pub async fn case_tags(&self, run_id: &str) -> Result<Vec<(String, String, String)>> {
        Ok(sqlx::query_as(
            "SELECT dataset, case_id, tags_json FROM cases WHERE run_id = ? ORDER BY dataset, case_id",
        )
        .bind(run_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// (target, dataset, case, repeat) keys that already have a result: what a resumed
    /// run must not send again.
    pub async fn finished_keys(
        &self,
        run_id: &str,
    ) -> Result<HashSet<(String, String, String, u32)>> {
        let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
            "SELECT target, dataset, case_id, repeat FROM results WHERE run_id = ? AND scoring = 0",
        )
        .bind(run_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(t, d, c, r)| (t, d, c, r as u32))
            .collect())
    }

    /// Total spend recorded for a run, every attempt included, and its live judges'
    /// requests: what a resumed run's budget has already used.
    pub async fn run_spend(&self, run_id: &str) -> Result<f64> {
        let (spent,): (f64,) = sqlx::query_as(
            "SELECT (SELECT COALESCE(SUM(cost), 0.0) FROM attempts WHERE run_id = ?1)
                  + (SELECT COALESCE(SUM(cost), 0.0) FROM judge_attempts WHERE run_id = ?1 AND scoring = 0)",
        )
        .bind(run_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(spent)
    }
}

#[cfg(test)]
mod tests {
    use crate::spawn_writer;
    use routeval_core::{CaseOutcome, ErrorClass, ResultRecord};

    #[tokio::test]
    async fn each_result_reads_what_results_returns() {
        let (_dir, store) = crate::test_support::store_with_run("run").await;
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
        let cells = store
            .each_result("run", Vec::new(), |cells, c| {
                cells.push((
                    (c.target.to_string(), c.target_kind.to_string()),
                    (c.dataset.to_string(), c.case_id.to_string(), c.repeat),
                    (c.accepted, c.served_step, c.attempts),
                    (c.validation_retries, c.transport_retries),
                    (c.cost, c.latency_ms, c.ttft_ms),
                    c.error_class.map(str::to_string),
                ))
            })
            .await
            .unwrap();
        let expected: Vec<_> = rows
            .into_iter()
            .map(|r| {
                (
                    (r.target, r.target_kind),
                    (r.dataset, r.case_id, r.repeat),
                    (r.accepted, r.served_step, r.attempts),
                    (r.validation_retries, r.transport_retries),
                    (r.cost, r.latency_ms, r.ttft_ms),
                    r.error_class,
                )
            })
            .collect();
        assert_eq!(cells.len(), 40);
        assert_eq!(cells, expected);
    }
}
