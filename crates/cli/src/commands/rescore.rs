//! `routeval rescore`: re-grade a run's stored answers with the suite's scorers (or
//! others given with `--scorer`), calling no model, into a new numbered set of
//! verdicts (`scoring = n`). The live verdicts (`scoring = 0`) are kept.

use crate::args::RescoreArgs;
use crate::exit::{CliError, CliResult, SUCCESS};
use anyhow::anyhow;
use routeval_core::dataset::load_attachments;
use routeval_core::message::ToolCall;
use routeval_core::{ErrorClass, ResultRecord, ScorerSpec, Suite};
use routeval_scorer::{rescore_batch, Answer, RescoreItem, Scorer};
use routeval_store::{Store, StoredAnswer};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub async fn run(args: RescoreArgs) -> CliResult<u8> {
    let store = Store::open(&args.db.db).await?;
    let run = store.run_or_latest(Some(&args.run)).await?;
    let suite = match &args.suite {
        Some(path) => Suite::load(path)?,
        None => stored_suite(&store, &run.id, &run.suite_path).await?,
    };
    let overrides = parse_overrides(&args.scorer)?;
    let answers = store.stored_answers(&run.id).await?;
    if answers.is_empty() {
        return Err(CliError::input(anyhow!(
            "run {} has no results to rescore",
            run.id
        )));
    }

    let mut by_dataset: BTreeMap<&str, Vec<&StoredAnswer>> = BTreeMap::new();
    for a in &answers {
        by_dataset.entry(a.dataset.as_str()).or_default().push(a);
    }
    let mut regraded: Vec<ResultRecord> = Vec::with_capacity(answers.len());
    let mut sources = Vec::new();
    let mut judgings = Vec::new();
    for (dataset, rows) in &by_dataset {
        let (scorer, spec_path) = scorer_for(&suite, dataset, &overrides)?;
        sources.push(format!("{dataset}={}", spec_path.display()));
        let decoded = rows
            .iter()
            .map(|a| decode(a))
            .collect::<CliResult<Vec<Decoded>>>()?;
        let items: Vec<RescoreItem<'_>> = decoded
            .iter()
            .map(|d| RescoreItem {
                original: &d.original,
                answer: d.answered.then(|| Answer {
                    content: d.content.as_deref(),
                    tool_calls: Some(&d.tool_calls),
                    latency_ms: None,
                    cost: None,
                }),
                expected: d.expected.as_ref(),
            })
            .collect();
        let mut results = rescore_batch(&scorer, &items);
        let judged =
            crate::judging::rejudge(&suite, &store, &run.id, &scorer, rows, &mut results).await?;
        let before = decoded.iter().filter(|d| d.original.accepted).count();
        let after = results.iter().filter(|r| r.accepted).count();
        let judges = if judged.cached + judged.asked > 0 {
            format!(
                "; judge verdicts: {} cached, {} asked for",
                judged.cached, judged.asked
            )
        } else {
            String::new()
        };
        eprintln!(
            "{dataset}: {} results, accepted {after} (live verdicts: {before}){judges}",
            results.len()
        );
        regraded.extend(results);
        judgings.extend(judged.judgings);
    }
    let scoring = store
        .record_scoring(
            &run.id,
            &format!("rescore {}", sources.join(" ")),
            routeval_runner::now_ms(),
            &regraded,
        )
        .await?;
    if !judgings.is_empty() {
        store.record_judging(&run.id, scoring, &judgings).await?;
    }
    store.close().await;
    println!(
        "run {}: {} results re-graded as scoring {scoring}",
        run.id,
        regraded.len()
    );
    Ok(SUCCESS)
}

/// The suite as run: `runs.config_json`, its relative paths read from the folder of
/// the suite file the run was started with.
async fn stored_suite(store: &Store, run_id: &str, suite_path: &str) -> CliResult<Suite> {
    let json = store.run_config_json(run_id).await?;
    let mut suite: Suite = serde_json::from_str(&json).map_err(|e| {
        CliError::failure(anyhow!(
            "run {run_id}: the stored suite cannot be read: {e}"
        ))
    })?;
    suite.path = PathBuf::from(suite_path);
    suite.base_dir = suite
        .path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    Ok(suite)
}

/// `--scorer FILE` (every dataset, key "") or `--scorer DATASET=FILE`.
fn parse_overrides(values: &[String]) -> CliResult<BTreeMap<String, PathBuf>> {
    let mut out = BTreeMap::new();
    for v in values {
        let (dataset, file) = match v.split_once('=') {
            Some((d, f)) => (d.to_string(), f),
            None => (String::new(), v.as_str()),
        };
        if out.insert(dataset.clone(), PathBuf::from(file)).is_some() {
            return Err(CliError::input(anyhow!(
                "--scorer: given twice for {}",
                if dataset.is_empty() {
                    "every dataset"
                } else {
                    &dataset
                }
            )));
        }
    }
    Ok(out)
}

