//! `routeval grade`: grade responses that did not come from a routeval run against a
//! JSONL file of cases; one verdict per response as JSONL on stdout, and with `--db` a
//! run of kind `graded` in the results database.

use crate::args::GradeArgs;
use crate::exit::{CliError, CliResult, SUCCESS};
use routeval_engine::grade::{grade, record, GradeFiles, Grading, RecordOptions, Recorded};
use serde_json::{json, Value};
use std::io::Write;

pub async fn run(args: GradeArgs) -> CliResult<u8> {
    let mut out = crate::output::RedactLines::new(std::io::BufWriter::new(std::io::stdout()));
    let (accepted, total, recorded) = grade_into(&args, &mut out).await?;
    eprintln!("{accepted} of {total} responses accepted");
    if let (Some(r), Some(db)) = (recorded, &args.db) {
        eprintln!(
            "graded run {} recorded in {db}: dataset `{}`, {} result(s) on {}",
            r.run_id,
            r.dataset,
            r.results,
            r.targets.join(", ")
        );
    }
    Ok(SUCCESS)
}

/// Grade, record the verdicts when `--db` is given, and write one JSONL verdict per
/// response: (accepted, total, the run recorded).
async fn grade_into(
    args: &GradeArgs,
    out: &mut impl Write,
) -> CliResult<(usize, usize, Option<Recorded>)> {
    let files = GradeFiles {
        scorer: args.scorer.clone(),
        cases: args.cases.clone(),
        responses: args.responses.clone(),
        schema: args.schema.clone(),
        tools: args.tools.clone(),
    };
    let grading = grade(&files)?;
    // Recorded first: a response that cannot be recorded (no model to name its target)
    // stops the command before any verdict is printed.
    let recorded = match &args.db {
        Some(db) => Some(
            record(
                &files,
                &grading,
                &RecordOptions {
                    db: db.clone(),
                    target: args.target.clone(),
                },
            )
            .await?,
        ),
        None => None,
    };
    let (accepted, total) = write_verdicts(&grading, out)?;
    Ok((accepted, total, recorded))
}

