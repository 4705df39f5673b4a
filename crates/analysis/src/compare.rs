//! Regression check between two runs: per dataset x target, the change in acceptance
//! with a significance test, and the change in cost per accepted and p95 latency.
//!
//! When the runs share most cases the test is McNemar's on the paired verdicts (each
//! case is its own control, so it sees smaller changes); otherwise a pooled
//! two-proportion z-test.

use crate::frames::RunData;
#[cfg(doc)]
use crate::metrics::compute_metrics;
use crate::metrics::{headline_aggs, TargetMetrics};
use crate::stats::{mcnemar_p, two_proportion_p, wilson_interval};
use crate::{AnalysisError, Result};
use polars::prelude::*;
use routeval_store::{RunRow, Store};
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy)]
pub struct CompareOptions {
    /// A drop in acceptance larger than this (absolute, 0.05 = 5 points) that is also
    /// significant is a regression.
    pub threshold: f64,
    /// Significance level.
    pub alpha: f64,
}

impl Default for CompareOptions {
    fn default() -> Self {
        Self {
            threshold: 0.05,
            alpha: 0.05,
        }
    }
}

/// One side of a comparison.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Side {
    pub cases: u64,
    pub accepted: u64,
    pub acceptance: f64,
    pub acceptance_low: f64,
    pub acceptance_high: f64,
    /// `None` when nothing was accepted or the cost is unknown (`cost_known`).
    pub cost_per_accepted: Option<f64>,
    pub cost_known: bool,
    pub p95_latency_ms: f64,
}

impl From<&TargetMetrics> for Side {
    fn from(m: &TargetMetrics) -> Self {
        Self {
            cases: m.cases,
            accepted: m.accepted,
            acceptance: m.acceptance,
            acceptance_low: m.acceptance_low,
            acceptance_high: m.acceptance_high,
            cost_per_accepted: m.cost_per_accepted,
            cost_known: m.cost_known,
            p95_latency_ms: m.p95_latency_ms,
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Test {
    Mcnemar,
    TwoProportion,
}

/// The change of one (dataset, target) between the runs.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Change {
    pub dataset: String,
    pub target: String,
    pub base: Side,
    pub new: Side,
    pub delta_acceptance: f64,
    pub test: Test,
    /// Results present in both runs (same case and repeat).
    pub paired: u64,
    /// Paired results only the base accepted / only the new run accepted.
    pub base_only: u64,
    pub new_only: u64,
    pub p_value: f64,
    pub delta_cost_per_accepted: Option<f64>,
    pub delta_p95_latency_ms: f64,
    pub significant: bool,
    /// Significant and worse than the threshold.
    pub regression: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub base_run: RunRow,
    pub new_run: RunRow,
    pub threshold: f64,
    pub alpha: f64,
    pub changes: Vec<Change>,
    /// (dataset, target) evaluated in one run only.
    pub only_in_base: Vec<(String, String)>,
    pub only_in_new: Vec<(String, String)>,
}

impl Comparison {
    pub fn regressions(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| c.regression)
    }
}

/// The run started before `new` of the same suite: the default baseline.
pub async fn previous_run(store: &Store, new: &RunRow) -> Result<RunRow> {
    baseline_run(store, new, &BaselineChoice::Previous).await
}

/// Which run a comparison takes as its baseline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BaselineChoice {
    /// The run of NEW's suite started just before it, however it ended.
    Previous,
    /// The latest run of NEW's suite before it that completed: a night whose shards did
    /// not all finish, or that stopped at its budget, is passed over.
    LatestCompleted,
    /// This run.
    Run(String),
}

impl std::str::FromStr for BaselineChoice {
    type Err = std::convert::Infallible;
    /// `previous`, `latest-completed` (or `latest`), else a run id.
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        Ok(match s {
            "previous" => Self::Previous,
            "latest-completed" | "latest" => Self::LatestCompleted,
            id => Self::Run(id.to_string()),
        })
    }
}

/// The baseline of `new`, among runs of the same suite and kind (a database may hold
/// several suites' nights, and graded logs beside them).
pub async fn baseline_run(store: &Store, new: &RunRow, choice: &BaselineChoice) -> Result<RunRow> {
    if let BaselineChoice::Run(id) = choice {
        return Ok(store.run(id).await?);
    }
    let completed_only = *choice == BaselineChoice::LatestCompleted;
    store
        .runs()
        .await?
        .into_iter()
        .filter(|r| r.suite == new.suite && r.kind == new.kind && r.id != new.id)
        .filter(|r| !completed_only || r.status == "completed")
        .find(|r| (r.started_at, &r.id) < (new.started_at, &new.id))
        .ok_or_else(|| {
            AnalysisError::Other(format!(
                "no {}run of suite `{}` before {} to compare with",
                if completed_only { "completed " } else { "" },
                new.suite,
                new.id
            ))
        })
}

