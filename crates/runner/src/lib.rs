//! The runner: fans datasets out across routes and chains over HTTP, with global and
//! per-route limits, retries that honour Retry-After, timeouts, SSE streaming,
//! validate-and-retry and client-side fallback chains.
//!
//! It produces [`CaseOutcome`]s on a channel and knows nothing of SQL or polars.

pub mod catalog;
pub mod client;
mod execute;
pub mod limits;
pub mod redact;
pub mod retry;
mod wire;

pub use catalog::{fetch_catalog, CatalogModel, Price};
pub use client::{ClientError, EndpointClient, RouteClient};
pub use execute::{now_ms, Target};

use execute::{run_job, Job, RunContext};
use redact::Redactor;
use routeval_core::{CaseOutcome, Dataset, Suite, TargetRef};
use routeval_scorer::Scorer;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, Semaphore};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// A dataset with its compiled scorer.
pub struct PreparedDataset {
    pub dataset: Dataset,
    pub scorer: Scorer,
}

/// (target, dataset, case id, repeat): the identity of one result.
pub type ResultKey = (String, String, String, u32);

/// Everything a run needs, resolved up front.
pub struct RunPlan {
    pub run_id: String,
    /// Each dataset with the targets it runs on.
    pub work: Vec<(Arc<PreparedDataset>, Vec<Target>)>,
    pub repeats: u32,
    pub concurrency: usize,
    /// Results already recorded (a resumed run): not sent again.
    pub skip: HashSet<ResultKey>,
    pub budget_usd: Option<f64>,
    /// Spend already recorded for this run (a resumed run).
    pub spent_usd: f64,
    /// At most this many cases per dataset.
    pub limit: Option<usize>,
}

