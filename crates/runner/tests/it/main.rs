//! The real runner against the real simulator over loopback HTTP: every fault the
//! simulator can script, and what the runner records for it.
//!
//! Each test starts its own simulator with models whose `script` fixes the fault of
//! every request (per case: the script position is kept per model and prompt), writes
//! a small suite into a temporary folder, loads it as the CLI does, runs it and reads
//! the [`CaseOutcome`]s off the channel.

mod hostile;
mod unknown_cost;

use routeval_core::scorer_spec::ScorerSpec;
use routeval_core::{AttemptRecord, CaseOutcome, Dataset, ErrorClass, Suite};
use routeval_runner::catalog::CatalogModel;
use routeval_runner::{PreparedDataset, RunControl, RunPlan, RunStatus};
use routeval_scorer::Scorer;
use routeval_sim::{serve, Profiles, SimConfig, SimServer};
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// However a test goes wrong, its run ends within this.
const RUN_DEADLINE: Duration = Duration::from_secs(20);

const TRIAGE_1: &str = "My invoice charged me twice this month, please fix it.";
const TRIAGE_2: &str = "The app crashes every time I open the reports page.";
const ORDER: &str = "Hi, where is my order SO-12345? It should have arrived on Monday.";

/// Short retries and timeouts, so the whole matrix runs in seconds.
const ROUTE_LIMITS: &str = "retry = { attempts = 3, base_delay_ms = 1, max_delay_ms = 5 }\n\
     timeouts = { first_byte_s = 0.5, idle_s = 0.5, total_s = 3 }\n";

// ------------------------------------------------------------------ suite files

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::File::create(dir.join(name))
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
}

fn jsonl(cases: &[Value]) -> String {
    cases.iter().map(|c| format!("{c}\n")).collect()
}

/// Two triage cases (JSON Schema workflow) and one tool case (one tool).
fn write_workflows(dir: &Path) {
    write(
        dir,
        "triage.jsonl",
        &jsonl(&[
            json!({"id": "t1", "messages": [{"role": "user", "content": TRIAGE_1}],
                   "expected": {"category": "billing", "priority": "high", "escalate": false}}),
            json!({"id": "t2", "messages": [{"role": "user", "content": TRIAGE_2}],
                   "expected": {"category": "technical", "priority": "urgent", "escalate": true}}),
        ]),
    );
    write(
        dir,
        "triage_schema.json",
        &json!({
            "title": "ticket_triage",
            "type": "object",
            "properties": {
                "category": {"type": "string", "enum": ["billing", "technical", "account", "other"]},
                "priority": {"type": "string", "enum": ["low", "medium", "high", "urgent"]},
                "escalate": {"type": "boolean"}
            },
            "required": ["category", "priority", "escalate"],
            "additionalProperties": false
        })
        .to_string(),
    );
    write(
        dir,
        "triage_system.txt",
        "Triage the support ticket. Answer with JSON only.\n",
    );
    write(
        dir,
        "triage_scorer.toml",
        "validation_retries = 1\n\n[[checks]]\nkind = \"json\"\n\n[[checks]]\nkind = \"schema\"\n\n\
         [[checks]]\nkind = \"enum\"\nfields = [\"category\", \"priority\", \"escalate\"]\n",
    );
    write(
        dir,
        "tools.jsonl",
        &jsonl(&[
            json!({"id": "s1", "messages": [{"role": "user", "content": ORDER}],
               "expected": {"tool_calls": [{"name": "lookup_order", "arguments": {"order_id": ["SO-12345"]}}]}}),
        ]),
    );
    write(
        dir,
        "tools.json",
        &json!([{"type": "function", "function": {
            "name": "lookup_order",
            "description": "Look up one order.",
            "parameters": {
                "type": "object",
                "properties": {"order_id": {"type": "string", "pattern": "^[A-Z]{2}-\\d{5}$"}},
                "required": ["order_id"],
                "additionalProperties": false
            }
        }}])
        .to_string(),
    );
    write(
        dir,
        "tools_scorer.toml",
        "validation_retries = 1\n\n[[checks]]\nkind = \"tool_calls\"\n",
    );
}

/// A simulated model that is always right; `script` fixes each request's fault.
fn model(id: &str, script: &[&str]) -> String {
    let mut s = format!(
        "[models.\"{id}\"]\nname = \"{id}\"\ncontext_length = 100000\nprompt_price = 1.0\n\
         completion_price = 2.0\nquality = 1.0\nhang_ms = 5000\nretry_after_s = 1\n"
    );
    if !script.is_empty() {
        let entries: Vec<String> = script.iter().map(|f| format!("\"{f}\"")).collect();
        s.push_str(&format!("script = [{}]\n", entries.join(", ")));
    }
    s.push('\n');
    s
}

/// A route on the simulator with short retries and timeouts.
fn route(name: &str, model: &str, stream: bool) -> String {
    route_with(name, model, stream, "")
}

fn route_with(name: &str, model: &str, stream: bool, extra: &str) -> String {
    format!("[routes.{name}]\nendpoint = \"sim\"\nmodel = \"{model}\"\nstream = {stream}\n{ROUTE_LIMITS}{extra}\n")
}

// ------------------------------------------------------------------ harness