/// Paired verdict counts per (dataset, target): n, base-only and new-only accepted.
fn paired_counts(base: &RunData, new: &RunData) -> Result<HashMap<(String, String), [u64; 3]>> {
    let side = |d: &RunData| {
        d.results.clone().lazy().select([
            col("dataset"),
            col("target"),
            col("case_id"),
            col("repeat"),
            col("accepted"),
        ])
    };
    paired_counts_on(
        side(base),
        side(new),
        &["dataset", "target", "case_id", "repeat"],
    )
}

/// Two sides' verdicts (each: the columns of `on` and `accepted`) paired on `on`, counted
/// per the new side's (dataset, target): n, base-only and new-only accepted.
pub(crate) fn paired_counts_on(
    base: LazyFrame,
    new: LazyFrame,
    on: &[&str],
) -> Result<HashMap<(String, String), [u64; 3]>> {
    let on: Vec<Expr> = on.iter().map(|c| col(*c)).collect();
    let only = |a: &str, b: &str| col(a).and(col(b).not()).cast(DataType::UInt64).sum();
    let df = base
        .rename(["accepted"], ["a_base"], true)
        .join(
            new.rename(["accepted"], ["a_new"], true),
            on.clone(),
            on,
            JoinArgs::new(JoinType::Inner),
        )
        .group_by([col("dataset"), col("target")])
        .agg([
            len().cast(DataType::UInt64).alias("n"),
            only("a_base", "a_new").alias("base_only"),
            only("a_new", "a_base").alias("new_only"),
        ])
        .collect()?;
    let (ds, tg) = (df.column("dataset")?.str()?, df.column("target")?.str()?);
    let u = |name: &str| -> Result<UInt64Chunked> {
        Ok(df.column(name)?.cast(&DataType::UInt64)?.u64()?.clone())
    };
    let (n, b, c) = (u("n")?, u("base_only")?, u("new_only")?);
    Ok((0..df.height())
        .filter_map(|i| {
            Some((
                (ds.get(i)?.to_string(), tg.get(i)?.to_string()),
                [n.get(i)?, b.get(i)?, c.get(i)?],
            ))
        })
        .collect())
}

/// The figures of one (dataset, target) of a run that a comparison reads.
#[derive(Debug, Clone, PartialEq)]
pub struct Headline {
    pub dataset: String,
    pub target: String,
    pub side: Side,
}

/// The [`Headline`] of every (dataset, target) of a results frame, sorted as
/// [`compute_metrics`] sorts its pairs: the same figures as its [`Side`]s, from the
/// [`HEADLINE_COLUMNS`] alone.
///
/// [`HEADLINE_COLUMNS`]: crate::metrics::HEADLINE_COLUMNS
pub fn headlines(results: &DataFrame) -> Result<Vec<Headline>> {
    let df = results
        .clone()
        .lazy()
        .group_by([col("dataset"), col("target")])
        .agg(headline_aggs())
        .sort(["dataset", "target"], SortMultipleOptions::default())
        .collect()?;
    let text = |name: &str| -> Result<StringChunked> { Ok(df.column(name)?.str()?.clone()) };
    let count = |name: &str| -> Result<UInt64Chunked> {
        Ok(df.column(name)?.cast(&DataType::UInt64)?.u64()?.clone())
    };
    let real = |name: &str| -> Result<Float64Chunked> {
        Ok(df.column(name)?.cast(&DataType::Float64)?.f64()?.clone())
    };
    let (dataset, target) = (text("dataset")?, text("target")?);
    let (cases, accepted, unknown) = (
        count("cases")?,
        count("accepted")?,
        count("unknown_cost_results")?,
    );
    let (total_cost, p95) = (real("total_cost")?, real("p95_latency_ms")?);
    Ok((0..df.height())
        .map(|i| {
            let (c, a) = (cases.get(i).unwrap_or(0), accepted.get(i).unwrap_or(0));
            let (low, high) = wilson_interval(a, c);
            Headline {
                dataset: dataset.get(i).unwrap_or_default().to_string(),
                target: target.get(i).unwrap_or_default().to_string(),
                side: Side {
                    cases: c,
                    accepted: a,
                    acceptance: if c == 0 { 0.0 } else { a as f64 / c as f64 },
                    acceptance_low: low,
                    acceptance_high: high,
                    cost_per_accepted: total_cost.get(i).filter(|_| a > 0).map(|t| t / a as f64),
                    cost_known: unknown.get(i).unwrap_or(0) == 0,
                    p95_latency_ms: p95.get(i).unwrap_or(0.0),
                },
            }
        })
        .collect())
}

