//! The runner: fans datasets out across routes and chains over HTTP, with global and
//! per-route limits, retries that honour Retry-After, timeouts, SSE streaming,
//! validate-and-retry and client-side fallback chains.
//!
//! It produces [`CaseOutcome`]s on a channel and knows nothing of SQL or polars.

pub mod budget;
pub mod capability;
pub mod catalog;
pub mod client;
mod execute;
pub mod judge;
pub mod limits;
pub mod probe;
pub mod redact;
pub mod retry;
mod sse;
pub mod wire;

pub use catalog::{fetch_catalog, CatalogModel, Price};
pub use client::{ClientError, EndpointClient, RouteClient};
pub use execute::{now_ms, stored_text, stored_tool_calls, Target};

use execute::{run_job, Job, RunContext};
use redact::Redactor;
use routeval_core::{CaseOutcome, Dataset, Suite, TargetRef};
use routeval_scorer::Scorer;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, Semaphore};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// A dataset with its compiled scorer and the privacy policy its data travels under.
pub struct PreparedDataset {
    pub dataset: Dataset,
    pub scorer: Scorer,
    /// Checked against the provider that served each attempt.
    pub policy: Option<routeval_core::policy::PrivacyPolicy>,
    /// Judge routes and verdict cache, when the scorer has `judge` checks: set once the
    /// routes are built.
    pub judges: std::sync::OnceLock<Arc<judge::Judges>>,
}

impl PreparedDataset {
    pub fn new(dataset: Dataset, scorer: Scorer) -> Self {
        Self {
            dataset,
            scorer,
            policy: None,
            judges: std::sync::OnceLock::new(),
        }
    }
}

/// (target, dataset, case id, repeat): the identity of one result.
pub type ResultKey = (String, String, String, u32);

/// Everything a run needs, resolved up front.
pub struct RunPlan {
    pub run_id: String,
    /// Which process of the run this is (1, then one more per resume): part of every
    /// request id.
    pub session: u32,
    /// Each dataset with the targets it runs on.
    pub work: Vec<(Arc<PreparedDataset>, Vec<Target>)>,
    pub repeats: u32,
    pub concurrency: usize,
    /// Results already recorded (a resumed run): not sent again.
    pub skip: HashSet<ResultKey>,
    pub budget_usd: Option<f64>,
    /// Spend already recorded for this run (a resumed run), in all and per route.
    pub spent_usd: f64,
    pub route_spent_usd: HashMap<String, f64>,
    /// At most this many cases per dataset.
    pub limit: Option<usize>,
    /// Only the cases of this part of the run (of those within `limit`).
    pub shard: Option<routeval_core::Shard>,
    /// The suite budget, when other processes share it (the shards of a run): this
    /// process then starts with none of it and draws slices as it goes.
    pub shared_budget: Option<Arc<dyn budget::SharedBudget>>,
}

impl RunPlan {
    /// Jobs this plan will send, skipped ones excluded. Counted from the datasets'
    /// summaries; a resumed run reads the case ids again to leave out what is recorded.
    pub fn job_count(&self) -> u64 {
        let limit = self.limit.unwrap_or(usize::MAX);
        let mut n = 0;
        for (ds, targets) in &self.work {
            let cases = ds.dataset.summary.count.min(limit) as u64;
            if self.skip.is_empty() && self.shard.is_none() {
                n += cases * targets.len() as u64 * u64::from(self.repeats);
                continue;
            }
            let Ok(reader) = ds.dataset.cases() else {
                continue;
            };
            for case in reader.take(limit).flatten() {
                if !self
                    .shard
                    .is_none_or(|s| s.holds(&ds.dataset.name, &case.id))
                {
                    continue;
                }
                for repeat in 0..self.repeats {
                    for target in targets {
                        let key = (
                            target.name().to_string(),
                            ds.dataset.name.clone(),
                            case.id.clone(),
                            repeat,
                        );
                        n += u64::from(!self.skip.contains(&key));
                    }
                }
            }
        }
        n
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    Completed,
    Interrupted,
    BudgetExhausted,
    /// The writer stopped taking outcomes: dispatch stopped and in-flight cases were
    /// dropped, since nothing more could be recorded.
    Failed,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Completed => "completed",
            RunStatus::Interrupted => "interrupted",
            RunStatus::BudgetExhausted => "budget_exhausted",
            RunStatus::Failed => "failed",
        }
    }
}

