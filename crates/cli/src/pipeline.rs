//! From a suite file to a recorded run: load and check everything, open the
//! database, start the writer, run, and mark the run with how it ended.

use crate::exit::{CliError, CliResult};
use crate::progress::RunProgress;
use anyhow::anyhow;
use routeval_core::scorer_spec::ScorerSpec;
use routeval_core::{Dataset, Suite};
use routeval_runner::{PreparedDataset, RunControl, RunPlan, RunStatus, RunSummary};
use routeval_scorer::Scorer;
use routeval_store::{spawn_writer, NewRun, Store};
use std::collections::{BTreeSet, HashSet};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// How long in-flight cases may take to finish after the first Ctrl-C.
const DRAIN_DEADLINE: Duration = Duration::from_secs(30);

/// A suite with its datasets loaded and scorers compiled.
pub struct Prepared {
    pub suite: Suite,
    pub datasets: Vec<Arc<PreparedDataset>>,
}

/// Load a suite and everything it names; `routes` and `datasets` narrow it down.
pub fn prepare(suite_path: &Path, routes: &[String], datasets: &[String]) -> CliResult<Prepared> {
    let mut suite = Suite::load(suite_path)?;
    for name in datasets {
        if !suite.datasets.contains_key(name) {
            return Err(CliError::input(anyhow!(
                "--datasets: no dataset `{name}` in {}; datasets: {}",
                suite_path.display(),
                suite
                    .datasets
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    if !datasets.is_empty() {
        suite.datasets.retain(|name, _| datasets.contains(name));
    }
    if !routes.is_empty() {
        for name in routes {
            if !suite.routes.contains_key(name) && !suite.chains.contains_key(name) {
                return Err(CliError::input(anyhow!(
                    "--routes: no route or chain `{name}` in {}",
                    suite_path.display()
                )));
            }
        }
        // A filter only ever narrows: a dataset none of whose targets is selected is
        // left out, never run on every route (an empty target list means "all").
        let names: Vec<String> = suite.datasets.keys().cloned().collect();
        for name in names {
            let targets: Vec<String> = suite
                .targets_of(&name)
                .into_iter()
                .map(|t| t.name().to_string())
                .filter(|t| routes.contains(t))
                .collect();
            if targets.is_empty() {
                eprintln!("dataset {name}: skipped: none of its targets is in --routes");
                suite.datasets.remove(&name);
                continue;
            }
            suite
                .datasets
                .get_mut(&name)
                .expect("dataset exists")
                .targets = targets;
        }
        if suite.datasets.is_empty() {
            return Err(CliError::input(anyhow!(
                "--routes {}: no dataset runs on any of them; nothing to send",
                routes.join(",")
            )));
        }
    }
    let mut prepared = Vec::new();
    for name in suite.datasets.keys() {
        let dataset = Dataset::load(&suite, name)?;
        let spec = ScorerSpec::load(&suite.resolve(&dataset.config.scorer))?;
        let scorer = Scorer::new(spec, dataset.schema.as_deref(), dataset.tools.as_deref())
            .map_err(CliError::input)?;
        check_judges(&suite, name, scorer.spec())?;
        let mut ds = PreparedDataset::new(dataset, scorer);
        ds.policy = suite.policy(&ds.dataset.config.privacy);
        prepared.push(Arc::new(ds));
    }
    Ok(Prepared {
        suite,
        datasets: prepared,
    })
}

/// A dataset's `judge` checks name routes of the suite; every route the dataset runs
/// on has a judge other than itself (unless self-judging is allowed); and a judge,
/// which sees the data, is allowed by the dataset's privacy class.
fn check_judges(suite: &Suite, dataset: &str, spec: &ScorerSpec) -> CliResult<()> {
    let runs_on: BTreeSet<&str> = suite
        .targets_of(dataset)
        .iter()
        .flat_map(|t| match suite.chains.get(t.name()) {
            Some(chain) => chain.steps.iter().map(String::as_str).collect::<Vec<_>>(),
            None => suite
                .routes
                .get_key_value(t.name())
                .map(|(k, _)| k.as_str())
                .into_iter()
                .collect(),
        })
        .collect();
    for (i, check) in spec.checks.iter().enumerate() {
        for judge in &check.judges {
            if !suite.routes.contains_key(judge) {
                return Err(CliError::input(spec.check_error(
                    i,
                    "judges",
                    format!("no route named `{judge}` in {}", suite.path.display()),
                )));
            }
            let target = routeval_core::TargetRef::Route(judge.clone());
            if let Err(e) = suite.check_privacy(dataset, &target) {
                return Err(CliError::input(spec.check_error(
                    i,
                    "judges",
                    format!("judge `{judge}` may not see `{dataset}` data: {}", e.detail),
                )));
            }
        }
        if check.judges.is_empty() || check.allow_self_judge {
            continue;
        }
        for route in &runs_on {
            let model = &suite.routes[*route].model;
            let judged = check
                .judges
                .iter()
                .any(|j| j != route && &suite.routes[j].model != model);
            if !judged {
                return Err(CliError::input(spec.check_error(
                    i,
                    "judges",
                    format!(
                        "no judge for `{route}` ({model}) of dataset `{dataset}`: a route does not grade its own model's answers; add another judge or set allow_self_judge = true"
                    ),
                )));
            }
        }
    }
    Ok(())
}

/// Record a dataset's cases a chunk at a time: never the whole dataset in memory.
async fn record_cases(store: &Store, run_id: &str, dataset: &Dataset) -> CliResult<()> {
    const CHUNK: usize = 2_000;
    let mut chunk = Vec::with_capacity(CHUNK);
    for case in dataset.cases()? {
        chunk.push(case?);
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

pub struct RunOptions {
    pub db: String,
    pub limit: Option<usize>,
    pub resume: Option<String>,
    pub concurrency: Option<u32>,
    pub budget: Option<f64>,
    pub quiet: bool,
    /// Run pairs that fail a capability check anyway (never privacy).
    pub force: bool,
}

/// Model catalogs by endpoint name, then model id.
pub type Catalogs = std::collections::HashMap<
    String,
    std::collections::HashMap<String, routeval_runner::CatalogModel>,
>;

/// The catalogs eligibility and costs are judged on, by `run` and `validate` alike:
/// each endpoint's live `/models` (unless `offline`), else the catalog last synced into
/// the database at `db`, if any.
pub async fn catalogs_for(suite: &Suite, db: &str, offline: bool) -> CliResult<Catalogs> {
    let mut catalogs = if offline {
        Catalogs::new()
    } else {
        routeval_runner::fetch_catalogs(suite).await
    };
    if catalogs.len() < suite.endpoints.len() {
        for (endpoint, models) in crate::commands::models::synced_catalogs(db).await? {
            if suite.endpoints.contains_key(&endpoint) {
                catalogs.entry(endpoint).or_insert(models);
            }
        }
    }
    Ok(catalogs)
}

/// One dataset's targets: those it will be sent to, and the pairs refused with the rule.
pub struct PairPlan {
    pub dataset: Arc<PreparedDataset>,
    pub eligible: Vec<routeval_core::TargetRef>,
    pub excluded: Vec<routeval_runner::capability::Exclusion>,
}

/// Which (dataset, target) pairs are sent and which are refused: the one function
/// `run` dispatches from and `validate` lists, so what `validate` lists is what `run`
/// sends given the same catalogs and probes. `budget_usd` is the run's budget
/// (`--budget`, else the suite's): with one, routes of no known price are refused.
pub fn plan_pairs(
    prepared: &Prepared,
    catalogs: &Catalogs,
    probes: &routeval_runner::probe::ProbeVerdicts,
    force: bool,
    budget_usd: Option<f64>,
) -> Vec<PairPlan> {
    prepared
        .datasets
        .iter()
        .map(|ds| {
            let (mut eligible, mut excluded) = routeval_runner::capability::eligibility(
                &prepared.suite,
                &ds.dataset,
                catalogs,
                probes,
                force,
                budget_usd,
            );
            // Judges spend too: a judge no budget could bound keeps the whole dataset
            // from being sent, since every answer may be sent to it.
            let unbounded_judge = ds
                .scorer
                .judge_checks()
                .flat_map(|c| c.judges.iter())
                .find_map(|judge| {
                    let route = prepared.suite.routes.get(judge)?;
                    routeval_runner::capability::check_budget_price(
                        judge, route, budget_usd, catalogs,
                    )
                    .err()
                    .map(|(rule, detail)| (rule, format!("its judge {detail}")))
                });
            if let Some((rule, detail)) = unbounded_judge {
                for target in eligible.drain(..) {
                    excluded.retain(|e| e.target != target.name());
                    excluded.push(routeval_runner::capability::Exclusion {
                        dataset: ds.dataset.name.clone(),
                        target: target.name().to_string(),
                        rule: rule.clone(),
                        detail: detail.clone(),
                        forced: false,
                    });
                }
            }
            PairPlan {
                dataset: ds.clone(),
                eligible,
                excluded,
            }
        })
        .collect()
}

/// How long a run's lease lasts unless renewed; it is renewed three times as often.
const LEASE_TTL: Duration = Duration::from_secs(30);

/// Run a prepared suite and record it. Returns the run id and how it ended.
///
/// The run is held by this process (a lease in its row) from the moment it exists or
/// is resumed to the moment it is marked; whatever fails once the row exists marks the
/// run `failed` with the reason, so no run is left `running` by an error.
pub async fn execute(prepared: &Prepared, opts: &RunOptions) -> CliResult<(String, RunSummary)> {
    let suite = &prepared.suite;
    let store = Store::open(&opts.db).await?;
    let owner = routeval_store::new_lease_owner();
    let (run, session) = match &opts.resume {
        Some(id) => {
            let run = store.run(id).await?;
            if run.config_hash != suite.hash {
                return Err(CliError::input(anyhow!(
                    "run {id} was made with a different suite (config {} vs {} now); resume needs the same suite file",
                    run.config_hash,
                    suite.hash
                )));
            }
            let session = take_lease(&store, id, &owner).await?;
            let skip = store.finished_keys(id).await?;
            let spent = store.run_spend(id).await?;
            let route_spent = store.route_spend(id).await?.into_iter().collect();
            store.set_run_status(id, "running", None, None).await?;
            eprintln!(
                "resuming run {id}: {} results already recorded, ${spent:.4} spent",
                skip.len()
            );
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
        None => {
            let id = new_run_id();
            store
                .create_run(&NewRun {
                    id: id.clone(),
                    suite: suite.name.clone(),
                    suite_path: suite.path.display().to_string(),
                    started_at_ms: routeval_runner::now_ms(),
                    config_json: serde_json::to_string(suite).map_err(CliError::failure)?,
                    config_hash: suite.hash.clone(),
                    git_rev: git_rev(&suite.base_dir),
                    simulated: suite.is_simulated(),
                })
                .await?;
            let session = take_lease(&store, &id, &owner).await?;
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
    let control = RunControl::default();
    let lease = tokio::spawn(keep_lease(
        store.clone(),
        run_id.clone(),
        owner.clone(),
        control.clone(),
    ));
    let outcome = run_held(prepared, opts, &store, run, session, control).await;
    lease.abort();
    let lost = matches!(lease.await, Ok(LeaseEnd::Lost));
    if lost {
        // Another process holds the run now: its status is theirs to set.
        store.close().await;
        return Err(CliError::failure(anyhow!(
            "run {run_id}: this process stopped renewing its hold on the run and another took it over; stopped"
        )));
    }
    let result = match outcome {
        Ok(summary) => {
            let status = summary.status.as_str();
            let finished = (summary.status != RunStatus::Interrupted).then(routeval_runner::now_ms);
            mark(&store, &run_id, status, finished, None)
                .await
                .map(|()| summary)
        }
        Err(e) => {
            let reason = format!("{:#}", e.error);
            if let Err(mark_error) = mark(
                &store,
                &run_id,
                "failed",
                Some(routeval_runner::now_ms()),
                Some(&reason),
            )
            .await
            {
                eprintln!(
                    "run {run_id} could not be marked failed: {:#}",
                    mark_error.error
                );
            }
            eprintln!(
                "run {run_id} failed: {reason}; finish it with `routeval run {} --resume {run_id}`",
                suite.path.display()
            );
            Err(e)
        }
    };
    let _ = store.release_lease(&run_id, &owner).await;
    store.close().await;
    let summary = result?;
    eprintln!(
        "run {run_id} {}: {} results recorded, ${:.4} spent{}",
        summary.status.as_str(),
        summary.outcomes,
        summary.spent_usd,
        match summary.status {
            RunStatus::Completed => String::new(),
            _ => format!(
                "; finish it with `routeval run {} --resume {run_id}`",
                suite.path.display()
            ),
        }
    );
    Ok((run_id, summary))
}

/// A run to start or to finish: what it already recorded and spent.
struct Resumed {
    id: String,
    skip: HashSet<routeval_runner::ResultKey>,
    spent: f64,
    route_spent: std::collections::HashMap<String, f64>,
}

/// Take the run for this process, or say who holds it.
async fn take_lease(store: &Store, run_id: &str, owner: &str) -> CliResult<u32> {
    match store
        .take_lease(run_id, owner, LEASE_TTL, routeval_runner::now_ms())
        .await?
    {
        routeval_store::Lease::Taken { session } => Ok(session),
        routeval_store::Lease::Held(holder) => {
            let left = (holder.expires_at_ms - routeval_runner::now_ms()).max(0) / 1000;
            Err(CliError::input(anyhow!(
                "run {run_id} is being run by another process ({}); nothing sent. If that process is gone, its hold lapses within {left}s and the run can then be resumed",
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
async fn keep_lease(store: Store, run_id: String, owner: String, control: RunControl) -> LeaseEnd {
    loop {
        tokio::time::sleep(LEASE_TTL / 3).await;
        match store
            .renew_lease(&run_id, &owner, LEASE_TTL, routeval_runner::now_ms())
            .await
        {
            Ok(true) => {}
            Ok(false) => {
                eprintln!("run {run_id}: another process took the run over; stopping");
                control.stop.cancel();
                control.abort.cancel();
                return LeaseEnd::Lost;
            }
            // A busy database: the writer meets the same and stops the run if it lasts.
            Err(e) => tracing::warn!(error = %e, "run lease not renewed"),
        }
    }
}

/// Set the run's status, waiting out a database another process holds for a while.
async fn mark(
    store: &Store,
    run_id: &str,
    status: &str,
    finished: Option<i64>,
    reason: Option<&str>,
) -> CliResult<()> {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        match store.set_run_status(run_id, status, finished, reason).await {
            Ok(()) => return Ok(()),
            Err(e) if std::time::Instant::now() < deadline => {
                tracing::warn!(error = %e, "run status not recorded yet; retrying");
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// Everything between holding the run and marking it: eligibility, the recorded plan,
/// the writer and the dispatch.
async fn run_held(
    prepared: &Prepared,
    opts: &RunOptions,
    store: &Store,
    run: Resumed,
    session: u32,
    control: RunControl,
) -> CliResult<RunSummary> {
    let suite = &prepared.suite;
    let run_id = run.id.clone();
    let catalogs = catalogs_for(suite, &opts.db, false).await?;
    let probes = crate::commands::probe::latest_verdicts(store).await?;
    let (routes, _redactor) =
        routeval_runner::build_routes(suite, &catalogs).map_err(CliError::input)?;
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
            let verb = if e.forced {
                "runs anyway (--force)"
            } else {
                "not sent"
            };
            eprintln!(
                "{} x {}: {verb}: {} ({})",
                e.dataset, e.target, e.detail, e.rule
            );
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
        record_cases(store, &run_id, &ds.dataset).await?;
        work.push((ds.clone(), targets));
    }
    for name in &recorded_targets {
        let (kind, spec) = match suite.chains.get(name) {
            Some(chain) => ("chain", serde_json::to_string(chain)),
            None => ("route", serde_json::to_string(&suite.routes[name])),
        };
        let spec = spec.map_err(CliError::failure)?;
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
            let spec = serde_json::to_string(&suite.routes[step]).map_err(CliError::failure)?;
            let hash = routeval_core::hash::short_hash(spec.as_bytes());
            store
                .record_target(&run_id, step, "route", &spec, &hash)
                .await?;
        }
    }

    let concurrency = opts.concurrency.unwrap_or(suite.concurrency) as usize;
    let plan = RunPlan {
        run_id: run_id.clone(),
        session,
        work,
        repeats: suite.repeats,
        concurrency,
        skip: run.skip,
        budget_usd: opts.budget.or(suite.budget_usd),
        spent_usd: run.spent,
        route_spent_usd: run.route_spent,
        limit: opts.limit,
    };
    let total = plan.job_count();
    let progress = RunProgress::new(total, opts.quiet);
    let writer = spawn_writer(store, &run_id, concurrency * 2);
    let signals = tokio::spawn(watch_ctrl_c(control.clone()));
    let on_outcome = {
        let progress = progress.clone();
        Arc::new(move |o: &routeval_core::CaseOutcome| progress.record(o))
    };
    let mut summary = routeval_runner::run(plan, writer.sender, control, on_outcome).await;
    signals.abort();
    progress.bar.finish_and_clear();
    let written = writer
        .task
        .await
        .map_err(|e| CliError::failure(anyhow!("result writer crashed: {e}")))?
        .map_err(|e| CliError::failure(anyhow!("results could not be recorded: {e}")))?;
    if summary.status == RunStatus::Failed {
        return Err(CliError::failure(anyhow!(
            "the result writer stopped taking results"
        )));
    }
    summary.outcomes = written;
    Ok(summary)
}

/// First Ctrl-C: stop dispatching, let in-flight cases finish (up to a deadline).
/// Second Ctrl-C, or the deadline: abort them; they are sent again on resume.
async fn watch_ctrl_c(control: RunControl) {
    if tokio::signal::ctrl_c().await.is_err() {
        return;
    }
    eprintln!(
        "\nstopping: no new cases; waiting up to {}s for those in flight (Ctrl-C again to abort)",
        DRAIN_DEADLINE.as_secs()
    );
    control.stop.cancel();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => eprintln!("aborting in-flight cases"),
        _ = tokio::time::sleep(DRAIN_DEADLINE) => eprintln!("deadline passed: aborting in-flight cases"),
    }
    control.abort.cancel();
}

fn new_run_id() -> String {
    let now = chrono::Utc::now();
    let nanos = now.timestamp_subsec_nanos() as u64 ^ ((std::process::id() as u64) << 32);
    let salt = routeval_runner::retry::splitmix64(nanos) & 0xffff;
    format!("{}-{salt:04x}", now.format("%Y%m%d-%H%M%S"))
}

fn git_rev(dir: &Path) -> Option<String> {
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
