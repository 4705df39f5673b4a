//! `grade --db`: the verdicts recorded as a run of kind `graded`, so `rank`, `report`
//! and `compare` read graded logs as they read a suite's runs.
//!
//! One dataset, named after the cases file, with its cases; one target per model that
//! served (or the one `--target` names), of kind `route`; per response a result and the
//! one attempt the log describes (model, provider, tokens, cost, latency, the answer as
//! stored). Several responses to a case on one target are its repeats, in file order.
//! A figure the log does not give is not made up: the cost is unknown (as a billed
//! answer with no price is in a run) and the latency 0.

use super::{GradeFiles, Graded, Grading};
use crate::run::{git_rev, new_run_id};
use crate::{EngineError, EngineResult};
use anyhow::anyhow;
use routeval_core::hash::{hash64, short_hash};
use routeval_core::limits::Limits;
use routeval_core::record::CostSource;
use routeval_core::{AttemptRecord, CaseOutcome, LoadError, ResultRecord};
use routeval_store::{spawn_writer, NewDataset, NewRun, Store, RUN_KIND_GRADED};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

/// Where to record graded verdicts, and under which target.
#[derive(Clone, Debug, Default)]
pub struct RecordOptions {
    /// The results database: `sqlite://PATH`, a path, or `postgres://...`.
    pub db: String,
    /// One target for every response; by default, one per model that served.
    pub target: Option<String>,
}

/// A graded run as recorded.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub run_id: String,
    pub dataset: String,
    pub targets: Vec<String>,
    /// Results written.
    pub results: u64,
}

/// Record `grading` as a new run of kind `graded`. A response with no model to name its
/// target, when no target is given, is bad input (nothing is written).
pub async fn record(
    files: &GradeFiles,
    grading: &Grading,
    opts: &RecordOptions,
) -> EngineResult<Recorded> {
    let mut target_of = Vec::with_capacity(grading.graded.len());
    for g in &grading.graded {
        let name = match (&opts.target, &g.log.model) {
            (Some(target), _) => target.as_str(),
            (None, Some(model)) => model.as_str(),
            (None, None) => {
                return Err(LoadError::new(
                    &files.responses,
                    "the response names no model to record it under: give `--target NAME`",
                )
                .at_line(g.line)
                .with_key("model")
                .into())
            }
        };
        target_of.push(name);
    }
    let mut models: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (g, target) in grading.graded.iter().zip(&target_of) {
        let served = models.entry(target).or_default();
        if let Some(model) = &g.log.model {
            served.insert(model);
        }
    }
    let dataset = dataset_name(&files.cases);
    let store = Store::open(&opts.db).await?;
    let run_id = new_run_id();
    let absolute = |p: &Path| {
        std::fs::canonicalize(p)
            .unwrap_or_else(|_| p.to_path_buf())
            .display()
            .to_string()
    };
    let config_json = json!({
        "graded": {
            "scorer": absolute(&files.scorer),
            "cases": absolute(&files.cases),
            "responses": absolute(&files.responses),
            "schema": files.schema.as_deref().map(absolute),
            "tools": files.tools.as_deref().map(absolute),
            "target": opts.target,
        }
    })
    .to_string();
    let folder = files
        .cases
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    store
        .create_run_of_kind(
            &NewRun {
                id: run_id.clone(),
                suite: dataset.clone(),
                suite_path: absolute(&files.cases),
                started_at_ms: routeval_runner::now_ms(),
                config_hash: short_hash(config_json.as_bytes()),
                config_json,
                suite_toml: None,
                git_rev: git_rev(folder),
                simulated: false,
            },
            RUN_KIND_GRADED,
        )
        .await?;
    let written = write_run(
        &store,
        &run_id,
        &dataset,
        &files.scorer,
        grading,
        &target_of,
        &models,
    )
    .await;
    let marked = match &written {
        Ok(_) => {
            store
                .set_run_status(&run_id, "completed", Some(routeval_runner::now_ms()), None)
                .await
        }
        Err(e) => {
            let reason = format!("{:#}", e.error());
            store
                .set_run_status(
                    &run_id,
                    "failed",
                    Some(routeval_runner::now_ms()),
                    Some(&reason),
                )
                .await
        }
    };
    store.close().await;
    let results = written?;
    marked?;
    Ok(Recorded {
        run_id,
        dataset,
        targets: models.keys().map(|t| t.to_string()).collect(),
        results,
    })
}

/// The dataset a cases file becomes: its name without the extension.
fn dataset_name(cases: &Path) -> String {
    cases
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "cases".into())
}

