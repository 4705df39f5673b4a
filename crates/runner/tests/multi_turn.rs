//! Multi-turn tool loops, end to end: the real runner against the real simulator over
//! loopback HTTP. The runner sends each case's scripted tool results back until the
//! model answers in prose or the scorer's `max_turns` is reached; the simulator answers
//! turn N of a case with `expected.turns[N]`; the scorer grades every turn, recovery
//! after tool errors, and stopping.

use routeval_core::scorer_spec::ScorerSpec;
use routeval_core::{CaseOutcome, Dataset, ScoreRecord, Suite};
use routeval_runner::{PreparedDataset, RunControl, RunPlan, RunStatus};
use routeval_scorer::Scorer;
use routeval_sim::{serve, Profiles, SimConfig, SimServer};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// However a test goes wrong, its run ends within this.
const RUN_DEADLINE: Duration = Duration::from_secs(20);

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

fn lookup(order_id: &str) -> Value {
    json!({"name": "lookup_order", "arguments": {"order_id": [order_id]}})
}

/// Lookup, then a refund on what it found, then the answer.
fn lookup_then_refund() -> Value {
    json!({
        "id": "refund-lost",
        "messages": [{"role": "user", "content": "Where is SO-31207? If it's lost, refund me the $48.90 please."}],
        "expected": {"turns": [
            [lookup("SO-31207")],
            [{"name": "issue_refund", "arguments": {"order_id": ["SO-31207"], "amount": [48.9]}}],
            []
        ]},
        "tool_results": {
            "lookup_order": [{"content": "{\"status\": \"lost_in_transit\"}"}],
            "issue_refund": [{"content": "{\"refund_id\": \"RF-1\", \"status\": \"processed\"}"}]
        }
    })
}

/// The lookup times out once; the model retries it, then answers.
fn error_then_retry() -> Value {
    json!({
        "id": "retry-timeout",
        "messages": [{"role": "user", "content": "When will WB-20418 be delivered?"}],
        "expected": {"turns": [[lookup("WB-20418")], [lookup("WB-20418")], []]},
        "tool_results": {"lookup_order": [
            {"error": "timeout contacting warehouse"},
            {"content": "{\"status\": \"shipped\", \"estimated_delivery\": \"2025-06-12\"}"}
        ]}
    })
}

/// The lookup service is down; the model escalates, then answers.
fn error_then_escalate() -> Value {
    json!({
        "id": "escalate-outage",
        "messages": [{"role": "user", "content": "Where is order MK-50731?"}],
        "expected": {"turns": [
            [lookup("MK-50731")],
            [{"name": "escalate_to_human", "arguments": {"reason": ["complex"]}}],
            []
        ]},
        "tool_results": {
            "lookup_order": [{"error": "order service unavailable"}],
            "escalate_to_human": [{"content": "{\"ticket_id\": \"HD-1\"}"}]
        }
    })
}

/// One lookup answers the question: the model should stop right after it.
fn answer_and_stop() -> Value {
    json!({
        "id": "answer-and-stop",
        "messages": [{"role": "user", "content": "Has SO-22964 shipped yet?"}],
        "expected": {"turns": [[lookup("SO-22964")], []]},
        "tool_results": {"lookup_order": [{"content": "{\"status\": \"processing\"}"}]}
    })
}

fn tools() -> Value {
    let function = |name: &str, properties: Value, required: &[&str]| {
        json!({"type": "function", "function": {
            "name": name,
            "description": name,
            "parameters": {"type": "object", "properties": properties,
                           "required": required, "additionalProperties": false}
        }})
    };
    json!([
        function(
            "lookup_order",
            json!({"order_id": {"type": "string"}}),
            &["order_id"]
        ),
        function(
            "issue_refund",
            json!({"order_id": {"type": "string"}, "amount": {"type": "number"}}),
            &["order_id", "amount"]
        ),
        function(
            "escalate_to_human",
            json!({"reason": {"type": "string"}}),
            &["reason"]
        ),
    ])
}

/// A simulated model: always right, or (`looping`) right on the calls a turn expects
/// but never stopping, since every mistake weighs 0 and the one left is calling a tool
/// where none is expected.
fn model(id: &str, looping: bool) -> String {
    let quality = if looping { 0.0 } else { 1.0 };
    let weights: String = MISTAKES.iter().map(|m| format!("{m} = 0\n")).collect();
    format!(
        "[models.\"{id}\"]\nname = \"{id}\"\ncontext_length = 100000\nprompt_price = 1.0\n\
         completion_price = 2.0\nquality = {quality}\n[models.\"{id}\".mistakes]\n{weights}\n"
    )
}

