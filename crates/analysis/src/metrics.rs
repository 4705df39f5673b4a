//! Metrics per dataset x target, computed with polars, and the ranking built on them.
//!
//! Every figure is a polars expression over the run's frames; [`compute_metrics`] only
//! composes them into lazy group-bys and joins, then reads the rows out.

use crate::frames::RunData;
use crate::stats::wilson_interval;
use crate::Result;
use polars::prelude::*;
use serde::Serialize;
use std::collections::HashMap;

/// The figures of one target (route or chain) on one dataset.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TargetMetrics {
    pub dataset: String,
    pub target: String,
    pub kind: String,
    pub cases: u64,
    pub accepted: u64,
    pub acceptance: f64,
    /// 95% Wilson interval of the acceptance rate.
    pub acceptance_low: f64,
    pub acceptance_high: f64,
    pub schema_valid_rate: Option<f64>,
    pub enum_accuracy: Option<f64>,
    pub tool_accuracy: Option<f64>,
    /// Accuracy and confusion matrix of each `enum.<field>` check.
    pub enum_fields: Vec<EnumField>,
    pub mean_attempts: f64,
    pub mean_validation_retries: f64,
    pub mean_transport_retries: f64,
    /// Share of accepted results that needed at least one retry (validation or transport).
    pub retried_accepted_share: Option<f64>,
    /// Share of results whose final failure had a class (no usable answer).
    pub error_rate: f64,
    /// Final error classes of results, as shares of all results, most frequent first.
    pub error_class_rates: Vec<(String, f64)>,
    /// Chains only: share of results served by a step after the first.
    pub chain_fallback_rate: Option<f64>,
    /// Share of answered attempts whose served model differs from the route's requested
    /// model (OpenRouter's server-side `models` fallback).
    pub server_fallback_rate: Option<f64>,
    /// Tokens over every attempt, divided by accepted results.
    pub prompt_tokens_per_accepted: Option<f64>,
    pub completion_tokens_per_accepted: Option<f64>,
    pub cached_tokens_per_accepted: Option<f64>,
    pub reasoning_tokens_per_accepted: Option<f64>,
    pub p50_latency_ms: f64,
    pub p90_latency_ms: f64,
    pub p95_latency_ms: f64,
    pub p99_latency_ms: f64,
    pub p50_ttft_ms: Option<f64>,
    pub p90_ttft_ms: Option<f64>,
    pub p99_ttft_ms: Option<f64>,
    /// All spend, failed attempts and retries included; `None` when unknown (some
    /// result's cost is unknown: billed where no price was known).
    pub total_cost: Option<f64>,
    /// All spend (failed attempts and retries included) over accepted results; `None`
    /// when nothing was accepted or the spend is unknown (see `cost_known`).
    pub cost_per_accepted: Option<f64>,
    /// Every result's cost is known. When not, the cost figures are unknown: the target
    /// is never taken for the cheapest nor put on the cost frontier.
    pub cost_known: bool,
    /// Results whose cost is unknown.
    pub unknown_cost_results: u64,
    /// Providers that served successful attempts, with their shares.
    pub providers: Vec<(String, f64)>,
    /// The most frequent failure classes among attempts, with counts.
    pub top_errors: Vec<(String, u64)>,
    /// On the cost-quality Pareto frontier of its dataset (set by [`rank`]).
    pub pareto: bool,
    /// Run with `--force` although a capability rule refused it: its figures measure
    /// a pair the checks said would not work.
    pub forced: bool,
    /// The rules it was forced past (`capability.tools`, `probe.json_schema`, ...).
    pub forced_rules: Vec<String>,
}

/// One enum field's accuracy and its confusion matrix.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EnumField {
    pub field: String,
    pub n: u64,
    pub accuracy: f64,
    /// (expected, got, count), most frequent first.
    pub confusion: Vec<ConfusionCell>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ConfusionCell {
    pub expected: String,
    pub got: String,
    pub count: u64,
}

