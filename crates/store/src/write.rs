//! Writes: run bookkeeping, and the single writer task for outcomes.

use crate::dialect::WriteTx;
use crate::tables::{
    self, AttemptValues, CaseValues, CheckValues, DatasetValues, JudgeAttemptValues,
    JudgeVerdictValues, ProviderCountValues, ResultValues, RunValues, ScoreValues, TargetValues,
};
use crate::{Result, Store};
use routeval_core::{AttemptRecord, CaseOutcome, ErrorClass, ResultRecord, ScoreRecord};
use sqlx::{QueryBuilder, Transaction};
use std::collections::{BTreeSet, HashMap, HashSet};
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
    /// The suite file's text (stored with [`routeval_core::SUITE_SCHEMA`]); `None` where
    /// there is no file (tests, benches).
    pub suite_toml: Option<String>,
    pub config_hash: String,
    pub git_rev: Option<String>,
    pub simulated: bool,
}

/// What made a run (`runs.kind`).
pub const RUN_KIND_SUITE: &str = "suite";
/// A run of responses logged elsewhere, graded against a cases file (`routeval grade --db`).
pub const RUN_KIND_GRADED: &str = "graded";

impl Store {
    /// Record a run of a suite as it starts.
    pub async fn create_run(&self, run: &NewRun) -> Result<()> {
        self.create_run_of_kind(run, RUN_KIND_SUITE).await
    }