struct Env {
    _sim: SimServer,
    suite: Suite,
    dataset: Arc<PreparedDataset>,
    _dir: tempfile::TempDir,
}

/// A simulator with `profiles`, and a suite with one multi-turn dataset of `cases`
/// on `routes`, graded with `max_turns`.
async fn env(profiles: &str, routes: &str, cases: &[Value], max_turns: u32) -> Env {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    let lines: String = cases.iter().map(|c| format!("{c}\n")).collect();
    write("cases.jsonl", &lines);
    write("tools.json", &tools().to_string());
    write(
        "scorer.toml",
        &format!(
            "max_turns = {max_turns}\nvalidation_retries = 1\n\n[[checks]]\nkind = \"tool_calls\"\n\n\
             [[checks]]\nkind = \"recovery\"\n\n[[checks]]\nkind = \"stopping\"\n"
        ),
    );
    let config = SimConfig {
        profiles: Profiles::parse(
            Path::new("mt-profiles.toml"),
            &format!("seed = 7\n\n{profiles}"),
        )
        .unwrap(),
        case_files: vec![dir.path().join("cases.jsonl")],
        seed: 7,
        latency_scale: 0.0,
        api_key: None,
    };
    let sim = serve(config, "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let suite_text = format!(
        r#"name = "multi-turn-it"
repeats = 1
concurrency = 8

[endpoints.sim]
kind = "openrouter"
base_url = "{base_url}"
simulated = true

{routes}
[datasets.loops]
path = "cases.jsonl"
task = "tool_use"
scorer = "scorer.toml"
tools = "tools.json"
tool_choice = "auto"
"#,
        base_url = sim.base_url(),
    );
    write("suite.toml", &suite_text);
    let suite =
        Suite::load(&dir.path().join("suite.toml")).unwrap_or_else(|e| panic!("{e}\n{suite_text}"));
    let dataset = Dataset::load(&suite, "loops").unwrap();
    let spec = ScorerSpec::load(&suite.resolve(&dataset.config.scorer)).unwrap();
    let scorer = Scorer::new(spec, None, dataset.tools.as_deref()).unwrap();
    Env {
        _sim: sim,
        suite,
        dataset: Arc::new(PreparedDataset::new(dataset, scorer)),
        _dir: dir,
    }
}

impl Env {
    async fn run(&self) -> Vec<CaseOutcome> {
        let catalogs = routeval_runner::fetch_catalogs(&self.suite).await;
        let (routes, _redactor) = routeval_runner::build_routes(&self.suite, &catalogs).unwrap();
        let targets = routeval_runner::resolve_targets(
            &self.suite,
            &self.suite.targets_of(&self.dataset.dataset.name),
            &routes,
        );
        let plan = RunPlan {
            run_id: "mt".into(),
            session: 1,
            work: vec![(self.dataset.clone(), targets)],
            repeats: 1,
            concurrency: 8,
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
        assert_eq!(outcomes.len() as u64, expected);
        outcomes
    }
}

fn route(name: &str, model: &str) -> String {
    format!("[routes.{name}]\nendpoint = \"sim\"\nmodel = \"{model}\"\n\n")
}

fn outcome<'a>(outcomes: &'a [CaseOutcome], target: &str, case: &str) -> &'a CaseOutcome {
    outcomes
        .iter()
        .find(|o| o.result.target == target && o.result.case_id == case)
        .unwrap_or_else(|| panic!("no outcome for {target}/{case}"))
}

fn score<'a>(o: &'a CaseOutcome, check: &str) -> &'a ScoreRecord {
    o.result
        .scores
        .iter()
        .find(|s| s.check == check)
        .unwrap_or_else(|| panic!("no `{check}` score: {:#?}", o.result.scores))
}

/// (turn, try_index, http_attempt) of every attempt.
fn turns(o: &CaseOutcome) -> Vec<(u32, u32, u32)> {
    o.attempts
        .iter()
        .map(|a| (a.turn, a.try_index, a.http_attempt))
        .collect()
}

