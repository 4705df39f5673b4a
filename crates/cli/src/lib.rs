//! The `routeval` command line: argument parsing, progress display, exit codes.
//! Each command wires the library crates together; the logic lives in them (running
//! and rescoring in `routeval_engine`, which reports to `progress::Notices`).

// First, so its redacting `print!`/`println!`/`eprint!`/`eprintln!` are the ones every
// module below uses.
#[macro_use]
mod output;

mod args;
mod bundle;
mod commands;
pub mod exit;
mod progress;

use args::{Cli, Command, ExportWhat};
use clap::Parser;
use exit::CliError;
use std::process::ExitCode;

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(exit::FAILURE);
        }
    };
    match runtime.block_on(dispatch(cli.command)) {
        Ok(code) => ExitCode::from(code),
        Err(CliError { code, error }) => {
            eprintln!("error: {error:#}");
            ExitCode::from(code)
        }
    }
}

async fn dispatch(command: Command) -> Result<u8, CliError> {
    match command {
        Command::Quickstart(a) => commands::quickstart::run(a).await,
        Command::Run(a) => commands::run::run(a).await,
        Command::Validate(a) => commands::validate::run(a).await,
        Command::Sim(a) => commands::sim::run(a).await,
        Command::Rank(a) => commands::analyze::rank(a).await,
        Command::Chains(a) => commands::chains::run(a).await,
        Command::Compare(a) => commands::compare::run(a).await,
        Command::Init(a) => commands::init::run(a),
        Command::Status(a) => commands::status::run(a).await,
        Command::Merge(a) => commands::merge::run(a).await,
        Command::History(a) => commands::history::run(a).await,
        Command::Report(a) => commands::analyze::report(a).await,
        Command::Rescore(a) => commands::rescore::run(a).await,
        Command::Grade(a) => commands::grade::run(a).await,
        Command::Probe(a) => commands::probe::run(a).await,
        Command::Models { what } => match what {
            args::ModelsCommand::Sync {
                suite,
                db,
                with_endpoints,
            } => commands::models::sync(&suite, &db.db, with_endpoints).await,
            args::ModelsCommand::List {
                db,
                supports,
                min_context,
                max_price,
                format,
                json,
            } => {
                let filter = commands::models::ListFilter {
                    supports,
                    min_context,
                    max_price,
                    json: json || format == args::TextFormat::Json,
                };
                commands::models::list(&db.db, &filter).await
            }
            args::ModelsCommand::Endpoints {
                model,
                suite,
                endpoint,
                db,
                offline,
                format,
            } => {
                let json = format == args::TextFormat::Json;
                commands::models::endpoints(
                    &suite,
                    endpoint.as_deref(),
                    &model,
                    &db.db,
                    offline,
                    json,
                )
                .await
            }
            args::ModelsCommand::Suggest {
                dataset,
                suite,
                db,
                max,
                format,
            } => {
                let json = format == args::TextFormat::Json;
                commands::models::suggest(&suite, &db.db, &dataset, max, json).await
            }
        },
        Command::Export { what } => match what {
            ExportWhat::Registry {
                db,
                run,
                out,
                format,
            } => {
                commands::analyze::export_registry(&db.db, run.as_deref(), out.as_deref(), format)
                    .await
            }
            ExportWhat::Litellm {
                db,
                run,
                out,
                format,
            } => commands::export::litellm(&db.db, run.as_deref(), out.as_deref(), format).await,
            ExportWhat::Openrouter {
                db,
                run,
                out,
                format: args::OpenrouterFormat::Json,
            } => commands::export::openrouter(&db.db, run.as_deref(), out.as_deref()).await,
        },
    }
}

/// Logs go to stderr; results go to stdout. `--verbose` turns on the per-attempt
/// request/response trace (keys redacted).
fn init_tracing(verbose: bool) {
    use tracing_subscriber::EnvFilter;
    let default = if verbose {
        "warn,routeval::trace=trace"
    } else {
        "warn"
    };
    // ROUTEVAL_LOG, else the usual RUST_LOG, else warnings (and `--verbose`'s trace).
    // An empty variable counts as unset.
    let filter = ["ROUTEVAL_LOG", "RUST_LOG"]
        .iter()
        .filter_map(|name| std::env::var(name).ok())
        .find(|directives| !directives.trim().is_empty())
        .and_then(|directives| EnvFilter::try_new(directives).ok())
        .unwrap_or_else(|| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        // Colour only for a person at a terminal: a CI log or a redirected file gets
        // plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(output::RedactedStderr)
        .try_init();
}