    /// Record a run as it starts, of a kind ([`RUN_KIND_SUITE`], [`RUN_KIND_GRADED`]).
    pub async fn create_run_of_kind(&self, run: &NewRun, kind: &str) -> Result<()> {
        let config_json = crate::redact::redact(&run.config_json);
        let suite_toml = run.suite_toml.as_deref().map(crate::redact::redact);
        let row = RunValues {
            id: &run.id,
            suite: &run.suite,
            suite_path: &run.suite_path,
            started_at: run.started_at_ms,
            status: "running",
            config_json: &config_json,
            config_hash: &run.config_hash,
            git_rev: run.git_rev.as_deref(),
            simulated: run.simulated,
            suite_toml: suite_toml.as_deref(),
            suite_schema: run.suite_toml.as_ref().map(|_| routeval_core::SUITE_SCHEMA),
        };
        with_pool!(self, |pool| {
            let mut tx = pool.begin().await?;
            tables::insert([row]).build().execute(&mut *tx).await?;
            if kind != RUN_KIND_SUITE {
                sqlx::query("UPDATE runs SET kind = $1 WHERE id = $2")
                    .bind(kind)
                    .bind(&run.id)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await
        })?;
        Ok(())
    }

    /// Record how the run stands; `reason` says why it ended so (a failed run's error).
    pub async fn set_run_status(
        &self,
        run_id: &str,
        status: &str,
        finished_at_ms: Option<i64>,
        reason: Option<&str>,
    ) -> Result<()> {
        with_pool!(self, |pool| sqlx::query(
            "UPDATE runs SET status = $1, finished_at = $2, status_reason = $3 WHERE id = $4"
        )
        .bind(status)
        .bind(finished_at_ms)
        .bind(reason.map(crate::redact::redact))
        .bind(run_id)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
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
        let spec_json = crate::redact::redact(spec_json);
        let row = TargetValues {
            run_id,
            name,
            kind,
            spec_json: &spec_json,
            spec_hash,
        };
        with_pool!(self, |pool| {
            let mut qb = tables::insert([row]);
            qb.push(" ON CONFLICT (run_id, name) DO NOTHING");
            qb.build().execute(pool).await.map(|_| ())
        })?;
        Ok(())
    }

    /// Record a dataset of a run (idempotent on resume); its cases follow with
    /// [`Store::record_cases`].
    pub async fn record_dataset(&self, run_id: &str, ds: &NewDataset<'_>) -> Result<()> {
        let row = DatasetValues {
            run_id,
            name: ds.name,
            task: ds.task,
            privacy: ds.privacy,
            scorer_path: ds.scorer_path,
            min_acceptance: ds.min_acceptance,
            case_count: ds.case_count as i64,
            baseline: ds.baseline,
        };
        with_pool!(self, |pool| {
            let mut qb = tables::insert([row]);
            qb.push(" ON CONFLICT (run_id, name) DO NOTHING");
            qb.build().execute(pool).await.map(|_| ())
        })?;
        Ok(())
    }

    /// Record some cases of a run's dataset in one transaction, a few multi-row
    /// statements in all (idempotent on resume). Callers pass a dataset a chunk at a time.
    pub async fn record_cases(
        &self,
        run_id: &str,
        dataset: &str,
        cases: &[routeval_core::Case],
    ) -> Result<()> {
        struct Owned {
            hash: String,
            tags: String,
            expected: Option<String>,
            input: Option<String>,
        }
        let owned: Vec<Owned> = cases
            .iter()
            .map(|case| Owned {
                hash: case.content_hash(),
                tags: serde_json::to_string(&case.tags).unwrap_or_default(),
                expected: case.expected.as_ref().map(|e| e.to_string()),
                input: Some(case.user_text()),
            })
            .collect();
        let rows: Vec<CaseValues> = cases
            .iter()
            .zip(&owned)
            .map(|(case, o)| CaseValues {
                run_id,
                dataset,
                case_id: &case.id,
                content_hash: &o.hash,
                tags_json: &o.tags,
                expected_json: o.expected.as_deref(),
                input: o.input.as_deref(),
            })
            .collect();
        with_pool!(self, |pool| {
            let mut tx = pool.begin().await?;
            for chunk in rows.chunks(MAX_PARAMS / CaseValues::COLUMNS.len()) {
                let mut qb = tables::insert(chunk.iter().copied());
                qb.push(" ON CONFLICT DO NOTHING");
                qb.build().execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }
}

/// A dataset of a run, as recorded next to its cases.
#[derive(Debug, Clone, Copy)]
pub struct NewDataset<'a> {
    pub name: &'a str,
    pub task: &'a str,
    pub privacy: &'a str,
    pub scorer_path: &'a str,
    pub min_acceptance: f64,
    /// The target every other one is compared with, case by case.
    pub baseline: Option<&'a str>,
    pub case_count: usize,
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
    // Names this writer's provider counts (`run_providers`), apart from other processes'.
    let writer = crate::new_lease_owner();
    let task = tokio::spawn(async move {
        let (mut written, mut transactions) = (0u64, 0u64);
        let mut batch = Vec::with_capacity(MAX_BATCH);
        while receiver.recv_many(&mut batch, MAX_BATCH).await > 0 {
            crate::redact::redact_batch(&mut batch);
            let mut tx = WriteTx::begin(&store).await?;
            written += with_tx!(&mut tx, |t| write_batch(t, &run_id, &writer, &batch))?;
            tx.commit().await?;
            transactions += 1;
            batch.clear();
        }
        tracing::debug!(written, transactions, "writer finished");
        Ok(written)
    });
    WriterHandle { sender, task }
}

/// Bound parameters per statement: SQLite's default ceiling is 32766 (PostgreSQL's 65535).
pub(crate) const MAX_PARAMS: usize = 32_000;

/// The statements of a writing transaction, written once and compiled for a database
/// `$db` (modules [`on_sqlite`] and [`on_postgres`]; [`with_tx!`] picks one).
macro_rules! database_writes {
    ($db:ty) => {
        use super::*;
        use crate::dialect::ResultIds;
        type Db = $db;

        /// Write a batch of outcomes with one multi-row statement per table (per
        /// chunk), so a batch costs a handful of round trips, not a dozen per result.
        /// Results go first; only those actually inserted (not already recorded by an
        /// interrupted run or another shard) get their scores and attempts. Returns how
        /// many were inserted. `writer` names this writer's provider counts.
        pub(crate) async fn write_batch(
            tx: &mut Transaction<'_, Db>,
            run_id: &str,
            writer: &str,
            batch: &[CaseOutcome],
        ) -> Result<u64> {
            let results: Vec<&ResultRecord> = batch.iter().map(|o| &o.result).collect();
            let inserted = insert_verdicts(tx, run_id, &results, 0).await?;
            let fresh: Vec<&CaseOutcome> = batch
                .iter()
                .zip(&inserted)
                .filter(|(_, new)| **new)
                .map(|(o, _)| o)
                .collect();

            let attempts: Vec<&AttemptRecord> =
                fresh.iter().flat_map(|o| o.attempts.iter()).collect();
            for chunk in attempts.chunks(MAX_PARAMS / AttemptValues::COLUMNS.len()) {
                tables::insert::<Db, _>(chunk.iter().map(|&a| attempt_values(run_id, a)))
                    .build()
                    .execute(&mut **tx)
                    .await?;
            }
            let counts = provider_counts(run_id, writer, &attempts);
            if !counts.is_empty() {
                let mut qb = tables::insert::<Db, _>(counts.into_iter());
                qb.push(
                    " ON CONFLICT (run_id, writer, dataset, target, provider)
                     DO UPDATE SET attempts = run_providers.attempts + excluded.attempts",
                );
                qb.build().execute(&mut **tx).await?;
            }
            let judgings: Vec<&routeval_core::Judging> = fresh
                .iter()
                .map(|o| &o.judging)
                .filter(|j| !j.attempts.is_empty() || !j.verdicts.is_empty())
                .collect();
            if !judgings.is_empty() {
                insert_judging(tx, run_id, 0, &judgings).await?;
            }
            Ok(fresh.len() as u64)
        }

        /// Insert results and their scores under a numbered scoring (0: graded live; n:
        /// the n-th rescore), a few multi-row statements in all. Returns, per result,
        /// whether it was new: one already recorded keeps its old scores. Ids are
        /// given here (see `dialect`), so score rows bind them without a read back.
        pub(crate) async fn insert_verdicts(
            tx: &mut Transaction<'_, Db>,
            run_id: &str,
            results: &[&ResultRecord],
            scoring: i64,
        ) -> Result<Vec<bool>> {
            let mut inserted = Vec::with_capacity(results.len());
            let mut fresh: Vec<(i64, &ResultRecord)> = Vec::with_capacity(results.len());
            for chunk in results.chunks(MAX_PARAMS / ResultValues::COLUMNS.len()) {
                let ids = Db::new_result_ids(tx, chunk.len()).await?;
                let added = result_rows(run_id, scoring, &ids, chunk)
                    .build()
                    .execute(&mut **tx)
                    .await?
                    .rows_affected();
                // Only a resumed run (or an overlapping shard) meets results already
                // there: the rows that went in are those holding this chunk's ids.
                let went_in: Option<HashSet<i64>> = if added == chunk.len() as u64 {
                    None
                } else {
                    let (low, high) = (ids[0], ids[ids.len() - 1]);
                    let rows: Vec<(i64,)> =
                        sqlx::query_as("SELECT id FROM results WHERE id >= $1 AND id <= $2")
                            .bind(low)
                            .bind(high)
                            .fetch_all(&mut **tx)
                            .await?;
                    Some(rows.into_iter().map(|(id,)| id).collect())
                };
                for (&id, r) in ids.iter().zip(chunk) {
                    let new = went_in.as_ref().is_none_or(|ids| ids.contains(&id));
                    inserted.push(new);
                    if new {
                        fresh.push((id, *r));
                    }
                }
            }
            insert_scores(tx, &fresh).await?;
            Ok(inserted)
        }

        /// One multi-row `INSERT` of results under a scoring, with the ids given,
        /// skipping those already there.
        fn result_rows<'q>(
            run_id: &'q str,
            scoring: i64,
            ids: &[i64],
            results: &[&'q ResultRecord],
        ) -> QueryBuilder<'q, Db> {
            let rows = ids
                .iter()
                .zip(results.iter().copied())
                .map(|(&id, r)| result_values(run_id, scoring, id, r));
            let mut qb = tables::insert(rows);
            qb.push(" ON CONFLICT DO NOTHING");
            qb
        }

        /// The score rows of results (with their ids), a few multi-row statements.
        /// While the database runs one statement, the next one is built.
        async fn insert_scores(
            tx: &mut Transaction<'_, Db>,
            results: &[(i64, &ResultRecord)],
        ) -> Result<()> {
            let check_ids = check_ids(tx, results).await?;
            let scores: Vec<(i64, i64, &ScoreRecord)> = results
                .iter()
                .flat_map(|(id, r)| r.scores.iter().map(move |s| (*id, s)))
                .map(|(id, s)| (id, check_ids[s.check.as_str()], s))
                .collect();
            let mut chunks = scores.chunks(MAX_PARAMS / ScoreValues::COLUMNS.len());
            let mut next = chunks.next().map(score_rows);
            while let Some(mut qb) = next.take() {
                let (done, built) = tokio::join!(qb.build().execute(&mut **tx), async {
                    chunks.next().map(score_rows)
                });
                done?;
                next = built;
            }
            Ok(())
        }

        /// The id of every check name the results' scores use, recording the new ones:
        /// a score row binds an integer rather than copying its check's name. Names go
        /// in sorted, so concurrent writers lock them in the same order.
        async fn check_ids(
            tx: &mut Transaction<'_, Db>,
            results: &[(i64, &ResultRecord)],
        ) -> Result<HashMap<String, i64>> {
            let names: BTreeSet<&str> = results
                .iter()
                .flat_map(|(_, r)| r.scores.iter().map(|s| s.check.as_str()))
                .collect();
            let names: Vec<&str> = names.into_iter().collect();
            let mut ids = HashMap::with_capacity(names.len());
            for chunk in names.chunks(MAX_PARAMS / CheckValues::COLUMNS.len()) {
                let mut qb =
                    tables::insert::<Db, _>(chunk.iter().map(|&name| CheckValues { name }));
                qb.push(" ON CONFLICT DO NOTHING");
                qb.build().execute(&mut **tx).await?;
                let mut qb = QueryBuilder::<Db>::new("SELECT name, id FROM checks WHERE name IN (");
                let mut list = qb.separated(", ");
                for name in chunk {
                    list.push_bind(*name);
                }
                qb.push(")");
                let rows: Vec<(String, i64)> = qb.build_query_as().fetch_all(&mut **tx).await?;
                ids.extend(rows);
            }
            Ok(ids)
        }

        fn score_rows<'q>(scores: &'q [(i64, i64, &'q ScoreRecord)]) -> QueryBuilder<'q, Db> {
            tables::insert(scores.iter().map(|&(result_id, check_id, s)| ScoreValues {
                result_id,
                check_id,
                pass: s.pass,
                value: s.value,
                detail: s.detail.as_deref(),
            }))
        }

        /// Write the judge requests and new verdicts of results under a scoring.
        pub(crate) async fn insert_judging(
            tx: &mut Transaction<'_, Db>,
            run_id: &str,
            scoring: i64,
            judgings: &[&routeval_core::Judging],
        ) -> Result<()> {
            let (attempts, verdicts) = crate::judge::judging_rows(run_id, scoring, judgings);
            for chunk in attempts.chunks(MAX_PARAMS / JudgeAttemptValues::COLUMNS.len()) {
                let mut qb = tables::insert::<Db, _>(chunk.iter().copied());
                qb.push(" ON CONFLICT DO NOTHING");
                qb.build().execute(&mut **tx).await?;
            }
            for chunk in verdicts.chunks(MAX_PARAMS / JudgeVerdictValues::COLUMNS.len()) {
                let mut qb = tables::insert::<Db, _>(chunk.iter().copied());
                qb.push(" ON CONFLICT (cache_key) DO NOTHING");
                qb.build().execute(&mut **tx).await?;
            }
            Ok(())
        }
    };
}

/// The writes of a transaction on SQLite.
pub(crate) mod on_sqlite {
    database_writes!(sqlx::Sqlite);
}

/// The writes of a transaction on PostgreSQL.
pub(crate) mod on_postgres {
    database_writes!(sqlx::Postgres);
}

/// A result of a run, as its row is written under a scoring with an id.
fn result_values<'q>(
    run_id: &'q str,
    scoring: i64,
    id: i64,
    r: &'q ResultRecord,
) -> ResultValues<'q> {
    ResultValues {
        id,
        run_id,
        target: &r.target,
        target_kind: &r.target_kind,
        dataset: &r.dataset,
        case_id: &r.case_id,
        repeat: i64::from(r.repeat),
        scoring,
        accepted: r.accepted,
        served_step: r.served_step.map(i64::from),
        served_route: r.served_route.as_deref(),
        attempts: i64::from(r.attempts),
        validation_retries: i64::from(r.validation_retries),
        transport_retries: i64::from(r.transport_retries),
        cost: r.cost,
        latency_ms: r.latency_ms,
        ttft_ms: r.ttft_ms,
        error_class: r.error_class.map(ErrorClass::as_str),
        reason: &r.reason,
        verdict_digest: Some(crate::verdict::digest(r)),
    }
}

/// Answered attempts per (dataset, target, served provider) among `attempts`: what
/// `run_providers` adds for this writer (sorted, so one statement's rows lock in order).
fn provider_counts<'q>(
    run_id: &'q str,
    writer: &'q str,
    attempts: &[&'q AttemptRecord],
) -> Vec<ProviderCountValues<'q>> {
    let mut counts: std::collections::BTreeMap<(&str, &str, &str), i64> = Default::default();
    for a in attempts {
        if let (None, Some(provider)) = (a.error_class, a.served_provider.as_deref()) {
            *counts.entry((&a.dataset, &a.target, provider)).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .map(
            |((dataset, target, provider), attempts)| ProviderCountValues {
                run_id,
                writer,
                dataset,
                target,
                provider,
                attempts,
            },
        )
        .collect()
}

/// An attempt of a run, as its row is written.
fn attempt_values<'q>(run_id: &'q str, a: &'q AttemptRecord) -> AttemptValues<'q> {
    AttemptValues {
        run_id,
        target: &a.target,
        route: &a.route,
        chain_step: i64::from(a.chain_step),
        dataset: &a.dataset,
        case_id: &a.case_id,
        repeat: i64::from(a.repeat),
        try_index: i64::from(a.try_index),
        http_attempt: i64::from(a.http_attempt),
        request_id: &a.request_id,
        request_hash: &a.request_hash,
        status: a.status.map(i64::from),
        error_class: a.error_class.map(ErrorClass::as_str),
        error_message: a.error_message.as_deref(),
        served_model: a.served_model.as_deref(),
        served_provider: a.served_provider.as_deref(),
        generation_id: a.generation_id.as_deref(),
        prompt_tokens: a.prompt_tokens,
        completion_tokens: a.completion_tokens,
        cached_tokens: a.cached_tokens,
        reasoning_tokens: a.reasoning_tokens,
        cost: a.cost,
        cost_source: a.cost_source.map(|c| c.as_str()),
        latency_ms: a.latency_ms,
        ttft_ms: a.ttft_ms,
        chunks: a.chunks.map(i64::from),
        finish_reason: a.finish_reason.as_deref(),
        native_finish_reason: a.native_finish_reason.as_deref(),
        content: a.content.as_deref(),
        tool_calls_json: a.tool_calls.as_deref(),
        retry_after_s: a.retry_after_s,
        started_at: a.started_at_ms,
        policy_violation: a.policy_violation.as_deref(),
        turn: i64::from(a.turn),
        content_bytes: a.content_bytes.map(|n| n as i64),
        tool_calls_bytes: a.tool_calls_bytes.map(|n| n as i64),
        error_bytes: a.error_bytes.map(|n| n as i64),
        error_metadata: a.error_metadata.as_deref(),
        is_byok: a.is_byok,
        fee_cost: a.fee_cost,
        upstream_cost: a.upstream_cost,
        cache_write_tokens: a.cache_write_tokens,
        provider_responses: a.provider_responses.as_deref(),
        response_cost: a.response_cost,
        response_provider: a.response_provider.as_deref(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::outcome;

    #[tokio::test]
    async fn cache_writes_and_byok_parts_are_stored_per_attempt() {
        for (db, store) in crate::test_support::stores_with_run("run").await {
            let mut o = outcome("c", 1);
            let a = &mut o.attempts[0];
            a.cached_tokens = Some(100);
            a.cache_write_tokens = Some(40);
            a.is_byok = Some(true);
            a.fee_cost = Some(0.25);
            a.upstream_cost = Some(5.0);
            a.cost = Some(5.25);
            let writer = spawn_writer(&store, "run", 4);
            writer.sender.send(o).await.unwrap();
            drop(writer.sender);
            writer.task.await.unwrap().unwrap();
            let one = |sql: &'static str| {
                let store = store.clone();
                async move { store.query_i64(sql).await.unwrap() }
            };
            assert_eq!(
                one("SELECT cache_write_tokens FROM attempts").await,
                40,
                "{}",
                db.backend
            );
            assert_eq!(one("SELECT cached_tokens FROM attempts").await, 100);
            assert_eq!(
                one(
                    "SELECT COUNT(*) FROM attempts WHERE is_byok AND fee_cost = 0.25
                     AND upstream_cost = 5.0 AND cost = 5.25"
                )
                .await,
                1,
                "{}",
                db.backend
            );
        }
    }

    #[tokio::test]
    async fn a_run_is_of_the_kind_it_was_created_as() {
        for (db, store) in crate::test_support::stores_with_run("run").await {
            store
                .create_run_of_kind(&new_run("graded"), RUN_KIND_GRADED)
                .await
                .unwrap();
            assert_eq!(
                store.run("run").await.unwrap().kind,
                RUN_KIND_SUITE,
                "{}",
                db.backend
            );
            assert_eq!(store.run("graded").await.unwrap().kind, RUN_KIND_GRADED);
        }
    }

    /// Two writers on one run (two processes sharing it), each meeting outcomes already
    /// written (a resume, an overlapping shard): the providers they count add up to the
    /// run's answered attempts, each counted once.
    #[tokio::test]
    async fn writers_count_the_providers_of_what_they_write_and_only_that() {
        for (db, store) in crate::test_support::stores_with_run("run").await {
            let served = |case: usize| {
                let mut o = outcome(&format!("c{case}"), 3);
                for (i, a) in o.attempts.iter_mut().enumerate() {
                    a.served_provider = Some(["Alpha", "Beta"][case % 2].into());
                    // The first send of every third case failed: not an answer.
                    if i == 0 && case % 3 == 0 {
                        a.error_class = Some(ErrorClass::ServerError);
                    }
                }
                o
            };
            for cases in [0..600, 400..1000] {
                let writer = spawn_writer(&store, "run", 64);
                for case in cases {
                    writer.sender.send(served(case)).await.unwrap();
                }
                drop(writer.sender);
                writer.task.await.unwrap().unwrap();
            }
            let mut counted = store.served_provider_counts("run").await.unwrap();
            counted.sort();
            let answered = |parity: usize| {
                (0..1000)
                    .filter(|c| c % 2 == parity)
                    .map(|c| if c % 3 == 0 { 2 } else { 3 })
                    .sum::<i64>()
            };
            let (t, d) = ("t".to_string(), "d".to_string());
            assert_eq!(
                counted,
                vec![
                    (d.clone(), t.clone(), "Alpha".into(), answered(0)),
                    (d, t, "Beta".into(), answered(1)),
                ],
                "{}",
                db.backend
            );
            assert_eq!(
                store
                    .query_i64("SELECT COUNT(DISTINCT writer) FROM run_providers")
                    .await
                    .unwrap(),
                2
            );
        }
    }

    fn new_run(id: &str) -> NewRun {
        NewRun {
            suite_path: "cases.jsonl".into(),
            started_at_ms: 1,
            simulated: false,
            ..crate::testing::new_run(id)
        }
    }

    #[tokio::test]
    async fn batches_write_everything_once_even_when_sent_twice() {
        for (_db, store) in crate::test_support::stores_with_run("run").await {
            // 3,000 outcomes of 3 attempts each: several statement chunks per table.
            let first: Vec<CaseOutcome> = (0..3000).map(|i| outcome(&format!("c{i}"), 3)).collect();
            let writer = spawn_writer(&store, "run", 64);
            for o in first.iter().cloned().chain(first[..10].iter().cloned()) {
                writer.sender.send(o).await.unwrap();
            }
            drop(writer.sender);
            assert_eq!(
                writer.task.await.unwrap().unwrap(),
                3000,
                "the 10 repeats are not written again"
            );
            let count = |sql: &'static str| {
                let store = store.clone();
                async move { store.query_i64(sql).await.unwrap() }
            };
            assert_eq!(count("SELECT COUNT(*) FROM results").await, 3000);
            assert_eq!(count("SELECT COUNT(*) FROM scores").await, 3000);
            assert_eq!(
                count("SELECT COUNT(*) FROM result_scores WHERE check_name = 'json'").await,
                3000,
                "every score row belongs to its own result"
            );
            assert_eq!(count("SELECT COUNT(*) FROM attempts").await, 9000);
        }
    }
}
