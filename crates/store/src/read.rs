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
    pub cost: f64,
    pub latency_ms: f64,
    pub ttft_ms: Option<f64>,
    pub error_class: Option<String>,
    pub reason: String,
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
    pub cost: f64,
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

    pub async fn scores(&self, run_id: &str) -> Result<Vec<ScoreRow>> {
        Ok(sqlx::query_as(
            "SELECT target, dataset, case_id, repeat, check_name, pass, value, detail
             FROM scores WHERE run_id = ? AND scoring = 0",
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

    /// Total spend recorded for a run, every attempt included.
    pub async fn run_spend(&self, run_id: &str) -> Result<f64> {
        let (spent,): (f64,) =
            sqlx::query_as("SELECT COALESCE(SUM(cost), 0.0) FROM attempts WHERE run_id = ?")
                .bind(run_id)
                .fetch_one(&self.pool)
                .await?;
        Ok(spent)
    }
}
