//! Offline fallback-chain simulation: from each single route's per-case outcomes in a
//! run, what an ordered chain of those routes would have done, case by case.
//!
//! A step falls back only when its result's error class is one the chain names
//! ([`Chain::falls_back_on`]); the first step that does not fall back serves (the last
//! step serves whatever it got); the served step's verdict decides acceptance; cost and
//! latency of every step tried add up. Outcomes live in flat vectors (route-major), so a
//! candidate chain is a few array reads per case, and candidates run on rayon.

use crate::frames::RunData;
use crate::stats::{quantile_linear, wilson_interval};
use crate::Result;
use polars::prelude::*;
use rayon::prelude::*;
use routeval_core::class::ErrorClass;
use routeval_core::config::Chain;
use serde::Serialize;
use std::collections::HashMap;

/// Failure families a searched chain falls back on when the suite does not say.
pub const DEFAULT_FALLBACK_ON: [&str; 5] = [
    "rate_limited",
    "server_error",
    "timeout",
    "malformed",
    "schema_invalid",
];

/// Every single route's outcome on every (case, repeat) of one dataset.
#[derive(Debug, Clone)]
pub struct Outcomes {
    pub dataset: String,
    pub routes: Vec<String>,
    /// (case id, repeat) of each column.
    pub keys: Vec<(String, i64)>,
    // Route-major flat arrays: index = route * keys.len() + case.
    present: Vec<bool>,
    accepted: Vec<bool>,
    class: Vec<Option<ErrorClass>>,
    cost: Vec<Option<f64>>,
    latency: Vec<f64>,
}

/// One route's result on one case, as the simulation needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseOutcome {
    pub accepted: bool,
    pub error_class: Option<ErrorClass>,
    /// `None` when unknown.
    pub cost: Option<f64>,
    pub latency_ms: f64,
}