/// Acceptance of one target on the cases of one tag.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TagMetrics {
    pub dataset: String,
    pub target: String,
    pub tag: String,
    pub cases: u64,
    pub accepted: u64,
    pub acceptance: f64,
    pub acceptance_low: f64,
    pub acceptance_high: f64,
}

fn keys() -> [Expr; 2] {
    [col("dataset"), col("target")]
}

fn f64_col(name: &str) -> Expr {
    col(name).cast(DataType::Float64)
}

fn count_true(e: Expr) -> Expr {
    e.cast(DataType::UInt64).sum()
}

/// `name` at each quantile, aliased `p{q}_{suffix}`.
fn quantiles(name: &str, qs: &[u32], suffix: &str) -> Vec<Expr> {
    qs.iter()
        .map(|q| {
            col(name)
                .quantile(lit(*q as f64 / 100.0), QuantileMethod::Linear)
                .alias(format!("p{q}_{suffix}"))
        })
        .collect()
}

/// The result columns [`headline_aggs`] read (with `case_id` and `repeat`, which pair
/// two runs' verdicts): all a comparison or a history needs of a run's results.
pub use routeval_store::HEADLINE_COLUMNS;

/// Per-pair aggregates of the results frame a comparison reads (see
/// `compare::headlines`): cases, accepted, total cost, unknown costs, p95 latency.
pub(crate) fn headline_aggs() -> Vec<Expr> {
    let mut aggs = vec![
        len().cast(DataType::UInt64).alias("cases"),
        count_true(col("accepted")).alias("accepted"),
        // A sum with an unknown part is unknown: not the sum of the known parts.
        when(col("cost").null_count().gt(lit(0)))
            .then(lit(NULL).cast(DataType::Float64))
            .otherwise(col("cost").sum())
            .alias("total_cost"),
        col("cost")
            .null_count()
            .cast(DataType::UInt64)
            .alias("unknown_cost_results"),
    ];
    aggs.extend(quantiles("latency_ms", &[95], "latency_ms"));
    aggs
}

/// Per-pair aggregates of the results frame.
fn result_aggs() -> Vec<Expr> {
    let retried = (col("validation_retries") + col("transport_retries")).gt(lit(0));
    let mut aggs = headline_aggs();
    aggs.extend([
        col("target_kind").first().alias("kind"),
        count_true(col("accepted").and(retried)).alias("retried_accepted"),
        f64_col("attempts").mean().alias("mean_attempts"),
        f64_col("validation_retries")
            .mean()
            .alias("mean_validation_retries"),
        f64_col("transport_retries")
            .mean()
            .alias("mean_transport_retries"),
        col("error_class")
            .is_not_null()
            .cast(DataType::Float64)
            .mean()
            .alias("error_rate"),
        // served_step is null when nothing answered: that is no fallback served.
        col("served_step")
            .fill_null(lit(0))
            .gt(lit(0))
            .cast(DataType::Float64)
            .mean()
            .alias("chain_fallback_rate"),
    ]);
    aggs.extend(quantiles("latency_ms", &[50, 90, 99], "latency_ms"));
    aggs.extend(quantiles("ttft_ms", &[50, 90, 99], "ttft_ms"));
    aggs
}

/// Per-pair token sums over every attempt.
fn token_sums(data: &RunData) -> LazyFrame {
    data.attempts.clone().lazy().group_by(keys()).agg(
        ["prompt", "completion", "cached", "reasoning"].map(|t| {
            col(format!("{t}_tokens"))
                .sum()
                .alias(format!("{t}_tokens"))
        }),
    )
}

/// The model each route asked for, from the recorded specs.
fn requested_models(data: &RunData) -> Result<DataFrame> {
    let (routes, models): (Vec<&str>, Vec<Option<String>>) = data
        .targets
        .iter()
        .filter(|t| t.kind == "route")
        .map(|t| {
            let spec: Option<serde_json::Value> = serde_json::from_str(&t.spec_json).ok();
            let model = spec.and_then(|s| s.get("model")?.as_str().map(str::to_string));
            (t.name.as_str(), model)
        })
        .unzip();
    Ok(DataFrame::new_infer_height(vec![
        Column::new("route".into(), routes),
        Column::new("requested_model".into(), models),
    ])?)
}

