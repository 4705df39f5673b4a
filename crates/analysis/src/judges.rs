//! Model-graded checks in a run: how each target fared with its judges, and what the
//! judging cost, kept apart from the targets' own cost per accepted answer.

use crate::frames::RunData;
use crate::Result;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, Serialize)]
pub struct JudgeSummary {
    pub dataset: String,
    pub target: String,
    pub check: String,
    /// Results with a verdict on this check, and how many passed.
    pub judged: u64,
    pub passed: u64,
    /// Verdicts reused from the cache (no request).
    pub cached: u64,
    /// Results the check did not get a verdict for (rejected by another check first, or
    /// the judge failed).
    pub not_judged: u64,
    pub pass_rate: Option<f64>,
    /// Judge routes asked, requests sent (retries included), failed requests, and spend.
    pub judge_routes: Vec<String>,
    pub requests: i64,
    pub errors: i64,
    /// `None` when a judge request's cost is unknown.
    pub cost: Option<f64>,
}

/// One row per (dataset, target, judge check) of the run.
pub fn judge_summaries(data: &RunData) -> Result<Vec<JudgeSummary>> {
    let df = &data.scores;
    let (ds, tg, check, pass, detail) = (
        df.column("dataset")?.str()?,
        df.column("target")?.str()?,
        df.column("check")?.str()?,
        df.column("pass")?.bool()?,
        df.column("detail")?.str()?,
    );
    let mut out: BTreeMap<(String, String, String), JudgeSummary> = BTreeMap::new();
    for i in 0..df.height() {
        let (Some(d), Some(t), Some(c), Some(detail)) =
            (ds.get(i), tg.get(i), check.get(i), detail.get(i))
        else {
            continue;
        };
        if !detail.starts_with("judge ") && !detail.starts_with("judge:") {
            continue;
        }
        let row = out
            .entry((d.to_string(), t.to_string(), c.to_string()))
            .or_insert_with(|| JudgeSummary {
                dataset: d.to_string(),
                target: t.to_string(),
                check: c.to_string(),
                cost: Some(0.0),
                ..JudgeSummary::default()
            });
        if detail.starts_with("judge:") {
            row.not_judged += 1;
            continue;
        }
        row.judged += 1;
        row.passed += u64::from(pass.get(i).unwrap_or(false));
        row.cached += u64::from(detail.contains(routeval_core::record::JUDGE_CACHED_MARK));
    }
    for spend in &data.judge_spend {
        let row = out
            .entry((
                spend.dataset.clone(),
                spend.target.clone(),
                spend.check_name.clone(),
            ))
            .or_insert_with(|| JudgeSummary {
                dataset: spend.dataset.clone(),
                target: spend.target.clone(),
                check: spend.check_name.clone(),
                cost: Some(0.0),
                ..JudgeSummary::default()
            });
        if !row.judge_routes.contains(&spend.judge_route) {
            row.judge_routes.push(spend.judge_route.clone());
        }
        row.requests += spend.requests;
        row.errors += spend.errors;
        row.cost = row.cost.zip(spend.cost).map(|(a, b)| a + b);
    }
    Ok(out
        .into_values()
        .map(|mut s| {
            s.pass_rate = (s.judged > 0).then(|| s.passed as f64 / s.judged as f64);
            s
        })
        .collect())
}
