//! A prepared suite run and recorded: the run held by this process (a lease in its
//! row), started or resumed, its plan recorded, dispatched through the writer, and
//! marked with how it ended — `failed` with the reason whatever the error, once its row
//! exists.

use crate::plan::{catalogs_for, latest_verdicts, plan_pairs};
use crate::prepare::Prepared;
use crate::{EngineError, EngineResult, Event, Observer};
use anyhow::anyhow;
use routeval_core::{CaseOutcome, Dataset, Shard};
use routeval_runner::{RunPlan, RunStatus, RunSummary};
use routeval_store::{spawn_writer, NewRun, Store};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// How a run is stopped from outside: cancel `stop` to end dispatch and let in-flight
/// cases finish, `abort` to drop them too (they are sent again on resume). A run that
/// stops so ends `interrupted`.
pub use routeval_runner::RunControl;

/// How to run a prepared suite.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// The database: `sqlite://PATH`.
    pub db: String,
    /// At most this many cases of each dataset.
    pub limit: Option<usize>,
    /// Finish this run instead of starting one.
    pub resume: Option<String>,
    /// Global concurrency instead of the suite's.
    pub concurrency: Option<u32>,
    /// Budget in USD instead of the suite's.
    pub budget: Option<f64>,
    /// Run pairs that fail a capability check anyway (never privacy).
    pub force: bool,
    /// Run only this part of the cases, as one of the processes of the run `run_id`.
    pub shard: Option<Shard>,
    /// The run the shards share (created by the first to start). Required with `shard`.
    pub run_id: Option<String>,
}

/// A run that ended: its id and how.
#[derive(Clone, Debug)]
pub struct Finished {
    pub run_id: String,
    pub summary: RunSummary,
}

/// How long a run's lease lasts unless renewed; it is renewed three times as often.
const LEASE_TTL: Duration = Duration::from_secs(30);

