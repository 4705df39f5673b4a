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
        let names: Vec<String> = suite.datasets.keys().cloned().collect();
        for name in names {
            let targets: Vec<String> = suite
                .targets_of(&name)
                .into_iter()
                .map(|t| t.name().to_string())
                .filter(|t| routes.contains(t))
                .collect();
            suite
                .datasets
                .get_mut(&name)
                .expect("dataset exists")
                .targets = targets;
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

/// Run a prepared suite and record it. Returns the run id and how it ended.
pub async fn execute(prepared: &Prepared, opts: &RunOptions) -> CliResult<(String, RunSummary)> {
    let suite = &prepared.suite;
    let store = Store::open(&opts.db).await?;
    let (run_id, skip, spent, route_spent) = match &opts.resume {
        Some(id) => {
            let run = store.run(id).await?;
            if run.config_hash != suite.hash {
                return Err(CliError::input(anyhow!(
                    "run {id} was made with a different suite (config {} vs {} now); resume needs the same suite file",
                    run.config_hash,
                    suite.hash
                )));
            }
            let skip = store.finished_keys(id).await?;
            let spent = store.run_spend(id).await?;
            let route_spent = store.route_spend(id).await?.into_iter().collect();
            store.set_run_status(id, "running", None).await?;
            eprintln!(
                "resuming run {id}: {} results already recorded, ${spent:.4} spent",
                skip.len()
            );
            (id.clone(), skip, spent, route_spent)
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
            (id, HashSet::new(), 0.0, Default::default())
        }
    };

    let catalogs = routeval_runner::fetch_catalogs(suite).await;
    let probes = crate::commands::probe::latest_verdicts(&store).await?;
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
    for ds in &prepared.datasets {
        let (eligible, excluded) = routeval_runner::capability::eligibility(
            suite,
            &ds.dataset,
            &catalogs,
            &probes,
            opts.force,
        );
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
        record_cases(&store, &run_id, &ds.dataset).await?;
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
        work,
        repeats: suite.repeats,
        concurrency,
        skip,
        budget_usd: opts.budget.or(suite.budget_usd),
        spent_usd: spent,
        route_spent_usd: route_spent,
        limit: opts.limit,
    };
    let total = plan.job_count();
    let progress = RunProgress::new(total, opts.quiet);
    let writer = spawn_writer(&store, &run_id, concurrency * 2);
    let control = RunControl::default();
    let signals = tokio::spawn(watch_ctrl_c(control.clone()));
    let on_outcome = {
        let progress = progress.clone();
        Arc::new(move |o: &routeval_core::CaseOutcome| progress.record(o))
    };
    let summary = routeval_runner::run(plan, writer.sender, control, on_outcome).await;
    signals.abort();
    progress.bar.finish_and_clear();
    let written = writer
        .task
        .await
        .map_err(|e| CliError::failure(anyhow!("result writer crashed: {e}")))??;
    let status = summary.status.as_str();
    let finished = (summary.status != RunStatus::Interrupted).then(routeval_runner::now_ms);
    store.set_run_status(&run_id, status, finished).await?;
    store.close().await;
    eprintln!(
        "run {run_id} {status}: {written} results recorded, ${:.4} spent{}",
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