/// The dataset, its cases, the targets, and every verdict through the writer.
async fn write_run(
    store: &Store,
    run_id: &str,
    dataset: &str,
    scorer: &Path,
    grading: &Grading,
    target_of: &[&str],
    models: &BTreeMap<&str, BTreeSet<&str>>,
) -> EngineResult<u64> {
    store
        .record_dataset(
            run_id,
            &NewDataset {
                name: dataset,
                task: "graded",
                privacy: "internal",
                scorer_path: &scorer.display().to_string(),
                min_acceptance: routeval_core::config::DEFAULT_MIN_ACCEPTANCE,
                baseline: None,
                case_count: grading.cases.len(),
            },
        )
        .await?;
    for chunk in grading.cases.chunks(2_000) {
        store.record_cases(run_id, dataset, chunk).await?;
    }
    for (target, served) in models {
        let spec = match served.len() {
            1 => json!({ "model": served.first() }),
            _ => json!({ "served_models": served }),
        }
        .to_string();
        store
            .record_target(run_id, target, "route", &spec, &short_hash(spec.as_bytes()))
            .await?;
    }
    let writer = spawn_writer(store, run_id, 256);
    let mut repeats: HashMap<(&str, &str), u32> = HashMap::new();
    let max_stored = Limits::default().max_stored_text_bytes as usize;
    let mut sent = Ok(());
    for (g, target) in grading.graded.iter().zip(target_of) {
        let repeat = repeats.entry((target, g.case_id.as_str())).or_insert(0);
        let outcome = outcome(g, target, dataset, *repeat, max_stored);
        *repeat += 1;
        if writer.sender.send(outcome).await.is_err() {
            sent = Err(EngineError::failure(anyhow!(
                "the result writer stopped taking results"
            )));
            break;
        }
    }
    drop(writer.sender);
    let written = writer
        .task
        .await
        .map_err(|e| EngineError::failure(anyhow!("result writer crashed: {e}")))?
        .map_err(|e| EngineError::failure(anyhow!("results could not be recorded: {e}")))?;
    sent.map(|()| written)
}

/// One graded response as a result and the attempt its log describes.
fn outcome(g: &Graded, target: &str, dataset: &str, repeat: u32, max_stored: usize) -> CaseOutcome {
    let log = &g.log;
    let v = &g.verdict;
    let accepted = v.accepted;
    let error_class = if accepted {
        None
    } else {
        v.validation_failure.as_ref().map(|(class, _)| *class)
    };
    let reason = match error_class {
        Some(_) => v.validation_reason().unwrap_or_else(|| v.reason.clone()),
        None => v.reason.clone(),
    };
    let latency_ms = log.latency_ms.unwrap_or(0.0);
    let tool_calls = log
        .tool_calls
        .as_deref()
        .filter(|c| !c.is_empty())
        .and_then(|c| routeval_runner::stored_tool_calls(c, max_stored));
    let attempt = AttemptRecord {
        target: target.to_string(),
        route: target.to_string(),
        dataset: dataset.to_string(),
        case_id: g.case_id.clone(),
        repeat,
        request_id: log
            .generation_id
            .clone()
            .unwrap_or_else(|| format!("line-{}", g.line)),
        request_hash: format!(
            "{:016x}",
            hash64(format!("{}:{}", g.line, g.case_id).as_bytes())
        ),
        // The exchange itself went through; what failed validation is the result's.
        served_model: log.model.clone(),
        served_provider: log.provider.clone(),
        generation_id: log.generation_id.clone(),
        prompt_tokens: log.tokens.prompt,
        completion_tokens: log.tokens.completion,
        cached_tokens: log.tokens.cached,
        reasoning_tokens: log.tokens.reasoning,
        cost: log.cost,
        cost_source: Some(match log.cost {
            Some(_) => CostSource::Reported,
            None => CostSource::Unknown,
        }),
        latency_ms,
        chunks: log.chunks,
        finish_reason: log.finish_reason.clone(),
        native_finish_reason: log.native_finish_reason.clone(),
        content: log
            .content
            .as_deref()
            .map(|c| routeval_runner::stored_text(c, max_stored)),
        content_bytes: log.content.as_ref().map(|c| c.len() as u64),
        tool_calls: tool_calls.as_ref().map(|(json, _)| json.clone()),
        tool_calls_bytes: tool_calls.map(|(_, bytes)| bytes),
        started_at_ms: log.created_ms.unwrap_or_else(routeval_runner::now_ms),
        ..AttemptRecord::default()
    };
    let mut scores = v.scores.clone();
    scores.extend(routeval_scorer::retry_scores(1, 0, 0, accepted));
    CaseOutcome {
        attempts: vec![attempt],
        result: ResultRecord {
            target: target.to_string(),
            target_kind: "route".into(),
            dataset: dataset.to_string(),
            case_id: g.case_id.clone(),
            repeat,
            accepted,
            served_step: Some(0),
            served_route: Some(target.to_string()),
            attempts: 1,
            validation_retries: 0,
            transport_retries: 0,
            cost: log.cost,
            latency_ms,
            ttft_ms: None,
            error_class,
            reason,
            scores,
        },
        judging: Default::default(),
    }
}
