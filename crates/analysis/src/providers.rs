//! Same model, different providers: the routes a provider sweep made (`providers =
//! "each"`), set side by side per dataset, each against the best of them case by case
//! (McNemar's test on the cases only one side accepted, as the baseline comparison
//! does), and the provider preferences that keep the approved ones.

use crate::compare::paired_counts_on;
use crate::frames::RunData;
use crate::metrics::{Ranking, TargetMetrics};
use crate::stats::mcnemar_p;
use crate::Result;
use polars::prelude::*;
use routeval_core::config::SweptProvider;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};

/// Below this p, a provider that accepts fewer cases than the best is significantly worse.
pub const ALPHA: f64 = 0.05;

/// One swept route on one dataset.
#[derive(Debug, Clone, Serialize)]
pub struct ProviderSweep {
    pub dataset: String,
    /// The route the sweep was written on.
    pub route: String,
    pub model: String,
    /// The provider every other one is compared with: the highest acceptance, then the
    /// lowest cost per accepted response.
    pub best: String,
    /// Best first, then by acceptance.
    pub providers: Vec<ProviderRow>,
    /// Providers refused before anything was sent (privacy, capability, the route's
    /// own preferences), with the rule.
    pub excluded: Vec<ExcludedProvider>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExcludedProvider {
    pub slug: String,
    pub rule: String,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProviderRow {
    /// The swept route's name (`ROUTE@SLUG`).
    pub target: String,
    pub slug: String,
    pub name: String,
    pub quantization: Option<String>,
    pub context_length: Option<u64>,
    pub cases: u64,
    pub acceptance: f64,
    pub acceptance_ci95: [f64; 2],
    pub schema_valid_rate: Option<f64>,
    pub tool_accuracy: Option<f64>,
    pub p50_latency_ms: f64,
    pub p95_latency_ms: f64,
    pub p50_ttft_ms: Option<f64>,
    pub cost_per_accepted: Option<f64>,
    /// Meets the dataset's constraints (minimum acceptance, latency) in the ranking.
    pub eligible: bool,
    /// Against the best provider, case by case; `None` for the best itself.
    pub vs_best: Option<PairedTest>,
    /// Accepts significantly fewer cases than the best (p < [`ALPHA`]).
    pub significantly_worse: bool,
    /// Eligible and not significantly worse than the best: a provider that may serve.
    pub approved: bool,
}

/// Paired acceptance of a provider against the best one.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct PairedTest {
    pub pairs: u64,
    /// Cases only the best accepted.
    pub only_best: u64,
    /// Cases only this provider accepted.
    pub only_this: u64,
    pub p_value: f64,
}

/// Every swept route of the run, per dataset, with its providers compared.
pub fn provider_sweeps(data: &RunData, rankings: &[Ranking]) -> Result<Vec<ProviderSweep>> {
    let swept: HashMap<&str, SweptProvider> = data
        .targets
        .iter()
        .filter_map(|t| {
            let spec: Value = serde_json::from_str(&t.spec_json).ok()?;
            let swept = serde_json::from_value(spec.get("swept")?.clone()).ok()?;
            Some((t.name.as_str(), swept))
        })
        .collect();
    if swept.is_empty() {
        return Ok(Vec::new());
    }
    let model_of = |target: &str| -> String {
        data.targets
            .iter()
            .find(|t| t.name == target)
            .and_then(|t| serde_json::from_str::<Value>(&t.spec_json).ok())
            .and_then(|s| s.get("model").and_then(Value::as_str).map(str::to_string))
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    for ranking in rankings {
        // (swept route) → its providers' figures on this dataset.
        let mut groups: BTreeMap<&str, Vec<(&TargetMetrics, bool)>> = BTreeMap::new();
        let all = ranking
            .eligible
            .iter()
            .map(|m| (m, true))
            .chain(ranking.ineligible.iter().map(|m| (m, false)));
        for (m, eligible) in all {
            if let Some(s) = swept.get(m.target.as_str()) {
                groups
                    .entry(s.from.as_str())
                    .or_default()
                    .push((m, eligible));
            }
        }
        for (route, mut members) in groups {
            members.sort_by(|(a, _), (b, _)| {
                b.acceptance.total_cmp(&a.acceptance).then_with(|| {
                    let cost = |m: &TargetMetrics| m.cost_per_accepted.unwrap_or(f64::INFINITY);
                    cost(a).total_cmp(&cost(b))
                })
            });
            let best = members[0].0.target.clone();
            let tests = paired_with(data, &ranking.dataset, &best)?;
            let providers = members
                .iter()
                .map(|(m, eligible)| {
                    let s = &swept[m.target.as_str()];
                    // A provider with no case in common with the best has no pairs.
                    let vs_best = (m.target != best).then(|| {
                        tests.get(&m.target).copied().unwrap_or(PairedTest {
                            pairs: 0,
                            only_best: 0,
                            only_this: 0,
                            p_value: mcnemar_p(0, 0),
                        })
                    });
                    let significantly_worse =
                        vs_best.is_some_and(|t| t.only_best > t.only_this && t.p_value < ALPHA);
                    ProviderRow {
                        target: m.target.clone(),
                        slug: s.slug.clone(),
                        name: s.name.clone(),
                        quantization: s.quantization.clone(),
                        context_length: s.context_length,
                        cases: m.cases,
                        acceptance: m.acceptance,
                        acceptance_ci95: [m.acceptance_low, m.acceptance_high],
                        schema_valid_rate: m.schema_valid_rate,
                        tool_accuracy: m.tool_accuracy,
                        p50_latency_ms: m.p50_latency_ms,
                        p95_latency_ms: m.p95_latency_ms,
                        p50_ttft_ms: m.p50_ttft_ms,
                        cost_per_accepted: m.cost_per_accepted,
                        eligible: *eligible,
                        vs_best,
                        significantly_worse,
                        approved: *eligible && !significantly_worse,
                    }
                })
                .collect();
            let prefix = format!("{route}@");
            let excluded = data
                .governance
                .exclusions
                .iter()
                .filter(|e| e.dataset == ranking.dataset && !e.forced)
                .filter_map(|e| {
                    Some(ExcludedProvider {
                        slug: e.target.strip_prefix(&prefix)?.to_string(),
                        rule: e.rule.clone(),
                        detail: e.detail.clone(),
                    })
                })
                .collect();
            out.push(ProviderSweep {
                dataset: ranking.dataset.clone(),
                route: route.to_string(),
                model: model_of(&best),
                best,
                providers,
                excluded,
            });
        }
    }
    Ok(out)
}

impl ProviderSweep {
    /// OpenRouter's `provider` object that keeps this workflow on the approved providers:
    /// `only` and `order` (cheapest accepted answer first), `ignore` for the rest, the
    /// approved quantizations, no fallback outside them. `None` when none is approved.
    pub fn provider_object(&self) -> Option<Value> {
        let mut approved: Vec<&ProviderRow> =
            self.providers.iter().filter(|p| p.approved).collect();
        if approved.is_empty() {
            return None;
        }
        approved.sort_by(|a, b| {
            let cost = |p: &ProviderRow| p.cost_per_accepted.unwrap_or(f64::INFINITY);
            cost(a).total_cmp(&cost(b))
        });
        let slugs: Vec<&str> = approved.iter().map(|p| p.slug.as_str()).collect();
        let ignore: Vec<&str> = self
            .providers
            .iter()
            .filter(|p| !p.approved)
            .map(|p| p.slug.as_str())
            .chain(self.excluded.iter().map(|e| e.slug.as_str()))
            .collect();
        let mut quantizations: Vec<&str> = approved
            .iter()
            .filter_map(|p| p.quantization.as_deref())
            .filter(|q| *q != "unknown")
            .collect();
        quantizations.sort_unstable();
        quantizations.dedup();
        let mut object = json!({
            "order": slugs,
            "only": slugs,
            "allow_fallbacks": false,
        });
        if !ignore.is_empty() {
            object["ignore"] = json!(ignore);
        }
        if !quantizations.is_empty() {
            object["quantizations"] = json!(quantizations);
        }
        Some(object)
    }
}

/// Every target of `dataset` paired with `best` case by case: (target) → the test.
fn paired_with(data: &RunData, dataset: &str, best: &str) -> Result<HashMap<String, PairedTest>> {
    let of_dataset = || {
        data.results
            .clone()
            .lazy()
            .filter(col("dataset").eq(lit(dataset.to_string())))
    };
    let base = of_dataset()
        .filter(col("target").eq(lit(best.to_string())))
        .select([
            col("dataset"),
            col("case_id"),
            col("repeat"),
            col("accepted"),
        ]);
    let others = of_dataset().select([
        col("dataset"),
        col("target"),
        col("case_id"),
        col("repeat"),
        col("accepted"),
    ]);
    let counts = paired_counts_on(base, others, &["dataset", "case_id", "repeat"])?;
    Ok(counts
        .into_iter()
        .map(|((_, target), [pairs, only_best, only_this])| {
            let test = PairedTest {
                pairs,
                only_best,
                only_this,
                p_value: mcnemar_p(only_best, only_this),
            };
            (target, test)
        })
        .collect())
}
