//! Rescoring throughput: `grade_batch` over 100,000 synthetic triage answers (json,
//! schema, enum) and 100,000 tool-call answers (BFCL matching), on all cores.
//! Run with `cargo bench -p routeval-scorer --bench grade`; prints responses/s, the median
//! of three timed batches.

use routeval_core::message::{FunctionCall, ToolCall};
use routeval_core::scorer_spec::ScorerSpec;
use routeval_scorer::{grade_batch, Answer, BatchItem, Scorer};
use serde_json::{json, Value};
use std::path::Path;
use std::time::Instant;

const N: usize = 100_000;
/// Timed repetitions of each batch; the median is reported.
const REPS: usize = 3;

/// Run `f` `reps` times: the median wall time, and the last output.
fn median_of<T>(reps: usize, f: impl Fn() -> T) -> (f64, T) {
    let mut times = Vec::with_capacity(reps);
    let mut out = None;
    for _ in 0..reps {
        let start = Instant::now();
        out = Some(f());
        times.push(start.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    (times[reps / 2], out.expect("at least one repetition"))
}

fn spec(text: &str) -> ScorerSpec {
    ScorerSpec::parse(Path::new("bench.toml"), text).expect("bench spec parses")
}

fn report(name: &str, n: usize, accepted: usize, secs: f64) {
    println!(
        "{name:<8} {n} responses in {:.3} s: {:>10.0} responses/s ({accepted} accepted)",
        secs,
        n as f64 / secs
    );
}

fn triage() {
    let categories = ["billing", "technical", "account", "refund"];
    let priorities = ["low", "medium", "high", "urgent"];
    let schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {
            "category": {"type": "string", "enum": categories},
            "priority": {"type": "string", "enum": priorities},
            "escalate": {"type": "boolean"}
        },
        "required": ["category", "priority", "escalate"],
        "additionalProperties": false
    });
    let scorer = Scorer::new(
        spec("[[checks]]\nkind = \"json\"\n[[checks]]\nkind = \"schema\"\n[[checks]]\nkind = \"enum\"\nfields = [\"category\", \"priority\", \"escalate\"]\n"),
        Some(&schema),
        None,
    )
    .expect("triage scorer");
    let mut contents = Vec::with_capacity(N);
    let mut expected = Vec::with_capacity(N);
    for i in 0..N {
        let want = json!({"category": categories[i % 4], "priority": priorities[(i / 4) % 4], "escalate": i % 3 == 0});
        // One in ten wrong, one in twenty-five out of schema, one in fifty not JSON.
        let got = match i % 50 {
            0 => "Sure! {\"category\": \"billing\"}".to_string(),
            1 | 2 => json!({"category": "other", "priority": "low", "escalate": "no"}).to_string(),
            3..=7 => json!({"category": categories[(i + 1) % 4], "priority": priorities[(i / 4) % 4], "escalate": i % 3 == 0}).to_string(),
            _ => want.to_string(),
        };
        contents.push(got);
        expected.push(want);
    }
    let items: Vec<BatchItem<'_>> = contents
        .iter()
        .zip(&expected)
        .map(|(c, e)| BatchItem {
            answer: Answer::text(c),
            expected: Some(e),
            tools: None,
        })
        .collect();
    let (secs, verdicts) = median_of(REPS, || grade_batch(&scorer, &items));
    report(
        "triage",
        N,
        verdicts.iter().filter(|v| v.accepted).count(),
        secs,
    );
}

fn call(name: &str, args: Value) -> ToolCall {
    ToolCall {
        id: "call_1".into(),
        kind: "function".into(),
        function: FunctionCall {
            name: name.into(),
            arguments: args.to_string(),
        },
    }
}

fn tools() {
    let tools = json!([
        {"type": "function", "function": {"name": "lookup_order", "parameters": {
            "type": "object",
            "properties": {"order_id": {"type": "string", "pattern": "^[A-Z]{2}-\\d{5}$"}, "include_history": {"type": "boolean"}},
            "required": ["order_id"], "additionalProperties": false}}},
        {"type": "function", "function": {"name": "issue_refund", "parameters": {
            "type": "object",
            "properties": {"order_id": {"type": "string"}, "amount": {"type": "number"},
                "reason": {"type": "string", "enum": ["damaged", "late", "wrong_item"]}},
            "required": ["order_id", "amount", "reason"], "additionalProperties": false}}}
    ]);
    let tools = tools.as_array().expect("array").clone();
    let scorer = Scorer::new(
        spec("[[checks]]\nkind = \"tool_calls\"\n"),
        None,
        Some(&tools),
    )
    .expect("tool scorer");
    let mut calls = Vec::with_capacity(N);
    let mut expected = Vec::with_capacity(N);
    for i in 0..N {
        let id = format!("SO-{:05}", i % 100_000);
        let (exp, got) = match i % 4 {
            // Two parallel calls, answered in reverse order.
            0 => (
                json!({"tool_calls": [
                    {"name": "lookup_order", "arguments": {"order_id": [id.clone()]}},
                    {"name": "issue_refund", "arguments": {"order_id": [id.clone()], "amount": [25.5], "reason": ["late"]}}
                ]}),
                vec![
                    call(
                        "issue_refund",
                        json!({"order_id": id, "amount": 25.5, "reason": "late"}),
                    ),
                    call("lookup_order", json!({"order_id": id})),
                ],
            ),
            1 => (
                json!({"tool_calls": [{"name": "lookup_order", "arguments": {"order_id": [id.clone()], "include_history": [true, ""]}}]}),
                vec![call("lookup_order", json!({"order_id": id.to_lowercase()}))],
            ),
            // A wrong amount.
            2 => (
                json!({"tool_calls": [{"name": "issue_refund", "arguments": {"order_id": [id.clone()], "amount": [10], "reason": ["damaged"]}}]}),
                vec![call(
                    "issue_refund",
                    json!({"order_id": id, "amount": 12, "reason": "damaged"}),
                )],
            ),
            // No call expected, none made.
            _ => (json!({"tool_calls": []}), vec![]),
        };
        calls.push(got);
        expected.push(exp);
    }
    let items: Vec<BatchItem<'_>> = calls
        .iter()
        .zip(&expected)
        .map(|(c, e)| BatchItem {
            answer: Answer {
                tool_calls: Some(c),
                ..Answer::default()
            },
            expected: Some(e),
            tools: None,
        })
        .collect();
    let (secs, verdicts) = median_of(REPS, || grade_batch(&scorer, &items));
    report(
        "tools",
        N,
        verdicts.iter().filter(|v| v.accepted).count(),
        secs,
    );
}

fn main() {
    println!(
        "grade_batch on {} threads",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    triage();
    tools();
}