/// Run a prepared suite and record it. Returns the run id and how it ended.
///
/// The run is held by this process (a lease in its row) from the moment it exists or
/// is resumed to the moment it is marked; whatever fails once the row exists marks the
/// run `failed` with the reason, so no run is left `running` by an error. `control`
/// stops it from outside; `observer` hears of everything worth showing.
pub async fn execute(
    prepared: &Prepared,
    opts: &RunOptions,
    control: &RunControl,
    observer: Arc<dyn Observer>,
) -> EngineResult<Finished> {
    let suite = &prepared.suite;
    let store = Store::open(&opts.db).await?;
    let owner = routeval_store::new_lease_owner();
    let (run, session) = match (opts.shard, &opts.resume) {
        (Some(shard), _) => join_shard(prepared, opts, &store, shard, &owner, &observer).await?,
        (None, Some(id)) => {
            let run = store.run(id).await?;
            if run.kind == routeval_store::RUN_KIND_GRADED {
                return Err(EngineError::input(anyhow!(
                    "run {id} holds graded logs (`routeval grade --db`): there is nothing to resume"
                )));
            }
            if run.config_hash != suite.hash {
                return Err(EngineError::input(anyhow!(
                    "run {id} was made with a different suite (config {} vs {} now); resume needs the same suite file",
                    run.config_hash,
                    suite.hash
                )));
            }
            if store.joined_run(id).await?.shards.is_some() {
                return Err(EngineError::input(anyhow!(
                    "run {id} is split into shards: resume a shard with `--shard K/N --run-id {id}`"
                )));
            }
            let session = take_lease(&store, id, None, &owner).await?;
            let skip = store.finished_keys(id).await?;
            let spent = store.run_spend(id).await?;
            let route_spent = store.route_spend(id).await?.into_iter().collect();
            store.set_run_status(id, "running", None, None).await?;
            observer.event(&Event::Resuming {
                run_id: id,
                recorded: skip.len(),
                spent_usd: spent,
            });
            (
                Resumed {
                    id: id.clone(),
                    skip,
                    spent,
                    route_spent,
                },
                session,
            )
        }
        (None, None) => {
            let id = opts.run_id.clone().unwrap_or_else(new_run_id);
            store.create_run(&new_run(prepared, &id)?).await?;
            let session = take_lease(&store, &id, None, &owner).await?;
            (
                Resumed {
                    id,
                    skip: HashSet::new(),
                    spent: 0.0,
                    route_spent: Default::default(),
                },
                session,
            )
        }
    };
    let run_id = run.id.clone();
    let lease = tokio::spawn(keep_lease(
        store.clone(),
        run_id.clone(),
        opts.shard,
        owner.clone(),
        control.clone(),
        observer.clone(),
    ));
    // Every log line of the run carries its id (and shard), its target and its case.
    let span = tracing::info_span!(
        "run",
        run_id = %run.id,
        shard = opts.shard.map(|s| s.to_string()).as_deref()
    );
    let outcome = tracing::Instrument::instrument(
        run_held(prepared, opts, &store, run, session, control, &observer),
        span,
    )
    .await;
    lease.abort();
    let lost = matches!(lease.await, Ok(LeaseEnd::Lost));
    if lost {
        // Another process holds the run now: its status is theirs to set.
        store.close().await;
        return Err(EngineError::failure(anyhow!(
            "run {run_id}: this process stopped renewing its hold on the run and another took it over; stopped"
        )));
    }
    let result = match outcome {
        Ok(summary) => {
            let status = summary.status.as_str();
            let finished = (summary.status != RunStatus::Interrupted).then(routeval_runner::now_ms);
            mark(&store, &run_id, opts.shard, status, finished, None)
                .await
                .map(|()| summary)
        }
        Err(e) => {
            let reason = format!("{:#}", e.error());
            if let Err(mark_error) = mark(
                &store,
                &run_id,
                opts.shard,
                "failed",
                Some(routeval_runner::now_ms()),
                Some(&reason),
            )
            .await
            {
                observer.event(&Event::Warning(format!(
                    "run {run_id} could not be marked failed: {:#}",
                    mark_error.error()
                )));
            }
            observer.event(&Event::RunFailed {
                run_id: &run_id,
                reason: &reason,
            });
            Err(e)
        }
    };
    let _ = match opts.shard {
        Some(shard) => {
            store
                .release_shard_lease(&run_id, shard.index, &owner)
                .await
        }
        None => store.release_lease(&run_id, &owner).await,
    };
    store.close().await;
    let summary = result?;
    observer.event(&Event::RunFinished {
        run_id: &run_id,
        summary: &summary,
    });
    Ok(Finished { run_id, summary })
}

/// A run to start or to finish: what it already recorded and spent.
struct Resumed {
    id: String,
    skip: HashSet<routeval_runner::ResultKey>,
    spent: f64,
    route_spent: HashMap<String, f64>,
}

/// The run as recorded when it starts.
fn new_run(prepared: &Prepared, id: &str) -> EngineResult<NewRun> {
    let suite = &prepared.suite;
    Ok(NewRun {
        id: id.to_string(),
        suite: suite.name.clone(),
        // Absolute, so the run can be rescored from any folder.
        suite_path: std::fs::canonicalize(&suite.path)
            .unwrap_or_else(|_| suite.path.clone())
            .display()
            .to_string(),
        started_at_ms: routeval_runner::now_ms(),
        config_json: serde_json::to_string(suite).map_err(EngineError::failure)?,
        suite_toml: Some(suite.source.clone()).filter(|s| !s.is_empty()),
        config_hash: suite.hash.clone(),
        git_rev: git_rev(&suite.base_dir),
        simulated: suite.is_simulated(),
    })
}