impl Outcomes {
    /// Build from (route, case id, repeat, outcome) rows.
    pub fn from_rows<'a>(
        dataset: &str,
        rows: impl IntoIterator<Item = (&'a str, &'a str, i64, CaseOutcome)>,
    ) -> Self {
        let rows: Vec<_> = rows.into_iter().collect();
        let mut routes: Vec<String> = rows.iter().map(|r| r.0.to_string()).collect();
        routes.sort();
        routes.dedup();
        let mut keys: Vec<(String, i64)> = rows.iter().map(|r| (r.1.to_string(), r.2)).collect();
        keys.sort();
        keys.dedup();
        let route_ix: HashMap<&str, usize> = routes
            .iter()
            .enumerate()
            .map(|(i, r)| (r.as_str(), i))
            .collect();
        let key_ix: HashMap<(&str, i64), usize> = keys
            .iter()
            .enumerate()
            .map(|(i, (c, r))| ((c.as_str(), *r), i))
            .collect();
        let size = routes.len() * keys.len();
        let mut out = Self {
            dataset: dataset.to_string(),
            present: vec![false; size],
            accepted: vec![false; size],
            class: vec![None; size],
            cost: vec![Some(0.0); size],
            latency: vec![0.0; size],
            routes: Vec::new(),
            keys: Vec::new(),
        };
        for (route, case, repeat, o) in &rows {
            let k = route_ix[route] * keys.len() + key_ix[&(*case, *repeat)];
            out.present[k] = true;
            out.accepted[k] = o.accepted;
            out.class[k] = o.error_class;
            out.cost[k] = o.cost;
            out.latency[k] = o.latency_ms;
        }
        out.routes = routes;
        out.keys = keys;
        out
    }

    /// The route results of each dataset of a run.
    pub fn of_run(data: &RunData) -> Result<Vec<Outcomes>> {
        let df = data
            .results
            .clone()
            .lazy()
            .filter(col("target_kind").eq(lit("route")))
            .select([
                col("dataset"),
                col("target"),
                col("case_id"),
                col("repeat").cast(DataType::Int64),
                col("accepted"),
                col("error_class"),
                col("cost"),
                col("latency_ms"),
            ])
            .collect()?;
        let (ds, tg, case) = (
            df.column("dataset")?.str()?,
            df.column("target")?.str()?,
            df.column("case_id")?.str()?,
        );
        let repeat = df.column("repeat")?.i64()?;
        let accepted = df.column("accepted")?.bool()?;
        let class = df.column("error_class")?.str()?;
        let cost = df.column("cost")?.f64()?;
        let latency = df.column("latency_ms")?.f64()?;
        type Row<'a> = (&'a str, &'a str, i64, CaseOutcome);
        let mut by_dataset: HashMap<&str, Vec<Row>> = HashMap::new();
        for i in 0..df.height() {
            let (Some(d), Some(t), Some(c)) = (ds.get(i), tg.get(i), case.get(i)) else {
                continue;
            };
            by_dataset.entry(d).or_default().push((
                t,
                c,
                repeat.get(i).unwrap_or(0),
                CaseOutcome {
                    accepted: accepted.get(i).unwrap_or(false),
                    error_class: class.get(i).and_then(|c| c.parse().ok()),
                    cost: cost.get(i),
                    latency_ms: latency.get(i).unwrap_or(0.0),
                },
            ));
        }
        let mut out: Vec<Outcomes> = by_dataset
            .into_iter()
            .map(|(d, rows)| Outcomes::from_rows(d, rows))
            .collect();
        out.sort_by(|a, b| a.dataset.cmp(&b.dataset));
        Ok(out)
    }

    fn route(&self, name: &str) -> Option<usize> {
        self.routes.iter().position(|r| r == name)
    }

    /// Per cell: whether a step with this outcome moves on, under `fallback_on`.
    fn falls_back(&self, fallback_on: &[String]) -> Vec<bool> {
        let chain = Chain {
            steps: Vec::new(),
            fallback_on: fallback_on.to_vec(),
        };
        self.class
            .iter()
            .map(|c| c.is_some_and(|c| chain.falls_back_on(c)))
            .collect()
    }

    /// Simulate one chain given by route indices.
    fn run_chain(&self, falls: &[bool], steps: &[usize]) -> ChainStats {
        let n = self.keys.len();
        let last = steps.len() - 1;
        let (mut cases, mut accepted, mut fell_back, mut reached_last) = (0u64, 0u64, 0u64, 0u64);
        let mut cost = Some(0.0);
        let mut latencies = Vec::with_capacity(n);
        for c in 0..n {
            if !steps.iter().all(|&r| self.present[r * n + c]) {
                continue;
            }
            let mut latency = 0.0;
            for (i, &r) in steps.iter().enumerate() {
                let k = r * n + c;
                cost = cost.zip(self.cost[k]).map(|(a, b)| a + b);
                latency += self.latency[k];
                if i == last || !falls[k] {
                    accepted += u64::from(self.accepted[k]);
                    fell_back += u64::from(i > 0);
                    reached_last += u64::from(i == last);
                    break;
                }
            }
            cases += 1;
            latencies.push(latency);
        }
        let mut stats = ChainStats::new(cases, accepted, fell_back, cost, &mut latencies);
        stats.last_step_reached = reached_last;
        stats
    }

    /// Simulate the chain with these route names; `None` if a step has no results here.
    pub fn simulate(&self, steps: &[String], fallback_on: &[String]) -> Option<ChainStats> {
        let ix: Option<Vec<usize>> = steps.iter().map(|s| self.route(s)).collect();
        let ix = ix.filter(|ix| !ix.is_empty())?;
        Some(self.run_chain(&self.falls_back(fallback_on), &ix))
    }
}

/// What a chain did (or would have done) on a dataset.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ChainStats {
    pub cases: u64,
    pub accepted: u64,
    pub acceptance: f64,
    pub acceptance_low: f64,
    pub acceptance_high: f64,
    /// `None` when some step's cost on some case is unknown.
    pub total_cost: Option<f64>,
    /// `None` when nothing was accepted or the cost is unknown.
    pub cost_per_accepted: Option<f64>,
    pub p50_latency_ms: f64,
    pub p95_latency_ms: f64,
    /// Share of cases served by a step after the first.
    pub fallback_rate: f64,
    /// Cases on which the last step was tried: a longer chain never reaching its
    /// last step only repeats a shorter one.
    #[serde(skip)]
    pub last_step_reached: u64,
}

impl ChainStats {
    fn new(
        cases: u64,
        accepted: u64,
        fell_back: u64,
        cost: Option<f64>,
        latencies: &mut [f64],
    ) -> Self {
        let (lo, hi) = wilson_interval(accepted, cases);
        let share = |k: u64| {
            if cases == 0 {
                0.0
            } else {
                k as f64 / cases as f64
            }
        };
        Self {
            cases,
            accepted,
            acceptance: share(accepted),
            acceptance_low: lo,
            acceptance_high: hi,
            total_cost: cost,
            cost_per_accepted: cost.filter(|_| accepted > 0).map(|c| c / accepted as f64),
            p50_latency_ms: quantile_linear(latencies, 0.5).unwrap_or(0.0),
            p95_latency_ms: quantile_linear(latencies, 0.95).unwrap_or(0.0),
            fallback_rate: share(fell_back),
            last_step_reached: cases,
        }
    }