/// One JSONL row per response: its verdict, and what its log said of it.
fn write_verdicts(grading: &Grading, out: &mut impl Write) -> CliResult<(usize, usize)> {
    for g in &grading.graded {
        let v = &g.verdict;
        let log = &g.log;
        let checks: Vec<Value> = v
            .scores
            .iter()
            .map(
                |s| json!({"check": s.check, "pass": s.pass, "value": s.value, "detail": s.detail}),
            )
            .collect();
        let row = json!({
            "case_id": g.case_id,
            "line": g.line,
            "format": log.format.as_str(),
            "accepted": v.accepted,
            "reason": v.reason,
            "validation_failure": v.validation_failure.as_ref().map(|(c, _)| c.as_str()),
            "checks": checks,
            "model": log.model,
            "provider": log.provider,
            "latency_ms": log.latency_ms,
            "cost": log.cost,
            "usage": {
                "prompt_tokens": log.tokens.prompt,
                "completion_tokens": log.tokens.completion,
                "cached_tokens": log.tokens.cached,
                "reasoning_tokens": log.tokens.reasoning,
            },
        });
        writeln!(out, "{row}").map_err(CliError::failure)?;
    }
    out.flush().map_err(CliError::failure)?;
    let accepted = grading.graded.iter().filter(|g| g.verdict.accepted).count();
    Ok((accepted, grading.graded.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exit::BAD_INPUT;
    use std::path::{Path, PathBuf};

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    fn args(dir: &Path, responses: &str) -> GradeArgs {
        GradeArgs {
            scorer: write(
                dir,
                "s.toml",
                "[[checks]]\nkind = \"tool_calls\"\n[[checks]]\nkind = \"latency\"\nmax_ms = 500\n[accept]\nrequire = [\"tool_calls\"]\n",
            ),
            cases: write(
                dir,
                "cases.jsonl",
                concat!(
                    r#"{"id":"a","messages":[{"role":"user","content":"where is SO-12345?"}],"expected":{"tool_calls":[{"name":"lookup_order","arguments":{"order_id":["SO-12345"]}}]}}"#,
                    "\n",
                    r#"{"id":"b","messages":[{"role":"user","content":"hi"}],"expected":{"tool_calls":[]}}"#,
                    "\n"
                ),
            ),
            responses: write(dir, "responses.jsonl", responses),
            schema: None,
            tools: Some(write(
                dir,
                "tools.json",
                r#"[{"type":"function","function":{"name":"lookup_order","parameters":{"type":"object","properties":{"order_id":{"type":"string"}},"required":["order_id"]}}}]"#,
            )),
            db: None,
            target: None,
        }
    }

    /// Grade with no database: (accepted, total).
    fn grade_to(args: &GradeArgs, out: &mut Vec<u8>) -> CliResult<(usize, usize)> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime
            .block_on(grade_into(args, out))
            .map(|(accepted, total, _)| (accepted, total))
    }

    #[test]
    fn grades_openai_messages_with_every_check() {
        let dir = tempfile::tempdir().unwrap();
        let a = args(
            dir.path(),
            concat!(
                r#"{"case_id":"a","message":{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"lookup_order","arguments":"{\"order_id\":\"so-12345\"}"}}]},"latency_ms":900}"#,
                "\n",
                r#"{"case_id":"b","message":{"role":"assistant","content":"Hello!"},"latency_ms":100}"#,
                "\n",
                r#"{"case_id":"b","message":{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"lookup_order","arguments":"{}"}}]}}"#,
                "\n"
            ),
        );
        let mut out = Vec::new();
        let (accepted, total) = grade_to(&a, &mut out).unwrap();
        assert_eq!((accepted, total), (2, 3));
        let rows: Vec<Value> = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0]["case_id"], "a");
        assert_eq!(rows[0]["accepted"], true);
        let latency = &rows[0]["checks"][1];
        assert_eq!(latency["check"], "latency");
        assert_eq!(latency["pass"], false);
        assert!(latency["detail"].as_str().unwrap().contains("900 ms"));
        assert_eq!(rows[2]["accepted"], false);
        assert_eq!(rows[2]["line"], 3);
        assert_eq!(rows[2]["validation_failure"], "invalid_tool_call");
        assert!(rows[2]["reason"]
            .as_str()
            .unwrap()
            .contains("expected no tool call"));
    }

    #[test]
    fn bad_lines_are_input_errors_naming_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let a = args(
            dir.path(),
            "{\"case_id\":\"a\",\"message\":{\"content\":\"x\"}}\n{\"case_id\":\"zz\",\"message\":{}}\n",
        );
        let err = grade_to(&a, &mut Vec::new()).unwrap_err();
        assert_eq!(err.code, BAD_INPUT);
        let text = format!("{:#}", err.error);
        assert!(
            text.contains("responses.jsonl:2: key `case_id`: no case `zz`"),
            "{text}"
        );

        let a = args(
            dir.path(),
            "{\"case_id\":\"a\",\"message\":{\"content\":1}}\n",
        );
        let err = grade_to(&a, &mut Vec::new()).unwrap_err();
        assert_eq!(err.code, BAD_INPUT);
        let text = format!("{:#}", err.error);
        assert!(
            text.contains("responses.jsonl:1: key `message.content`"),
            "{text}"
        );
    }

    /// Cases `weather` and `stock` both offer a function `get`, with different
    /// parameters (`city` and `ticker`, each required); case `order` brings no tools and
    /// is graded against `--tools`.
    fn per_case_tools(dir: &Path, responses: &[&str]) -> GradeArgs {
        let get = |param: &str| {
            format!(
                r#"[{{"type":"function","function":{{"name":"get","parameters":{{"type":"object","properties":{{"{param}":{{"type":"string"}}}},"required":["{param}"],"additionalProperties":false}}}}}}]"#
            )
        };
        let cases = [
            format!(
                r#"{{"id":"weather","messages":[{{"role":"user","content":"weather in Paris?"}}],"tools":{},"expected":{{"tool_calls":[{{"name":"get","arguments":{{"city":["Paris"]}}}}]}}}}"#,
                get("city")
            ),
            format!(
                r#"{{"id":"stock","messages":[{{"role":"user","content":"price of ACME?"}}],"tools":{},"expected":{{"tool_calls":[{{"name":"get","arguments":{{"ticker":["ACME"]}}}}]}}}}"#,
                get("ticker")
            ),
            r#"{"id":"order","messages":[{"role":"user","content":"where is SO-1?"}],"expected":{"tool_calls":[{"name":"lookup_order","arguments":{"order_id":["SO-1"]}}]}}"#.to_string(),
        ];
        let mut a = args(dir, &(responses.join("\n") + "\n"));
        a.cases = write(dir, "cases.jsonl", &(cases.join("\n") + "\n"));
        a.tools = Some(write(
            dir,
            "tools.json",
            r#"[{"type":"function","function":{"name":"lookup_order","parameters":{"type":"object","properties":{"order_id":{"type":"string"}},"required":["order_id"]}}}]"#,
        ));
        a
    }

    /// One response in each shape the log may hold, over the three cases above.
    const MIXED: [&str; 6] = [
        // 1. message: `weather`'s own `get(city)`.
        r#"{"case_id":"weather","message":{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"get","arguments":"{\"city\":\"Paris\"}"}}]},"latency_ms":120,"model":"m/alpha"}"#,
        // 2. completion, its case in `metadata`: `stock`'s own `get(ticker)`.
        r#"{"id":"gen-2","object":"chat.completion","created":1767225600,"model":"m/beta","provider":"Acme","metadata":{"case_id":"stock"},"choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"c2","type":"function","function":{"name":"get","arguments":"{\"ticker\":\"ACME\"}"}}]},"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":40,"completion_tokens":9,"cost":0.0021}}"#,
        // 3. exchange, no case id: found by its messages (behind a system prompt);
        //    `get(city)` is not `stock`'s function.
        r#"{"request":{"model":"m/beta","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":[{"type":"text","text":"price of ACME?"}]}]},"response":{"id":"gen-3","object":"chat.completion","model":"m/beta","provider":"Acme","choices":[{"message":{"role":"assistant","content":null,"tool_calls":[{"id":"c3","type":"function","function":{"name":"get","arguments":"{\"city\":\"ACME\"}"}}]}}],"usage":{"prompt_tokens":41,"completion_tokens":9,"cost":0.0022}},"latency_ms":300}"#,
        // 4. chunks: `order`, graded against `--tools`, arguments in pieces.
        r#"{"case_id":"order","latency_ms":90,"chunks":[{"object":"chat.completion.chunk","model":"m/alpha","choices":[{"delta":{"role":"assistant","tool_calls":[{"index":0,"id":"c4","type":"function","function":{"name":"lookup_order","arguments":"{\"order_"}}]}}]},{"object":"chat.completion.chunk","choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":"id\":\"so-1\"}"}}]},"finish_reason":"tool_calls"}]},{"object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":30,"completion_tokens":7,"cost":0.0009}}]}"#,
        // 5. a bare array of chunks: `weather`, but `ticker` is not its `get`'s.
        r#"[{"object":"chat.completion.chunk","model":"m/alpha","metadata":{"case_id":"weather"},"choices":[{"delta":{"tool_calls":[{"index":0,"id":"c5","function":{"name":"get","arguments":"{\"ticker\":"}}]}}]},{"object":"chat.completion.chunk","choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"Paris\"}"}}]}}]}]"#,
        // 6. exchange with its case in the request's metadata.
        r#"{"request":{"metadata":{"case_id":"stock"},"messages":[{"role":"user","content":"something else"}]},"response":{"model":"m/beta","choices":[{"message":{"content":null,"tool_calls":[{"id":"c6","type":"function","function":{"name":"get","arguments":"{\"ticker\":\"ACME\"}"}}]}}]},"duration_ms":200}"#,
    ];

    fn rows(out: Vec<u8>) -> Vec<Value> {
        String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    #[test]
    fn grades_every_log_shape_against_each_cases_own_tools() {
        let dir = tempfile::tempdir().unwrap();
        let a = per_case_tools(dir.path(), &MIXED);
        let mut out = Vec::new();
        let (accepted, total) = grade_to(&a, &mut out).unwrap();
        let rows = rows(out);
        let summary: Vec<(&str, &str, bool)> = rows
            .iter()
            .map(|r| {
                (
                    r["case_id"].as_str().unwrap(),
                    r["format"].as_str().unwrap(),
                    r["accepted"].as_bool().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("weather", "message", true),
                ("stock", "completion", true),
                ("stock", "exchange", false),
                ("order", "chunks", true),
                ("weather", "chunks", false),
                ("stock", "exchange", true),
            ]
        );
        assert_eq!((accepted, total), (4, 6));
        // Each `get` call is checked against its own case's `get`.
        for i in [2, 4] {
            assert_eq!(
                rows[i]["validation_failure"], "invalid_tool_call",
                "{}",
                rows[i]
            );
        }
        let reason = |i: usize| rows[i]["reason"].as_str().unwrap().to_string();
        assert!(reason(2).contains("unknown argument `city`"), "{}", rows[2]);
        assert!(
            reason(4).contains("unknown argument `ticker`"),
            "{}",
            rows[4]
        );
        // What the log said is kept with the verdict.
        assert_eq!(rows[1]["model"], "m/beta");
        assert_eq!(rows[1]["provider"], "Acme");
        assert_eq!(rows[1]["cost"], 0.0021);
        assert_eq!(rows[1]["usage"]["prompt_tokens"], 40);
        assert_eq!(rows[2]["latency_ms"], 300.0);
        assert_eq!(rows[3]["cost"], 0.0009);
        assert_eq!(rows[3]["usage"]["completion_tokens"], 7);
        assert_eq!(rows[5]["latency_ms"], 200.0);
        // Latency checks read the logged figures.
        let latency = |r: &Value| r["checks"][1]["pass"].as_bool().unwrap();
        assert!(latency(&rows[0]) && latency(&rows[3]) && latency(&rows[2]));
        assert_eq!(rows[4]["checks"][1]["detail"], "no latency recorded");
    }

    #[test]
    fn cases_with_tools_need_no_tools_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut a = per_case_tools(dir.path(), &MIXED[..3]);
        a.tools = None;
        let mut out = Vec::new();
        assert_eq!(grade_to(&a, &mut out).unwrap(), (2, 3));
    }

    #[test]
    fn a_line_in_no_known_shape_is_bad_input_at_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let cases = [
            (
                r#"{"case_id":"order","answer":"SO-1 ships today"}"#,
                "responses.jsonl:2: matches no response format",
            ),
            (
                r#""just text""#,
                "responses.jsonl:2: matches no response format",
            ),
            (
                r#"{"case_id":"order","mesage":{}}"#,
                "responses.jsonl:2: key `mesage`: matches no response format",
            ),
            (
                r#"{"request":{"messages":[{"role":"user","content":"unknown question"}]},"response":{"choices":[{"message":{"content":"x"}}]}}"#,
                "responses.jsonl:2: key `request.messages`: no case has these messages",
            ),
            (
                r#"{"id":"gen","choices":[{"message":{"content":"x"}}]}"#,
                "responses.jsonl:2: key `case_id`: a chat completion names no case",
            ),
            (
                r#"{"case_id":"order","chunks":[{"choices":[{"delta":{"tool_calls":[{"index":5000,"function":{"name":"f"}}]}}]}]}"#,
                "responses.jsonl:2: key `chunks[0].choices`: tool call index 5000",
            ),
        ];
        for (line, want) in cases {
            let a = per_case_tools(dir.path(), &[MIXED[0], line]);
            let err = grade_to(&a, &mut Vec::new()).unwrap_err();
            assert_eq!(err.code, BAD_INPUT, "{line}");
            let text = format!("{:#}", err.error);
            assert!(text.contains(want), "{line}: {text}");
        }
    }

    /// Grade `MIXED` into a database: (the run recorded, the rankings read back).
    async fn graded_run(
        dir: &Path,
        db: &str,
        target: Option<&str>,
    ) -> (
        Recorded,
        routeval_analysis::RunData,
        Vec<routeval_analysis::Ranking>,
    ) {
        let mut a = per_case_tools(dir, &MIXED);
        a.db = Some(db.to_string());
        a.target = target.map(str::to_string);
        let mut out = Vec::new();
        let (accepted, total, recorded) = grade_into(&a, &mut out).await.unwrap();
        assert_eq!((accepted, total), (4, 6));
        let recorded = recorded.unwrap();
        let store = routeval_store::Store::open_existing(db).await.unwrap();
        let data = routeval_analysis::RunData::load(&store, Some(&recorded.run_id))
            .await
            .unwrap();
        store.close().await;
        let metrics = routeval_analysis::compute_metrics(&data).unwrap();
        let rankings = routeval_analysis::rank_with(&data, &metrics, Default::default());
        (recorded, data, rankings)
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn db_records_a_graded_run_that_rank_reads() {
        for db in routeval_store::testing::TestDb::each().await {
            let dir = tempfile::tempdir().unwrap();
            let (recorded, data, rankings) = graded_run(dir.path(), &db.url, None).await;
            assert_eq!(data.run.id, recorded.run_id, "{}", db.backend);
            assert_eq!(data.run.kind, "graded");
            assert_eq!(data.run.status, "completed");
            assert_eq!(data.run.suite, "cases");
            assert_eq!(recorded.targets, ["m/alpha", "m/beta"]);
            assert_eq!(rankings.len(), 1);
            assert_eq!(rankings[0].dataset, "cases");
            let mut figures: Vec<(String, u64, u64, Option<f64>)> = rankings[0]
                .eligible
                .iter()
                .chain(&rankings[0].ineligible)
                .map(|m| (m.target.clone(), m.cases, m.accepted, m.total_cost))
                .collect();
            figures.sort_by(|a, b| a.0.cmp(&b.0));
            // m/alpha: lines 1, 4, 5 (line 1 logs no cost: unknown); m/beta: 2, 3, 6.
            assert_eq!(figures[0].0, "m/alpha");
            assert_eq!((figures[0].1, figures[0].2, figures[0].3), (3, 2, None));
            assert_eq!(figures[1].0, "m/beta");
            assert_eq!((figures[1].1, figures[1].2), (3, 2));
            assert_eq!(figures[1].3, None, "line 6 logs no cost");
            let providers = &rankings[0]
                .eligible
                .iter()
                .chain(&rankings[0].ineligible)
                .find(|m| m.target == "m/beta")
                .unwrap()
                .providers;
            assert_eq!(providers[0].0, "Acme");

            // One target for everything with `--target`.
            let (_, data, rankings) = graded_run(dir.path(), &db.url, Some("prod")).await;
            assert_eq!(data.targets.len(), 1);
            let all: Vec<(String, u64, u64)> = rankings[0]
                .eligible
                .iter()
                .chain(&rankings[0].ineligible)
                .map(|m| (m.target.clone(), m.cases, m.accepted))
                .collect();
            assert_eq!(all, [("prod".to_string(), 6, 4)]);
        }
    }

    #[tokio::test]
    async fn db_needs_a_target_for_responses_naming_no_model() {
        let dir = tempfile::tempdir().unwrap();
        let db = routeval_store::testing::TestDb::sqlite();
        let mut a = per_case_tools(dir.path(), &MIXED);
        a.responses = write(
            dir.path(),
            "responses.jsonl",
            r#"{"case_id":"order","message":{"content":"x"}}"#,
        );
        a.db = Some(db.url.clone());
        let err = grade_into(&a, &mut Vec::new()).await.unwrap_err();
        assert_eq!(err.code, BAD_INPUT);
        assert!(
            format!("{:#}", err.error)
                .contains("responses.jsonl:1: key `model`: the response names no model"),
            "{:#}",
            err.error
        );
    }
}