/// Join the sharded run (creating it when this shard is the first) and take this
/// shard: the run must be of the same suite and split the same way. What the shard
/// recorded before (a resumed shard) is skipped; spend is the shared budget's business.
async fn join_shard(
    prepared: &Prepared,
    opts: &RunOptions,
    store: &Store,
    shard: Shard,
    owner: &str,
    observer: &Arc<dyn Observer>,
) -> EngineResult<(Resumed, u32)> {
    let suite = &prepared.suite;
    let Some(id) = opts.run_id.as_ref().or(opts.resume.as_ref()) else {
        return Err(EngineError::input(anyhow!(
            "--shard {shard} needs the run id all shards share: --run-id ID"
        )));
    };
    let budget = opts.budget.or(suite.budget_usd);
    let joined = store
        .join_run(&new_run(prepared, id)?, shard.count, budget)
        .await?;
    if joined.config_hash != suite.hash {
        return Err(EngineError::input(anyhow!(
            "run {id} was made with a different suite (config {} vs {} now): every shard needs the same suite file",
            joined.config_hash,
            suite.hash
        )));
    }
    if joined.shards != Some(i64::from(shard.count)) {
        return Err(EngineError::input(anyhow!(
            "run {id} is split into {} shards, not {}: every shard needs the same N in --shard K/N",
            joined.shards.map_or("no".into(), |n| n.to_string()),
            shard.count
        )));
    }
    let session = take_lease(store, id, Some(shard), owner).await?;
    let skip = store.finished_keys(id).await?;
    let route_spent = store.route_spend(id).await?.into_iter().collect();
    store
        .set_shard_status(id, shard.index, "running", None, None)
        .await?;
    if session > 1 {
        observer.event(&Event::Resuming {
            run_id: id,
            recorded: skip.len(),
            spent_usd: store.run_spend(id).await?,
        });
    }
    Ok((
        Resumed {
            id: id.clone(),
            skip,
            spent: 0.0,
            route_spent,
        },
        session,
    ))
}

/// The suite budget of a sharded run, drawn from the run's row.
struct StoreBudget {
    store: Store,
    run_id: String,
    /// What this process drew, in micro-dollars: given back, less what it spent, at the end.
    drawn_micro_usd: std::sync::atomic::AtomicU64,
}

impl StoreBudget {
    fn drawn(&self) -> f64 {
        self.drawn_micro_usd
            .load(std::sync::atomic::Ordering::Relaxed) as f64
            / 1e6
    }
}

impl routeval_runner::budget::SharedBudget for StoreBudget {
    fn draw(
        &self,
        amount: f64,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = bool> + Send + '_>> {
        Box::pin(async move {
            // Whole micro-dollars, so what is drawn and given back add up exactly.
            let micro = (amount * 1e6).ceil();
            match self.store.draw_budget(&self.run_id, micro / 1e6).await {
                Ok(granted) => {
                    if granted {
                        self.drawn_micro_usd
                            .fetch_add(micro as u64, std::sync::atomic::Ordering::Relaxed);
                    }
                    granted
                }
                Err(e) => {
                    tracing::warn!(error = %e, "the shared budget could not be drawn");
                    false
                }
            }
        })
    }
}

/// Take the run (or its shard) for this process, or say who holds it.
async fn take_lease(
    store: &Store,
    run_id: &str,
    shard: Option<Shard>,
    owner: &str,
) -> EngineResult<u32> {
    let now = routeval_runner::now_ms();
    let lease = match shard {
        Some(shard) => {
            store
                .take_shard_lease(run_id, shard.index, owner, LEASE_TTL, now)
                .await?
        }
        None => store.take_lease(run_id, owner, LEASE_TTL, now).await?,
    };
    let what = match shard {
        Some(shard) => format!("shard {shard} of run {run_id}"),
        None => format!("run {run_id}"),
    };
    match lease {
        routeval_store::Lease::Taken { session } => Ok(session),
        routeval_store::Lease::Held(holder) => {
            let left = (holder.expires_at_ms - routeval_runner::now_ms()).max(0) / 1000;
            Err(EngineError::Held(anyhow!(
                "{what} is being run by another process ({}); nothing sent. If that process is gone, its hold lapses within {left}s and it can then be resumed",
                holder.owner
            )))
        }
    }
}

enum LeaseEnd {
    /// Another process took the run: this one was stopped.
    Lost,
}

/// Renew the run's lease while it runs; if another process took it (this one stalled
/// past the lease), stop at once.
async fn keep_lease(
    store: Store,
    run_id: String,
    shard: Option<Shard>,
    owner: String,
    control: RunControl,
    observer: Arc<dyn Observer>,
) -> LeaseEnd {
    loop {
        tokio::time::sleep(LEASE_TTL / 3).await;
        let now = routeval_runner::now_ms();
        let renewed = match shard {
            Some(shard) => {
                store
                    .renew_shard_lease(&run_id, shard.index, &owner, LEASE_TTL, now)
                    .await
            }
            None => store.renew_lease(&run_id, &owner, LEASE_TTL, now).await,
        };
        match renewed {
            Ok(true) => {}
            Ok(false) => {
                observer.event(&Event::Warning(format!(
                    "run {run_id}: another process took the run over; stopping"
                )));
                control.stop.cancel();
                control.abort.cancel();
                return LeaseEnd::Lost;
            }
            // A busy database: the writer meets the same and stops the run if it lasts.
            Err(e) => tracing::warn!(error = %e, "run lease not renewed"),
        }
    }
}

