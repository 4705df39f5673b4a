//! The runner against the hostile endpoint (`routeval_sim::hostile`): whatever an
//! endpoint sends (a tool-call index of three billion, 100,000 choices, a 50 MB event,
//! a 20 MB error, a stream that never starts) ends as one recorded attempt with a
//! class, within the suite's limits, never as a panic, a hang or a heap the size of
//! the response.

use routeval_core::scorer_spec::ScorerSpec;
use routeval_core::{AttemptRecord, CaseOutcome, Dataset, ErrorClass, Suite};
use routeval_runner::{PreparedDataset, RunControl, RunPlan, RunStatus};
use routeval_scorer::Scorer;
use routeval_sim::hostile::{self, serve_hostile, HostileServer};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

const KEY_VAR: &str = "ROUTEVAL_IT_HOSTILE_KEY";
const KEY: &str = "sk-hostile-it-0123456789abcdef";

/// However a test goes wrong, its run ends within this.
const DEADLINE: Duration = Duration::from_secs(90);

/// The default `max_stored_text_bytes`.
const STORED: usize = 64 << 10;

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

fn jsonl(cases: &[Value]) -> String {
    cases.iter().map(|c| format!("{c}\n")).collect()
}

/// A hostile server and a suite of routes on it, one dataset of one text case.
struct Env {
    server: HostileServer,
    suite: Suite,
    datasets: Vec<Arc<PreparedDataset>>,
    _dir: tempfile::TempDir,
}

/// A route on the hostile endpoint: (name, model, stream).
type RouteSpec<'a> = (&'a str, &'a str, bool);

/// `extra`: more of the suite (a `[limits]` table, say), after everything else.
/// `timeouts`: every route's timeouts.
async fn env(routes: &[RouteSpec<'_>], timeouts: &str, repeats: u32, extra: &str) -> Env {
    env_with(routes, timeouts, repeats, 16, extra).await
}

/// [`env`] with `concurrency` cases in flight at once.
async fn env_with(
    routes: &[RouteSpec<'_>],
    timeouts: &str,
    repeats: u32,
    concurrency: u32,
    extra: &str,
) -> Env {
    // Every test sets the same value: the race is harmless.
    std::env::set_var(KEY_VAR, KEY);
    let server = serve_hostile("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "chat.jsonl",
        &jsonl(&[json!({"id": "c1", "messages": [{"role": "user", "content": "Say anything."}]})]),
    );
    // The answer must be at least 5 MB for `huge_content` to pass: the scorer must
    // see the whole of it, not what is stored.
    write(
        dir.path(),
        "long.toml",
        "validation_retries = 0\n\n[[checks]]\nkind = \"length\"\nmin_chars = 5000000\n",
    );
    write(
        dir.path(),
        "any.toml",
        "validation_retries = 0\n\n[[checks]]\nkind = \"length\"\nmin_chars = 1\n",
    );
    let mut text = format!(
        "name = \"hostile-it\"\nrepeats = {repeats}\nconcurrency = {concurrency}\nmin_acceptance = 0.5\n\n\
         [endpoints.hostile]\nkind = \"openrouter\"\nbase_url = \"{}\"\napi_key_env = \"{KEY_VAR}\"\n\n",
        server.base_url()
    );
    for (name, model, stream) in routes {
        text.push_str(&format!(
            "[routes.{name}]\nendpoint = \"hostile\"\nmodel = \"{model}\"\nstream = {stream}\n\
             retry = {{ attempts = 2, base_delay_ms = 1, max_delay_ms = 5 }}\ntimeouts = {timeouts}\n\n"
        ));
    }
    let scorer = if routes.iter().any(|r| r.1 == "hostile/huge-content") {
        "long.toml"
    } else {
        "any.toml"
    };
    text.push_str(&format!(
        "[datasets.chat]\npath = \"chat.jsonl\"\ntask = \"chat\"\nscorer = \"{scorer}\"\n\n{extra}"
    ));
    write(dir.path(), "suite.toml", &text);
    let suite =
        Suite::load(&dir.path().join("suite.toml")).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let mut datasets = Vec::new();
    for name in suite.datasets.keys() {
        let dataset = Dataset::load(&suite, name).unwrap();
        let spec = ScorerSpec::load(&suite.resolve(&dataset.config.scorer)).unwrap();
        let scorer = Scorer::new(spec, None, None).unwrap();
        datasets.push(Arc::new(PreparedDataset::new(dataset, scorer)));
    }
    Env {
        server,
        suite,
        datasets,
        _dir: dir,
    }
}

/// Short timeouts for answers that come at once.
const QUICK: &str = "{ first_byte_s = 10, idle_s = 10, total_s = 60 }";

impl Env {
    async fn run(&self) -> Vec<CaseOutcome> {
        let catalogs = routeval_runner::fetch_catalogs(&self.suite).await;
        let (routes, _redactor) = routeval_runner::build_routes(&self.suite, &catalogs).unwrap();
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
            run_id: "hostile".into(),
            session: 1,
            work,
            repeats: self.suite.repeats,
            concurrency: self.suite.concurrency as usize,
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
            DEADLINE,
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
        assert_eq!(
            outcomes.len() as u64,
            expected,
            "every job ends as one outcome"
        );
        outcomes
    }
}

/// The attempts of the one outcome of `target`.
fn attempts_of<'a>(outcomes: &'a [CaseOutcome], target: &str) -> &'a [AttemptRecord] {
    let mine: Vec<&CaseOutcome> = outcomes
        .iter()
        .filter(|o| o.result.target == target)
        .collect();
    assert_eq!(mine.len(), 1, "outcomes of {target}");
    &mine[0].attempts
}