/// Compare two runs: their results alone (see [`headlines`]) are read.
pub fn compare(base: &RunData, new: &RunData, opts: CompareOptions) -> Result<Comparison> {
    let (hb, hn) = (headlines(&base.results)?, headlines(&new.results)?);
    compare_headlines(base, new, &hb, &hn, opts)
}

/// [`compare`] of two runs whose headlines are already computed (`hb` of `base`, `hn`
/// of `new`): a history computes each night's once, not once per comparison.
pub fn compare_headlines(
    base: &RunData,
    new: &RunData,
    hb: &[Headline],
    hn: &[Headline],
    opts: CompareOptions,
) -> Result<Comparison> {
    let paired = paired_counts(base, new)?;
    let key = |h: &Headline| (h.dataset.clone(), h.target.clone());
    let base_by: HashMap<_, _> = hb.iter().map(|h| (key(h), &h.side)).collect();
    let mut changes = Vec::new();
    let mut only_in_new = Vec::new();
    for h in hn {
        let Some(&b) = base_by.get(&key(h)) else {
            only_in_new.push(key(h));
            continue;
        };
        let n = &h.side;
        let [pn, bo, no] = paired.get(&key(h)).copied().unwrap_or([0, 0, 0]);
        // Paired when most results of both runs have a counterpart.
        let is_paired = pn > 0 && 2 * pn >= b.cases.max(n.cases);
        let (test, p) = if is_paired {
            (Test::Mcnemar, mcnemar_p(bo, no))
        } else {
            (
                Test::TwoProportion,
                two_proportion_p(b.accepted, b.cases, n.accepted, n.cases),
            )
        };
        let delta = n.acceptance - b.acceptance;
        let significant = p < opts.alpha;
        changes.push(Change {
            dataset: h.dataset.clone(),
            target: h.target.clone(),
            base: b.clone(),
            new: n.clone(),
            delta_acceptance: delta,
            test,
            paired: pn,
            base_only: bo,
            new_only: no,
            p_value: p,
            delta_cost_per_accepted: n
                .cost_per_accepted
                .zip(b.cost_per_accepted)
                .map(|(n, b)| n - b),
            delta_p95_latency_ms: n.p95_latency_ms - b.p95_latency_ms,
            significant,
            regression: significant && delta < -opts.threshold,
        });
    }
    let new_keys: Vec<_> = hn.iter().map(key).collect();
    let only_in_base = hb
        .iter()
        .map(key)
        .filter(|k| !new_keys.contains(k))
        .collect();
    Ok(Comparison {
        base_run: base.run.clone(),
        new_run: new.run.clone(),
        threshold: opts.threshold,
        alpha: opts.alpha,
        changes,
        only_in_base,
        only_in_new,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use routeval_store::testing::TestDb;
    use routeval_store::NewRun;

    /// Nights of two suites in one database, one of them not completed: `previous` takes
    /// the night just before, `latest-completed` passes over the unfinished one, and
    /// neither looks at the other suite.
    #[tokio::test]
    async fn baselines_are_chosen_within_the_suite() {
        for db in TestDb::each().await {
            let store = Store::open(&db.url).await.unwrap();
            let nights = [
                ("a-1", "nightly", 1, "completed"),
                ("b-1", "other", 2, "completed"),
                ("a-2", "nightly", 3, "completed"),
                ("a-3", "nightly", 4, "failed"),
                ("b-2", "other", 5, "completed"),
                ("a-4", "nightly", 6, "completed"),
            ];
            for (id, suite, at, status) in nights {
                let run = NewRun {
                    suite: suite.into(),
                    started_at_ms: at,
                    ..routeval_store::testing::new_run(id)
                };
                store.create_run(&run).await.unwrap();
                store
                    .set_run_status(id, status, Some(at), None)
                    .await
                    .unwrap();
            }
            let new = store.run("a-4").await.unwrap();
            let pick = |choice: &'static str| {
                let store = store.clone();
                let new = new.clone();
                async move {
                    let choice: BaselineChoice = choice.parse().unwrap();
                    baseline_run(&store, &new, &choice).await.map(|r| r.id)
                }
            };
            assert_eq!(pick("previous").await.unwrap(), "a-3", "{}", db.backend);
            assert_eq!(
                pick("latest-completed").await.unwrap(),
                "a-2",
                "{}",
                db.backend
            );
            assert_eq!(pick("b-1").await.unwrap(), "b-1", "{}", db.backend);
            let first = store.run("a-1").await.unwrap();
            let none = baseline_run(&store, &first, &BaselineChoice::Previous).await;
            assert!(
                none.is_err(),
                "{}: nothing before the first night",
                db.backend
            );
            store.close().await;
        }
    }
}