#[derive(Debug, Clone)]
pub struct RunSummary {
    pub status: RunStatus,
    pub outcomes: u64,
    pub spent_usd: f64,
}

/// How a run is stopped: `stop` ends dispatch and lets in-flight cases finish;
/// `abort` also drops in-flight cases (they are sent again on resume).
#[derive(Clone, Default)]
pub struct RunControl {
    pub stop: CancellationToken,
    pub abort: CancellationToken,
}

/// Route clients by route name.
pub type Routes = BTreeMap<String, Arc<RouteClient>>;

/// Build the route clients of a suite. Keys are read from the environment here and
/// only here; the redactor learns them so they never reach a record or a log.
pub fn build_routes(
    suite: &Suite,
    catalog: &HashMap<String, HashMap<String, CatalogModel>>,
) -> Result<(Routes, Arc<Redactor>), ClientError> {
    let mut endpoints = HashMap::new();
    let mut secrets = Vec::new();
    for (name, endpoint) in &suite.endpoints {
        let (client, key) = EndpointClient::new(name, endpoint)?;
        secrets.extend(key);
        endpoints.insert(name.clone(), Arc::new(client));
    }
    let redactor = Arc::new(Redactor::new(secrets));
    let mut routes = BTreeMap::new();
    for (name, route) in &suite.routes {
        let price = catalog::Price::of_route(route, catalog);
        let client = RouteClient::new(
            name,
            route,
            endpoints[&route.endpoint].clone(),
            price,
            redactor.clone(),
        )?
        .with_limits(suite.limits);
        routes.insert(name.clone(), Arc::new(client));
    }
    Ok((routes, redactor))
}

/// Targets as runnable clients.
pub fn resolve_targets(
    suite: &Suite,
    targets: &[TargetRef],
    routes: &BTreeMap<String, Arc<RouteClient>>,
) -> Vec<Target> {
    targets
        .iter()
        .map(|t| match t {
            TargetRef::Route(name) => Target::Route(routes[name].clone()),
            TargetRef::Chain(name) => {
                let chain = suite.chains[name].clone();
                let steps = chain.steps.iter().map(|s| routes[s].clone()).collect();
                Target::Chain {
                    name: name.clone(),
                    chain: Arc::new(chain),
                    steps,
                }
            }
        })
        .collect()
}

/// Fetch each endpoint's catalog once (best effort), keyed by endpoint name.
pub async fn fetch_catalogs(suite: &Suite) -> HashMap<String, HashMap<String, CatalogModel>> {
    let mut out = HashMap::new();
    for (name, endpoint) in &suite.endpoints {
        let client = match EndpointClient::new(name, endpoint) {
            Ok((client, _)) => client,
            Err(e) => {
                tracing::warn!(endpoint = %name, error = %e, "model catalog not read");
                continue;
            }
        };
        match fetch_catalog(&client, Duration::from_secs(10)).await {
            Ok(models) => {
                out.insert(name.clone(), models);
            }
            Err(e) => {
                tracing::warn!(endpoint = %name, error = %e, "model catalog unavailable; costs rely on what responses report")
            }
        }
    }
    out
}

/// A shard draws a shared budget in slices of this fraction of it: few round trips to
/// the database, and little held back from the other shards.
const BUDGET_SLICES: f64 = 32.0;

/// State every lane of a run shares.
struct Shared {
    ctx: Arc<RunContext>,
    control: RunControl,
    global: Arc<Semaphore>,
    sink: mpsc::Sender<CaseOutcome>,
    on_outcome: Arc<dyn Fn(&CaseOutcome) + Send + Sync>,
    budget: budget::Budget,
    outcomes: AtomicU64,
    budget_hit: AtomicBool,
    /// The writer is gone: nothing sent from now on could be recorded.
    sink_lost: AtomicBool,
}

