//! `routeval init [FILE]`: a starter suite for a real endpoint (OpenRouter), with the
//! bundled triage dataset and scorer beside it, to edit and run.

use crate::args::InitArgs;
use crate::exit::{CliError, CliResult, SUCCESS};
use std::path::Path;

pub fn run(args: InitArgs) -> CliResult<u8> {
    if args.out.exists() && !args.force {
        return Err(CliError::input(anyhow::anyhow!(
            "{} exists: `routeval init --force` replaces it, or name another file",
            args.out.display()
        )));
    }
    let dir = args
        .out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let written = crate::bundle::write_data(dir)
        .and_then(|()| std::fs::write(&args.out, crate::bundle::STARTER));
    written.map_err(|e| {
        CliError::failure(anyhow::anyhow!("cannot write {}: {e}", args.out.display()))
    })?;
    println!(
        "wrote {}, and the bundled datasets/ and scorers/ beside it (kept where present)\n\
         next: replace the model ids, export OPENROUTER_API_KEY, then `routeval validate {}`",
        args.out.display(),
        args.out.display()
    );
    Ok(SUCCESS)
}