/// Set the run's (or its shard's) status, waiting out a database another process holds
/// for a while.
async fn mark(
    store: &Store,
    run_id: &str,
    shard: Option<Shard>,
    status: &str,
    finished: Option<i64>,
    reason: Option<&str>,
) -> EngineResult<()> {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let marked = match shard {
            Some(shard) => store
                .set_shard_status(run_id, shard.index, status, finished, reason)
                .await
                .map(|_| ()),
            None => store.set_run_status(run_id, status, finished, reason).await,
        };
        match marked {
            Ok(()) => return Ok(()),
            Err(e) if std::time::Instant::now() < deadline => {
                tracing::warn!(error = %e, "run status not recorded yet; retrying");
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// Record a dataset's cases (a shard's: its own) a chunk at a time: never the whole
/// dataset in memory.
async fn record_cases(
    store: &Store,
    run_id: &str,
    dataset: &Dataset,
    shard: Option<Shard>,
) -> EngineResult<()> {
    const CHUNK: usize = 2_000;
    let mut chunk = Vec::with_capacity(CHUNK);
    for case in dataset.cases()? {
        let case = case?;
        if !shard.is_none_or(|s| s.holds(&dataset.name, &case.id)) {
            continue;
        }
        chunk.push(case);
        if chunk.len() == CHUNK {
            store.record_cases(run_id, &dataset.name, &chunk).await?;
            chunk.clear();
        }
    }
    if !chunk.is_empty() {
        store.record_cases(run_id, &dataset.name, &chunk).await?;
    }
    Ok(())
}

/// Everything between holding the run and marking it: eligibility, the recorded plan,
/// the writer and the dispatch.
async fn run_held(
    prepared: &Prepared,
    opts: &RunOptions,
    store: &Store,
    run: Resumed,
    session: u32,
    control: &RunControl,
    observer: &Arc<dyn Observer>,
) -> EngineResult<RunSummary> {
    let suite = &prepared.suite;
    let run_id = run.id.clone();
    let catalogs = catalogs_for(suite, &opts.db, false).await?;
    let probes = latest_verdicts(store).await?;
    let (routes, _redactor) =
        routeval_runner::build_routes(suite, &catalogs).map_err(EngineError::input)?;
    for ds in &prepared.datasets {
        let names: BTreeSet<String> = ds
            .scorer
            .judge_checks()
            .flat_map(|c| c.judges.iter().cloned())
            .collect();
        if names.is_empty() {
            continue;
        }
        let names: Vec<String> = names.into_iter().collect();
        let cache = store.judge_verdicts(&names).await?;
        let _ = ds.judges.set(Arc::new(routeval_runner::judge::Judges {
            routes: names
                .iter()
                .map(|n| (n.clone(), routes[n].clone()))
                .collect(),
            cache: Arc::new(routeval_runner::judge::JudgeCache::new(cache)),
        }));
    }
    let mut work = Vec::new();
    let mut recorded_targets = BTreeSet::new();
    let budget_usd = opts.budget.or(suite.budget_usd);
    for pair in plan_pairs(prepared, &catalogs, &probes, opts.force, budget_usd) {
        let (ds, eligible, excluded) = (&pair.dataset, pair.eligible, pair.excluded);
        for e in &excluded {
            observer.event(&Event::PairExcluded { exclusion: e });
            store
                .record_exclusion(
                    &run_id,
                    &routeval_store::ExclusionRow {
                        dataset: e.dataset.clone(),
                        target: e.target.clone(),
                        rule: e.rule.clone(),
                        detail: e.detail.clone(),
                        forced: e.forced,
                    },
                )
                .await?;
        }
        let targets = routeval_runner::resolve_targets(suite, &eligible, &routes);
        for t in &targets {
            recorded_targets.insert(t.name().to_string());
        }
        store
            .record_dataset(
                &run_id,
                &routeval_store::NewDataset {
                    name: &ds.dataset.name,
                    task: &ds.dataset.config.task,
                    privacy: &ds.dataset.config.privacy,
                    scorer_path: &ds.dataset.config.scorer.display().to_string(),
                    min_acceptance: suite.min_acceptance_of(&ds.dataset.name),
                    baseline: ds.dataset.config.baseline.as_deref(),
                    case_count: ds.dataset.summary.count,
                },
            )
            .await?;
        record_cases(store, &run_id, &ds.dataset, opts.shard).await?;
        work.push((ds.clone(), targets));
    }
    for name in &recorded_targets {
        let (kind, spec) = match suite.chains.get(name) {
            Some(chain) => ("chain", serde_json::to_string(chain)),
            None => ("route", serde_json::to_string(&suite.routes[name])),
        };
        let spec = spec.map_err(EngineError::failure)?;
        let hash = routeval_core::hash::short_hash(spec.as_bytes());
        store
            .record_target(&run_id, name, kind, &spec, &hash)
            .await?;
    }
    // Chains' step routes are recorded too: the registry export reads their specs.
    for chain in suite.chains.values() {
        for step in &chain.steps {
            if recorded_targets.contains(step) {
                continue;
            }
            let spec = serde_json::to_string(&suite.routes[step]).map_err(EngineError::failure)?;
            let hash = routeval_core::hash::short_hash(spec.as_bytes());
            store
                .record_target(&run_id, step, "route", &spec, &hash)
                .await?;
        }
    }

    let concurrency = opts.concurrency.unwrap_or(suite.concurrency) as usize;
    let shared_budget = match (opts.shard, budget_usd) {
        (Some(_), Some(_)) => Some(Arc::new(StoreBudget {
            store: store.clone(),
            run_id: run_id.clone(),
            drawn_micro_usd: Default::default(),
        })),
        _ => None,
    };
    let plan = RunPlan {
        run_id: run_id.clone(),
        session,
        work,
        repeats: suite.repeats,
        concurrency,
        skip: run.skip,
        budget_usd,
        spent_usd: run.spent,
        route_spent_usd: run.route_spent,
        limit: opts.limit,
        shard: opts.shard,
        shared_budget: shared_budget
            .clone()
            .map(|b| b as Arc<dyn routeval_runner::budget::SharedBudget>),
    };
    observer.event(&Event::RunStarted {
        run_id: &run_id,
        jobs: plan.job_count(),
        shard: opts.shard,
    });
    let writer = spawn_writer(store, &run_id, concurrency * 2);
    let on_outcome = {
        let observer = observer.clone();
        Arc::new(move |o: &CaseOutcome| observer.event(&Event::CaseFinished { outcome: o }))
    };
    let mut summary = routeval_runner::run(plan, writer.sender, control.clone(), on_outcome).await;
    if let Some(pot) = &shared_budget {
        // What this shard drew and did not spend goes back to the others.
        let unused = (pot.drawn() - summary.spent_usd).max(0.0);
        if unused > 0.0 {
            store.return_budget(&run_id, unused).await?;
        }
    }
    let written = writer
        .task
        .await
        .map_err(|e| EngineError::failure(anyhow!("result writer crashed: {e}")))?
        .map_err(|e| EngineError::failure(anyhow!("results could not be recorded: {e}")))?;
    if summary.status == RunStatus::Failed {
        return Err(EngineError::failure(anyhow!(
            "the result writer stopped taking results"
        )));
    }
    summary.outcomes = written;
    Ok(summary)
}

pub(crate) fn new_run_id() -> String {
    let now = chrono::Utc::now();
    let nanos = now.timestamp_subsec_nanos() as u64 ^ ((std::process::id() as u64) << 32);
    let salt = routeval_runner::retry::splitmix64(nanos) & 0xffff;
    format!("{}-{salt:04x}", now.format("%Y%m%d-%H%M%S"))
}

pub(crate) fn git_rev(dir: &Path) -> Option<String> {
    let out = std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(dir)
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}
