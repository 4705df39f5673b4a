//! `routeval run`

use crate::args::RunArgs;
use crate::exit::{CliResult, SUCCESS};
use crate::pipeline::{execute, prepare, RunOptions};

pub async fn run(args: RunArgs) -> CliResult<u8> {
    let prepared = prepare(&args.suite, &args.routes, &args.datasets)?;
    if args.dry_run {
        print_plan(&prepared, args.limit);
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
    execute(&prepared, &opts).await?;
    Ok(SUCCESS)
}

fn print_plan(prepared: &crate::pipeline::Prepared, limit: Option<usize>) {
    let suite = &prepared.suite;
    println!(
        "suite {} ({}), repeats {}, concurrency {}",
        suite.name,
        suite.path.display(),
        suite.repeats,
        suite.concurrency
    );
    let mut total = 0;
    for ds in &prepared.datasets {
        let cases = ds.dataset.summary.count.min(limit.unwrap_or(usize::MAX));
        let targets: Vec<String> = suite
            .targets_of(&ds.dataset.name)
            .iter()
            .map(|t| t.name().to_string())
            .collect();
        let jobs = cases * targets.len() * suite.repeats as usize;
        total += jobs;
        println!(
            "  {}: {cases} cases x {} targets = {jobs} results ({})",
            ds.dataset.name,
            targets.len(),
            targets.join(", ")
        );
    }
    println!("{total} results in all; nothing sent (--dry-run)");
}