/// Share of answered attempts served by another model than the route requested.
fn server_fallbacks(data: &RunData) -> Result<LazyFrame> {
    Ok(data
        .attempts
        .clone()
        .lazy()
        .filter(
            col("error_class")
                .is_null()
                .and(col("served_model").is_not_null()),
        )
        .join(
            requested_models(data)?.lazy(),
            [col("route")],
            [col("route")],
            JoinArgs::new(JoinType::Inner),
        )
        .group_by(keys())
        .agg([col("served_model")
            .neq(col("requested_model"))
            .cast(DataType::Float64)
            .mean()
            .alias("server_fallback_rate")]))
}

/// Mean value of one check per pair: a rate for pass/fail checks, accuracy for enums.
fn check_mean(data: &RunData, check: &str, alias: &str) -> LazyFrame {
    data.scores
        .clone()
        .lazy()
        .filter(col("check").eq(lit(check)))
        .group_by(keys())
        .agg([col("value").mean().alias(alias)])
}

fn left_join(a: LazyFrame, b: LazyFrame) -> LazyFrame {
    a.join(b, keys(), keys(), JoinArgs::new(JoinType::Left))
}

/// Reads typed cells out of a collected frame by column name.
struct Cells<'a>(&'a DataFrame);

impl Cells<'_> {
    fn f64(&self, name: &str) -> Result<Float64Chunked> {
        Ok(self
            .0
            .column(name)?
            .cast(&DataType::Float64)?
            .f64()?
            .clone())
    }
    fn u64(&self, name: &str) -> Result<UInt64Chunked> {
        Ok(self.0.column(name)?.cast(&DataType::UInt64)?.u64()?.clone())
    }
    fn str(&self, name: &str) -> Result<StringChunked> {
        Ok(self.0.column(name)?.str()?.clone())
    }
}

const FLOAT_COLUMNS: [&str; 23] = [
    "schema_valid_rate",
    "enum_accuracy",
    "tool_accuracy",
    "mean_attempts",
    "mean_validation_retries",
    "mean_transport_retries",
    "error_rate",
    "chain_fallback_rate",
    "server_fallback_rate",
    "prompt_tokens",
    "completion_tokens",
    "cached_tokens",
    "reasoning_tokens",
    "p50_latency_ms",
    "p90_latency_ms",
    "p95_latency_ms",
    "p99_latency_ms",
    "p50_ttft_ms",
    "p90_ttft_ms",
    "p99_ttft_ms",
    "total_cost",
    "cost_per_accepted",
    "retried_accepted",
];