fn scorer_for(
    suite: &Suite,
    dataset: &str,
    overrides: &BTreeMap<String, PathBuf>,
) -> CliResult<(Scorer, PathBuf)> {
    let Some(config) = suite.datasets.get(dataset) else {
        return Err(CliError::input(anyhow!(
            "the run's dataset `{dataset}` is not in suite {}",
            suite.path.display()
        )));
    };
    let spec_path = overrides
        .get(dataset)
        .or_else(|| overrides.get(""))
        .cloned()
        .unwrap_or_else(|| suite.resolve(&config.scorer));
    let spec = ScorerSpec::load(&spec_path)?;
    let (schema, tools) = load_attachments(suite, config)?;
    let scorer = Scorer::new(spec, schema.as_deref(), tools.as_deref())
        .map_err(|e| CliError::input(anyhow!("dataset `{dataset}`: {e}")))?;
    Ok((scorer, spec_path))
}

/// A stored row with its JSON decoded, owning what the scorer borrows.
struct Decoded {
    original: ResultRecord,
    answered: bool,
    content: Option<String>,
    tool_calls: Vec<ToolCall>,
    expected: Option<Value>,
}

fn decode(a: &StoredAnswer) -> CliResult<Decoded> {
    let at = || format!("{}/{}/{}#{}", a.dataset, a.target, a.case_id, a.repeat);
    let tool_calls = match &a.tool_calls_json {
        Some(json) => serde_json::from_str(json).map_err(|e| {
            CliError::failure(anyhow!("stored tool calls of {} cannot be read: {e}", at()))
        })?,
        None => Vec::new(),
    };
    let expected = match &a.expected_json {
        Some(json) => Some(serde_json::from_str(json).map_err(|e| {
            CliError::failure(anyhow!(
                "stored expected answer of {} cannot be read: {e}",
                at()
            ))
        })?),
        None => None,
    };
    let error_class = match &a.error_class {
        Some(c) => Some(c.parse::<ErrorClass>().map_err(|_| {
            CliError::failure(anyhow!("unknown stored error class `{c}` on {}", at()))
        })?),
        None => None,
    };
    Ok(Decoded {
        original: ResultRecord {
            target: a.target.clone(),
            target_kind: a.target_kind.clone(),
            dataset: a.dataset.clone(),
            case_id: a.case_id.clone(),
            repeat: a.repeat as u32,
            accepted: a.accepted,
            served_step: a.served_step.map(|s| s as u32),
            served_route: a.served_route.clone(),
            attempts: a.attempts as u32,
            validation_retries: a.validation_retries as u32,
            transport_retries: a.transport_retries as u32,
            cost: a.cost,
            latency_ms: a.latency_ms,
            ttft_ms: a.ttft_ms,
            error_class,
            reason: a.reason.clone(),
            scores: Vec::new(),
        },
        answered: a.served_step.is_some(),
        content: a.content.clone(),
        tool_calls,
        expected,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::DbArg;
    use routeval_core::{AttemptRecord, CaseOutcome};
    use routeval_store::{spawn_writer, NewRun};

    const SUITE: &str = r#"name = "t"

[endpoints.sim]
kind = "openrouter"
base_url = "http://127.0.0.1:9/api/v1"
simulated = true

[routes.r]
endpoint = "sim"
model = "sim/x"

[datasets.d]
path = "cases.jsonl"
task = "classification"
scorer = "scorer.toml"
schema = "schema.json"
"#;

    fn outcome(case_id: &str, content: &str, accepted: bool) -> CaseOutcome {
        let attempt = AttemptRecord {
            target: "r".into(),
            route: "r".into(),
            dataset: "d".into(),
            case_id: case_id.into(),
            request_id: format!("req-{case_id}"),
            content: Some(content.into()),
            latency_ms: 40.0,
            ..AttemptRecord::default()
        };
        CaseOutcome {
            attempts: vec![attempt],
            result: ResultRecord {
                target: "r".into(),
                target_kind: "route".into(),
                dataset: "d".into(),
                case_id: case_id.into(),
                repeat: 0,
                accepted,
                served_step: Some(0),
                served_route: Some("r".into()),
                attempts: 1,
                validation_retries: 0,
                transport_retries: 0,
                cost: 0.001,
                latency_ms: 40.0,
                ttft_ms: None,
                error_class: None,
                reason: "live".into(),
                scores: Vec::new(),
            },
            judging: Default::default(),
        }
    }

    #[tokio::test]
    async fn rescoring_writes_numbered_verdicts_without_touching_live_ones() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("suite.toml"), SUITE).unwrap();
        std::fs::write(
            d.join("cases.jsonl"),
            concat!(
                r#"{"id":"a","messages":[{"role":"user","content":"x"}],"expected":{"label":"Yes"}}"#,
                "\n",
                r#"{"id":"b","messages":[{"role":"user","content":"y"}],"expected":{"label":"no"}}"#,
                "\n"
            ),
        )
        .unwrap();
        std::fs::write(
            d.join("schema.json"),
            r#"{"type":"object","properties":{"label":{"type":"string"}},"required":["label"]}"#,
        )
        .unwrap();
        std::fs::write(
            d.join("scorer.toml"),
            "[[checks]]\nkind = \"json\"\nlenient = true\n[[checks]]\nkind = \"schema\"\n[[checks]]\nkind = \"fields\"\n",
        )
        .unwrap();
        std::fs::write(
            d.join("strict.toml"),
            "[[checks]]\nkind = \"json\"\n[[checks]]\nkind = \"fields\"\nignore_case = false\n",
        )
        .unwrap();
        let suite_path = d.join("suite.toml");
        let suite = Suite::load(&suite_path).unwrap();
        let db = format!("sqlite://{}", d.join("r.db").display());
        let store = Store::open(&db).await.unwrap();
        store
            .create_run(&NewRun {
                id: "run1".into(),
                suite: "t".into(),
                suite_path: suite_path.display().to_string(),
                started_at_ms: 1,
                config_json: serde_json::to_string(&suite).unwrap(),
                config_hash: suite.hash.clone(),
                git_rev: None,
                simulated: true,
            })
            .await
            .unwrap();
        let cases = routeval_core::dataset::load_cases(&d.join("cases.jsonl")).unwrap();
        store
            .record_dataset(
                "run1",
                &routeval_store::NewDataset {
                    name: "d",
                    task: "classification",
                    privacy: "internal",
                    scorer_path: "scorer.toml",
                    min_acceptance: 0.5,
                    baseline: None,
                    case_count: cases.len(),
                },
            )
            .await
            .unwrap();
        store.record_cases("run1", "d", &cases).await.unwrap();
        let writer = spawn_writer(&store, "run1", 4);
        // "a" answered in a fence with different case: lenient and case-insensitive
        // by the suite's scorer, rejected by the strict one.
        writer
            .sender
            .send(outcome("a", "```json\n{\"label\": \"yes\"}\n```", true))
            .await
            .unwrap();
        writer
            .sender
            .send(outcome("b", "{\"label\": \"no\"}", true))
            .await
            .unwrap();
        drop(writer.sender);
        writer.task.await.unwrap().unwrap();

        let args = |scorer: Vec<String>| RescoreArgs {
            run: "run1".into(),
            scorer,
            suite: None,
            db: DbArg { db: db.clone() },
        };
        run(args(vec![])).await.unwrap();
        let strict = format!("d={}", d.join("strict.toml").display());
        run(args(vec![strict])).await.unwrap();

        assert_eq!(store.latest_scoring("run1").await.unwrap(), 2);
        let rows: Vec<(i64, String, bool)> = sqlx::query_as(
            "SELECT scoring, case_id, accepted FROM results WHERE run_id = 'run1' ORDER BY scoring, case_id",
        )
        .fetch_all(store.pool())
        .await
        .unwrap();
        let got: Vec<(i64, &str, bool)> =
            rows.iter().map(|(s, c, a)| (*s, c.as_str(), *a)).collect();
        assert_eq!(
            got,
            vec![
                (0, "a", true),
                (0, "b", true),
                (1, "a", true),
                (1, "b", true),
                (2, "a", false),
                (2, "b", true),
            ]
        );
        let (strict_row,): (bool,) = sqlx::query_as(
            "SELECT pass FROM scores WHERE run_id = 'run1' AND scoring = 1 AND case_id = 'a' AND check_name = 'json.strict'",
        )
        .fetch_one(store.pool())
        .await
        .unwrap();
        assert!(!strict_row, "valid only after cleanup is recorded");
        let (reason, class): (String, Option<String>) = sqlx::query_as(
            "SELECT reason, error_class FROM results WHERE run_id = 'run1' AND scoring = 2 AND case_id = 'a'",
        )
        .fetch_one(store.pool())
        .await
        .unwrap();
        assert!(reason.starts_with("failed json, fields"), "{reason}");
        assert_eq!(class.as_deref(), Some("invalid_json"));

        let err = run(args(vec!["nope=x.toml".into(), "nope=y.toml".into()]))
            .await
            .unwrap_err();
        assert_eq!(err.code, crate::exit::BAD_INPUT);
        store.close().await;
    }
}
