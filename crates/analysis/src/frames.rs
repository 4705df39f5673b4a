//! A run's rows, loaded through the store and laid out as polars DataFrames.

use crate::Result;
use polars::prelude::*;
use routeval_store::{AttemptRow, DatasetRow, ResultRow, RunRow, ScoreRow, Store, TargetRow};

/// Everything the analysis reads about one run.
pub struct RunData {
    pub run: RunRow,
    pub datasets: Vec<DatasetRow>,
    pub targets: Vec<TargetRow>,
    /// One row per (target, dataset, case, repeat).
    pub results: DataFrame,
    /// One row per check verdict.
    pub scores: DataFrame,
    /// One row per HTTP attempt (no content).
    pub attempts: DataFrame,
    /// One row per (dataset, case, tag); untagged cases have no row.
    pub case_tags: DataFrame,
    /// Pairs refused before sending, and served-provider policy violations.
    pub governance: Governance,
    /// Answers of the datasets that name a baseline, for the baseline comparison.
    pub reviews: Vec<routeval_store::ReviewAnswer>,
    /// What `judge` checks cost, per dataset, target, judge route and check.
    pub judge_spend: Vec<routeval_store::JudgeSpend>,
}

/// What governance recorded about a run: shown loudly in every report.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Governance {
    pub exclusions: Vec<routeval_store::ExclusionRow>,
    pub violations: Vec<Violation>,
    /// The latest probe matrix (`routeval probe`) of the run's routes, refused ones included.
    pub probes: Vec<routeval_store::ProbeRow>,
}

/// Attempts served by a provider outside their dataset's privacy policy.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Violation {
    pub dataset: String,
    pub target: String,
    pub served_provider: Option<String>,
    pub detail: String,
    pub attempts: i64,
}

/// The rows a [`RunData`] is built from: what the store returns, or a hand-built fixture.
#[derive(Default)]
pub struct RunRows {
    pub results: Vec<ResultRow>,
    pub scores: Vec<ScoreRow>,
    pub attempts: Vec<AttemptRow>,
    /// (dataset, case id, tags as a JSON array).
    pub case_tags: Vec<(String, String, String)>,
}

/// A column from any iterator of polars-native values.
macro_rules! column {
    ($rows:expr, $name:literal, |$r:ident| $value:expr) => {
        Column::new(
            $name.into(),
            $rows.iter().map(|$r| $value).collect::<Vec<_>>(),
        )
    };
}

impl RunData {
    pub async fn load(store: &Store, run: Option<&str>) -> Result<Self> {
        let run = store.run_or_latest(run).await?;
        let datasets = store.datasets(&run.id).await?;
        let targets = store.targets(&run.id).await?;
        let results = load_results(store, &run.id).await?;
        let rows = RunRows {
            results: Vec::new(),
            scores: store.scores(&run.id).await?,
            attempts: store.attempts(&run.id).await?,
            case_tags: store.case_tags(&run.id).await?,
        };
        let mut data = Self::from_rows(run, datasets, targets, rows)?;
        data.results = results;
        data.judge_spend = store.judge_spend(&data.run.id).await?;
        if data.datasets.iter().any(|d| d.baseline.is_some()) {
            data.reviews = store.review_answers(&data.run.id).await?;
        }
        data.governance = Governance {
            exclusions: store.exclusions(&data.run.id).await?,
            violations: store
                .policy_violations(&data.run.id)
                .await?
                .into_iter()
                .map(
                    |(dataset, target, served_provider, detail, attempts)| Violation {
                        dataset,
                        target,
                        served_provider,
                        detail,
                        attempts,
                    },
                )
                .collect(),
            probes: Vec::new(),
        };
        let mut routes: Vec<String> = data
            .targets
            .iter()
            .filter(|t| t.kind == "route")
            .map(|t| t.name.clone())
            .chain(data.governance.exclusions.iter().map(|e| e.target.clone()))
            .collect();
        routes.sort();
        routes.dedup();
        if !routes.is_empty() {
            data.governance.probes = store.latest_probes(&routes).await?;
        }
        Ok(data)
    }