/// Every attempt of `target` has `class`; a final class is one attempt, a transient
/// one is retried until the 2 attempts are spent. Nothing stored passes the limit.
fn assert_class(outcomes: &[CaseOutcome], target: &str, class: ErrorClass) {
    let attempts = attempts_of(outcomes, target);
    let expected = if class.is_transient() { 2 } else { 1 };
    let classes: Vec<_> = attempts.iter().map(|a| a.error_class).collect();
    assert_eq!(
        classes,
        vec![Some(class); expected],
        "{target}: {attempts:#?}"
    );
    let result = &outcomes
        .iter()
        .find(|o| o.result.target == target)
        .unwrap()
        .result;
    assert_eq!(result.error_class, Some(class), "{target}");
    assert!(!result.accepted);
    for a in attempts {
        assert_stored_within_limit(a, STORED);
        assert!(a.error_message.as_deref().is_some_and(|m| !m.is_empty()));
    }
}

fn assert_stored_within_limit(a: &AttemptRecord, max: usize) {
    for (what, text) in [
        ("error_message", &a.error_message),
        ("content", &a.content),
        ("tool_calls", &a.tool_calls),
    ] {
        let len = text.as_deref().map_or(0, str::len);
        assert!(len <= max, "{what} of {} stored with {len} bytes", a.route);
    }
    for name in [
        &a.served_model,
        &a.served_provider,
        &a.generation_id,
        &a.finish_reason,
    ] {
        assert!(name.as_deref().map_or(0, str::len) <= 512);
    }
}

fn message(outcomes: &[CaseOutcome], target: &str) -> String {
    attempts_of(outcomes, target)[0]
        .error_message
        .clone()
        .unwrap_or_default()
}

