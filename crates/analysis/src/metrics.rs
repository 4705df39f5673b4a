//! Metrics per dataset x target, computed with polars, and the ranking built on them.

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
    pub mean_attempts: f64,
    pub mean_validation_retries: f64,
    pub mean_transport_retries: f64,
    /// Share of results whose final failure had a class (no usable answer).
    pub error_rate: f64,
    pub p50_latency_ms: f64,
    pub p95_latency_ms: f64,
    pub p50_ttft_ms: Option<f64>,
    pub total_cost: f64,
    /// All spend (failed attempts and retries included) over accepted results.
    pub cost_per_accepted: Option<f64>,
    /// Providers that served successful attempts, with their shares.
    pub providers: Vec<(String, f64)>,
    /// The most frequent failure classes among attempts, with counts.
    pub top_errors: Vec<(String, u64)>,
}

/// Compute the metrics of every (dataset, target) pair of a run.
pub fn compute_metrics(data: &RunData) -> Result<Vec<TargetMetrics>> {
    let keys = [col("dataset"), col("target")];
    let base = data.results.clone().lazy().group_by(keys.clone()).agg([
        col("target_kind").first().alias("kind"),
        len().cast(DataType::UInt64).alias("cases"),
        col("accepted")
            .cast(DataType::UInt64)
            .sum()
            .alias("accepted"),
        col("attempts")
            .cast(DataType::Float64)
            .mean()
            .alias("mean_attempts"),
        col("validation_retries")
            .cast(DataType::Float64)
            .mean()
            .alias("mean_validation_retries"),
        col("transport_retries")
            .cast(DataType::Float64)
            .mean()
            .alias("mean_transport_retries"),
        col("error_class")
            .is_not_null()
            .cast(DataType::Float64)
            .mean()
            .alias("error_rate"),
        col("latency_ms")
            .quantile(lit(0.5), QuantileMethod::Linear)
            .alias("p50_latency_ms"),
        col("latency_ms")
            .quantile(lit(0.95), QuantileMethod::Linear)
            .alias("p95_latency_ms"),
        col("ttft_ms")
            .quantile(lit(0.5), QuantileMethod::Linear)
            .alias("p50_ttft_ms"),
        col("cost").sum().alias("total_cost"),
    ]);
    // Mean value of one check per pair: a rate for pass/fail checks, accuracy for enums.
    let check_mean = |check: &str, alias: &str| {
        data.scores
            .clone()
            .lazy()
            .filter(col("check").eq(lit(check)))
            .group_by(keys.clone())
            .agg([col("value").mean().alias(alias)])
    };
    let joined = base
        .join(
            check_mean("schema", "schema_valid_rate"),
            keys.clone(),
            keys.clone(),
            JoinArgs::new(JoinType::Left),
        )
        .join(
            check_mean("enum", "enum_accuracy"),
            keys.clone(),
            keys.clone(),
            JoinArgs::new(JoinType::Left),
        )
        .join(
            check_mean("tool_calls", "tool_accuracy"),
            keys.clone(),
            keys.clone(),
            JoinArgs::new(JoinType::Left),
        )
        .with_column(
            when(col("accepted").gt(lit(0)))
                .then(col("total_cost") / col("accepted").cast(DataType::Float64))
                .otherwise(lit(NULL).cast(DataType::Float64))
                .alias("cost_per_accepted"),
        )
        .sort(["dataset", "target"], SortMultipleOptions::default())
        .collect()?;

    let providers = provider_shares(data)?;
    let errors = error_counts(data)?;

    let n = joined.height();
    let s = |name: &str| joined.column(name).and_then(|c| c.str().cloned());
    let f = |name: &str| {
        joined
            .column(name)
            .and_then(|c| c.cast(&DataType::Float64))
            .and_then(|c| c.f64().cloned())
    };
    let u = |name: &str| {
        joined
            .column(name)
            .and_then(|c| c.cast(&DataType::UInt64))
            .and_then(|c| c.u64().cloned())
    };
    let (dataset, target, kind) = (s("dataset")?, s("target")?, s("kind")?);
    let (cases, accepted) = (u("cases")?, u("accepted")?);
    let cols: HashMap<&str, Float64Chunked> = [
        "schema_valid_rate",
        "enum_accuracy",
        "tool_accuracy",
        "mean_attempts",
        "mean_validation_retries",
        "mean_transport_retries",
        "error_rate",
        "p50_latency_ms",
        "p95_latency_ms",
        "p50_ttft_ms",
        "total_cost",
        "cost_per_accepted",
    ]
    .into_iter()
    .map(|name| Ok((name, f(name)?)))
    .collect::<PolarsResult<_>>()?;
    let get = |name: &str, i: usize| cols[name].get(i);

    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let ds = dataset.get(i).unwrap_or_default().to_string();
        let tg = target.get(i).unwrap_or_default().to_string();
        let (c, a) = (cases.get(i).unwrap_or(0), accepted.get(i).unwrap_or(0));
        let (lo, hi) = wilson_interval(a, c);
        let key = (ds.clone(), tg.clone());
        out.push(TargetMetrics {
            kind: kind.get(i).unwrap_or("route").to_string(),
            cases: c,
            accepted: a,
            acceptance: if c == 0 { 0.0 } else { a as f64 / c as f64 },
            acceptance_low: lo,
            acceptance_high: hi,
            schema_valid_rate: get("schema_valid_rate", i),
            enum_accuracy: get("enum_accuracy", i),
            tool_accuracy: get("tool_accuracy", i),
            mean_attempts: get("mean_attempts", i).unwrap_or(0.0),
            mean_validation_retries: get("mean_validation_retries", i).unwrap_or(0.0),
            mean_transport_retries: get("mean_transport_retries", i).unwrap_or(0.0),
            error_rate: get("error_rate", i).unwrap_or(0.0),
            p50_latency_ms: get("p50_latency_ms", i).unwrap_or(0.0),
            p95_latency_ms: get("p95_latency_ms", i).unwrap_or(0.0),
            p50_ttft_ms: get("p50_ttft_ms", i),
            total_cost: get("total_cost", i).unwrap_or(0.0),
            cost_per_accepted: get("cost_per_accepted", i),
            providers: providers.get(&key).cloned().unwrap_or_default(),
            top_errors: errors.get(&key).cloned().unwrap_or_default(),
            dataset: ds,
            target: tg,
        });
    }
    Ok(out)
}