    /// Lay rows out as DataFrames (also how tests build fixtures).
    pub fn from_rows(
        run: RunRow,
        datasets: Vec<DatasetRow>,
        targets: Vec<TargetRow>,
        rows: RunRows,
    ) -> Result<Self> {
        Ok(Self {
            results: results_frame(&rows.results)?,
            scores: scores_frame(&rows.scores)?,
            attempts: attempts_frame(&rows.attempts)?,
            case_tags: tags_frame(&rows.case_tags)?,
            governance: Governance::default(),
            reviews: Vec::new(),
            judge_spend: Vec::new(),
            run,
            datasets,
            targets,
        })
    }

    pub fn min_acceptance(&self, dataset: &str) -> f64 {
        self.datasets
            .iter()
            .find(|d| d.name == dataset)
            .map_or(0.8, |d| d.min_acceptance)
    }

    /// The spec of a recorded target, parsed.
    pub fn spec(&self, target: &str) -> Option<serde_json::Value> {
        self.targets
            .iter()
            .find(|t| t.name == target)
            .and_then(|t| serde_json::from_str(&t.spec_json).ok())
    }
}

pub fn results_frame(rows: &[ResultRow]) -> Result<DataFrame> {
    Ok(DataFrame::new_infer_height(vec![
        column!(rows, "target", |r| r.target.as_str()),
        column!(rows, "target_kind", |r| r.target_kind.as_str()),
        column!(rows, "dataset", |r| r.dataset.as_str()),
        column!(rows, "case_id", |r| r.case_id.as_str()),
        column!(rows, "repeat", |r| r.repeat),
        column!(rows, "accepted", |r| r.accepted),
        column!(rows, "served_step", |r| r.served_step),
        column!(rows, "attempts", |r| r.attempts),
        column!(rows, "validation_retries", |r| r.validation_retries),
        column!(rows, "transport_retries", |r| r.transport_retries),
        column!(rows, "cost", |r| r.cost),
        column!(rows, "latency_ms", |r| r.latency_ms),
        column!(rows, "ttft_ms", |r| r.ttft_ms),
        column!(rows, "error_class", |r| r.error_class.as_deref()),
    ])?)
}

/// The frame [`results_frame`] lays out from [`Store::results`], filled column by column
/// as the rows arrive ([`Store::each_result`]): no row is held, and no string is copied
/// but into its column.
async fn load_results(store: &Store, run_id: &str) -> Result<DataFrame> {
    let columns = store
        .each_result(run_id, ResultColumns::new(), |c, r| {
            c.target.append_value(r.target);
            c.target_kind.append_value(r.target_kind);
            c.dataset.append_value(r.dataset);
            c.case_id.append_value(r.case_id);
            c.repeat.push(r.repeat);
            c.accepted.push(r.accepted);
            c.served_step.push(r.served_step);
            c.attempts.push(r.attempts);
            c.validation_retries.push(r.validation_retries);
            c.transport_retries.push(r.transport_retries);
            c.cost.push(r.cost);
            c.latency_ms.push(r.latency_ms);
            c.ttft_ms.push(r.ttft_ms);
            c.error_class.append_option(r.error_class);
        })
        .await?;
    columns.finish()
}

/// The columns of [`results_frame`], being filled.
struct ResultColumns {
    target: StringChunkedBuilder,
    target_kind: StringChunkedBuilder,
    dataset: StringChunkedBuilder,
    case_id: StringChunkedBuilder,
    repeat: Vec<i64>,
    accepted: Vec<bool>,
    served_step: Vec<Option<i64>>,
    attempts: Vec<i64>,
    validation_retries: Vec<i64>,
    transport_retries: Vec<i64>,
    cost: Vec<Option<f64>>,
    latency_ms: Vec<f64>,
    ttft_ms: Vec<Option<f64>>,
    error_class: StringChunkedBuilder,
}

impl ResultColumns {
    fn new() -> Self {
        let text = |name: &str| StringChunkedBuilder::new(name.into(), 0);
        Self {
            target: text("target"),
            target_kind: text("target_kind"),
            dataset: text("dataset"),
            case_id: text("case_id"),
            repeat: Vec::new(),
            accepted: Vec::new(),
            served_step: Vec::new(),
            attempts: Vec::new(),
            validation_retries: Vec::new(),
            transport_retries: Vec::new(),
            cost: Vec::new(),
            latency_ms: Vec::new(),
            ttft_ms: Vec::new(),
            error_class: text("error_class"),
        }
    }

