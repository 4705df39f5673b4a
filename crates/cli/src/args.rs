//! Command-line arguments.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// `--version`, which says when this is a debug build: `cargo run` without `--release`
/// spends about three times the CPU per result, so it is no build to time an eval with.
const VERSION: &str = if cfg!(debug_assertions) {
    concat!(
        env!("CARGO_PKG_VERSION"),
        " (debug build: about 3x the CPU per result of `cargo build --release`)"
    )
} else {
    env!("CARGO_PKG_VERSION")
};

#[derive(Debug, Parser)]
#[command(
    name = "routeval",
    version = VERSION,
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
    /// Results database: `sqlite://PATH`, a path, or `postgres://USER@HOST/DB`.
    #[arg(long, default_value = "sqlite://routeval.db", env = "ROUTEVAL_DB")]
    pub db: String,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the simulator, run the bundled suite on it, print the ranking, write reports
    /// and a registry export. No key, no network.
    Quickstart(QuickstartArgs),
    /// Write a starter suite for OpenRouter (and the bundled data it uses) to edit.
    Init(InitArgs),
    /// Run a suite: every dataset on every route and chain, recorded in the database.
    Run(RunArgs),
    /// Check a suite, its datasets, scorers and schemas; send nothing.
    Validate(ValidateArgs),
    /// Serve the OpenRouter-shaped simulator on loopback.
    Sim(SimArgs),
    /// Rank each dataset's routes and chains by cost per accepted response.
    Rank(RankArgs),
    /// Simulate fallback chains offline from the single routes' results of a run.
    Chains(ChainsArgs),
    /// Compare two runs per dataset and target; gate on significant regressions.
    Compare(CompareArgs),
    /// Where a run stands: status, spend against budget, and its shards.
    Status(StatusArgs),
    /// A suite's last nights per dataset and target (acceptance, cost per accepted, p95,
    /// providers, price), with the night-over-night changes flagged.
    History(HistoryArgs),
    /// Merge the shard files of one run (`run --shard K/N`, a database each) into one
    /// database, which may already hold earlier nights.
    Merge(MergeArgs),
    /// Write a report of a run.
    Report(ReportArgs),
    /// Re-grade a run's stored answers (no model is called) into a new set of verdicts.
    Rescore(RescoreArgs),
    /// Grade responses from anywhere against cases; verdicts as JSONL on stdout.
    ///
    /// Responses logged anywhere (production, a gateway, another harness) are graded
    /// against a JSONL file of cases, each case against its own tools when it brings
    /// them. With `--db` the verdicts are also recorded as a run of kind `graded`, which
    /// `rank`, `report` and `compare` read like any run.
    Grade(GradeArgs),
    /// Export the approved routes.
    Export {
        #[command(subcommand)]
        what: ExportWhat,
    },
    /// Probe routes with a fixed battery of small requests (tools, streaming, formats,
    /// context, error surfaces...) and record their compatibility matrix.
    Probe(ProbeArgs),
    /// The model catalog: sync it into the database, list and filter it, suggest routes.
    Models {
        #[command(subcommand)]
        what: ModelsCommand,
    },
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The suite file to write; the bundled datasets and scorers go beside it.
    #[arg(default_value = "suite.toml")]
    pub out: PathBuf,
    /// Replace the suite file if it exists (data files already there are kept).
    #[arg(long)]
    pub force: bool,
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
    /// `json`: the run, its ranking and the files written, instead of the tables.
    #[arg(long, value_enum, default_value = "text")]
    pub format: TextFormat,
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
    /// At most N cases per dataset (at least 1).
    #[arg(long, value_parser = at_least_one)]
    pub limit: Option<usize>,
    /// Finish an interrupted run without re-sending what it recorded.
    #[arg(long)]
    pub resume: Option<String>,
    /// Run only part K of N of the cases, as one of N processes sharing the run
    /// `--run-id` (a CI job matrix); the run is complete when every shard is.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<routeval_core::Shard>,
    /// The run's id: what every shard of a sharded run joins. Defaults, with `--shard`,
    /// to one derived from the CI's run (`gh-$GITHUB_RUN_ID`, or `ci-$CI_PIPELINE_ID`).
    #[arg(long, value_name = "ID", value_parser = run_id)]
    pub run_id: Option<String>,
    /// Show what would be sent, send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Override the suite's global concurrency (at least 1).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub concurrency: Option<u32>,
    /// Override the suite's budget (USD, above 0), e.g. to resume a run stopped by it.
    #[arg(long, value_parser = positive_usd)]
    pub budget: Option<f64>,
    /// No progress bar (for logs).
    #[arg(long)]
    pub quiet: bool,
    /// Run (dataset, route) pairs that fail a capability check anyway, to measure what
    /// happens. Privacy refusals always hold.
    #[arg(long)]
    pub force: bool,
    /// `json`: the run's id, status, results and spend on stdout (with `--dry-run`, the
    /// pairs that would be sent and refused).
    #[arg(long, value_enum, default_value = "text")]
    pub format: TextFormat,
}