// ------------------------------------------------------------------ one per mode

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hostile_giant_tool_call_index_is_oversized() {
    let env = env(&[("giant", "hostile/giant-index", true)], QUICK, 1, "").await;
    let outcomes = env.run().await;
    assert_class(&outcomes, "giant", ErrorClass::Oversized);
    assert!(message(&outcomes, "giant").contains("3000000000"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hostile_many_tool_calls_are_oversized() {
    let env = env(
        &[
            ("streamed", "hostile/many-tools", true),
            ("plain", "hostile/many-tools", false),
        ],
        QUICK,
        1,
        "",
    )
    .await;
    let outcomes = env.run().await;
    assert_class(&outcomes, "streamed", ErrorClass::Oversized);
    assert_class(&outcomes, "plain", ErrorClass::Oversized);
    assert!(
        message(&outcomes, "plain").contains("50000 tool calls"),
        "{}",
        message(&outcomes, "plain")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hostile_many_choices_are_oversized() {
    let env = env(
        &[
            ("streamed", "hostile/many-choices", true),
            ("plain", "hostile/many-choices", false),
        ],
        QUICK,
        1,
        "",
    )
    .await;
    let outcomes = env.run().await;
    assert_class(&outcomes, "streamed", ErrorClass::Oversized);
    assert_class(&outcomes, "plain", ErrorClass::Oversized);
    assert!(message(&outcomes, "plain").contains("100000 choices"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hostile_huge_event_is_oversized() {
    let env = env(&[("event", "hostile/huge-event", true)], QUICK, 1, "").await;
    let outcomes = env.run().await;
    assert_class(&outcomes, "event", ErrorClass::Oversized);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hostile_huge_body_is_oversized() {
    let env = env(&[("body", "hostile/huge-body", false)], QUICK, 1, "").await;
    let outcomes = env.run().await;
    assert_class(&outcomes, "body", ErrorClass::Oversized);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hostile_giant_error_bodies_are_read_in_part_and_sized() {
    let env = env(
        &[
            ("sized", "hostile/giant-error", false),
            ("chunked", "hostile/giant-error-chunked", false),
            ("in200", "hostile/giant-error-200", false),
        ],
        QUICK,
        1,
        "",
    )
    .await;
    let outcomes = env.run().await;
    for target in ["sized", "chunked", "in200"] {
        assert_class(&outcomes, target, ErrorClass::ServerError);
    }
    // The size announced is the size recorded; only the first 64 KiB were read.
    let sized = &attempts_of(&outcomes, "sized")[0];
    let full = sized.error_bytes.unwrap();
    assert!(full > hostile::GIANT_ERROR_BYTES as u64, "{full}");
    let m = sized.error_message.as_deref().unwrap();
    assert!(
        m.contains(&format!("[error body of {full} bytes, first 65536 read]")),
        "{m}"
    );
    // Without a length, at least what was read.
    let chunked = &attempts_of(&outcomes, "chunked")[0];
    let m = chunked.error_message.as_deref().unwrap();
    assert!(m.contains("[error body of at least"), "{m}");
    assert!(chunked.error_bytes.unwrap() > 65536);
    // A 20 MB message in a 200 body is parsed, then stored cut with its size.
    let in200 = &attempts_of(&outcomes, "in200")[0];
    let m = in200.error_message.as_deref().unwrap();
    assert!(m.len() <= STORED);
    let full = in200.error_bytes.unwrap();
    assert!(full > hostile::GIANT_ERROR_BYTES as u64, "{full}");
    assert!(
        m.ends_with(&format!("…[truncated, {full} bytes in all]")),
        "{}",
        &m[m.len() - 80..]
    );
}

/// A redirect is an answer, not an instruction: following it would send the prompt to an
/// address the suite never named, past the provider policy, unrecorded.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hostile_redirect_is_recorded_not_followed() {
    let env = env(
        &[
            ("plain", "hostile/redirect", false),
            ("streamed", "hostile/redirect", true),
        ],
        QUICK,
        1,
        "",
    )
    .await;
    let outcomes = env.run().await;
    for target in ["plain", "streamed"] {
        assert_class(&outcomes, target, ErrorClass::HttpOther);
        let attempt = &attempts_of(&outcomes, target)[0];
        assert_eq!(attempt.status, Some(307));
        let m = message(&outcomes, target);
        assert!(
            m.contains(&format!(
                "redirect to {} not followed",
                hostile::REDIRECT_PATH
            )),
            "{m}"
        );
    }
    // An unknown status is retried once (the routes allow two attempts), to the same
    // address: four requests, none of them past the redirect.
    assert_eq!(env.server.requests_for("hostile/redirect"), 4);
    assert_eq!(env.server.redirected(), 0, "a redirect was followed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hostile_broken_chunks_are_malformed() {
    let env = env(
        &[
            ("utf8", "hostile/broken-chunk", true),
            ("json", "hostile/broken-json", true),
        ],
        QUICK,
        1,
        "",
    )
    .await;
    let outcomes = env.run().await;
    assert_class(&outcomes, "utf8", ErrorClass::Malformed);
    assert!(
        message(&outcomes, "utf8").contains("UTF-8"),
        "{}",
        message(&outcomes, "utf8")
    );
    assert_class(&outcomes, "json", ErrorClass::Malformed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hostile_first_byte_timeout_bounds_the_first_stream_event() {
    // The head comes at once; the idle and total timeouts are far longer than the
    // first-byte one, which alone must end the wait.
    let env = env(
        &[("stall", "hostile/stall-first-event", true)],
        "{ first_byte_s = 1, idle_s = 50, total_s = 55 }",
        1,
        "",
    )
    .await;
    let started = Instant::now();
    let outcomes = env.run().await;
    assert_class(&outcomes, "stall", ErrorClass::TimeoutFirstByte);
    for a in attempts_of(&outcomes, "stall") {
        assert_eq!(a.status, Some(200));
        assert!((900.0..5000.0).contains(&a.latency_ms), "{}", a.latency_ms);
    }
    assert!(started.elapsed() < Duration::from_secs(15));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hostile_huge_content_is_scored_whole_and_stored_cut() {
    let env = env(
        &[
            ("streamed", "hostile/huge-content", true),
            ("plain", "hostile/huge-content", false),
        ],
        QUICK,
        1,
        "",
    )
    .await;
    let outcomes = env.run().await;
    for target in ["streamed", "plain"] {
        let o = outcomes.iter().find(|o| o.result.target == target).unwrap();
        // The length check wants 5,000,000 characters: it saw the whole answer.
        assert!(o.result.accepted, "{target}: {:?}", o.result);
        let a = &o.attempts[0];
        assert_eq!(a.error_class, None);
        assert_eq!(a.content_bytes, Some(hostile::HUGE_CONTENT_BYTES as u64));
        let content = a.content.as_deref().unwrap();
        assert!(content.len() <= STORED, "{}", content.len());
        assert!(content.ends_with(&format!(
            "…[truncated, {} bytes in all]",
            hostile::HUGE_CONTENT_BYTES
        )));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hostile_echo_modes_answer_as_documented() {
    let env = env(
        &[
            ("e401", "hostile/echo-401", false),
            ("e500", "hostile/echo-500", false),
            ("content", "hostile/echo-content", false),
            ("content_s", "hostile/echo-content", true),
            ("tool", "hostile/echo-tool", false),
            ("tool_s", "hostile/echo-tool", true),
            ("unpriced", "hostile/unpriced-echo", false),
        ],
        QUICK,
        1,
        "",
    )
    .await;
    let outcomes = env.run().await;
    assert_class(&outcomes, "e401", ErrorClass::Unauthorized);
    assert_class(&outcomes, "e500", ErrorClass::ServerError);
    for target in ["content", "content_s", "unpriced"] {
        let a = &attempts_of(&outcomes, target)[0];
        assert_eq!(a.error_class, None, "{target}: {a:?}");
        assert!(a
            .content
            .as_deref()
            .unwrap()
            .contains("/api/v1/chat/completions"));
        assert!(a.served_provider.as_deref().unwrap().starts_with("Hostile"));
        assert!(a
            .generation_id
            .as_deref()
            .unwrap()
            .starts_with("gen-hostile-"));
    }
    for target in ["tool", "tool_s"] {
        let a = &attempts_of(&outcomes, target)[0];
        assert_eq!(a.error_class, None, "{target}: {a:?}");
        assert!(a
            .tool_calls
            .as_deref()
            .unwrap()
            .contains("chat/completions"));
    }
    assert_eq!(env.server.requests_for("hostile/echo-500"), 2);
    // 401 is final, 500 is retried once, the five answers come the first time.
    assert_eq!(env.server.requests(), 8);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hostile_limits_come_from_the_suite() {
    let env = env(
        &[
            ("tool", "hostile/echo-tool", true),
            ("content", "hostile/huge-content", false),
        ],
        QUICK,
        1,
        "[limits]\nmax_tool_calls = 1\nmax_stored_text_bytes = 300\n",
    )
    .await;
    let outcomes = env.run().await;
    // One tool call is within a limit of one; 5 MB of content are stored as 300 bytes.
    let tool = &attempts_of(&outcomes, "tool")[0];
    assert_eq!(tool.error_class, None, "{tool:?}");
    let content = &attempts_of(&outcomes, "content")[0];
    let stored = content.content.as_deref().unwrap();
    assert_eq!(
        content.content_bytes,
        Some(hostile::HUGE_CONTENT_BYTES as u64)
    );
    assert!(
        stored.len() <= 300 && stored.ends_with("bytes in all]"),
        "{stored}"
    );

    // A limit out of range is refused with its key.
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "bad.toml",
        "name = \"bad\"\n\n[limits]\nmax_choices = 0\n",
    );
    let err = Suite::load(&dir.path().join("bad.toml")).unwrap_err();
    assert!(err.to_string().contains("limits.max_choices"), "{err}");
}

// ------------------------------------------------------------------ memory

/// Set in the child that runs the workload of [`hostile_peak_memory_stays_bounded`].
const RSS_CHILD: &str = "ROUTEVAL_IT_HOSTILE_RSS_CHILD";

/// The heavy hostile routes, three times each, all at once, in a process of their own
/// (this test runs itself again): its peak resident memory must stay under 200 MB.
#[test]
fn hostile_peak_memory_stays_bounded() {
    if std::env::var_os(RSS_CHILD).is_some() {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(heavy_workload());
        println!("VMHWM_KB={}", vm_hwm_kb());
        return;
    }
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "hostile::hostile_peak_memory_stays_bounded",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(RSS_CHILD, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the workload failed:\n{stdout}\n{stderr}"
    );
    let kb: u64 = stdout
        .lines()
        .find_map(|l| l.split_once("VMHWM_KB=").map(|(_, kb)| kb))
        .unwrap_or_else(|| panic!("no measure in:\n{stdout}\n{stderr}"))
        .trim()
        .parse()
        .unwrap();
    eprintln!("peak RSS of the hostile workload: {} MB", kb / 1024);
    assert!(kb < 200 * 1024, "peak RSS {} MB", kb / 1024);
}

async fn heavy_workload() {
    let routes = [
        ("giant_index", "hostile/giant-index", true),
        ("many_tools_s", "hostile/many-tools", true),
        ("many_tools", "hostile/many-tools", false),
        ("many_choices_s", "hostile/many-choices", true),
        ("many_choices", "hostile/many-choices", false),
        ("huge_event", "hostile/huge-event", true),
        ("huge_body", "hostile/huge-body", false),
        ("giant_error", "hostile/giant-error", false),
        ("giant_error_200", "hostile/giant-error-200", false),
        ("huge_content", "hostile/huge-content", false),
        ("huge_content_s", "hostile/huge-content", true),
    ];
    // Two cases in flight at once, each of the routes three times.
    let reps = 3;
    let env = env_with(
        &routes,
        "{ first_byte_s = 30, idle_s = 30, total_s = 80 }",
        reps,
        2,
        "",
    )
    .await;
    let outcomes = env.run().await;
    assert_eq!(outcomes.len(), routes.len() * reps as usize);
    for o in &outcomes {
        for a in &o.attempts {
            assert_stored_within_limit(a, STORED);
        }
        let expected = match o.result.target.as_str() {
            "giant_error" | "giant_error_200" => Some(ErrorClass::ServerError),
            "huge_content" | "huge_content_s" => None,
            _ => Some(ErrorClass::Oversized),
        };
        assert_eq!(o.result.error_class, expected, "{:?}", o.result);
    }
}

/// Peak resident memory of this process, in kB.
fn vm_hwm_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// A `/models` catalog of 100 MB (an endpoint that never stops sending) is refused
/// once it passes the catalog limit, not read into memory.
#[tokio::test]
async fn hostile_endless_catalog_is_refused_at_its_limit() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut head = [0u8; 4096];
        let _ = socket.read(&mut head).await;
        let _ = socket
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n{\"data\":[")
            .await;
        let piece = vec![b' '; 1 << 20];
        for _ in 0..100 {
            if socket.write_all(&piece).await.is_err() {
                break;
            }
        }
    });
    let endpoint: routeval_core::config::Endpoint = toml::from_str(&format!(
        "kind = \"openai\"\nbase_url = \"http://{addr}/v1\""
    ))
    .unwrap();
    let (client, _) = routeval_runner::EndpointClient::new("endless", &endpoint).unwrap();
    let started = Instant::now();
    let err = routeval_runner::fetch_catalog(&client, Duration::from_secs(30))
        .await
        .unwrap_err();
    assert!(err.contains("limit"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(20));
    server.abort();
}