    fn dominates(&self, o: &Self) -> bool {
        let cpa = |s: &Self| s.cost_per_accepted.unwrap_or(f64::INFINITY);
        let no_worse = self.acceptance >= o.acceptance
            && cpa(self) <= cpa(o)
            && self.p95_latency_ms <= o.p95_latency_ms;
        let better = self.acceptance > o.acceptance
            || cpa(self) < cpa(o)
            || self.p95_latency_ms < o.p95_latency_ms;
        no_worse && better
    }
}

/// One candidate chain of a search.
#[derive(Debug, Clone, Serialize)]
pub struct SimulatedChain {
    pub steps: Vec<String>,
    /// Pareto front on (acceptance, cost per accepted, p95 latency): 0 is the frontier.
    pub front: usize,
    #[serde(flatten)]
    pub stats: ChainStats,
}

#[derive(Debug, Clone, Serialize)]
pub struct DatasetChains {
    pub dataset: String,
    pub routes: Vec<String>,
    pub candidates: usize,
    /// Candidates left out because their last step was never tried (each equals a
    /// shorter chain).
    pub redundant: usize,
    /// Best first: by front, then acceptance, cost per accepted, p95 latency.
    pub chains: Vec<SimulatedChain>,
}

/// A live chain of the run next to its offline simulation.
#[derive(Debug, Clone, Serialize)]
pub struct LiveComparison {
    pub dataset: String,
    pub chain: String,
    pub steps: Vec<String>,
    pub fallback_on: Vec<String>,
    pub live: ChainStats,
    pub simulated: ChainStats,
    /// The 95% intervals of live and simulated acceptance overlap.
    pub agrees: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChainReport {
    pub run_id: String,
    pub simulated_run: bool,
    pub max_len: usize,
    pub fallback_on: Vec<String>,
    pub datasets: Vec<DatasetChains>,
    pub live: Vec<LiveComparison>,
}

/// The fallback classes of the run's only chain, else [`DEFAULT_FALLBACK_ON`].
pub fn default_fallback_on(data: &RunData) -> Vec<String> {
    let chains: Vec<Chain> = live_chains(data).into_iter().map(|(_, c)| c).collect();
    match chains.as_slice() {
        [only] => only.fallback_on.clone(),
        _ => DEFAULT_FALLBACK_ON.map(String::from).to_vec(),
    }
}

fn live_chains(data: &RunData) -> Vec<(String, Chain)> {
    data.targets
        .iter()
        .filter(|t| t.kind == "chain")
        .filter_map(|t| Some((t.name.clone(), serde_json::from_str(&t.spec_json).ok()?)))
        .collect()
}

/// Every ordered chain of distinct routes, length 1 to `max_len`.
pub fn candidates(routes: usize, max_len: usize) -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    let mut stack: Vec<Vec<usize>> = (0..routes).map(|r| vec![r]).collect();
    while let Some(chain) = stack.pop() {
        if chain.len() < max_len {
            for r in (0..routes).filter(|r| !chain.contains(r)) {
                let mut next = chain.clone();
                next.push(r);
                stack.push(next);
            }
        }
        out.push(chain);
    }
    out.sort();
    out
}

/// Search all chains up to `max_len` steps over one dataset's routes.
pub fn search(outcomes: &Outcomes, max_len: usize, fallback_on: &[String]) -> DatasetChains {
    let falls = outcomes.falls_back(fallback_on);
    let all = candidates(outcomes.routes.len(), max_len.max(1));
    let total = all.len();
    let (cands, stats): (Vec<Vec<usize>>, Vec<ChainStats>) = all
        .into_par_iter()
        .map(|steps| {
            let stats = outcomes.run_chain(&falls, &steps);
            (steps, stats)
        })
        .filter(|(steps, stats)| steps.len() == 1 || stats.last_step_reached > 0)
        .unzip();
    let fronts = pareto_fronts(&stats);
    let mut chains: Vec<SimulatedChain> = cands
        .iter()
        .zip(stats)
        .zip(fronts)
        .map(|((steps, stats), front)| SimulatedChain {
            steps: steps.iter().map(|&r| outcomes.routes[r].clone()).collect(),
            front,
            stats,
        })
        .collect();
    chains.sort_by(|a, b| {
        let cpa = |c: &SimulatedChain| c.stats.cost_per_accepted.unwrap_or(f64::INFINITY);
        a.front
            .cmp(&b.front)
            .then(b.stats.acceptance.total_cmp(&a.stats.acceptance))
            .then(cpa(a).total_cmp(&cpa(b)))
            .then(a.stats.p95_latency_ms.total_cmp(&b.stats.p95_latency_ms))
            .then(a.steps.len().cmp(&b.steps.len()))
    });
    DatasetChains {
        dataset: outcomes.dataset.clone(),
        routes: outcomes.routes.clone(),
        candidates: total,
        redundant: total - chains.len(),
        chains,
    }
}