/// A simulator and a suite pointed at it, loaded as `routeval run` loads it.
struct Env {
    sim: SimServer,
    suite: Suite,
    datasets: Vec<Arc<PreparedDataset>>,
    _dir: tempfile::TempDir,
}

/// `targets`: what both datasets run on; every route and chain when `None`.
async fn env(profiles: &str, routes: &str, targets: Option<&[&str]>) -> Env {
    let dir = tempfile::tempdir().unwrap();
    write_workflows(dir.path());
    let config = SimConfig {
        profiles: Profiles::parse(
            Path::new("it-profiles.toml"),
            &format!("seed = 7\n\n{profiles}"),
        )
        .unwrap(),
        case_files: vec![
            dir.path().join("triage.jsonl"),
            dir.path().join("tools.jsonl"),
        ],
        seed: 7,
        latency_scale: 0.0,
        api_key: None,
    };
    let sim = serve(config, "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let targets = match targets {
        Some(t) => {
            let names: Vec<String> = t.iter().map(|n| format!("\"{n}\"")).collect();
            format!("targets = [{}]\n", names.join(", "))
        }
        None => String::new(),
    };
    let suite_text = format!(
        r#"name = "runner-it"
repeats = 1
concurrency = 32
min_acceptance = 0.5

[endpoints.sim]
kind = "openrouter"
base_url = "{base_url}"
simulated = true

{routes}
[datasets.triage]
path = "triage.jsonl"
task = "classification"
scorer = "triage_scorer.toml"
system_prompt = "triage_system.txt"
schema = "triage_schema.json"
response_format = "json_schema"
{targets}
[datasets.tools]
path = "tools.jsonl"
task = "tool_use"
scorer = "tools_scorer.toml"
tools = "tools.json"
tool_choice = "auto"
{targets}"#,
        base_url = sim.base_url(),
    );
    let suite_path = dir.path().join("suite.toml");
    write(dir.path(), "suite.toml", &suite_text);

    // What the CLI's `prepare` does.
    let suite = Suite::load(&suite_path).unwrap_or_else(|e| panic!("{e}\n{suite_text}"));
    let mut datasets = Vec::new();
    for name in suite.datasets.keys() {
        let dataset = Dataset::load(&suite, name).unwrap();
        let spec = ScorerSpec::load(&suite.resolve(&dataset.config.scorer)).unwrap();
        let scorer =
            Scorer::new(spec, dataset.schema.as_deref(), dataset.tools.as_deref()).unwrap();
        datasets.push(Arc::new(PreparedDataset::new(dataset, scorer)));
    }
    Env {
        sim,
        suite,
        datasets,
        _dir: dir,
    }
}

impl Env {
    /// Run every dataset on its targets with the endpoints' catalogs.
    async fn run(&self) -> Vec<CaseOutcome> {
        let catalogs = routeval_runner::fetch_catalogs(&self.suite).await;
        self.run_with(&catalogs).await
    }

    async fn run_with(
        &self,
        catalogs: &HashMap<String, HashMap<String, CatalogModel>>,
    ) -> Vec<CaseOutcome> {
        let (routes, _redactor) = routeval_runner::build_routes(&self.suite, catalogs).unwrap();
        let work = self
            .datasets
            .iter()
            .map(|ds| {
                (
                    ds.clone(),
                    routeval_runner::resolve_targets(
                        &self.suite,
                        &self.suite.targets_of(&ds.dataset.name),
                        &routes,
                    ),
                )
            })
            .collect();
        let plan = RunPlan {
            run_id: "it".into(),
            session: 1,
            work,
            repeats: 1,
            concurrency: 32,
            skip: HashSet::new(),
            budget_usd: None,
            spent_usd: 0.0,
            route_spent_usd: Default::default(),
            limit: None,
            shard: None,
            shared_budget: None,
        };
        let expected = plan.job_count();
        let (tx, mut rx) = mpsc::channel(16);
        let collector = tokio::spawn(async move {
            let mut out = Vec::new();
            while let Some(o) = rx.recv().await {
                out.push(o);
            }
            out
        });
        let summary = tokio::time::timeout(
            RUN_DEADLINE,
            routeval_runner::run(
                plan,
                tx,
                RunControl::default(),
                Arc::new(|_: &CaseOutcome| {}),
            ),
        )
        .await
        .expect("the run hung");
        let outcomes = collector.await.unwrap();
        assert_eq!(summary.status, RunStatus::Completed);
        assert_eq!(summary.outcomes, expected, "every job ends as one outcome");
        assert_eq!(outcomes.len() as u64, expected);
        outcomes
    }
}

/// Outcomes of one target, one per case (3: two triage cases, one tool case).
fn of<'a>(outcomes: &'a [CaseOutcome], target: &str) -> Vec<&'a CaseOutcome> {
    let mine: Vec<&CaseOutcome> = outcomes
        .iter()
        .filter(|o| o.result.target == target)
        .collect();
    assert_eq!(mine.len(), 3, "outcomes of {target}");
    mine
}

fn classes(o: &CaseOutcome) -> Vec<Option<ErrorClass>> {
    o.attempts.iter().map(|a| a.error_class).collect()
}

fn statuses(o: &CaseOutcome) -> Vec<Option<u16>> {
    o.attempts.iter().map(|a| a.status).collect()
}

