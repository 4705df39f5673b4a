//! Writes: run bookkeeping, and the single writer task for outcomes.

use crate::{Result, Store};
use routeval_core::{CaseOutcome, ErrorClass, ResultRecord};
use sqlx::{Sqlite, Transaction};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Largest number of case outcomes written in one transaction.
const MAX_BATCH: usize = 512;

/// A run about to start.
#[derive(Debug, Clone)]
pub struct NewRun {
    pub id: String,
    pub suite: String,
    pub suite_path: String,
    pub started_at_ms: i64,
    pub config_json: String,
    pub config_hash: String,
    pub git_rev: Option<String>,
    pub simulated: bool,
}

impl Store {
    pub async fn create_run(&self, run: &NewRun) -> Result<()> {
        sqlx::query(
            "INSERT INTO runs (id, suite, suite_path, started_at, status, config_json, config_hash, git_rev, simulated)
             VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?)",
        )
        .bind(&run.id)
        .bind(&run.suite)
        .bind(&run.suite_path)
        .bind(run.started_at_ms)
        .bind(&run.config_json)
        .bind(&run.config_hash)
        .bind(&run.git_rev)
        .bind(run.simulated)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn set_run_status(
        &self,
        run_id: &str,
        status: &str,
        finished_at_ms: Option<i64>,
    ) -> Result<()> {
        sqlx::query("UPDATE runs SET status = ?, finished_at = ? WHERE id = ?")
            .bind(status)
            .bind(finished_at_ms)
            .bind(run_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Record a route or chain of a run (idempotent on resume).
    pub async fn record_target(
        &self,
        run_id: &str,
        name: &str,
        kind: &str,
        spec_json: &str,
        spec_hash: &str,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO targets (run_id, name, kind, spec_json, spec_hash) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (run_id, name) DO NOTHING",
        )
        .bind(run_id)
        .bind(name)
        .bind(kind)
        .bind(spec_json)
        .bind(spec_hash)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Record a dataset of a run and its cases (idempotent on resume).
    #[allow(clippy::too_many_arguments)]
    pub async fn record_dataset(
        &self,
        run_id: &str,
        name: &str,
        task: &str,
        privacy: &str,
        scorer_path: &str,
        min_acceptance: f64,
        cases: &[routeval_core::Case],
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO datasets (run_id, name, task, privacy, scorer_path, min_acceptance, case_count)
             VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, name) DO NOTHING",
        )
        .bind(run_id)
        .bind(name)
        .bind(task)
        .bind(privacy)
        .bind(scorer_path)
        .bind(min_acceptance)
        .bind(cases.len() as i64)
        .execute(&mut *tx)
        .await?;
        for case in cases {
            sqlx::query(
                "INSERT INTO cases (run_id, dataset, case_id, content_hash, tags_json, expected_json)
                 VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            )
            .bind(run_id)
            .bind(name)
            .bind(&case.id)
            .bind(case.content_hash())
            .bind(serde_json::to_string(&case.tags).unwrap_or_default())
            .bind(case.expected.as_ref().map(|e| e.to_string()))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// The sending side of the writer task, and the task itself.
pub struct WriterHandle {
    pub sender: mpsc::Sender<CaseOutcome>,
    pub task: JoinHandle<Result<u64>>,
}

/// Start the one writer of a run. Workers send whole case outcomes; the writer drains
/// what is queued and writes it in one transaction, so the database is never the
/// point of contention and a crash never leaves half a result. The channel is bounded:
/// memory stays proportional to concurrency, not to the dataset.
pub fn spawn_writer(store: &Store, run_id: &str, capacity: usize) -> WriterHandle {
    let (sender, mut receiver) = mpsc::channel::<CaseOutcome>(capacity.max(1));
    let store = store.clone();
    let run_id = run_id.to_string();
    let task = tokio::spawn(async move {
        let mut written = 0u64;
        let mut batch = Vec::with_capacity(MAX_BATCH);
        while receiver.recv_many(&mut batch, MAX_BATCH).await > 0 {
            let mut tx = store.pool.begin().await?;
            for outcome in &batch {
                if write_outcome(&mut tx, &run_id, outcome).await? {
                    written += 1;
                }
            }
            tx.commit().await?;
            batch.clear();
        }
        Ok(written)
    });
    WriterHandle { sender, task }
}

/// Write one outcome; false when its result was already recorded (a resumed case).
async fn write_outcome(
    tx: &mut Transaction<'_, Sqlite>,
    run_id: &str,
    outcome: &CaseOutcome,
) -> Result<bool> {
    if !insert_verdict(tx, run_id, &outcome.result, 0).await? {
        return Ok(false);
    }
    for a in &outcome.attempts {
        sqlx::query(
            "INSERT INTO attempts (run_id, target, route, chain_step, dataset, case_id, repeat, try_index,
                http_attempt, request_id, request_hash, status, error_class, error_message, served_model,
                served_provider, generation_id, prompt_tokens, completion_tokens, cached_tokens,
                reasoning_tokens, cost, cost_source, latency_ms, ttft_ms, chunks, finish_reason,
                native_finish_reason, content, tool_calls_json, retry_after_s, started_at, policy_violation, turn)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(run_id)
        .bind(&a.target)
        .bind(&a.route)
        .bind(a.chain_step as i64)
        .bind(&a.dataset)
        .bind(&a.case_id)
        .bind(a.repeat as i64)
        .bind(a.try_index as i64)
        .bind(a.http_attempt as i64)
        .bind(&a.request_id)
        .bind(&a.request_hash)
        .bind(a.status.map(i64::from))
        .bind(a.error_class.map(ErrorClass::as_str))
        .bind(&a.error_message)
        .bind(&a.served_model)
        .bind(&a.served_provider)
        .bind(&a.generation_id)
        .bind(a.prompt_tokens)
        .bind(a.completion_tokens)
        .bind(a.cached_tokens)
        .bind(a.reasoning_tokens)
        .bind(a.cost)
        .bind(a.cost_source.map(|c| c.as_str()))
        .bind(a.latency_ms)
        .bind(a.ttft_ms)
        .bind(a.chunks.map(i64::from))
        .bind(&a.finish_reason)
        .bind(&a.native_finish_reason)
        .bind(&a.content)
        .bind(&a.tool_calls)
        .bind(a.retry_after_s)
        .bind(a.started_at_ms)
        .bind(&a.policy_violation)
        .bind(a.turn as i64)
        .execute(&mut **tx)
        .await?;
    }
    Ok(true)
}

/// Insert a result and its scores under a numbered scoring (0: graded live; n: the
/// n-th rescore). False when that verdict already exists: nothing is written twice.
pub(crate) async fn insert_verdict(
    tx: &mut Transaction<'_, Sqlite>,
    run_id: &str,
    r: &ResultRecord,
    scoring: i64,
) -> Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO results (run_id, target, target_kind, dataset, case_id, repeat, scoring, accepted,
            served_step, served_route, attempts, validation_retries, transport_retries, cost, latency_ms,
            ttft_ms, error_class, reason)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT DO NOTHING",
    )
    .bind(run_id)
    .bind(&r.target)
    .bind(&r.target_kind)
    .bind(&r.dataset)
    .bind(&r.case_id)
    .bind(r.repeat as i64)
    .bind(scoring)
    .bind(r.accepted)
    .bind(r.served_step.map(i64::from))
    .bind(&r.served_route)
    .bind(r.attempts as i64)
    .bind(r.validation_retries as i64)
    .bind(r.transport_retries as i64)
    .bind(r.cost)
    .bind(r.latency_ms)
    .bind(r.ttft_ms)
    .bind(r.error_class.map(ErrorClass::as_str))
    .bind(&r.reason)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if inserted == 0 {
        return Ok(false);
    }
    for s in &r.scores {
        sqlx::query(
            "INSERT INTO scores (run_id, target, dataset, case_id, repeat, scoring, check_name, pass, value, detail)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(run_id)
        .bind(&r.target)
        .bind(&r.dataset)
        .bind(&r.case_id)
        .bind(r.repeat as i64)
        .bind(scoring)
        .bind(&s.check)
        .bind(s.pass)
        .bind(s.value)
        .bind(&s.detail)
        .execute(&mut **tx)
        .await?;
    }
    Ok(true)
}