impl RunPlan {
    /// Jobs this plan will send, skipped ones excluded.
    pub fn job_count(&self) -> u64 {
        let limit = self.limit.unwrap_or(usize::MAX);
        let mut n = 0;
        for (ds, targets) in &self.work {
            for repeat in 0..self.repeats {
                for case in ds.dataset.cases.iter().take(limit) {
                    for target in targets {
                        let key = (target.name().to_string(), ds.dataset.name.clone(), case.id.clone(), repeat);
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
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Completed => "completed",
            RunStatus::Interrupted => "interrupted",
            RunStatus::BudgetExhausted => "budget_exhausted",
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

/// Build the route clients of a suite. Keys are read from the environment here and
/// only here; the redactor learns them so they never reach a record or a log.
pub fn build_routes(
    suite: &Suite,
    catalog: &HashMap<String, HashMap<String, CatalogModel>>,
) -> Result<(BTreeMap<String, Arc<RouteClient>>, Arc<Redactor>), ClientError> {
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
        let price = catalog.get(&route.endpoint).and_then(|c| c.get(&route.model)).map(|m| m.price);
        let client = RouteClient::new(name, route, endpoints[&route.endpoint].clone(), price, redactor.clone())?;
        routes.insert(name.clone(), Arc::new(client));
    }
    Ok((routes, redactor))
}

/// The targets of a dataset as runnable clients.
pub fn resolve_targets(suite: &Suite, dataset: &str, routes: &BTreeMap<String, Arc<RouteClient>>) -> Vec<Target> {
    suite
        .targets_of(dataset)
        .into_iter()
        .map(|t| match t {
            TargetRef::Route(name) => Target::Route(routes[&name].clone()),
            TargetRef::Chain(name) => {
                let chain = suite.chains[&name].clone();
                let steps = chain.steps.iter().map(|s| routes[s].clone()).collect();
                Target::Chain { name, chain: Arc::new(chain), steps }
            }
        })
        .collect()
}

/// Fetch each endpoint's catalog once (best effort), keyed by endpoint name.
pub async fn fetch_catalogs(suite: &Suite) -> HashMap<String, HashMap<String, CatalogModel>> {
    let mut out = HashMap::new();
    for (name, endpoint) in &suite.endpoints {
        match fetch_catalog(&endpoint.base_url, Duration::from_secs(10)).await {
            Ok(models) => {
                out.insert(name.clone(), models);
            }
            Err(e) => tracing::warn!(endpoint = %name, error = %e, "model catalog unavailable; costs rely on what responses report"),
        }
    }
    out
}

/// Run a plan to the end (or to a stop, an abort, or the budget). Each finished case
/// goes to `sink` (the store's writer) and to `on_outcome` (progress display).
pub async fn run(
    plan: RunPlan,
    sink: mpsc::Sender<CaseOutcome>,
    control: RunControl,
    on_outcome: Arc<dyn Fn(&CaseOutcome) + Send + Sync>,
) -> RunSummary {
    let ctx = Arc::new(RunContext {
        run_id: plan.run_id.clone(),
        request_counter: AtomicU64::new(0),
        abort: control.abort.clone(),
    });
    // Spend in micro-dollars, shared by all tasks, for the budget check.
    let spent = Arc::new(AtomicU64::new((plan.spent_usd * 1e6) as u64));
    let outcomes = Arc::new(AtomicU64::new(0));
    let global = Arc::new(Semaphore::new(plan.concurrency.max(1)));
    let mut tasks = JoinSet::new();
    let mut status = RunStatus::Completed;

    let limit = plan.limit.unwrap_or(usize::MAX);
    // Nested loops rather than a collected job list: memory stays flat however large
    // the dataset. Targets are innermost so every route gets work from the start.
    'dispatch: for (ds, targets) in &plan.work {
        for repeat in 0..plan.repeats {
            for (ci, case) in ds.dataset.cases.iter().enumerate().take(limit) {
                for target in targets {
                    let key = (target.name().to_string(), ds.dataset.name.clone(), case.id.clone(), repeat);
                    if plan.skip.contains(&key) {
                        continue;
                    }
                    if let Some(budget) = plan.budget_usd {
                        if spent.load(Ordering::Relaxed) as f64 / 1e6 >= budget {
                            status = RunStatus::BudgetExhausted;
                            break 'dispatch;
                        }
                    }
                    let permit = tokio::select! {
                        biased;
                        _ = control.stop.cancelled() => { status = RunStatus::Interrupted; break 'dispatch; }
                        p = global.clone().acquire_owned() => p.expect("global semaphore is never closed"),
                    };
                    while let Some(done) = tasks.try_join_next() {
                        log_join_error(done);
                    }
                    let job = Job { dataset: ds.clone(), case_index: ci, repeat, target: target.clone() };
                    let (ctx, sink, spent, outcomes, on_outcome) =
                        (ctx.clone(), sink.clone(), spent.clone(), outcomes.clone(), on_outcome.clone());
                    tasks.spawn(async move {
                        let outcome = run_job(&ctx, &job).await;
                        drop(permit);
                        if let Some(outcome) = outcome {
                            spent.fetch_add((outcome.result.cost * 1e6).round() as u64, Ordering::Relaxed);
                            on_outcome(&outcome);
                            if sink.send(outcome).await.is_ok() {
                                outcomes.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    });
                }
            }
        }
    }
    while let Some(done) = tasks.join_next().await {
        log_join_error(done);
    }
    if control.abort.is_cancelled() || (control.stop.is_cancelled() && status == RunStatus::Completed) {
        status = RunStatus::Interrupted;
    }
    RunSummary {
        status,
        outcomes: outcomes.load(Ordering::Relaxed),
        spent_usd: spent.load(Ordering::Relaxed) as f64 / 1e6,
    }
}

fn log_join_error(done: Result<(), tokio::task::JoinError>) {
    if let Err(e) = done {
        if e.is_panic() {
            tracing::error!(error = %e, "a case task panicked; its case will be sent again on resume");
        }
    }
}
