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
//! - `grade-logs`: writes a cases file whose cases each offer their own tools (the same
//!   function name, different parameters), a scorer, and N logged responses to them in
//!   every shape `routeval grade` reads, for timing `routeval grade`.

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
    /// Copy the latest run of a database as N later nights of its suite (a team's
    /// history for `routeval history` and `compare`), inside the database; prints the
    /// first and last nights' run ids.
    Nights {
        #[arg(long)]
        db: String,
        /// How many copies.
        #[arg(long)]
        copies: usize,
    },
    /// Write `cases.jsonl` (N/3 cases, each with its own tools), `scorer.toml` and
    /// `responses.jsonl` (N responses in the four logged shapes) into a folder.
    GradeLogs {
        #[arg(long)]
        responses: usize,
        #[arg(long)]
        out: PathBuf,
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
        Command::GradeLogs { responses, out } => grade_logs(responses, &out),
        Command::Nights { db, copies } => nights(&db, copies),
    }
}

fn nights(db: &str, copies: usize) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let store = routeval_store::Store::open(db).await?;
        let from = store.run_or_latest(None).await?.id;
        let started = std::time::Instant::now();
        let ids = routeval_store::testing::copy_run_as_nights(&store, &from, copies, 97).await?;
        store.close().await;
        eprintln!(
            "copied {from} as {} nights in {:.1} s",
            ids.len(),
            started.elapsed().as_secs_f64()
        );
        // The first and last nights, for `compare`.
        println!(
            "{from} {}",
            ids.last().map_or(from.as_str(), String::as_str)
        );
        Ok(())
    })
}

/// A graded-logs benchmark's files: cases with tools of their own (every case's
/// `lookup` takes a differently named parameter, so no two cases share a tool list),
/// and responses cycling through the message, completion, exchange (half of them found
/// by their request's messages) and streamed-chunks shapes; one in five calls with the
/// wrong parameter.
fn grade_logs(responses: usize, out: &std::path::Path) -> anyhow::Result<()> {
    use serde_json::json;
    std::fs::create_dir_all(out)?;
    let cases = responses.div_ceil(3).max(1);
    let mut w = BufWriter::new(std::fs::File::create(out.join("cases.jsonl"))?);
    let question = |i: usize| format!("Case {i}: look up record R-{i} and report its status.");
    for i in 0..cases {
        let param = format!("record_{i}");
        let case = json!({
            "id": format!("c-{i:06}"),
            "messages": [{"role": "user", "content": question(i)}],
            "tools": [{"type": "function", "function": {
                "name": "lookup",
                "description": "Look a record up.",
                "parameters": {"type": "object",
                    "properties": {(param.clone()): {"type": "string", "pattern": "^R-[0-9]+$"}},
                    "required": [param], "additionalProperties": false}
            }}],
            "expected": {"tool_calls": [{"name": "lookup", "arguments": {(format!("record_{i}")): [format!("R-{i}")]}}]}
        });
        serde_json::to_writer(&mut w, &case)?;
        w.write_all(b"\n")?;
    }
    w.flush()?;
    std::fs::write(
        out.join("scorer.toml"),
        "[[checks]]\nkind = \"tool_calls\"\n[[checks]]\nkind = \"latency\"\nmax_ms = 2000\n[[checks]]\nkind = \"cost\"\nmax_usd = 0.01\n[accept]\nrequire = [\"tool_calls\"]\n",
    )?;
    let mut w = BufWriter::new(std::fs::File::create(out.join("responses.jsonl"))?);
    for n in 0..responses {
        let i = n % cases;
        let id = format!("c-{i:06}");
        let param = if n % 5 == 4 {
            "record".to_string()
        } else {
            format!("record_{i}")
        };
        let arguments = json!({ (param): format!("R-{i}") }).to_string();
        let call = json!({"id": format!("call-{n}"), "type": "function",
            "function": {"name": "lookup", "arguments": arguments}});
        let model = format!("bench/model-{}", n % 3);
        let usage = json!({"prompt_tokens": 80, "completion_tokens": 12, "cost": 0.00003});
        let completion = json!({"id": format!("gen-{n}"), "object": "chat.completion",
            "created": 1767225600, "model": model, "provider": "Static",
            "choices": [{"index": 0, "finish_reason": "tool_calls",
                "message": {"role": "assistant", "content": null, "tool_calls": [call]}}],
            "usage": usage});
        let line = match n % 4 {
            0 => {
                json!({"case_id": id, "model": model, "latency_ms": 400 + n % 700, "cost": 0.00003,
                "message": {"role": "assistant", "content": null, "tool_calls": [call]}})
            }
            1 => {
                let mut c = completion;
                c["metadata"] = json!({"case_id": id});
                c["latency_ms"] = json!(350 + n % 500);
                c
            }
            2 => {
                let mut request = json!({"model": model, "messages": [
                    {"role": "system", "content": "You look records up."},
                    {"role": "user", "content": question(i)}]});
                if n % 8 == 6 {
                    request["metadata"] = json!({"case_id": id});
                }
                json!({"request": request, "response": completion, "duration_ms": 500 + n % 900})
            }
            _ => {
                let (head, tail) = arguments.split_at(arguments.len() / 2);
                json!({"case_id": id, "latency_ms": 600 + n % 400, "chunks": [
                    {"id": format!("gen-{n}"), "object": "chat.completion.chunk", "model": model, "provider": "Static",
                     "choices": [{"index": 0, "delta": {"role": "assistant", "tool_calls": [
                        {"index": 0, "id": format!("call-{n}"), "type": "function",
                         "function": {"name": "lookup", "arguments": head}}]}}]},
                    {"id": format!("gen-{n}"), "object": "chat.completion.chunk", "model": model,
                     "choices": [{"index": 0, "delta": {"tool_calls": [
                        {"index": 0, "function": {"arguments": tail}}]}, "finish_reason": "tool_calls"}]},
                    {"id": format!("gen-{n}"), "object": "chat.completion.chunk", "model": model,
                     "choices": [], "usage": usage}
                ]})
            }
        };
        serde_json::to_writer(&mut w, &line)?;
        w.write_all(b"\n")?;
    }
    w.flush()?;
    Ok(())
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
