//! `routeval run`

use crate::args::{RunArgs, TextFormat};
use crate::exit::{CliError, CliResult, BUDGET_EXHAUSTED, FAILURE, INTERRUPTED, SUCCESS};
use crate::progress::Notices;
use routeval_engine::plan::{catalogs_for, plan_pairs, stored_verdicts, PairPlan};
use routeval_engine::prepare::{prepare, Prepared};
use routeval_engine::run::{Finished, RunControl, RunOptions};
use routeval_engine::sweep::expand_sweeps;
use routeval_runner::RunStatus;
use std::time::Duration;

/// How long in-flight cases may take to finish after the first Ctrl-C.
const DRAIN_DEADLINE: Duration = Duration::from_secs(30);

pub async fn run(args: RunArgs) -> CliResult<u8> {
    let notices = Notices::new(&args.suite, args.quiet);
    let mut prepared = prepare(&args.suite, &args.routes, &args.datasets, notices.as_ref())?;
    expand_sweeps(&mut prepared, &args.db.db, false).await?;
    if args.dry_run {
        let catalogs = catalogs_for(&prepared.suite, &args.db.db, false).await?;
        let probes = stored_verdicts(&args.db.db).await?;
        let pairs = plan_pairs(
            &prepared,
            &catalogs,
            &probes,
            args.force,
            args.budget.or(prepared.suite.budget_usd),
        );
        match args.format {
            TextFormat::Text => print_plan(&prepared, &pairs, args.limit),
            TextFormat::Json => println!(
                "{}",
                serde_json::to_string_pretty(&crate::commands::validate::pairs_json(&pairs))
                    .map_err(CliError::failure)?
            ),
        }
        return Ok(SUCCESS);
    }
    let opts = RunOptions {
        db: args.db.db,
        limit: args.limit,
        resume: args.resume,
        concurrency: args.concurrency,
        budget: args.budget,
        force: args.force,
        shard: args.shard,
        run_id: args.run_id.or_else(|| args.shard.and_then(|_| ci_run_id())),
    };
    let finished = execute(&prepared, &opts, notices).await?;
    if args.format == TextFormat::Json {
        let summary = &finished.summary;
        let out = serde_json::json!({
            "run_id": finished.run_id,
            "status": summary.status.as_str(),
            "recorded": summary.outcomes,
            "spent_usd": summary.spent_usd,
            "shard": opts.shard.map(|s| s.to_string()),
        });
        println!("{out}");
    }
    if std::env::var_os("GITHUB_STEP_SUMMARY").is_some_and(|p| !p.is_empty()) {
        let (data, rankings, extras) =
            crate::commands::analyze::load_report(&opts.db, Some(&finished.run_id)).await?;
        crate::commands::analyze::append_step_summary(&data, &rankings, &extras)?;
    }
    Ok(exit_code(finished.summary.status))
}

/// The run id every shard of a CI job derives alike: the CI's own run.
fn ci_run_id() -> Option<String> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    // Not GITHUB_RUN_ATTEMPT: re-running a failed shard's job must rejoin the same run
    // and send only what that shard has not recorded.
    var("GITHUB_RUN_ID")
        .map(|id| format!("gh-{id}"))
        .or_else(|| var("CI_PIPELINE_ID").map(|id| format!("ci-{id}")))
}

/// Run a prepared suite with the engine, shown by `notices`; Ctrl-C stops it.
pub async fn execute(
    prepared: &Prepared,
    opts: &RunOptions,
    notices: std::sync::Arc<Notices>,
) -> CliResult<Finished> {
    let control = RunControl::default();
    let signals = tokio::spawn(watch_ctrl_c(control.clone()));
    let finished = routeval_engine::run::execute(prepared, opts, &control, notices).await;
    signals.abort();
    Ok(finished?)
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

/// A run that did not complete is no success: scripts resume it or stop.
pub fn exit_code(status: RunStatus) -> u8 {
    match status {
        RunStatus::Completed => SUCCESS,
        RunStatus::Interrupted => INTERRUPTED,
        RunStatus::BudgetExhausted => BUDGET_EXHAUSTED,
        RunStatus::Failed => FAILURE,
    }
}

fn print_plan(prepared: &Prepared, pairs: &[PairPlan], limit: Option<usize>) {
    let suite = &prepared.suite;
    println!(
        "suite {} ({}), repeats {}, concurrency {}",
        suite.name,
        suite.path.display(),
        suite.repeats,
        suite.concurrency
    );
    let mut total = 0;
    for pair in pairs {
        let ds = &pair.dataset;
        let cases = ds.dataset.summary.count.min(limit.unwrap_or(usize::MAX));
        let targets: Vec<&str> = pair.eligible.iter().map(|t| t.name()).collect();
        let jobs = cases * targets.len() * suite.repeats as usize;
        total += jobs;
        println!(
            "  {}: {cases} cases x {} targets = {jobs} results ({})",
            ds.dataset.name,
            targets.len(),
            targets.join(", ")
        );
        for e in pair.excluded.iter().filter(|e| !e.forced) {
            println!("    not sent to {}: {} ({})", e.target, e.detail, e.rule);
        }
    }
    println!("{total} results in all; nothing sent (--dry-run)");
}