/// Compute the metrics of every (dataset, target) pair of a run.
pub fn compute_metrics(data: &RunData) -> Result<Vec<TargetMetrics>> {
    let base = data
        .results
        .clone()
        .lazy()
        .group_by(keys())
        .agg(result_aggs());
    let joined = [
        check_mean(data, "schema", "schema_valid_rate"),
        check_mean(data, "enum", "enum_accuracy"),
        check_mean(data, "tool_calls", "tool_accuracy"),
        token_sums(data),
        server_fallbacks(data)?,
    ]
    .into_iter()
    .fold(base, left_join)
    .with_column(
        when(col("accepted").gt(lit(0)))
            .then(col("total_cost") / f64_col("accepted"))
            .otherwise(lit(NULL).cast(DataType::Float64))
            .alias("cost_per_accepted"),
    )
    .sort(["dataset", "target"], SortMultipleOptions::default())
    .collect()?;

    let providers = provider_shares(data)?;
    let errors = error_counts(data)?;
    let classes = error_class_rates(data)?;
    let mut enums = enum_fields(data)?;

    let cells = Cells(&joined);
    let (dataset, target, kind) = (
        cells.str("dataset")?,
        cells.str("target")?,
        cells.str("kind")?,
    );
    let (cases, accepted) = (cells.u64("cases")?, cells.u64("accepted")?);
    let unknown_costs = cells.u64("unknown_cost_results")?;
    let cols: HashMap<&str, Float64Chunked> = FLOAT_COLUMNS
        .into_iter()
        .map(|name| Ok((name, cells.f64(name)?)))
        .collect::<Result<_>>()?;
    let get = |name: &str, i: usize| cols[name].get(i);

    let mut out = Vec::with_capacity(joined.height());
    for i in 0..joined.height() {
        let ds = dataset.get(i).unwrap_or_default().to_string();
        let tg = target.get(i).unwrap_or_default().to_string();
        let kind = kind.get(i).unwrap_or("route").to_string();
        let (c, a) = (cases.get(i).unwrap_or(0), accepted.get(i).unwrap_or(0));
        let (lo, hi) = wilson_interval(a, c);
        let per_accepted = |name: &str| (a > 0).then(|| get(name, i).unwrap_or(0.0) / a as f64);
        let key = (ds.clone(), tg.clone());
        let mut forced_rules: Vec<String> = data
            .governance
            .exclusions
            .iter()
            .filter(|e| e.forced && e.dataset == ds && e.target == tg)
            .map(|e| e.rule.clone())
            .collect();
        forced_rules.sort();
        forced_rules.dedup();
        out.push(TargetMetrics {
            cases: c,
            accepted: a,
            acceptance: if c == 0 { 0.0 } else { a as f64 / c as f64 },
            acceptance_low: lo,
            acceptance_high: hi,
            schema_valid_rate: get("schema_valid_rate", i),
            enum_accuracy: get("enum_accuracy", i),
            tool_accuracy: get("tool_accuracy", i),
            enum_fields: enums.remove(&key).unwrap_or_default(),
            mean_attempts: get("mean_attempts", i).unwrap_or(0.0),
            mean_validation_retries: get("mean_validation_retries", i).unwrap_or(0.0),
            mean_transport_retries: get("mean_transport_retries", i).unwrap_or(0.0),
            retried_accepted_share: per_accepted("retried_accepted"),
            error_rate: get("error_rate", i).unwrap_or(0.0),
            error_class_rates: classes.get(&key).cloned().unwrap_or_default(),
            chain_fallback_rate: (kind == "chain")
                .then(|| get("chain_fallback_rate", i))
                .flatten(),
            server_fallback_rate: get("server_fallback_rate", i),
            prompt_tokens_per_accepted: per_accepted("prompt_tokens"),
            completion_tokens_per_accepted: per_accepted("completion_tokens"),
            cached_tokens_per_accepted: per_accepted("cached_tokens"),
            reasoning_tokens_per_accepted: per_accepted("reasoning_tokens"),
            p50_latency_ms: get("p50_latency_ms", i).unwrap_or(0.0),
            p90_latency_ms: get("p90_latency_ms", i).unwrap_or(0.0),
            p95_latency_ms: get("p95_latency_ms", i).unwrap_or(0.0),
            p99_latency_ms: get("p99_latency_ms", i).unwrap_or(0.0),
            p50_ttft_ms: get("p50_ttft_ms", i),
            p90_ttft_ms: get("p90_ttft_ms", i),
            p99_ttft_ms: get("p99_ttft_ms", i),
            total_cost: get("total_cost", i),
            cost_per_accepted: get("cost_per_accepted", i),
            cost_known: unknown_costs.get(i).unwrap_or(0) == 0,
            unknown_cost_results: unknown_costs.get(i).unwrap_or(0),
            providers: providers.get(&key).cloned().unwrap_or_default(),
            top_errors: errors.get(&key).cloned().unwrap_or_default(),
            pareto: false,
            forced: !forced_rules.is_empty(),
            forced_rules,
            kind,
            dataset: ds,
            target: tg,
        });
    }
    Ok(out)
}

pub(crate) type PairMap<T> = HashMap<(String, String), Vec<(String, T)>>;