/// Lines for people, or one JSON document for scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TextFormat {
    Text,
    Json,
}

/// A run id: 1 to 100 letters, digits, `.`, `_` or `-` (it becomes part of request ids
/// and file names).
fn run_id(s: &str) -> Result<String, String> {
    let ok = !s.is_empty()
        && s.len() <= 100
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if ok {
        Ok(s.to_string())
    } else {
        Err("a run id is 1 to 100 letters, digits, `.`, `_` or `-`".into())
    }
}

/// What `validate` checks is what `run` would do with the same flags.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[arg(default_value = "routeval.toml")]
    pub suite: PathBuf,
    /// Database with stored probes and a synced model catalog (read only).
    #[command(flatten)]
    pub db: DbArg,
    /// Only these routes and chains (comma-separated), as `run --routes`.
    #[arg(long, value_delimiter = ',')]
    pub routes: Vec<String>,
    /// Only these datasets (comma-separated), as `run --datasets`.
    #[arg(long, value_delimiter = ',')]
    pub datasets: Vec<String>,
    /// Skip reading the endpoints' live model catalogs: capabilities are judged on the
    /// catalog last synced into the database (`models sync`), if any.
    #[arg(long)]
    pub offline: bool,
    /// As `run --force`: pairs that fail a capability check would be sent anyway.
    #[arg(long)]
    pub force: bool,
    #[arg(long, value_enum, default_value = "text")]
    pub format: TextFormat,
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
    /// Refuse (401) every request whose bearer token is not the key in this environment
    /// variable, as OpenRouter refuses a wrong key; without it any key, or none, is taken.
    #[arg(long, value_name = "NAME")]
    pub api_key_env: Option<String>,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Run id (default: the latest run).
    pub run: Option<String>,
    #[command(flatten)]
    pub db: DbArg,
    #[arg(long, value_enum, default_value = "table")]
    pub format: StatusFormat,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The suite (default: that of the latest completed run).
    #[arg(long)]
    pub suite: Option<String>,
    /// How many completed runs, the latest last.
    #[arg(long, default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub last: u32,
    /// Significance level of the night-over-night acceptance test.
    #[arg(long, default_value_t = 0.05, value_parser = probability)]
    pub alpha: f64,
    /// Flag a relative change in cost per accepted beyond this (0.25: 25%).
    #[arg(long, default_value_t = 0.25, value_parser = non_negative)]
    pub cost_change: f64,
    /// Flag a relative change in p95 latency beyond this (0.5: 50%)...
    #[arg(long, default_value_t = 0.5, value_parser = non_negative)]
    pub p95_change: f64,
    /// ...that is also at least this many milliseconds.
    #[arg(long, default_value_t = 250.0, value_parser = non_negative)]
    pub p95_floor_ms: f64,
    #[command(flatten)]
    pub db: DbArg,
    #[arg(long, value_enum, default_value = "table")]
    pub format: StatusFormat,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The shard files of one run (paths, `sqlite://` or `postgres://` URLs).
    #[arg(required = true)]
    pub sources: Vec<String>,
    /// The database the run goes into: created when missing, appended to when it holds
    /// earlier runs.
    #[arg(long, value_name = "DB")]
    pub into: String,
    /// Merge even when a shard is missing or never finished: the run is then
    /// `interrupted`, and running the missing shards against the merged file completes it.
    #[arg(long)]
    pub allow_partial: bool,
    #[arg(long, value_enum, default_value = "text")]
    pub format: TextFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StatusFormat {
    Table,
    Json,
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
    /// Targets slower than this p95 latency (ms) are not eligible.
    #[arg(long)]
    pub max_p95_ms: Option<f64>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ReportFormat {
    Md,
    Html,
    Junit,
    Json,
    Csv,
    Parquet,
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
        #[arg(long, value_enum, default_value = "json")]
        format: RegistryFormat,
    },
    /// A LiteLLM proxy config: each workflow a model_name on its approved routes, with
    /// fallbacks from its approved chain and its other approved routes (YAML).
    Litellm {
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        run: Option<String>,
        /// Output file; stdout when absent.
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "yaml")]
        format: LitellmFormat,
    },
    /// Per workflow, the OpenRouter request fragment (`model`, `models`, `provider`) of
    /// its preferred approved target, as presets and SDK calls take it (JSON).
    Openrouter {
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        run: Option<String>,
        /// Output file; stdout when absent.
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "json")]
        format: OpenrouterFormat,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RegistryFormat {
    Json,
    Toml,
}