    fn finish(self) -> Result<DataFrame> {
        Ok(DataFrame::new_infer_height(vec![
            self.target.finish().into_column(),
            self.target_kind.finish().into_column(),
            self.dataset.finish().into_column(),
            self.case_id.finish().into_column(),
            Column::new("repeat".into(), self.repeat),
            Column::new("accepted".into(), self.accepted),
            Column::new("served_step".into(), self.served_step),
            Column::new("attempts".into(), self.attempts),
            Column::new("validation_retries".into(), self.validation_retries),
            Column::new("transport_retries".into(), self.transport_retries),
            Column::new("cost".into(), self.cost),
            Column::new("latency_ms".into(), self.latency_ms),
            Column::new("ttft_ms".into(), self.ttft_ms),
            self.error_class.finish().into_column(),
        ])?)
    }
}

fn scores_frame(rows: &[ScoreRow]) -> Result<DataFrame> {
    let enums: Vec<_> = rows.iter().map(enum_cell).collect();
    Ok(DataFrame::new_infer_height(vec![
        column!(rows, "target", |r| r.target.as_str()),
        column!(rows, "dataset", |r| r.dataset.as_str()),
        column!(rows, "case_id", |r| r.case_id.as_str()),
        column!(rows, "repeat", |r| r.repeat),
        column!(rows, "check", |r| r.check_name.as_str()),
        column!(rows, "pass", |r| r.pass),
        column!(rows, "value", |r| r.value),
        column!(rows, "detail", |r| r.detail.as_deref()),
        column!(enums, "enum_field", |e| e.as_ref().map(|e| e.0)),
        column!(enums, "expected", |e| e.as_ref().map(|e| e.1.as_str())),
        column!(enums, "got", |e| e.as_ref().map(|e| e.2.as_str())),
    ])?)
}

/// `enum.<field>` verdicts: (field, expected label, got label) from the detail JSON,
/// parsed here because the polars build has no JSON or string kernels.
fn enum_cell(row: &ScoreRow) -> Option<(&str, String, String)> {
    let field = row.check_name.strip_prefix("enum.")?;
    let detail: serde_json::Value = serde_json::from_str(row.detail.as_deref()?).ok()?;
    Some((field, label(&detail["expected"]), label(&detail["got"])))
}

/// A JSON value as a confusion-matrix label: strings bare, absent as `(none)`.
pub fn label(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "(none)".into(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn attempts_frame(rows: &[AttemptRow]) -> Result<DataFrame> {
    Ok(DataFrame::new_infer_height(vec![
        column!(rows, "target", |r| r.target.as_str()),
        column!(rows, "route", |r| r.route.as_str()),
        column!(rows, "chain_step", |r| r.chain_step),
        column!(rows, "dataset", |r| r.dataset.as_str()),
        column!(rows, "case_id", |r| r.case_id.as_str()),
        column!(rows, "repeat", |r| r.repeat),
        column!(rows, "status", |r| r.status),
        column!(rows, "error_class", |r| r.error_class.as_deref()),
        column!(rows, "served_model", |r| r.served_model.as_deref()),
        column!(rows, "served_provider", |r| r.served_provider.as_deref()),
        column!(rows, "prompt_tokens", |r| r.prompt_tokens),
        column!(rows, "completion_tokens", |r| r.completion_tokens),
        column!(rows, "cached_tokens", |r| r.cached_tokens),
        column!(rows, "reasoning_tokens", |r| r.reasoning_tokens),
        column!(rows, "cost", |r| r.cost),
        column!(rows, "latency_ms", |r| r.latency_ms),
        column!(rows, "ttft_ms", |r| r.ttft_ms),
    ])?)
}

/// One row per tag: tags are few per case, so the explosion is done while loading.
fn tags_frame(rows: &[(String, String, String)]) -> Result<DataFrame> {
    let exploded: Vec<(&str, &str, String)> = rows
        .iter()
        .flat_map(|(ds, case, json)| {
            serde_json::from_str::<Vec<String>>(json)
                .unwrap_or_default()
                .into_iter()
                .map(move |tag| (ds.as_str(), case.as_str(), tag))
        })
        .collect();
    Ok(DataFrame::new_infer_height(vec![
        column!(exploded, "dataset", |r| r.0),
        column!(exploded, "case_id", |r| r.1),
        column!(exploded, "tag", |r| r.2.as_str()),
    ])?)
}