type PairMap<T> = HashMap<(String, String), Vec<(String, T)>>;

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
        .with_column(
            (col("n") / col("n").sum().over([col("dataset"), col("target")])?).alias("share"),
        )
        .sort(
            ["dataset", "target", "share"],
            SortMultipleOptions::default().with_order_descending_multi([false, false, true]),
        )
        .collect()?;
    collect_pairs(
        &df,
        "served_provider",
        |c, i| c.f64().ok().and_then(|v| v.get(i)),
        "share",
    )
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
            ["dataset", "target", "n"],
            SortMultipleOptions::default().with_order_descending_multi([false, false, true]),
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
    /// Meets the minimum acceptance, cheapest accepted answer first.
    pub eligible: Vec<TargetMetrics>,
    /// Below the minimum acceptance, best acceptance first.
    pub ineligible: Vec<TargetMetrics>,
}

/// Rank each dataset's targets by cost per accepted response among those meeting the
/// dataset's minimum acceptance.
pub fn rank(data: &RunData, metrics: &[TargetMetrics]) -> Vec<Ranking> {
    let mut datasets: Vec<&str> = metrics.iter().map(|m| m.dataset.as_str()).collect();
    datasets.dedup();
    datasets
        .into_iter()
        .map(|ds| {
            let min = data.min_acceptance(ds);
            let (mut eligible, mut ineligible): (Vec<_>, Vec<_>) = metrics
                .iter()
                .filter(|m| m.dataset == ds)
                .cloned()
                .partition(|m| m.acceptance >= min && m.accepted > 0);
            eligible.sort_by(|a, b| {
                a.cost_per_accepted
                    .unwrap_or(f64::INFINITY)
                    .total_cmp(&b.cost_per_accepted.unwrap_or(f64::INFINITY))
                    .then(b.acceptance.total_cmp(&a.acceptance))
            });
            ineligible.sort_by(|a, b| b.acceptance.total_cmp(&a.acceptance));
            Ranking {
                dataset: ds.to_string(),
                min_acceptance: min,
                eligible,
                ineligible,
            }
        })
        .collect()
}