/// `yaml`: LiteLLM's `config.yaml`, headed by comments naming the run; `json`: the same
/// config as one JSON document (LiteLLM reads either).
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LitellmFormat {
    Yaml,
    Json,
}

/// The OpenRouter export is JSON, what presets and SDK calls take.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum OpenrouterFormat {
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ChainsFormat {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct ChainsArgs {
    #[command(flatten)]
    pub db: DbArg,
    /// Run id (default: the latest run).
    #[arg(long)]
    pub run: Option<String>,
    /// Longest chain searched.
    #[arg(long, default_value_t = 2)]
    pub max_len: usize,
    /// Failure classes or families a step falls back on (comma-separated); default: the
    /// suite's chain's when it has exactly one, else rate_limited, server_error,
    /// timeout, malformed, schema_invalid.
    #[arg(long, value_delimiter = ',')]
    pub fallback_on: Vec<String>,
    /// Chains listed per dataset.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    #[arg(long, value_enum, default_value = "table")]
    pub format: ChainsFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CompareFormat {
    Table,
    Json,
    Md,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Baseline run id (or NEW alone with `--baseline`).
    pub base: Option<String>,
    /// New run id (default: the latest run).
    pub new: Option<String>,
    /// Pick the baseline instead of naming it: `previous` (the run of NEW's suite
    /// started before it), `latest-completed` (the latest run of NEW's suite before it
    /// that completed: a night with a failed shard is passed over), or a run id.
    #[arg(long, value_name = "previous|latest-completed|RUN")]
    pub baseline: Option<routeval_analysis::compare::BaselineChoice>,
    #[command(flatten)]
    pub db: DbArg,
    /// Exit 1 when a significant (p < 0.05) drop in acceptance exceeds the threshold.
    #[arg(long)]
    pub fail_on_regression: bool,
    /// Largest tolerated drop in acceptance (absolute: 0.05 = 5 points).
    #[arg(long, default_value_t = 0.05, value_parser = fraction)]
    pub threshold: f64,
    #[arg(long, value_enum, default_value = "table")]
    pub format: CompareFormat,
}

#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// Read each endpoint's `/models` into the database, keeping price history.
    Sync {
        #[arg(long, default_value = "routeval.toml")]
        suite: PathBuf,
        #[command(flatten)]
        db: DbArg,
        /// Also read each model's per-provider endpoints list (one request per model),
        /// for provider sweeps and `models endpoints` without a network.
        #[arg(long, alias = "endpoints")]
        with_endpoints: bool,
    },
    /// The providers serving a model: price, context, quantization and parameters per
    /// provider, from the endpoint's `/models/{id}/endpoints` (else as last synced).
    Endpoints {
        /// Model id, e.g. `sim/keystone-70b`.
        model: String,
        #[arg(long, default_value = "routeval.toml")]
        suite: PathBuf,
        /// The suite's endpoint to ask (default: its first OpenRouter endpoint).
        #[arg(long)]
        endpoint: Option<String>,
        #[command(flatten)]
        db: DbArg,
        /// Read only the synced list; send nothing.
        #[arg(long)]
        offline: bool,
        #[arg(long, value_enum, default_value = "text")]
        format: TextFormat,
    },
    /// List synced models, filtered.
    List {
        #[command(flatten)]
        db: DbArg,
        /// Required parameters, comma-separated (tools,response_format,structured_outputs...).
        #[arg(long, value_delimiter = ',')]
        supports: Vec<String>,
        #[arg(long)]
        min_context: Option<u64>,
        /// Highest prompt price, USD per million tokens.
        #[arg(long)]
        max_price: Option<f64>,
        #[arg(long, value_enum, default_value = "text")]
        format: TextFormat,
        /// The same as `--format json` (kept for existing scripts).
        #[arg(long, hide = true)]
        json: bool,
    },
    /// Propose candidate routes for a dataset from the synced catalog.
    Suggest {
        dataset: String,
        #[arg(long, default_value = "routeval.toml")]
        suite: PathBuf,
        #[command(flatten)]
        db: DbArg,
        #[arg(long, default_value_t = 5)]
        max: usize,
        #[arg(long, value_enum, default_value = "text")]
        format: TextFormat,
    },
}

#[derive(Debug, Args)]
pub struct RescoreArgs {
    /// Run id, or `latest`.
    #[arg(default_value = "latest")]
    pub run: String,
    /// Scorer spec to grade with instead of the suite's: `FILE` for every dataset, or
    /// `DATASET=FILE` for one (repeatable).
    #[arg(long)]
    pub scorer: Vec<String>,
    /// Suite file whose datasets' schema and tools to use; by default the suite stored
    /// with the run, its paths read from the folder of the run's suite file.
    #[arg(long)]
    pub suite: Option<PathBuf>,
    #[command(flatten)]
    pub db: DbArg,
    /// `json`: the run, the new scoring's number, and per dataset the results re-graded
    /// and accepted (before and after) and the judge verdicts reused and asked for.
    #[arg(long, value_enum, default_value = "text")]
    pub format: TextFormat,
}

#[derive(Debug, Args)]
pub struct GradeArgs {
    /// Scorer spec (TOML).
    #[arg(long)]
    pub scorer: PathBuf,
    /// Cases (JSONL), with their `expected` answers. A case's own `tools` (an OpenAI
    /// tools array) are what its tool calls are checked against.
    #[arg(long)]
    pub cases: PathBuf,
    /// Responses (JSONL), one per line, each line in any of these shapes:
    ///   - `{"case_id", "message": {assistant message}, "latency_ms"?, "cost"?, "model"?}`
    ///   - a chat-completion response (`choices`, `model`, `provider`, `usage` with
    ///     `usage.cost`), its case in `case_id` or `metadata.case_id`
    ///   - a gateway's `{"request": {...}, "response": {...}}` pair; with no case id, the
    ///     case whose messages the request sent
    ///   - streamed chunks: `{"case_id", "chunks": [...]}`, or a bare array of
    ///     `chat.completion.chunk` objects naming their case in `metadata.case_id`
    ///
    /// `latency_ms` (or `duration_ms`) and `cost` on the line override the response's own.
    #[arg(long, verbatim_doc_comment)]
    pub responses: PathBuf,
    /// JSON Schema for `schema` checks.
    #[arg(long)]
    pub schema: Option<PathBuf>,
    /// OpenAI tools (JSON array) for the `tool_calls` checks of cases that bring no
    /// `tools` of their own.
    #[arg(long)]
    pub tools: Option<PathBuf>,
    /// Also record the verdicts in this results database (`sqlite://PATH`, a path, or
    /// `postgres://USER@HOST/DB`) as a run of kind `graded`: one dataset named after the
    /// cases file, one target per model that served (or `--target`).
    #[arg(long, value_name = "URL")]
    pub db: Option<String>,
    /// With `--db`: record every response under this target instead of one per model
    /// (needed when responses name no model).
    #[arg(long, value_name = "NAME", requires = "db")]
    pub target: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ProbeFormat {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct ProbeArgs {
    /// Routes to probe (default: every route of the suite).
    pub routes: Vec<String>,
    #[arg(long, default_value = "routeval.toml")]
    pub suite: PathBuf,
    #[command(flatten)]
    pub db: DbArg,
    #[arg(long, value_enum, default_value = "table")]
    pub format: ProbeFormat,
}

/// A count that must be at least 1 (`--limit`).
fn at_least_one(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err("must be a whole number, at least 1".into()),
    }
}

/// An amount in USD that must be finite and above 0 (`--budget`).
fn positive_usd(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err("must be an amount in USD above 0, such as 2.5".into()),
    }
}

/// A share from 0 to 1.
fn fraction(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err("must be a number from 0 to 1, such as 0.05".into()),
    }
}

/// A significance level: above 0, below 1.
fn probability(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v > 0.0 && v < 1.0 => Ok(v),
        _ => Err("must be a number between 0 and 1, such as 0.05".into()),
    }
}

/// A finite number of at least 0.
fn non_negative(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        _ => Err("must be a number of at least 0".into()),
    }
}
