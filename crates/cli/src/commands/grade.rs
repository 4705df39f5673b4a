//! `routeval grade`: grade responses that did not come from a routeval run against a
//! JSONL file of cases; one verdict per response as JSONL on stdout.

use crate::args::GradeArgs;
use crate::exit::{CliError, CliResult, SUCCESS};
use routeval_engine::grade::{grade, GradeFiles};
use serde_json::{json, Value};
use std::io::Write;

pub async fn run(args: GradeArgs) -> CliResult<u8> {
    let mut out =
        crate::output::RedactLines::new(std::io::BufWriter::new(std::io::stdout().lock()));
    let (accepted, total) = grade_to(&args, &mut out)?;
    eprintln!("{accepted} of {total} responses accepted");
    Ok(SUCCESS)
}

/// Grade and write one JSONL verdict per response; (accepted, total).
fn grade_to(args: &GradeArgs, out: &mut impl Write) -> CliResult<(usize, usize)> {
    let graded = grade(&GradeFiles {
        scorer: args.scorer.clone(),
        cases: args.cases.clone(),
        responses: args.responses.clone(),
        schema: args.schema.clone(),
        tools: args.tools.clone(),
    })?;
    for g in &graded {
        let v = &g.verdict;
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
            "accepted": v.accepted,
            "reason": v.reason,
            "validation_failure": v.validation_failure.as_ref().map(|(c, _)| c.as_str()),
            "checks": checks,
        });
        writeln!(out, "{row}").map_err(CliError::failure)?;
    }
    out.flush().map_err(CliError::failure)?;
    let accepted = graded.iter().filter(|g| g.verdict.accepted).count();
    Ok((accepted, graded.len()))
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
        }
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
}