/// Share of successful attempts each served provider took, per pair.
fn provider_shares(data: &RunData) -> Result<PairMap<f64>> {
    let df = data
        .attempts
        .clone()
        .lazy()
        .filter(
            col("error_class")
                .is_null()
                .and(col("served_provider").is_not_null()),
        )
        .group_by([col("dataset"), col("target"), col("served_provider")])
        .agg([len().cast(DataType::Float64).alias("n")])
        .collect()?;
    let counts = collect_pairs(
        &df,
        "served_provider",
        |c, i| c.f64().ok().and_then(|v| v.get(i)),
        "n",
    )?;
    Ok(shares_of_counts(counts))
}

/// Each pair's provider counts as shares of the pair's total, largest first (ties by
/// name): how the metrics and the history's nights (counted by the writers) show them.
pub(crate) fn shares_of_counts(mut counts: PairMap<f64>) -> PairMap<f64> {
    for shares in counts.values_mut() {
        let total: f64 = shares.iter().map(|(_, n)| n).sum();
        for (_, n) in shares.iter_mut() {
            *n /= total;
        }
        shares.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    }
    counts
}

/// Attempt failure classes per pair, most frequent first (top five).
fn error_counts(data: &RunData) -> Result<PairMap<u64>> {
    let df = data
        .attempts
        .clone()
        .lazy()
        .filter(col("error_class").is_not_null())
        .group_by([col("dataset"), col("target"), col("error_class")])
        .agg([len().cast(DataType::UInt64).alias("n")])
        .sort(
            ["dataset", "target", "n", "error_class"],
            SortMultipleOptions::default().with_order_descending_multi([false, false, true, false]),
        )
        .collect()?;
    let mut map = collect_pairs(
        &df,
        "error_class",
        |c, i| c.u64().ok().and_then(|v| v.get(i)),
        "n",
    )?;
    for v in map.values_mut() {
        v.truncate(5);
    }
    Ok(map)
}

/// Final error classes of results as shares of the pair's results.
fn error_class_rates(data: &RunData) -> Result<PairMap<f64>> {
    let df = data
        .results
        .clone()
        .lazy()
        .with_column(len().over(keys())?.cast(DataType::Float64).alias("total"))
        .filter(col("error_class").is_not_null())
        .group_by([col("dataset"), col("target"), col("error_class")])
        .agg([(len().cast(DataType::Float64) / col("total").first()).alias("rate")])
        .sort(
            ["dataset", "target", "rate", "error_class"],
            SortMultipleOptions::default().with_order_descending_multi([false, false, true, false]),
        )
        .collect()?;
    collect_pairs(
        &df,
        "error_class",
        |c, i| c.f64().ok().and_then(|v| v.get(i)),
        "rate",
    )
}

/// Accuracy and confusion cells of every `enum.<field>` check, per pair.
fn enum_fields(data: &RunData) -> Result<HashMap<(String, String), Vec<EnumField>>> {
    let fields = [col("dataset"), col("target"), col("enum_field")];
    let enums = data
        .scores
        .clone()
        .lazy()
        .filter(col("enum_field").is_not_null());
    let accuracy = enums
        .clone()
        .group_by(fields.clone())
        .agg([
            len().cast(DataType::UInt64).alias("n"),
            col("value").mean().alias("accuracy"),
        ])
        .sort(
            ["dataset", "target", "enum_field"],
            SortMultipleOptions::default(),
        )
        .collect()?;
    let cells = enums
        .group_by([
            col("dataset"),
            col("target"),
            col("enum_field"),
            col("expected"),
            col("got"),
        ])
        .agg([len().cast(DataType::UInt64).alias("count")])
        .sort(
            [
                "dataset",
                "target",
                "enum_field",
                "count",
                "expected",
                "got",
            ],
            SortMultipleOptions::default()
                .with_order_descending_multi([false, false, false, true, false, false]),
        )
        .collect()?;

    let mut confusion: HashMap<(String, String, String), Vec<ConfusionCell>> = HashMap::new();
    let c = Cells(&cells);
    let (ds, tg, fd, ex, got, n) = (
        c.str("dataset")?,
        c.str("target")?,
        c.str("enum_field")?,
        c.str("expected")?,
        c.str("got")?,
        c.u64("count")?,
    );
    for i in 0..cells.height() {
        let key = (s(&ds, i), s(&tg, i), s(&fd, i));
        confusion.entry(key).or_default().push(ConfusionCell {
            expected: s(&ex, i),
            got: s(&got, i),
            count: n.get(i).unwrap_or(0),
        });
    }

    let mut out: HashMap<(String, String), Vec<EnumField>> = HashMap::new();
    let a = Cells(&accuracy);
    let (ds, tg, fd, n, acc) = (
        a.str("dataset")?,
        a.str("target")?,
        a.str("enum_field")?,
        a.u64("n")?,
        a.f64("accuracy")?,
    );
    for i in 0..accuracy.height() {
        let field = s(&fd, i);
        let cells = confusion
            .remove(&(s(&ds, i), s(&tg, i), field.clone()))
            .unwrap_or_default();
        out.entry((s(&ds, i), s(&tg, i)))
            .or_default()
            .push(EnumField {
                field,
                n: n.get(i).unwrap_or(0),
                accuracy: acc.get(i).unwrap_or(0.0),
                confusion: cells,
            });
    }
    Ok(out)
}