/// Run a plan to the end (or to a stop, an abort, or the budget). Each finished case
/// goes to `sink` (the store's writer) and to `on_outcome` (progress display).
///
/// Each target dispatches in its own lane, bounded by its route's concurrency before
/// it takes a global slot: a slow route fills its own lane, never the global slots
/// that faster routes need.
pub async fn run(
    plan: RunPlan,
    sink: mpsc::Sender<CaseOutcome>,
    control: RunControl,
    on_outcome: Arc<dyn Fn(&CaseOutcome) + Send + Sync>,
) -> RunSummary {
    let shared = Arc::new(Shared {
        ctx: Arc::new(RunContext {
            // Each shard counts its own sessions: its number keeps request ids apart.
            request_prefix: match plan.shard {
                Some(shard) => format!("{}-{}.{}", plan.run_id, shard.index, plan.session),
                None => format!("{}-{}", plan.run_id, plan.session),
            },
            request_counter: AtomicU64::new(0),
            abort: control.abort.clone(),
        }),
        control: control.clone(),
        global: Arc::new(Semaphore::new(plan.concurrency.max(1))),
        sink,
        on_outcome,
        budget: budget::Budget::new(
            // A shared budget is drawn from as the run goes: this process starts with none.
            if plan.shared_budget.is_some() {
                plan.budget_usd.map(|_| 0.0)
            } else {
                plan.budget_usd
            },
            plan.spent_usd,
            plan.work
                .iter()
                .flat_map(|(_, targets)| targets)
                .flat_map(|t| match t {
                    Target::Route(r) => vec![r.clone()],
                    Target::Chain { steps, .. } => steps.clone(),
                })
                // Judges' routes have their caps too.
                .chain(
                    plan.work
                        .iter()
                        .filter_map(|(ds, _)| ds.judges.get())
                        .flat_map(|j| j.routes.values().cloned().collect::<Vec<_>>()),
                )
                .map(|r| (r.name.clone(), r.route.budget_usd))
                .collect(),
            &plan.route_spent_usd,
        ),
        outcomes: AtomicU64::new(0),
        budget_hit: AtomicBool::new(false),
        sink_lost: AtomicBool::new(false),
    });
    // The writer is the run's heartbeat: the moment it stops taking outcomes (its
    // transaction failed, say another process held the database past the busy timeout),
    // dispatch stops and in-flight requests are cancelled. Nothing is sent that could
    // not be recorded, nor spent outside the budget's books.
    let heartbeat = {
        let shared = shared.clone();
        tokio::spawn(async move {
            shared.sink.closed().await;
            shared.sink_lost.store(true, Ordering::Relaxed);
            tracing::error!("the result writer stopped: dispatch stopped, in-flight cases dropped");
            shared.control.stop.cancel();
            shared.control.abort.cancel();
        })
    };
    let plan = Arc::new(plan);
    let mut names: Vec<String> = Vec::new();
    for (_, targets) in &plan.work {
        for t in targets {
            if !names.iter().any(|n| n == t.name()) {
                names.push(t.name().to_string());
            }
        }
    }
    let mut lanes = JoinSet::new();
    for name in names {
        let span = tracing::info_span!("target", target = %name);
        lanes.spawn(tracing::Instrument::instrument(
            lane(plan.clone(), shared.clone(), name),
            span,
        ));
    }
    while let Some(done) = lanes.join_next().await {
        log_join_error(done);
    }
    // Its clone of the sender must be gone before the writer can see the end.
    heartbeat.abort();
    let _ = heartbeat.await;
    let status = if shared.sink_lost.load(Ordering::Relaxed) {
        RunStatus::Failed
    } else if shared.budget_hit.load(Ordering::Relaxed) {
        RunStatus::BudgetExhausted
    } else if control.abort.is_cancelled() || control.stop.is_cancelled() {
        RunStatus::Interrupted
    } else {
        RunStatus::Completed
    };
    RunSummary {
        status,
        outcomes: shared.outcomes.load(Ordering::Relaxed),
        spent_usd: shared.budget.spent(),
    }
}

