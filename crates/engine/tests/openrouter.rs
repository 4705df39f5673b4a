//! What OpenRouter says is what is stored: the engine in-process against the simulator
//! over loopback HTTP, into a real database, read back with plain SQL.
//!
//! - an error's details (moderation reasons, the failing provider and its raw answer,
//!   why no endpoint could serve) are stored per attempt, the failing provider as the
//!   attempt's provider, and `availability.retryable` / `retry_after` decide retries;
//! - with `fetch_generation`, a generation that failed after it started is billed at
//!   its generation stats, and is of unknown cost (not free) when there are none; so
//!   cost per accepted on a flaky route includes what its failed generations cost;
//! - a BYOK generation costs OpenRouter's fee plus the upstream provider's bill, both
//!   parts stored, and cost per accepted divides that real spend;
//! - the providers OpenRouter tried (generation stats' `provider_responses`) are stored
//!   per attempt, and a response's cost that the stats contradict is kept beside theirs.

use routeval_engine::prepare::prepare;
use routeval_engine::run::{execute, RunControl, RunOptions};
use routeval_engine::{Event, Observer};
use routeval_runner::RunStatus;
use routeval_sim::{Profiles, SimConfig, SimServer};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn repo_root() -> PathBuf {
    Path::new(&std::env::var_os("CARGO_MANIFEST_DIR").expect("run by cargo test"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

struct Quiet;

impl Observer for Quiet {
    fn event(&self, _: &Event<'_>) {}
}

/// A simulated model that is always right; `script` fixes each request's fault, and
/// `extra` adds profile lines.
fn model(id: &str, script: &[&str], extra: &str) -> String {
    let mut s = format!(
        "[models.\"{id}\"]\nname = \"{id}\"\ncontext_length = 100000\nprompt_price = 1.0\n\
         completion_price = 2.0\nquality = 1.0\nhang_ms = 5000\nretry_after_s = 1\n{extra}"
    );
    if !script.is_empty() {
        let entries: Vec<String> = script.iter().map(|f| format!("\"{f}\"")).collect();
        s.push_str(&format!("script = [{}]\n", entries.join(", ")));
    }
    s.push('\n');
    s
}

/// Two providers, for failover.
const TWO_PROVIDERS: &str = "providers = [{ name = \"First\", slug = \"first\" }, \
                             { name = \"Second\", slug = \"second\" }]\n";

/// A route with short retries and timeouts; `extra` adds route lines.
fn route(name: &str, model: &str, extra: &str) -> String {
    format!(
        "[routes.{name}]\nendpoint = \"sim\"\nmodel = \"{model}\"\n\
         retry = {{ attempts = 3, base_delay_ms = 1, max_delay_ms = 5 }}\n\
         timeouts = {{ first_byte_s = 2, idle_s = 2, total_s = 5 }}\n{extra}\n"
    )
}

async fn start_sim(profiles: &str) -> SimServer {
    let root = repo_root();
    let config = SimConfig {
        profiles: Profiles::parse(Path::new("test-profiles.toml"), profiles).unwrap(),
        case_files: vec![root.join("datasets/ticket_triage/cases.jsonl")],
        seed: 3,
        latency_scale: 0.0,
        api_key: None,
    };
    routeval_sim::serve(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

/// Run `routes` (a suite's route tables) on the first `limit` triage cases, into a
/// fresh SQLite database; its URL.
async fn run(dir: &Path, base_url: &str, routes: &str, limit: usize) -> String {
    let r = repo_root();
    let suite = format!(
        r#"name = "openrouter"
concurrency = 8

[endpoints.sim]
kind = "openrouter"
base_url = "{base_url}"
simulated = true

{routes}
[datasets.ticket_triage]
path = "{r}/datasets/ticket_triage/cases.jsonl"
task = "classification"
scorer = "{r}/scorers/ticket_triage.toml"
system_prompt = "{r}/datasets/ticket_triage/system.txt"
schema = "{r}/datasets/ticket_triage/schema.json"
response_format = "json_schema"
"#,
        r = r.display()
    );
    let path = dir.join("suite.toml");
    std::fs::write(&path, suite).unwrap();
    let db = format!("sqlite://{}", dir.join("r.db").display());
    let prepared = prepare(&path, &[], &[], &Quiet).unwrap();
    let options = RunOptions {
        db: db.clone(),
        limit: Some(limit),
        ..RunOptions::default()
    };
    let finished = execute(&prepared, &options, &RunControl::default(), Arc::new(Quiet))
        .await
        .unwrap();
    assert_eq!(finished.summary.status, RunStatus::Completed);
    db
}

routeval_store::from_row! {
    /// One stored attempt, as the columns these tests read.
    #[derive(Debug)]
    struct Stored {
        route: String,
        http_attempt: i64,
        status: Option<i64>,
        error_class: Option<String>,
        served_provider: Option<String>,
        retry_after_s: Option<f64>,
        error_metadata: Option<String>,
    }
}

impl Stored {
    fn metadata(&self) -> Value {
        serde_json::from_str(self.error_metadata.as_deref().expect("metadata stored")).unwrap()
    }
}

async fn attempts(db: &str, route: &str) -> Vec<Stored> {
    let pool = sqlx::SqlitePool::connect(db).await.unwrap();
    let rows = sqlx::query_as(
        "SELECT route, http_attempt, status, error_class, served_provider, retry_after_s,
                error_metadata
         FROM attempts WHERE route = ? ORDER BY case_id, try_index, http_attempt",
    )
    .bind(route)
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_details_are_stored_and_decide_retries() {
    let profiles = model("t/moderated", &["http_403"], "")
        + &model("t/limited", &["rate_limit", "ok"], TWO_PROVIDERS)
        + &model("t/gateway", &["http_502"], "")
        + &model("t/filtered", &["no_endpoints", "ok"], "")
        + &model("t/busy", &["http_503", "ok"], "")
        + &model("t/steady", &[], "");
    let sim = start_sim(&profiles).await;
    let routes = route("moderated", "t/moderated", "")
        + &route(
            "limited",
            "t/limited",
            "provider = { order = [\"second\"] }",
        )
        + &route("gateway", "t/gateway", "")
        + &route("filtered", "t/filtered", "")
        + &route("busy", "t/busy", "")
        + &route(
            "nowhere",
            "t/steady",
            "provider = { only = [\"elsewhere\"], zdr = true }",
        );
    let dir = tempfile::tempdir().unwrap();
    let db = run(dir.path(), &sim.base_url(), &routes, 1).await;

    // Moderation: why, what, who and which model; final.
    let moderated = attempts(&db, "moderated").await;
    assert_eq!(moderated.len(), 1, "{moderated:?}");
    let m = moderated[0].metadata();
    assert_eq!(moderated[0].status, Some(403));
    assert_eq!(m["reasons"], serde_json::json!(["harassment"]), "{m}");
    let flagged = m["flagged_input"].as_str().unwrap();
    assert!(!flagged.is_empty() && flagged.chars().count() <= 100, "{m}");
    assert_eq!(m["provider_name"], "SimHost");
    assert_eq!(m["model_slug"], "t/moderated");
    assert_eq!(moderated[0].served_provider.as_deref(), Some("SimHost"));

    // A provider's rate limit: the failing provider is the attempt's, its raw answer kept.
    let limited = attempts(&db, "limited").await;
    assert_eq!(limited.len(), 2, "{limited:?}");
    let m = limited[0].metadata();
    assert_eq!(limited[0].status, Some(429));
    assert_eq!(m["provider_name"], "Second", "{m}");
    assert!(
        m["raw"]
            .as_str()
            .is_some_and(|r| r.contains("rate-limited")),
        "{m}"
    );
    assert_eq!(m["error_type"], "rate_limit_exceeded");
    assert_eq!(limited[0].served_provider.as_deref(), Some("Second"));
    assert_eq!(
        limited[1].error_metadata, None,
        "a success has no error details"
    );

    let gateway = attempts(&db, "gateway").await;
    assert_eq!(gateway.len(), 3, "a 502 is retried: {gateway:?}");
    for a in &gateway {
        let m = a.metadata();
        assert_eq!(
            (a.status, a.served_provider.as_deref()),
            (Some(502), Some("SimHost"))
        );
        assert_eq!(m["provider_name"], "SimHost");
        assert!(m["raw"].is_string(), "{m}");
    }

    // A 503 OpenRouter calls final is not sent again; its reasons are kept.
    let filtered = attempts(&db, "filtered").await;
    assert_eq!(
        filtered.len(),
        1,
        "availability.retryable = false: {filtered:?}"
    );
    let a = filtered[0].metadata();
    assert_eq!(filtered[0].error_class.as_deref(), Some("unavailable"));
    assert_eq!(a["availability"]["retryable"], false, "{a}");
    assert_eq!(
        a["availability"]["excluded_by"],
        serde_json::json!(["max_price", "context_length"])
    );

    // A 503 worth another try, after the body's `retry_after` (no header).
    let busy = attempts(&db, "busy").await;
    assert_eq!(busy.len(), 2, "{busy:?}");
    assert_eq!(busy[0].retry_after_s, Some(1.0), "{busy:?}");
    assert_eq!(busy[0].metadata()["availability"]["retryable"], true);
    assert_eq!(busy[1].status, Some(200));

    // No endpoint under the route's preferences: a 404 saying which ones excluded them.
    let nowhere = attempts(&db, "nowhere").await;
    assert_eq!(nowhere.len(), 1, "{nowhere:?}");
    let a = nowhere[0].metadata();
    assert_eq!(nowhere[0].status, Some(404));
    assert_eq!(a["availability"]["code"], "no_endpoints", "{a}");
    assert_eq!(
        a["availability"]["excluded_by"],
        serde_json::json!(["allowed_providers"])
    );
    assert!(nowhere
        .iter()
        .all(|a| a.route == "nowhere" && a.http_attempt == 0));
}

/// Spend, accepted results and cost per accepted of a target, as the ranking divides
/// them: every attempt's cost, failed ones included, over the accepted results.
async fn cost_per_accepted(db: &str, target: &str) -> (Option<f64>, i64, Option<f64>) {
    let pool = sqlx::SqlitePool::connect(db).await.unwrap();
    let row: (Option<f64>, i64) = sqlx::query_as(
        "SELECT CASE WHEN COUNT(cost) = COUNT(*) THEN SUM(cost) END, SUM(accepted)
         FROM results WHERE target = ?",
    )
    .bind(target)
    .fetch_one(&pool)
    .await
    .unwrap();
    pool.close().await;
    let per = row.0.filter(|_| row.1 > 0).map(|c| c / row.1 as f64);
    (row.0, row.1, per)
}

routeval_store::from_row! {
    #[derive(Debug)]
    struct Billed {
        error_class: Option<String>,
        generation_id: Option<String>,
        cost: Option<f64>,
        cost_source: Option<String>,
    }
}

async fn billed(db: &str, route: &str) -> Vec<Billed> {
    let pool = sqlx::SqlitePool::connect(db).await.unwrap();
    let rows = sqlx::query_as(
        "SELECT error_class, generation_id, cost, cost_source FROM attempts
         WHERE route = ? ORDER BY case_id, try_index, http_attempt",
    )
    .bind(route)
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_generations_are_billed_at_their_generation_stats() {
    // Each case: a generation cut short (streamed, or a plain body cut), then an answer.
    let profiles = model("t/flaky-s", &["cut_stream", "ok"], "")
        + &model("t/flaky", &["cut_stream", "ok"], "")
        + &model(
            "t/flaky-unpriced",
            &["cut_stream", "ok"],
            "unpriced = true\n",
        );
    let sim = start_sim(&profiles).await;
    let fetch = "fetch_generation = true";
    let routes = route("flaky-s", "t/flaky-s", &format!("stream = true\n{fetch}"))
        + &route("flaky", "t/flaky", fetch)
        + &route(
            "flaky-unpriced",
            "t/flaky-unpriced",
            &format!("stream = true\n{fetch}"),
        );
    let dir = tempfile::tempdir().unwrap();
    let db = run(dir.path(), &sim.base_url(), &routes, 2).await;

    for route in ["flaky-s", "flaky"] {
        let rows = billed(&db, route).await;
        assert_eq!(rows.len(), 4, "{route}: {rows:?}");
        for pair in rows.chunks(2) {
            let (cut, ok) = (&pair[0], &pair[1]);
            assert_eq!(
                cut.error_class.as_deref(),
                Some("stream_cut"),
                "{route}: {rows:?}"
            );
            assert!(cut.generation_id.is_some(), "{route}: {cut:?}");
            assert_eq!(
                cut.cost_source.as_deref(),
                Some("generation"),
                "{route}: {cut:?}"
            );
            assert!(
                cut.cost.is_some_and(|c| c > 0.0),
                "billed, not free: {cut:?}"
            );
            assert_eq!(ok.error_class, None);
            assert!(ok.cost.is_some_and(|c| c > 0.0));
        }
        // Cost per accepted counts the failed generations: more than the answers alone.
        let answers: f64 = rows.iter().skip(1).step_by(2).filter_map(|r| r.cost).sum();
        let all: f64 = rows.iter().filter_map(|r| r.cost).sum();
        let (spend, accepted, per) = cost_per_accepted(&db, route).await;
        assert_eq!(accepted, 2, "{route}");
        assert!(
            (spend.unwrap() - all).abs() < 1e-12,
            "{route}: {spend:?} vs {all}"
        );
        assert!(per.unwrap() > answers / 2.0 + 1e-12, "{route}: {per:?}");
    }

    // No stats cost for the failed generation: its cost, and the result's, are unknown.
    let rows = billed(&db, "flaky-unpriced").await;
    let cut = &rows[0];
    assert_eq!(cut.error_class.as_deref(), Some("stream_cut"));
    assert_eq!(
        (cut.cost, cut.cost_source.as_deref()),
        (None, Some("unknown"))
    );
    assert_eq!(cost_per_accepted(&db, "flaky-unpriced").await.0, None);
}

routeval_store::from_row! {
    #[derive(Debug)]
    struct Byok {
        cost: Option<f64>,
        cost_source: Option<String>,
        is_byok: Option<bool>,
        fee_cost: Option<f64>,
        upstream_cost: Option<f64>,
    }
}

async fn byok(db: &str, route: &str) -> Vec<Byok> {
    let pool = sqlx::SqlitePool::connect(db).await.unwrap();
    let rows = sqlx::query_as(
        "SELECT cost, cost_source, is_byok, fee_cost, upstream_cost FROM attempts
         WHERE route = ? ORDER BY case_id, try_index, http_attempt",
    )
    .bind(route)
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn byok_spend_is_the_fee_plus_the_upstream_cost() {
    let profiles = model("t/byok", &[], "byok = true\n") + &model("t/credits", &[], "");
    let sim = start_sim(&profiles).await;
    let routes = route("byok", "t/byok", "")
        + &route(
            "byok-stats",
            "t/byok",
            "stream = true\nfetch_generation = true",
        )
        + &route("credits", "t/credits", "");
    let dir = tempfile::tempdir().unwrap();
    let db = run(dir.path(), &sim.base_url(), &routes, 2).await;

    for (route, source) in [("byok", "reported"), ("byok-stats", "generation")] {
        let rows = byok(&db, route).await;
        assert_eq!(rows.len(), 2, "{route}: {rows:?}");
        for r in &rows {
            let (fee, upstream) = (r.fee_cost.unwrap(), r.upstream_cost.unwrap());
            assert_eq!(r.is_byok, Some(true), "{route}: {r:?}");
            assert_eq!(r.cost_source.as_deref(), Some(source), "{route}: {r:?}");
            // The simulator's fee is 5% of the inference the provider bills.
            assert!(
                upstream > 0.0 && (fee - upstream * 0.05).abs() < 1e-15,
                "{r:?}"
            );
            assert!((r.cost.unwrap() - (fee + upstream)).abs() < 1e-15, "{r:?}");
        }
        // Cost per accepted divides the real spend, not the fee alone.
        let spend: f64 = rows.iter().filter_map(|r| r.cost).sum();
        let (stored, accepted, per) = cost_per_accepted(&db, route).await;
        assert_eq!(accepted, 2, "{route}");
        assert!(
            (stored.unwrap() - spend).abs() < 1e-12,
            "{route}: {stored:?}"
        );
        assert!(
            (per.unwrap() - spend / 2.0).abs() < 1e-12,
            "{route}: {per:?}"
        );
    }

    // Paid from credits: the cost is OpenRouter's, no parts.
    for r in byok(&db, "credits").await {
        assert_eq!(r.is_byok, Some(false), "{r:?}");
        assert_eq!((r.fee_cost, r.upstream_cost), (None, None), "{r:?}");
        assert!(r.cost.is_some_and(|c| c > 0.0), "{r:?}");
    }
}

routeval_store::from_row! {
    #[derive(Debug)]
    struct Tried {
        served_provider: Option<String>,
        cost: Option<f64>,
        provider_responses: Option<String>,
        response_cost: Option<f64>,
        response_provider: Option<String>,
    }
}

async fn tried(db: &str, route: &str) -> Vec<Tried> {
    let pool = sqlx::SqlitePool::connect(db).await.unwrap();
    let rows = sqlx::query_as(
        "SELECT served_provider, cost, provider_responses, response_cost, response_provider
         FROM attempts WHERE route = ? ORDER BY case_id, try_index, http_attempt",
    )
    .bind(route)
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn providers_tried_and_disagreeing_figures_are_stored() {
    let profiles = model("t/failover", &["failover"], TWO_PROVIDERS)
        + &model("t/adjusted", &[], "stats_cost_factor = 1.5\n")
        + &model("t/relabelled", &[], "stats_provider = \"Elsewhere\"\n");
    let sim = start_sim(&profiles).await;
    let fetch = "fetch_generation = true";
    let routes = route("failover", "t/failover", fetch)
        + &route("adjusted", "t/adjusted", fetch)
        + &route("relabelled", "t/relabelled", fetch);
    let dir = tempfile::tempdir().unwrap();
    let db = run(dir.path(), &sim.base_url(), &routes, 1).await;

    // One request, two providers tried: the first failed upstream, the second served.
    let rows = tried(&db, "failover").await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    let list: Value = serde_json::from_str(rows[0].provider_responses.as_deref().unwrap()).unwrap();
    let seen: Vec<(&str, i64)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["provider_name"].as_str().unwrap(),
                p["status"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(seen.len(), 2, "{list}");
    assert_eq!((seen[0].1, seen[1].1), (502, 200), "{list}");
    assert_ne!(seen[0].0, seen[1].0, "{list}");
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["latency"].is_u64()));
    assert_eq!(rows[0].served_provider.as_deref(), Some(seen[1].0));
    // Stats and response agree: nothing kept beside.
    assert_eq!(
        (rows[0].response_cost, rows[0].response_provider.as_deref()),
        (None, None)
    );

    // The stats bill more than the response said: theirs is the cost, the response's kept.
    let rows = tried(&db, "adjusted").await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    let (cost, said) = (rows[0].cost.unwrap(), rows[0].response_cost.unwrap());
    assert!(said > 0.0 && (cost - said * 1.5).abs() < 1e-12, "{rows:?}");
    assert_eq!(rows[0].response_provider, None);
    assert!(rows[0].provider_responses.is_some());

    // The stats name another provider than the response did: theirs is the served
    // provider, the response's kept beside it.
    let rows = tried(&db, "relabelled").await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(
        rows[0].served_provider.as_deref(),
        Some("Elsewhere"),
        "{rows:?}"
    );
    let said = rows[0]
        .response_provider
        .as_deref()
        .expect("the response's provider kept");
    assert_ne!(said, "Elsewhere");
    assert_eq!(rows[0].response_cost, None, "the costs agree: {rows:?}");
}