fn s(c: &StringChunked, i: usize) -> String {
    c.get(i).unwrap_or_default().to_string()
}

/// Acceptance per (dataset, target, tag): results joined to the cases' tags.
pub fn tag_acceptance(data: &RunData) -> Result<Vec<TagMetrics>> {
    let on = [col("dataset"), col("case_id")];
    let df = data
        .results
        .clone()
        .lazy()
        .join(
            data.case_tags.clone().lazy(),
            on.clone(),
            on,
            JoinArgs::new(JoinType::Inner),
        )
        .group_by([col("dataset"), col("target"), col("tag")])
        .agg([
            len().cast(DataType::UInt64).alias("cases"),
            count_true(col("accepted")).alias("accepted"),
        ])
        .sort(["dataset", "tag", "target"], SortMultipleOptions::default())
        .collect()?;
    let c = Cells(&df);
    let (ds, tg, tag, n, k) = (
        c.str("dataset")?,
        c.str("target")?,
        c.str("tag")?,
        c.u64("cases")?,
        c.u64("accepted")?,
    );
    Ok((0..df.height())
        .map(|i| {
            let (n, k) = (n.get(i).unwrap_or(0), k.get(i).unwrap_or(0));
            let (lo, hi) = wilson_interval(k, n);
            TagMetrics {
                dataset: s(&ds, i),
                target: s(&tg, i),
                tag: s(&tag, i),
                cases: n,
                accepted: k,
                acceptance: if n == 0 { 0.0 } else { k as f64 / n as f64 },
                acceptance_low: lo,
                acceptance_high: hi,
            }
        })
        .collect())
}

fn collect_pairs<T>(
    df: &DataFrame,
    label: &str,
    value: impl Fn(&Column, usize) -> Option<T>,
    value_col: &str,
) -> Result<PairMap<T>> {
    let (ds, tg, lb) = (
        df.column("dataset")?.str()?,
        df.column("target")?.str()?,
        df.column(label)?.str()?,
    );
    let vc = df.column(value_col)?;
    let mut map: PairMap<T> = HashMap::new();
    for i in 0..df.height() {
        if let (Some(d), Some(t), Some(l), Some(v)) =
            (ds.get(i), tg.get(i), lb.get(i), value(vc, i))
        {
            map.entry((d.to_string(), t.to_string()))
                .or_default()
                .push((l.to_string(), v));
        }
    }
    Ok(map)
}

/// Targets of one dataset in decision order.
#[derive(Debug, Clone, Serialize)]
pub struct Ranking {
    pub dataset: String,
    pub min_acceptance: f64,
    pub max_p95_latency_ms: Option<f64>,
    /// Meets the constraints: those of known cost, cheapest accepted answer first, then
    /// those whose cost is unknown, by acceptance only (never taken for the cheapest).
    pub eligible: Vec<TargetMetrics>,
    /// Fails a constraint, best acceptance first.
    pub ineligible: Vec<TargetMetrics>,
    /// Set when an eligible target's cost is unknown: which, and how it was ranked.
    pub note: Option<String>,
}

