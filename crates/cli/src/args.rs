//! Command-line arguments.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "routeval",
    version,
    about = "Decide, with evidence, which model and provider route should serve each workflow."
)]
pub struct Cli {
    /// Trace every request and response (keys redacted) on stderr.
    #[arg(long, short, global = true)]
    pub verbose: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args, Clone)]
pub struct DbArg {
    /// Results database (`sqlite://PATH` or a path).
    #[arg(long, default_value = "sqlite://routeval.db", env = "ROUTEVAL_DB")]
    pub db: String,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the simulator, run the bundled suite on it, print the ranking, write reports
    /// and a registry export. No key, no network.
    Quickstart(QuickstartArgs),
    /// Run a suite: every dataset on every route and chain, recorded in the database.
    Run(RunArgs),
    /// Check a suite, its datasets, scorers and schemas; send nothing.
    Validate {
        #[arg(default_value = "routeval.toml")]
        suite: PathBuf,
    },
    /// Serve the OpenRouter-shaped simulator on loopback.
    Sim(SimArgs),
    /// Rank each dataset's routes and chains by cost per accepted response.
    Rank(RankArgs),
    /// Write a report of a run.
    Report(ReportArgs),
    /// Export the approved routes.
    Export {
        #[command(subcommand)]
        what: ExportWhat,
    },
}

#[derive(Debug, Args)]
pub struct QuickstartArgs {
    /// The suite to run (its `simulated` endpoints are pointed at the simulator).
    #[arg(long, default_value = "routeval.toml")]
    pub suite: PathBuf,
    #[command(flatten)]
    pub db: DbArg,
    /// Folder for the reports and the registry export.
    #[arg(long, default_value = "reports/out")]
    pub out: PathBuf,
    /// Multiplies every simulated delay (1.0 = the profiles' realistic latencies).
    #[arg(long, default_value_t = 0.2)]
    pub latency_scale: f64,
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    #[arg(default_value = "routeval.toml")]
    pub suite: PathBuf,
    #[command(flatten)]
    pub db: DbArg,
    /// Only these routes and chains (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub routes: Vec<String>,
    /// Only these datasets (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub datasets: Vec<String>,
    /// At most N cases per dataset.
    #[arg(long)]
    pub limit: Option<usize>,
    /// Finish an interrupted run without re-sending what it recorded.
    #[arg(long)]
    pub resume: Option<String>,
    /// Show what would be sent, send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Override the suite's global concurrency.
    #[arg(long)]
    pub concurrency: Option<u32>,
    /// Override the suite's budget (USD), e.g. to resume a run stopped by it.
    #[arg(long)]
    pub budget: Option<f64>,
    /// No progress bar (for logs).
    #[arg(long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct SimArgs {
    #[arg(long, default_value_t = 4141)]
    pub port: u16,
    /// Model profiles (TOML); the bundled ones when absent.
    #[arg(long)]
    pub profiles: Option<PathBuf>,
    /// Suite whose datasets the simulator learns right answers from.
    #[arg(long, default_value = "routeval.toml")]
    pub suite: PathBuf,
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    #[arg(long, default_value_t = 1.0)]
    pub latency_scale: f64,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RankFormat {
    Table,
    Json,
    Csv,
}

#[derive(Debug, Args)]
pub struct RankArgs {
    #[command(flatten)]
    pub db: DbArg,
    /// Run id (default: the latest run).
    #[arg(long)]
    pub run: Option<String>,
    #[arg(long)]
    pub dataset: Option<String>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: RankFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ReportFormat {
    Md,
    Html,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub db: DbArg,
    #[arg(long)]
    pub run: Option<String>,
    #[arg(long, value_enum, value_delimiter = ',', default_value = "md,html")]
    pub format: Vec<ReportFormat>,
    #[arg(long, default_value = "reports/out")]
    pub out: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum ExportWhat {
    /// Approved routes per workflow with their OpenRouter request fragments (JSON).
    Registry {
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        run: Option<String>,
        /// Output file; stdout when absent.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}