/// Fields every attempt of an outcome must agree on with its result.
fn check_consistent(o: &CaseOutcome) {
    let r = &o.result;
    assert_eq!(r.attempts as usize, o.attempts.len(), "{r:?}");
    assert!(!o.attempts.is_empty());
    for a in &o.attempts {
        assert_eq!(
            (&a.target, &a.dataset, &a.case_id),
            (&r.target, &r.dataset, &r.case_id)
        );
        assert!(a.latency_ms >= 0.0 && a.latency_ms.is_finite());
    }
    let cost: Option<f64> = o.attempts.iter().map(|a| a.cost).sum();
    assert!(
        match (r.cost, cost) {
            (Some(r), Some(sum)) => (r - sum).abs() < 1e-12,
            (r, sum) => r == sum,
        },
        "result cost is the attempts' sum, unknown when one is"
    );
    let ids: HashSet<&str> = o.attempts.iter().map(|a| a.request_id.as_str()).collect();
    assert_eq!(ids.len(), o.attempts.len(), "request ids are unique");
    if r.accepted {
        assert_eq!(r.error_class, None);
    }
}

/// A failure that sending again cannot fix: one attempt, the class on attempt and result.
fn assert_final(o: &CaseOutcome, class: ErrorClass) {
    check_consistent(o);
    let r = &o.result;
    assert_eq!(
        classes(o),
        [Some(class)],
        "{}/{}: {o:#?}",
        r.target,
        r.case_id
    );
    assert_eq!(r.error_class, Some(class));
    assert!(!r.accepted);
    assert_eq!(
        (r.attempts, r.transport_retries, r.validation_retries),
        (1, 0, 0)
    );
    assert!(o.attempts[0]
        .error_message
        .as_deref()
        .is_some_and(|m| !m.is_empty()));
}

/// A transient failure on every attempt: retried until the 3 attempts are spent.
fn assert_exhausted(o: &CaseOutcome, class: ErrorClass) {
    check_consistent(o);
    let r = &o.result;
    assert_eq!(
        classes(o),
        [Some(class); 3],
        "{}/{}: {o:#?}",
        r.target,
        r.case_id
    );
    let http: Vec<u32> = o.attempts.iter().map(|a| a.http_attempt).collect();
    assert_eq!(http, [0, 1, 2]);
    assert!(o.attempts.iter().all(|a| a.try_index == 0));
    assert_eq!(r.error_class, Some(class));
    assert!(!r.accepted);
    assert_eq!(
        (r.attempts, r.transport_retries, r.validation_retries),
        (3, 2, 0)
    );
    for a in &o.attempts {
        assert!(
            a.error_message.as_deref().is_some_and(|m| !m.is_empty()),
            "{a:?}"
        );
    }
    assert!(r.reason.starts_with(class.as_str()), "{}", r.reason);
    let hashes: HashSet<&str> = o.attempts.iter().map(|a| a.request_hash.as_str()).collect();
    assert_eq!(
        hashes.len(),
        1,
        "a transport retry sends the same request again"
    );
}

/// One failed attempt, then an accepted answer.
fn assert_recovered(o: &CaseOutcome, class: ErrorClass) {
    check_consistent(o);
    let r = &o.result;
    assert_eq!(
        classes(o),
        [Some(class), None],
        "{}/{}: {o:#?}",
        r.target,
        r.case_id
    );
    assert_eq!(o.attempts[1].status, Some(200));
    assert_eq!(o.attempts[1].http_attempt, 1);
    assert!(r.accepted, "{r:?}");
    assert_eq!(r.error_class, None);
    assert_eq!(
        (r.attempts, r.transport_retries, r.validation_retries),
        (2, 1, 0)
    );
    assert_eq!(r.served_step, Some(0));
}

fn is_json(text: Option<&str>) -> bool {
    text.is_some_and(|t| serde_json::from_str::<Value>(t).is_ok())
}

