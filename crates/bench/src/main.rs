//! Benchmark helpers for `just bench` (see docs/PERFORMANCE.md):
//!
//! - `serve`: a static OpenAI-shaped chat-completions endpoint on loopback that answers
//!   every request with the same completion, optionally after a fixed delay. It is the
//!   endpoint both `wrk` (the ceiling) and `routeval run` hit in the same benchmark.
//! - `dataset`: writes N synthetic triage cases, unique prompts, one expected answer.
//! - `suite`: writes a suite with R routes pointed at a URL.
//! - `load`: writes a run of N synthetic result rows into a SQLite file through the
//!   store's writer, then times building the analysis frames from the file
//!   (`RunData::load`), and that plus metrics and ranking.

mod load;

// The routeval binary's allocator, so what runs here allocates as the CLI does.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use axum::routing::{get, post};
use axum::Router;
use clap::{Parser, Subcommand};
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::time::Duration;

/// The completion every request gets: a valid triage answer with usage and cost.
const COMPLETION: &str = r#"{"id":"gen-bench","object":"chat.completion","created":1761234567,"model":"bench/static","provider":"Static","choices":[{"index":0,"finish_reason":"stop","native_finish_reason":"stop","message":{"role":"assistant","content":"{\"category\": \"billing\", \"priority\": \"high\", \"escalate\": false}"}}],"usage":{"prompt_tokens":120,"completion_tokens":18,"total_tokens":138,"cost":0.000042}}"#;

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the static endpoint until killed.
    Serve {
        #[arg(long, default_value_t = 4242)]
        port: u16,
        /// Wait this long before answering (latency-bound benchmark).
        #[arg(long, default_value_t = 0)]
        delay_ms: u64,
    },
    /// Write N synthetic triage cases.
    Dataset {
        #[arg(long)]
        cases: usize,
        #[arg(long)]
        out: PathBuf,
    },
    /// Write a suite of R routes on the static endpoint, running the synthetic dataset.
    Suite {
        #[arg(long)]
        url: String,
        #[arg(long)]
        routes: usize,
        #[arg(long)]
        concurrency: usize,
        #[arg(long)]
        dataset: PathBuf,
        /// Folder of the bundled triage schema and scorer (the repository root).
        #[arg(long)]
        repo: PathBuf,
        #[arg(long)]
        out: PathBuf,
    },
    /// Write N result rows (10 routes) into a fresh database, then time loading them.
    Load {
        #[arg(long)]
        rows: usize,
        /// The SQLite file to create (replaced if it exists), or a PostgreSQL server URL
        /// on which a fresh database is made.
        #[arg(long)]
        db: String,
        /// Timed loads (0: only write the file).
        #[arg(long, default_value_t = 3)]
        reps: usize,
        /// Keep the file if it already holds the run (written by an earlier `load`).
        #[arg(long)]
        reuse: bool,
    },
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Serve { port, delay_ms } => serve(port, delay_ms),
        Command::Dataset { cases, out } => dataset(cases, &out),
        Command::Suite {
            url,
            routes,
            concurrency,
            dataset,
            repo,
            out,
        } => suite(&url, routes, concurrency, &dataset, &repo, &out),
        Command::Load {
            rows,
            db,
            reps,
            reuse,
        } => load::run(rows, &db, reps, reuse),
    }
}

fn serve(port: u16, delay_ms: u64) -> anyhow::Result<()> {
    // Two worker threads: the endpoint shares the machine with the client, as it will in CI.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let delay = Duration::from_millis(delay_ms);
        let answer = move || async move {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            ([("content-type", "application/json")], COMPLETION)
        };
        let app = Router::new()
            .route("/v1/chat/completions", post(answer))
            .route(
                "/v1/models",
                get(|| async { ([("content-type", "application/json")], r#"{"data":[]}"#) }),
            );
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        eprintln!("static endpoint on http://127.0.0.1:{port}/v1 (delay {delay_ms} ms)");
        axum::serve(listener, app).await?;
        Ok(())
    })
}

fn dataset(cases: usize, out: &PathBuf) -> anyhow::Result<()> {
    let mut w = BufWriter::new(std::fs::File::create(out)?);
    for i in 0..cases {
        // Unique prompts of a realistic length (~450 characters).
        let case = serde_json::json!({
            "id": format!("b-{i:08}"),
            "messages": [{"role": "user", "content": format!(
                "Ticket {i}: Hello, I was charged twice for my subscription this month (invoice INV-{i}). \
                 The second charge of $49.00 appeared on the 3rd and I never authorised it. Our finance \
                 team needs this corrected before the quarter closes, so please look into it today and \
                 confirm the refund. Account owner: customer-{i}@example.com. Thanks, Dana"
            )}],
            "expected": {"category": "billing", "priority": "high", "escalate": false},
            "tags": ["bench"]
        });
        serde_json::to_writer(&mut w, &case)?;
        w.write_all(b"\n")?;
    }
    w.flush()?;
    Ok(())
}

fn suite(
    url: &str,
    routes: usize,
    concurrency: usize,
    dataset: &std::path::Path,
    repo: &std::path::Path,
    out: &PathBuf,
) -> anyhow::Result<()> {
    let mut s = format!(
        "name = \"bench\"\nconcurrency = {concurrency}\n\n[endpoints.static]\nkind = \"openai\"\nbase_url = \"{url}\"\n\n"
    );
    for r in 0..routes {
        s.push_str(&format!(
            "[routes.r{r}]\nendpoint = \"static\"\nmodel = \"bench/static\"\nconcurrency = {concurrency}\nretry = {{ attempts = 1 }}\n\n"
        ));
    }
    let repo = repo.canonicalize()?;
    s.push_str(&format!(
        "[datasets.bench]\npath = \"{}\"\ntask = \"classification\"\nscorer = \"{r}/scorers/ticket_triage.toml\"\nschema = \"{r}/datasets/ticket_triage/schema.json\"\nresponse_format = \"json_schema\"\n",
        dataset.canonicalize()?.display(),
        r = repo.display()
    ));
    std::fs::write(out, s)?;
    Ok(())
}