/// Constraints beyond each dataset's minimum acceptance.
#[derive(Debug, Clone, Copy, Default)]
pub struct RankOptions {
    /// Targets slower than this at p95 are not eligible.
    pub max_p95_latency_ms: Option<f64>,
}

/// Rank each dataset's targets by cost per accepted response among those meeting the
/// dataset's minimum acceptance.
pub fn rank(data: &RunData, metrics: &[TargetMetrics]) -> Vec<Ranking> {
    rank_with(data, metrics, RankOptions::default())
}

/// Whether a target meets the constraints. The interval's lower bound, not the point
/// estimate, must reach the minimum: a lucky small sample does not get approved.
pub fn is_eligible(m: &TargetMetrics, min_acceptance: f64, opts: RankOptions) -> bool {
    m.accepted > 0
        && m.acceptance_low >= min_acceptance
        && opts
            .max_p95_latency_ms
            .is_none_or(|max| m.p95_latency_ms <= max)
}

/// [`rank`] with extra constraints.
pub fn rank_with(data: &RunData, metrics: &[TargetMetrics], opts: RankOptions) -> Vec<Ranking> {
    let mut datasets: Vec<&str> = metrics.iter().map(|m| m.dataset.as_str()).collect();
    datasets.sort_unstable();
    datasets.dedup();
    datasets
        .into_iter()
        .map(|ds| {
            let min = data.min_acceptance(ds);
            let mut all: Vec<TargetMetrics> = metrics
                .iter()
                .filter(|m| m.dataset == ds)
                .cloned()
                .collect();
            mark_pareto(&mut all);
            let (mut eligible, mut ineligible): (Vec<_>, Vec<_>) =
                all.into_iter().partition(|m| is_eligible(m, min, opts));
            eligible.sort_by(|a, b| {
                b.cost_known
                    .cmp(&a.cost_known)
                    .then(cost_key(a).total_cmp(&cost_key(b)))
                    .then(b.acceptance.total_cmp(&a.acceptance))
            });
            ineligible.sort_by(|a, b| b.acceptance.total_cmp(&a.acceptance));
            let note = unknown_cost_note(&eligible);
            Ranking {
                dataset: ds.to_string(),
                min_acceptance: min,
                max_p95_latency_ms: opts.max_p95_latency_ms,
                eligible,
                ineligible,
                note,
            }
        })
        .collect()
}

fn cost_key(m: &TargetMetrics) -> f64 {
    m.cost_per_accepted
        .filter(|_| m.cost_known)
        .unwrap_or(f64::INFINITY)
}

/// What a ranking says of eligible targets whose cost is unknown, if any.
fn unknown_cost_note(eligible: &[TargetMetrics]) -> Option<String> {
    let unknown: Vec<&str> = eligible
        .iter()
        .filter(|m| !m.cost_known)
        .map(|m| m.target.as_str())
        .collect();
    (!unknown.is_empty()).then(|| {
        format!(
            "cost unknown for {} (no price known for a route it used): ranked after every \
             target of known cost, by acceptance only; set `price` on the route to rank it by cost",
            unknown.join(", ")
        )
    })
}

/// Mark the cost-quality frontier: a target is on it unless another is at least as
/// cheap per accepted and at least as accepted, and strictly better on one of the two.
/// Targets with nothing accepted have no cost per accepted and are never on it, nor are
/// targets whose cost is unknown.
pub fn mark_pareto(metrics: &mut [TargetMetrics]) {
    let points: Vec<Option<(f64, f64)>> = metrics
        .iter()
        .map(|m| {
            m.cost_per_accepted
                .filter(|_| m.cost_known)
                .map(|c| (c, m.acceptance))
        })
        .collect();
    for (i, m) in metrics.iter_mut().enumerate() {
        m.pareto = points[i].is_some_and(|(c, a)| {
            !points
                .iter()
                .flatten()
                .any(|&(oc, oa)| oc <= c && oa >= a && (oc < c || oa > a))
        });
    }
}