fn called(o: &CaseOutcome, attempt: usize) -> Vec<String> {
    let Some(calls) = o.attempts[attempt].tool_calls.as_deref() else {
        return Vec::new();
    };
    let calls: Value = serde_json::from_str(calls).unwrap();
    calls
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["function"]["name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn perfect_model_completes_a_three_turn_loop_with_one_attempt_per_turn() {
    let e = env(
        &model("t/right", false),
        &route("right", "t/right"),
        &[lookup_then_refund(), answer_and_stop()],
        4,
    )
    .await;
    let outcomes = e.run().await;

    let o = outcome(&outcomes, "right", "refund-lost");
    let r = &o.result;
    assert!(r.accepted, "{r:#?}");
    assert_eq!(turns(o), [(0, 0, 0), (1, 0, 0), (2, 0, 0)], "{o:#?}");
    assert_eq!(called(o, 0), ["lookup_order"]);
    assert_eq!(called(o, 1), ["issue_refund"]);
    assert!(called(o, 2).is_empty());
    assert!(o.attempts[2]
        .content
        .as_deref()
        .is_some_and(|c| !c.is_empty()));
    let hashes: HashSet<&str> = o.attempts.iter().map(|a| a.request_hash.as_str()).collect();
    assert_eq!(hashes.len(), 3, "each turn sends the conversation so far");
    assert_eq!(
        (r.attempts, r.validation_retries, r.transport_retries),
        (3, 0, 0)
    );
    let cost: f64 = o.attempts.iter().map(|a| a.cost.unwrap()).sum();
    assert!((r.cost.unwrap() - cost).abs() < 1e-12 && cost > 0.0);
    for check in [
        "tool_calls",
        "tool_calls.turn0",
        "tool_calls.turn1",
        "tool_calls.turn2",
        "recovery",
        "stopping",
    ] {
        assert!(score(o, check).pass, "{check}: {:#?}", r.scores);
    }
    // A turn is not a retry: the one request per turn was enough.
    assert!(score(o, "retries.attempts").pass, "{:#?}", r.scores);
    assert!(score(o, "retries.needed").pass, "{:#?}", r.scores);

    let o = outcome(&outcomes, "right", "answer-and-stop");
    assert!(o.result.accepted, "{:#?}", o.result);
    assert_eq!(turns(o), [(0, 0, 0), (1, 0, 0)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_model_that_keeps_calling_tools_is_stopped_at_max_turns() {
    let e = env(
        &model("t/loops", true),
        &route("loops", "t/loops"),
        &[answer_and_stop()],
        3,
    )
    .await;
    let outcomes = e.run().await;
    let o = outcome(&outcomes, "loops", "answer-and-stop");
    let r = &o.result;
    assert_eq!(
        turns(o),
        [(0, 0, 0), (1, 0, 0), (2, 0, 0)],
        "three turns, then the limit: {o:#?}"
    );
    for i in 0..3 {
        assert_eq!(called(o, i), ["lookup_order"], "turn {i}");
    }
    assert!(!r.accepted);
    assert_eq!(r.error_class, None, "a runaway loop is a graded failure");
    let stopping = score(o, "stopping");
    assert!(!stopping.pass);
    assert!(
        stopping
            .detail
            .as_deref()
            .unwrap()
            .starts_with("runaway loop: still calling tools (lookup_order) at the turn limit of 3"),
        "{stopping:?}"
    );
    assert!(score(o, "tool_calls.turn0").pass);
    assert!(!score(o, "tool_calls.turn1").pass);
    assert!(!score(o, "tool_calls.turn2").pass);
    assert!(r.reason.contains("stopping"), "{}", r.reason);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_scripted_tool_error_followed_by_the_expected_retry_passes_recovery() {
    let e = env(
        &model("t/right", false),
        &route("right", "t/right"),
        &[error_then_retry(), error_then_escalate()],
        5,
    )
    .await;
    let outcomes = e.run().await;

    let o = outcome(&outcomes, "right", "retry-timeout");
    assert!(o.result.accepted, "{:#?}", o.result);
    assert_eq!(turns(o), [(0, 0, 0), (1, 0, 0), (2, 0, 0)]);
    assert_eq!(called(o, 0), ["lookup_order"]);
    assert_eq!(called(o, 1), ["lookup_order"], "the retry");
    let recovery = score(o, "recovery");
    assert!(recovery.pass, "{recovery:?}");
    assert_eq!(
        recovery.detail.as_deref(),
        Some("recovered from 1 tool error(s)")
    );
    assert!(score(o, "stopping").pass);

    let o = outcome(&outcomes, "right", "escalate-outage");
    assert!(o.result.accepted, "{:#?}", o.result);
    assert_eq!(called(o, 1), ["escalate_to_human"]);
    assert!(score(o, "recovery").pass);
}