// ------------------------------------------------------------------ HTTP statuses

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rate_limit_waits_for_retry_after_then_succeeds() {
    let profiles = model("t/rl", &["rate_limit", "ok"]) + &model("t/rl-s", &["rate_limit", "ok"]);
    let routes = route("rl", "t/rl", false) + &route("rl-s", "t/rl-s", true);
    let e = env(&profiles, &routes, None).await;
    let started = Instant::now();
    let outcomes = e.run().await;
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "the Retry-After wait was skipped"
    );
    for target in ["rl", "rl-s"] {
        for o in of(&outcomes, target) {
            assert_recovered(o, ErrorClass::RateLimited);
            let (first, second) = (&o.attempts[0], &o.attempts[1]);
            assert_eq!(first.status, Some(429));
            assert_eq!(first.retry_after_s, Some(1.0));
            assert!(
                first
                    .error_message
                    .as_deref()
                    .unwrap()
                    .contains("rate_limit_exceeded"),
                "{first:?}"
            );
            assert_eq!(second.retry_after_s, None);
            // The wait is honoured: on the clock and in the recorded latency.
            assert!(
                second.started_at_ms - first.started_at_ms >= 1000,
                "{first:?}\n{second:?}"
            );
            assert!(o.result.latency_ms >= 1000.0, "{:?}", o.result);
        }
    }
    assert_eq!(e.sim.requests_for("t/rl"), 6);
    assert_eq!(e.sim.requests_for("t/rl-s"), 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn server_errors_are_retried_until_attempts_are_spent() {
    let cases = [
        (500, ErrorClass::ServerError),
        (502, ErrorClass::BadGateway),
        (503, ErrorClass::Unavailable),
        (504, ErrorClass::GatewayTimeout),
    ];
    let (mut profiles, mut routes) = (String::new(), String::new());
    for (code, _) in cases {
        for (suffix, stream) in [("", false), ("-s", true)] {
            let id = format!("t/http{code}{suffix}");
            profiles += &model(&id, &[&format!("http_{code}")]);
            routes += &route(&format!("http{code}{suffix}"), &id, stream);
        }
    }
    let e = env(&profiles, &routes, None).await;
    let outcomes = e.run().await;
    for (code, class) in cases {
        for suffix in ["", "-s"] {
            for o in of(&outcomes, &format!("http{code}{suffix}")) {
                assert_exhausted(o, class);
                assert_eq!(statuses(o), [Some(code); 3]);
                let message = o.attempts[0].error_message.as_deref().unwrap();
                assert!(
                    message.starts_with(&format!("HTTP {code}: Simulated upstream error {code}")),
                    "{message}"
                );
                assert_eq!(o.result.served_step, None, "no answer came back");
            }
            assert_eq!(e.sim.requests_for(&format!("t/http{code}{suffix}")), 9);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn html_502_is_recorded_with_a_readable_message() {
    let e = env(
        &model("t/html", &["html_502"]),
        &route("html", "t/html", false),
        None,
    )
    .await;
    let outcomes = e.run().await;
    for o in of(&outcomes, "html") {
        assert_exhausted(o, ErrorClass::BadGateway);
        assert_eq!(statuses(o), [Some(502); 3]);
        let message = o.attempts[0].error_message.as_deref().unwrap();
        assert!(message.starts_with("HTTP 502: <html>"), "{message}");
        assert!(message.contains("502 Bad Gateway"), "{message}");
        assert!(
            !message.contains(['\r', '\n']) && !message.contains("  "),
            "one readable line: {message:?}"
        );
        assert!(
            o.result.reason.contains("502 Bad Gateway"),
            "{}",
            o.result.reason
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn client_errors_are_not_retried() {
    // The script would answer a second request: any retry shows as an accepted result.
    let cases = [
        (400, ErrorClass::BadRequest, false),
        (401, ErrorClass::Unauthorized, false),
        (402, ErrorClass::PaymentRequired, false),
        (403, ErrorClass::Forbidden, false),
        (404, ErrorClass::NotFound, false),
        (413, ErrorClass::PayloadTooLarge, false),
        (400, ErrorClass::BadRequest, true),
    ];
    let (mut profiles, mut routes) = (String::new(), String::new());
    for (code, _, stream) in cases {
        let name = format!("http{code}{}", if stream { "-s" } else { "" });
        profiles += &model(&format!("t/{name}"), &[&format!("http_{code}"), "ok"]);
        routes += &route(&name, &format!("t/{name}"), stream);
    }
    let e = env(&profiles, &routes, None).await;
    let outcomes = e.run().await;
    for (code, class, stream) in cases {
        let name = format!("http{code}{}", if stream { "-s" } else { "" });
        for o in of(&outcomes, &name) {
            assert_final(o, class);
            assert_eq!(statuses(o), [Some(code)]);
            assert_eq!(o.attempts[0].retry_after_s, None);
            assert_eq!(o.result.served_step, None);
        }
        assert_eq!(
            e.sim.requests_for(&format!("t/{name}")),
            3,
            "one request per case"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn request_timeout_408_is_retried() {
    let profiles = model("t/408", &["http_408", "ok"]) + &model("t/408-s", &["http_408", "ok"]);
    let routes = route("r408", "t/408", false) + &route("r408-s", "t/408-s", true);
    let e = env(&profiles, &routes, None).await;
    let outcomes = e.run().await;
    for target in ["r408", "r408-s"] {
        for o in of(&outcomes, target) {
            assert_recovered(o, ErrorClass::RequestTimeout);
            assert_eq!(o.attempts[0].status, Some(408));
        }
    }
}

// ------------------------------------------------------------------ transport

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn first_byte_timeout_is_retried() {
    let profiles = model("t/hang-once", &["timeout", "ok"])
        + &model("t/hang-once-s", &["timeout", "ok"])
        + &model("t/hang", &["timeout"]);
    let routes = route("hang-once", "t/hang-once", false)
        + &route("hang-once-s", "t/hang-once-s", true)
        + &route("hang", "t/hang", false);
    let e = env(&profiles, &routes, None).await;
    let started = Instant::now();
    let outcomes = e.run().await;
    // Three timed-out attempts of 0.5 s, not the 5 s the model hangs.
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    for target in ["hang-once", "hang-once-s"] {
        for o in of(&outcomes, target) {
            assert_recovered(o, ErrorClass::TimeoutFirstByte);
            let first = &o.attempts[0];
            assert_eq!(first.status, None, "no response head came");
            assert!(
                first.latency_ms >= 500.0 && first.latency_ms < 3000.0,
                "{first:?}"
            );
        }
    }
    for o in of(&outcomes, "hang") {
        assert_exhausted(o, ErrorClass::TimeoutFirstByte);
        assert_eq!(statuses(o), [None; 3]);
        assert!(o.result.latency_ms >= 1500.0, "{:?}", o.result);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn connection_refused_is_a_connect_error() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let routes = format!(
        "[endpoints.dead]\nkind = \"openai\"\nbase_url = \"http://127.0.0.1:{port}/v1\"\n\n\
         [routes.dead]\nendpoint = \"dead\"\nmodel = \"t/ok\"\n{ROUTE_LIMITS}\n"
    );
    let e = env(&model("t/ok", &[]), &routes, None).await;
    let outcomes = e.run().await;
    for o in of(&outcomes, "dead") {
        assert_exhausted(o, ErrorClass::Connect);
        assert_eq!(statuses(o), [None; 3]);
        assert!(o
            .attempts
            .iter()
            .all(|a| a.served_model.is_none() && a.cost == Some(0.0)));
        assert_eq!(o.result.served_step, None);
    }
    assert_eq!(e.sim.requests(), 0);
}

// ------------------------------------------------------------------ bodies and streams

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn broken_bodies_and_streams_are_classified_and_retried() {
    // (fault, stream, class): what a broken 200 becomes; sending again may fix it.
    let cases = [
        ("malformed", false, ErrorClass::Malformed),
        ("malformed", true, ErrorClass::Malformed),
        ("empty_choices", false, ErrorClass::EmptyChoices),
        ("empty_choices", true, ErrorClass::EmptyChoices),
        ("cut_stream", false, ErrorClass::StreamCut),
        ("cut_stream", true, ErrorClass::StreamCut),
        ("mid_stream_error", true, ErrorClass::StreamError),
        // Without a stream there is no mid-stream: the provider's error is a 502.
        ("mid_stream_error", false, ErrorClass::BadGateway),
    ];
    let (mut profiles, mut routes) = (String::new(), String::new());
    let name = |fault: &str, stream: bool| {
        format!(
            "{}{}",
            fault.replace('_', "-"),
            if stream { "-s" } else { "" }
        )
    };
    for (fault, stream, _) in cases {
        let n = name(fault, stream);
        profiles += &model(&format!("t/{n}"), &[fault]);
        routes += &route(&n, &format!("t/{n}"), stream);
    }
    let e = env(&profiles, &routes, None).await;
    let outcomes = e.run().await;
    for (fault, stream, class) in cases {
        for o in of(&outcomes, &name(fault, stream)) {
            assert_exhausted(o, class);
            let expected_status = if class == ErrorClass::BadGateway {
                502
            } else {
                200
            };
            assert_eq!(
                statuses(o),
                [Some(expected_status); 3],
                "{fault} stream={stream}"
            );
            let a = &o.attempts[0];
            if stream && matches!(class, ErrorClass::StreamCut | ErrorClass::StreamError) {
                assert!(a.chunks.is_some_and(|c| c > 0), "{a:?}");
            }
            if class == ErrorClass::StreamError {
                assert!(
                    a.error_message.as_deref().unwrap().contains("mid-stream"),
                    "{a:?}"
                );
                assert_eq!(a.finish_reason.as_deref(), Some("error"));
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn unusable_finishes_are_final() {
    // The script would answer a second request: any retry shows as an accepted result.
    let cases = [
        ("refusal", ErrorClass::Refusal, None),
        (
            "content_filter",
            ErrorClass::ContentFilter,
            Some("content_filter"),
        ),
        ("length", ErrorClass::Length, Some("length")),
    ];
    let (mut profiles, mut routes) = (String::new(), String::new());
    for (fault, _, _) in cases {
        for (suffix, stream) in [("", false), ("-s", true)] {
            let n = format!("{}{suffix}", fault.replace('_', "-"));
            profiles += &model(&format!("t/{n}"), &[fault, "ok"]);
            routes += &route(&n, &format!("t/{n}"), stream);
        }
    }
    let e = env(&profiles, &routes, None).await;
    let outcomes = e.run().await;
    for (fault, class, finish) in cases {
        for suffix in ["", "-s"] {
            let n = format!("{}{suffix}", fault.replace('_', "-"));
            for o in of(&outcomes, &n) {
                assert_final(o, class);
                let a = &o.attempts[0];
                assert_eq!(a.status, Some(200));
                if let Some(finish) = finish {
                    assert_eq!(a.finish_reason.as_deref(), Some(finish), "{a:?}");
                }
                if class == ErrorClass::Refusal && suffix.is_empty() {
                    assert!(
                        a.error_message.as_deref().unwrap().contains("can't help"),
                        "{a:?}"
                    );
                }
                assert!(
                    o.result.reason.starts_with(class.as_str()),
                    "{}",
                    o.result.reason
                );
            }
            assert_eq!(
                e.sim.requests_for(&format!("t/{n}")),
                3,
                "one request per case"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn successes_are_recorded_plain_and_streamed() {
    let profiles = model("t/ok", &[]) + &model("t/ok-s", &[]);
    let routes = route("ok", "t/ok", false) + &route("ok-s", "t/ok-s", true);
    let e = env(&profiles, &routes, None).await;
    let outcomes = e.run().await;
    for (target, stream) in [("ok", false), ("ok-s", true)] {
        for o in of(&outcomes, target) {
            check_consistent(o);
            let (r, a) = (&o.result, &o.attempts[0]);
            assert!(r.accepted, "{r:?}");
            assert_eq!(classes(o), [None]);
            assert_eq!(a.status, Some(200));
            assert_eq!(
                (r.attempts, r.transport_retries, r.validation_retries),
                (1, 0, 0)
            );
            assert_eq!(
                (r.served_step, r.served_route.as_deref()),
                (Some(0), Some(target))
            );
            assert_eq!(r.target_kind, "route");
            assert_eq!(
                a.served_model.as_deref(),
                Some(if stream { "t/ok-s" } else { "t/ok" })
            );
            assert_eq!(a.served_provider.as_deref(), Some("SimHost"));
            assert!(
                a.generation_id
                    .as_deref()
                    .is_some_and(|g| g.starts_with("gen-")),
                "{a:?}"
            );
            assert!(
                a.prompt_tokens.is_some_and(|t| t > 0)
                    && a.completion_tokens.is_some_and(|t| t > 0)
            );
            assert_eq!(
                a.cost_source,
                Some(routeval_core::record::CostSource::Reported)
            );
            assert!(r.cost.unwrap() > 0.0);
            assert!(r.scores.iter().all(|s| s.pass), "{:?}", r.scores);
            if r.dataset == "triage" {
                assert!(is_json(a.content.as_deref()), "{a:?}");
                assert_eq!(a.finish_reason.as_deref(), Some("stop"));
                assert_eq!(a.tool_calls, None);
            } else {
                assert_eq!(a.finish_reason.as_deref(), Some("tool_calls"));
                let calls: Value = serde_json::from_str(a.tool_calls.as_deref().unwrap()).unwrap();
                assert_eq!(calls[0]["function"]["name"], "lookup_order");
                let args: Value =
                    serde_json::from_str(calls[0]["function"]["arguments"].as_str().unwrap())
                        .unwrap();
                assert_eq!(args, json!({"order_id": "SO-12345"}));
            }
            if stream {
                let ttft = a
                    .ttft_ms
                    .expect("a streamed answer has a time to first token");
                assert!(ttft > 0.0 && ttft <= a.latency_ms, "{a:?}");
                assert!(a.chunks.is_some_and(|c| c > 0), "{a:?}");
                assert_eq!(r.ttft_ms, Some(ttft));
            } else {
                assert_eq!((a.ttft_ms, a.chunks, r.ttft_ms), (None, None, None));
            }
        }
    }
}

// ------------------------------------------------------------------ validate and retry

/// Every mistake a simulated model can make (`[models."id".mistakes]`).
const MISTAKES: [&str; 10] = [
    "invalid_json",
    "prose_wrapped",
    "schema_violation",
    "wrong_enum",
    "wrong_value",
    "wrong_arg",
    "missing_arg",
    "no_tool_call",
    "extra_tool_call",
    "invalid_args_json",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn validation_failures_are_reasked_once() {
    // Always wrong on the first try, and only in ways validation catches. Without
    // structured outputs the model's JSON is not guaranteed to parse or fit the schema.
    let sloppy = |id: &str, mistake: &str| {
        let weights: String = MISTAKES
            .iter()
            .map(|m| format!("{m} = {}\n", u8::from(*m == mistake)))
            .collect();
        format!(
            "[models.\"{id}\"]\nname = \"{id}\"\ncontext_length = 100000\nprompt_price = 1.0\n\
             completion_price = 2.0\nquality = 0.0\nsupports_response_format = false\n\
             [models.\"{id}\".mistakes]\n{weights}\n"
        )
    };
    let profiles =
        sloppy("t/broken-json", "invalid_json") + &sloppy("t/off-schema", "schema_violation");
    let routes =
        route("broken-json", "t/broken-json", false) + &route("off-schema", "t/off-schema", false);
    let e = env(&profiles, &routes, None).await;
    let outcomes = e.run().await;
    for (target, class) in [
        ("broken-json", ErrorClass::InvalidJson),
        ("off-schema", ErrorClass::SchemaInvalid),
    ] {
        for o in of(&outcomes, target) {
            check_consistent(o);
            let r = &o.result;
            if r.dataset == "tools" {
                // No tool mistake has any weight: right at once, nothing to re-ask.
                assert!(r.accepted, "{r:?}");
                assert_eq!((r.attempts, r.validation_retries), (1, 0));
                continue;
            }
            let rounds: Vec<(u32, u32)> = o
                .attempts
                .iter()
                .map(|a| (a.try_index, a.http_attempt))
                .collect();
            assert_eq!(rounds, [(0, 0), (1, 0)], "{o:#?}");
            assert_eq!(
                classes(o),
                [None, None],
                "validation is not a transport failure"
            );
            assert_ne!(
                o.attempts[0].request_hash, o.attempts[1].request_hash,
                "the re-ask carries the validation feedback"
            );
            assert_eq!(
                (r.attempts, r.validation_retries, r.transport_retries),
                (2, 1, 0)
            );
            let first = o.attempts[0].content.as_deref();
            match class {
                ErrorClass::InvalidJson => assert!(!is_json(first), "{first:?}"),
                _ => assert!(is_json(first), "{first:?}"),
            }
            if r.accepted {
                assert_eq!(r.error_class, None);
            } else {
                assert_eq!(r.error_class, Some(class), "{r:?}");
                // The reason says what failed, not only the class: the parser's message,
                // or the schema violation with its instance path.
                let detail = match class {
                    ErrorClass::InvalidJson => "invalid_json: ",
                    _ => "schema_invalid: /",
                };
                assert!(
                    r.reason.starts_with(detail) && r.reason.len() > detail.len() + 8,
                    "{r:?}"
                );
                assert!(!r.reason.contains("not valid JSON"), "{r:?}");
            }
        }
    }
}

// ------------------------------------------------------------------ fallbacks

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn chain_falls_back_on_the_classes_it_names() {
    let profiles = model("t/down", &["server_error"])
        + &model("t/refuses", &["refusal"])
        + &model("t/timeouts", &["http_504"])
        + &model("t/ok", &[]);
    let routes = route("down", "t/down", false)
        + &route("refuses", "t/refuses", true)
        + &route("timeouts", "t/timeouts", false)
        + &route("ok", "t/ok", false)
        + "[chains.by-family]\nsteps = [\"down\", \"ok\"]\nfallback_on = [\"server_error\"]\n\n\
           [chains.by-class]\nsteps = [\"refuses\", \"ok\"]\nfallback_on = [\"refusal\"]\n\n\
           [chains.by-timeout]\nsteps = [\"timeouts\", \"ok\"]\nfallback_on = [\"timeout\"]\n\n";
    let chains = ["by-family", "by-class", "by-timeout"];
    let e = env(&profiles, &routes, Some(&chains)).await;
    let outcomes = e.run().await;
    // (chain, first step, its attempts, its class)
    let expect = [
        ("by-family", "down", 3, None),
        ("by-class", "refuses", 1, Some(ErrorClass::Refusal)),
        (
            "by-timeout",
            "timeouts",
            3,
            Some(ErrorClass::GatewayTimeout),
        ),
    ];
    for (chain, step0, n, class) in expect {
        for o in of(&outcomes, chain) {
            check_consistent(o);
            let r = &o.result;
            assert_eq!(r.target_kind, "chain");
            assert!(r.accepted, "{chain}: {o:#?}");
            assert_eq!(r.error_class, None);
            assert_eq!(
                (r.served_step, r.served_route.as_deref()),
                (Some(1), Some("ok"))
            );
            assert_eq!(r.attempts, n + 1);
            assert_eq!(r.transport_retries, n - 1);
            let steps: Vec<(u32, &str)> = o
                .attempts
                .iter()
                .map(|a| (a.chain_step, a.route.as_str()))
                .collect();
            let mut want = vec![(0, step0); n as usize];
            want.push((1, "ok"));
            assert_eq!(steps, want);
            let (failed, served) = o.attempts.split_at(n as usize);
            assert!(failed
                .iter()
                .all(|a| a.error_class.is_some() && a.target == chain));
            if let Some(class) = class {
                assert!(
                    failed.iter().all(|a| a.error_class == Some(class)),
                    "{failed:?}"
                );
            } else {
                // `server_error` is the family: 500, 502 and 503 all belong to it.
                assert!(
                    failed.iter().all(|a| a.status.is_some_and(|s| s >= 500)),
                    "{failed:?}"
                );
            }
            assert_eq!(served[0].error_class, None);
            assert_eq!(served[0].served_model.as_deref(), Some("t/ok"));
        }
    }
    assert_eq!(
        e.sim.requests_for("t/ok"),
        9,
        "the second step answered every case of every chain"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn chain_does_not_fall_back_on_classes_it_does_not_name() {
    let profiles = model("t/bad-request", &["http_400"])
        + &model("t/truncates", &["length"])
        + &model("t/limited", &["http_429"])
        + &model("t/never", &[]);
    let routes = route("bad-request", "t/bad-request", false)
        + &route("truncates", "t/truncates", true)
        + &route("limited", "t/limited", false)
        + &route("never", "t/never", false)
        + "[chains.no-client]\nsteps = [\"bad-request\", \"never\"]\nfallback_on = [\"server_error\", \"timeout\"]\n\n\
           [chains.no-length]\nsteps = [\"truncates\", \"never\"]\nfallback_on = [\"refusal\", \"malformed\"]\n\n\
           [chains.no-rate]\nsteps = [\"limited\", \"never\"]\nfallback_on = [\"bad_gateway\"]\n\n";
    let chains = ["no-client", "no-length", "no-rate"];
    let e = env(&profiles, &routes, Some(&chains)).await;
    let outcomes = e.run().await;
    for o in of(&outcomes, "no-client") {
        assert_final(o, ErrorClass::BadRequest);
        assert_eq!(o.result.served_step, None);
    }
    for o in of(&outcomes, "no-length") {
        assert_final(o, ErrorClass::Length);
        // The truncated answer is graded for the record, and it is step 0's.
        assert_eq!(o.result.served_step, Some(0));
        assert_eq!(o.result.served_route.as_deref(), Some("truncates"));
    }
    for o in of(&outcomes, "no-rate") {
        assert_exhausted(o, ErrorClass::RateLimited);
        assert!(o
            .attempts
            .iter()
            .all(|a| a.chain_step == 0 && a.route == "limited"));
    }
    assert_eq!(
        e.sim.requests_for("t/never"),
        0,
        "no chain moved to its second step"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn server_side_model_fallback_records_the_served_model() {
    let profiles = model("t/primary", &["http_502"])
        + &model("t/primary-s", &["http_503"])
        + &model("t/backup", &[]);
    let routes = route_with(
        "fallback",
        "t/primary",
        false,
        "models = [\"t/primary\", \"t/backup\"]\n",
    ) + &route_with(
        "fallback-s",
        "t/primary-s",
        true,
        "models = [\"t/primary-s\", \"t/backup\"]\n",
    );
    let e = env(&profiles, &routes, None).await;
    let outcomes = e.run().await;
    for target in ["fallback", "fallback-s"] {
        for o in of(&outcomes, target) {
            check_consistent(o);
            let (r, a) = (&o.result, &o.attempts[0]);
            assert!(r.accepted, "{o:#?}");
            assert_eq!(r.attempts, 1, "the fallback happens inside one request");
            assert_eq!((a.status, a.error_class), (Some(200), None));
            assert_eq!(a.served_model.as_deref(), Some("t/backup"));
            assert!(a.cost.unwrap() > 0.0);
        }
    }
    assert_eq!(e.sim.requests_for("t/primary"), 3);
    assert_eq!(e.sim.requests_for("t/primary-s"), 3);
}

// ------------------------------------------------------------------ cost

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn catalog_prices_routes_that_report_no_cost() {
    let silent = |id: &str| {
        format!(
            "[models.\"{id}\"]\nname = \"{id}\"\ncontext_length = 100000\nprompt_price = 3.0\n\
             completion_price = 15.0\nquality = 1.0\nreports_cost = false\n\n"
        )
    };
    let profiles = silent("t/silent") + &silent("t/silent-s") + &model("t/reports", &[]);
    let routes = route("silent", "t/silent", false)
        + &route("silent-s", "t/silent-s", true)
        + &route("reports", "t/reports", false);
    let e = env(&profiles, &routes, None).await;

    let catalogs = routeval_runner::fetch_catalogs(&e.suite).await;
    let price = catalogs["sim"]["t/silent"].price.unwrap();
    assert!(
        (price.prompt - 3e-6).abs() < 1e-15 && (price.completion - 15e-6).abs() < 1e-15,
        "{price:?}"
    );
    let outcomes = e.run_with(&catalogs).await;
    for target in ["silent", "silent-s"] {
        for o in of(&outcomes, target) {
            check_consistent(o);
            let a = &o.attempts[0];
            assert!(o.result.accepted);
            assert_eq!(
                a.cost_source,
                Some(routeval_core::record::CostSource::Catalog),
                "{a:?}"
            );
            let want = a.prompt_tokens.unwrap() as f64 * 3e-6
                + a.completion_tokens.unwrap() as f64 * 15e-6;
            assert!(
                want > 0.0 && (a.cost.unwrap() - want).abs() < 1e-12,
                "{:?} vs {want}",
                a.cost
            );
            assert_eq!(o.result.cost, a.cost);
        }
    }
    for o in of(&outcomes, "reports") {
        assert_eq!(
            o.attempts[0].cost_source,
            Some(routeval_core::record::CostSource::Reported)
        );
        assert!(o.result.cost.unwrap() > 0.0);
    }

    // Without a catalog a silent route's cost is unknown: not zero, and neither is its
    // result's.
    let outcomes = e.run_with(&HashMap::new()).await;
    for o in of(&outcomes, "silent") {
        let a: &AttemptRecord = &o.attempts[0];
        assert_eq!(
            (a.cost_source, a.cost),
            (Some(routeval_core::record::CostSource::Unknown), None)
        );
        assert_eq!(o.result.cost, None);
    }
}

#[tokio::test]
async fn generation_stats_give_the_authoritative_cost_and_provider() {
    let profiles =
        "[models.\"t/silent\"]\nname = \"silent\"\ncontext_length = 100000\nprompt_price = 3.0\n\
                    completion_price = 15.0\nquality = 1.0\nreports_cost = false\n\
                    providers = [{ name = \"Stats Host\", slug = \"stats-host\" }]\n\n";
    let routes = route_with("gen", "t/silent", false, "fetch_generation = true");
    let e = env(profiles, &routes, None).await;
    let outcomes = e.run_with(&HashMap::new()).await;
    for o in of(&outcomes, "gen") {
        let a = &o.attempts[0];
        assert_eq!(
            a.cost_source,
            Some(routeval_core::record::CostSource::Generation),
            "{a:?}"
        );
        let want =
            a.prompt_tokens.unwrap() as f64 * 3e-6 + a.completion_tokens.unwrap() as f64 * 15e-6;
        assert!(
            want > 0.0 && (a.cost.unwrap() - want).abs() < 1e-12,
            "{:?} vs {want}",
            a.cost
        );
        assert_eq!(a.served_provider.as_deref(), Some("Stats Host"));
    }
}
