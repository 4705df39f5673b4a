//! `routeval run`

use crate::args::RunArgs;
use crate::exit::{CliResult, BUDGET_EXHAUSTED, FAILURE, INTERRUPTED, SUCCESS};
use crate::pipeline::{catalogs_for, execute, plan_pairs, prepare, PairPlan, RunOptions};
use routeval_runner::RunStatus;

pub async fn run(args: RunArgs) -> CliResult<u8> {
    let prepared = prepare(&args.suite, &args.routes, &args.datasets)?;
    if args.dry_run {
        let catalogs = catalogs_for(&prepared.suite, &args.db.db, false).await?;
        let probes = crate::commands::probe::stored_verdicts(&args.db.db).await?;
        print_plan(
            &prepared,
            &plan_pairs(
                &prepared,
                &catalogs,
                &probes,
                args.force,
                args.budget.or(prepared.suite.budget_usd),
            ),
            args.limit,
        );
        return Ok(SUCCESS);
    }
    let opts = RunOptions {
        db: args.db.db,
        limit: args.limit,
        resume: args.resume,
        concurrency: args.concurrency,
        budget: args.budget,
        quiet: args.quiet,
        force: args.force,
    };
    let (_, summary) = execute(&prepared, &opts).await?;
    Ok(exit_code(summary.status))
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

fn print_plan(prepared: &crate::pipeline::Prepared, pairs: &[PairPlan], limit: Option<usize>) {
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