/// Non-dominated sorting: the front index of each point (0 = not dominated by any).
fn pareto_fronts(stats: &[ChainStats]) -> Vec<usize> {
    let n = stats.len();
    let dominated_by: Vec<Vec<usize>> = (0..n)
        .into_par_iter()
        .map(|i| (0..n).filter(|&j| stats[i].dominates(&stats[j])).collect())
        .collect();
    let mut count = vec![0usize; n];
    for list in &dominated_by {
        for &j in list {
            count[j] += 1;
        }
    }
    let mut front = vec![0usize; n];
    let mut current: Vec<usize> = (0..n).filter(|&i| count[i] == 0).collect();
    let mut level = 0;
    while !current.is_empty() {
        let mut next = Vec::new();
        for &i in &current {
            front[i] = level;
            for &j in &dominated_by[i] {
                count[j] -= 1;
                if count[j] == 0 {
                    next.push(j);
                }
            }
        }
        current = next;
        level += 1;
    }
    front
}

/// Live stats of a chain target on a dataset, from its own results.
fn live_stats(data: &RunData, dataset: &str, chain: &str) -> Result<Option<ChainStats>> {
    let df = data
        .results
        .clone()
        .lazy()
        .filter(
            col("dataset")
                .eq(lit(dataset))
                .and(col("target").eq(lit(chain))),
        )
        .select([
            col("accepted"),
            col("served_step")
                .fill_null(lit(0))
                .gt(lit(0))
                .alias("fell_back"),
            col("cost"),
            col("latency_ms"),
        ])
        .collect()?;
    if df.height() == 0 {
        return Ok(None);
    }
    let count = |name: &str| -> Result<u64> {
        Ok(df
            .column(name)?
            .bool()?
            .iter()
            .flatten()
            .filter(|b| *b)
            .count() as u64)
    };
    let cost: Option<f64> = df.column("cost")?.f64()?.iter().sum();
    let mut latencies: Vec<f64> = df.column("latency_ms")?.f64()?.iter().flatten().collect();
    Ok(Some(ChainStats::new(
        df.height() as u64,
        count("accepted")?,
        count("fell_back")?,
        cost,
        &mut latencies,
    )))
}

/// Each live chain of the run against its offline simulation, per dataset.
pub fn compare_live(data: &RunData, outcomes: &[Outcomes]) -> Result<Vec<LiveComparison>> {
    let mut out = Vec::new();
    for (name, chain) in live_chains(data) {
        for o in outcomes {
            let Some(simulated) = o.simulate(&chain.steps, &chain.fallback_on) else {
                continue;
            };
            let Some(live) = live_stats(data, &o.dataset, &name)? else {
                continue;
            };
            out.push(LiveComparison {
                agrees: live.acceptance_low <= simulated.acceptance_high
                    && simulated.acceptance_low <= live.acceptance_high,
                dataset: o.dataset.clone(),
                chain: name.clone(),
                steps: chain.steps.clone(),
                fallback_on: chain.fallback_on.clone(),
                live,
                simulated,
            });
        }
    }
    Ok(out)
}

/// The whole `chains` analysis of a run.
pub fn chain_report(
    data: &RunData,
    max_len: usize,
    fallback_on: Option<Vec<String>>,
) -> Result<ChainReport> {
    let fallback_on = fallback_on.unwrap_or_else(|| default_fallback_on(data));
    let outcomes = Outcomes::of_run(data)?;
    Ok(ChainReport {
        run_id: data.run.id.clone(),
        simulated_run: data.run.simulated,
        max_len,
        datasets: outcomes
            .iter()
            .map(|o| search(o, max_len, &fallback_on))
            .collect(),
        live: compare_live(data, &outcomes)?,
        fallback_on,
    })
}