/// Dispatch every job of one target. Nested loops rather than a collected job list:
/// memory stays flat however large the dataset.
async fn lane(plan: Arc<RunPlan>, shared: Arc<Shared>, target_name: String) {
    let limit = plan.limit.unwrap_or(usize::MAX);
    let mut tasks = JoinSet::new();
    let mut lane_permits: Option<Arc<Semaphore>> = None;
    'dispatch: for (ds, targets) in &plan.work {
        let Some(target) = targets.iter().find(|t| t.name() == target_name) else {
            continue;
        };
        let width = lane_permits
            .get_or_insert_with(|| {
                Arc::new(Semaphore::new(
                    target
                        .concurrency()
                        .unwrap_or(plan.concurrency as u32)
                        .max(1) as usize,
                ))
            })
            .clone();
        // Every validation round of every turn of a tool loop may be sent.
        let spec = ds.scorer.spec();
        let rounds = (spec.validation_retries + 1) * spec.max_turns.max(1);
        let prompt_tokens = capability::needs_of(&ds.dataset).prompt_tokens;
        let mut reservation = budget::worst_case(target, prompt_tokens, rounds);
        if let Some(judges) = ds.judges.get() {
            let checks: Vec<_> = ds.scorer.judge_checks().collect();
            reservation = reservation.plus(budget::judge_worst_case(
                judges,
                &checks,
                target,
                prompt_tokens,
            ));
        }
        for repeat in 0..plan.repeats {
            // The cases are read again for every repeat: one case in memory at a time.
            let cases = match ds.dataset.cases() {
                Ok(cases) => cases,
                Err(e) => {
                    tracing::error!(dataset = %ds.dataset.name, error = %e, "cases not read");
                    break;
                }
            };
            for case in cases.take(limit) {
                let case = match case {
                    Ok(case) => Arc::new(case),
                    // Checked when loaded: the file changed during the run.
                    Err(e) => {
                        tracing::error!(dataset = %ds.dataset.name, error = %e, "dispatch of this dataset stopped");
                        break;
                    }
                };
                if !plan
                    .shard
                    .is_none_or(|s| s.holds(&ds.dataset.name, &case.id))
                {
                    continue;
                }
                let recorded = !plan.skip.is_empty()
                    && plan.skip.contains(&(
                        target_name.clone(),
                        ds.dataset.name.clone(),
                        case.id.clone(),
                        repeat,
                    ));
                if recorded {
                    continue;
                }
                let stop = &shared.control.stop;
                let lane_permit = tokio::select! {
                    biased;
                    _ = stop.cancelled() => break 'dispatch,
                    p = width.clone().acquire_owned() => p.expect("lane semaphore is never closed"),
                };
                let global_permit = tokio::select! {
                    biased;
                    _ = stop.cancelled() => break 'dispatch,
                    p = shared.global.clone().acquire_owned() => p.expect("global semaphore is never closed"),
                };
                // Reserve the worst case only once the case can go: what is reserved is
                // always in flight, so the budget stops dispatch, never running cases.
                if !shared.budget.try_reserve(&reservation) {
                    let drawn = match &plan.shared_budget {
                        Some(pot) => {
                            let slice = plan.budget_usd.unwrap_or(0.0) / BUDGET_SLICES;
                            budget::draw_for(&shared.budget, pot.as_ref(), &reservation, slice)
                                .await
                        }
                        None => false,
                    };
                    if !drawn || !shared.budget.try_reserve(&reservation) {
                        shared.budget_hit.store(true, Ordering::Relaxed);
                        break 'dispatch;
                    }
                }
                while let Some(done) = tasks.try_join_next() {
                    log_join_error(done);
                }
                let reservation = reservation.clone();
                let job = Job {
                    dataset: ds.clone(),
                    case,
                    repeat,
                    target: target.clone(),
                };
                let shared = shared.clone();
                let span = tracing::info_span!(
                    "case",
                    dataset = %job.dataset.dataset.name,
                    case = %job.case.id,
                    repeat
                );
                let case = async move {
                    let outcome = run_job(&shared.ctx, &job).await;
                    shared.budget.settle(&reservation, outcome.as_ref());
                    if let Some(o) = &outcome {
                        let r = &o.result;
                        tracing::debug!(
                            accepted = r.accepted,
                            attempts = r.attempts,
                            latency_ms = r.latency_ms,
                            error = r.error_class.map(|c| c.as_str()),
                            "case finished"
                        );
                    }
                    if let Some(outcome) = outcome {
                        (shared.on_outcome)(&outcome);
                        if shared.sink.send(outcome).await.is_ok() {
                            shared.outcomes.fetch_add(1, Ordering::Relaxed);
                        } else {
                            // The heartbeat stops the run; this outcome is lost with
                            // the writer and is sent again on resume.
                            shared.sink_lost.store(true, Ordering::Relaxed);
                        }
                    }
                    // The slot is free only once the writer has the outcome: a writer that
                    // falls behind slows dispatch instead of piling up finished cases.
                    drop((lane_permit, global_permit));
                };
                tasks.spawn(tracing::Instrument::instrument(case, span));
            }
        }
    }
    while let Some(done) = tasks.join_next().await {
        log_join_error(done);
    }
}

fn log_join_error(done: Result<(), tokio::task::JoinError>) {
    if let Err(e) = done {
        if e.is_panic() {
            tracing::error!(error = %e, "a case task panicked; its case will be sent again on resume");
        }
    }
}
