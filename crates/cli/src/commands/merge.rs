//! `routeval merge A.db B.db ... --into NIGHT.db`: the shard files of one run, as a CI
//! matrix leaves them, made one run in one database.

use crate::args::{MergeArgs, TextFormat};
use crate::exit::{CliError, CliResult, SUCCESS};
use routeval_analysis::escape;
use routeval_engine::merge::{merge, MergeOptions};

pub async fn run(args: MergeArgs) -> CliResult<u8> {
    let opts = MergeOptions {
        sources: args.sources,
        into: args.into,
        allow_partial: args.allow_partial,
    };
    let merged = merge(&opts).await?;
    match args.format {
        TextFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&merged).map_err(CliError::failure)?
        ),
        TextFormat::Text => {
            println!(
                "merged run {} from {} file{} into {}: {} results, {} attempts · {}",
                escape::terminal(&merged.run_id, 80),
                opts.sources.len(),
                if opts.sources.len() == 1 { "" } else { "s" },
                escape::terminal(&opts.into, 200),
                merged.results,
                merged.attempts,
                merged.status
            );
            if !merged.missing_shards.is_empty() {
                let n = merged.shard_count.unwrap_or_default();
                for k in &merged.missing_shards {
                    println!(
                        "missing shard {k}/{n}: `routeval run SUITE --shard {k}/{n} --run-id {} --db {}` completes the run",
                        escape::terminal(&merged.run_id, 80),
                        escape::terminal(&opts.into, 200),
                    );
                }
            }
        }
    }
    Ok(SUCCESS)
}
