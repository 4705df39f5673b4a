//! Workflow compatibility: every candidate target of a dataset against the dataset's
//! baseline (what production uses today), case by case. Paired acceptance with
//! McNemar's test on the discordant pairs, agreement on enum values and tool calls,
//! changes in refusals, output length, latency and cost, and the cases that disagree,
//! for a person to review.

use crate::frames::RunData;
use crate::stats::{mcnemar_p, mcnemar_statistic, quantile_linear};
use crate::Result;
use polars::prelude::*;
use routeval_store::ReviewAnswer;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// Disagreeing cases listed per comparison; the counts cover them all.
pub const MAX_LISTED: usize = 50;

#[derive(Debug, Clone, Serialize)]
pub struct BaselineComparison {
    pub dataset: String,
    pub baseline: String,
    pub candidate: String,
    /// Cases (x repeats) both targets have a result for.
    pub pairs: u64,
    pub both_accepted: u64,
    pub only_baseline: u64,
    pub only_candidate: u64,
    pub neither: u64,
    /// McNemar's chi-square (continuity-corrected) on the discordant pairs.
    pub mcnemar_statistic: f64,
    /// Exact binomial p for up to 50 discordant pairs, else from the statistic.
    pub p_value: f64,
    /// Same value on every enum field both answers were graded on.
    pub enum_agreement: Option<Agreement>,
    /// Same tool calls (names and arguments, in any order), where either side called one.
    pub tool_agreement: Option<Agreement>,
    pub refusal_rate: Change,
    /// Characters of the answer used (content, or the tool calls as JSON).
    pub mean_output_chars: Change,
    pub p50_latency_ms: Change,
    /// Mean cost per case; unknown (`None`) on a side with any unknown cost.
    pub mean_cost: CostChange,
    /// Every case that disagrees, regressions first.
    pub disagreements: u64,
    /// The first [`MAX_LISTED`] of them, with both answers.
    pub listed: Vec<Disagreement>,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct Agreement {
    pub agree: u64,
    pub compared: u64,
    pub rate: f64,
}

/// A figure on the baseline and on the candidate.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Change {
    pub baseline: f64,
    pub candidate: f64,
    pub delta: f64,
}

impl Change {
    fn of(baseline: f64, candidate: f64) -> Self {
        Self {
            baseline,
            candidate,
            delta: candidate - baseline,
        }
    }
}

/// A cost on the baseline and on the candidate: `None` where unknown, and so is the delta.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct CostChange {
    pub baseline: Option<f64>,
    pub candidate: Option<f64>,
    pub delta: Option<f64>,
}

impl CostChange {
    fn of(baseline: Option<f64>, candidate: Option<f64>) -> Self {
        Self {
            baseline,
            candidate,
            delta: baseline.zip(candidate).map(|(b, c)| c - b),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Disagreement {
    pub case_id: String,
    pub repeat: i64,
    /// What differs: `only baseline accepted`, `enum priority: high → low`, `tool calls`.
    pub differences: Vec<String>,
    pub input: String,
    pub baseline: Side,
    pub candidate: Side,
}

#[derive(Debug, Clone, Serialize)]
pub struct Side {
    pub accepted: bool,
    pub answer: String,
    pub reason: String,
}

/// (case, repeat) → enum field → the label the answer gave.
type EnumValues<'a> = HashMap<(&'a str, i64), BTreeMap<&'a str, &'a str>>;

/// (case, repeat) → the answer a target gave.
type Answers<'a> = HashMap<(&'a str, i64), &'a ReviewAnswer>;

/// Compare every dataset that names a baseline.
pub fn compare_with_baselines(data: &RunData) -> Result<Vec<BaselineComparison>> {
    let scores = data
        .scores
        .clone()
        .lazy()
        .filter(col("enum_field").is_not_null())
        .select([
            col("dataset"),
            col("target"),
            col("case_id"),
            col("repeat").cast(DataType::Int64),
            col("enum_field"),
            col("got"),
        ])
        .collect()?;
    let (ds, tg, case, field, got) = (
        scores.column("dataset")?.str()?,
        scores.column("target")?.str()?,
        scores.column("case_id")?.str()?,
        scores.column("enum_field")?.str()?,
        scores.column("got")?.str()?,
    );
    let repeat = scores.column("repeat")?.i64()?;
    // (dataset, target) → enum values per case.
    let mut enums: HashMap<(&str, &str), EnumValues> = HashMap::new();
    for i in 0..scores.height() {
        let (Some(d), Some(t), Some(c), Some(f), Some(g)) =
            (ds.get(i), tg.get(i), case.get(i), field.get(i), got.get(i))
        else {
            continue;
        };
        enums
            .entry((d, t))
            .or_default()
            .entry((c, repeat.get(i).unwrap_or(0)))
            .or_default()
            .insert(f, g);
    }

    let mut by_target: HashMap<(&str, &str), Answers> = HashMap::new();
    for a in &data.reviews {
        by_target
            .entry((a.dataset.as_str(), a.target.as_str()))
            .or_default()
            .insert((a.case_id.as_str(), a.repeat), a);
    }
    let mut out = Vec::new();
    for dataset in &data.datasets {
        let Some(baseline) = dataset.baseline.as_deref() else {
            continue;
        };
        let Some(base) = by_target.get(&(dataset.name.as_str(), baseline)) else {
            continue;
        };
        let mut candidates: Vec<&str> = by_target
            .keys()
            .filter(|(d, t)| *d == dataset.name && *t != baseline)
            .map(|(_, t)| *t)
            .collect();
        candidates.sort_unstable();
        let none = EnumValues::new();
        let base_enums = enums
            .get(&(dataset.name.as_str(), baseline))
            .unwrap_or(&none);
        for candidate in candidates {
            let cand = &by_target[&(dataset.name.as_str(), candidate)];
            let cand_enums = enums
                .get(&(dataset.name.as_str(), candidate))
                .unwrap_or(&none);
            out.push(compare_pair(
                &dataset.name,
                baseline,
                candidate,
                base,
                cand,
                base_enums,
                cand_enums,
            ));
        }
    }
    Ok(out)
}

fn compare_pair(
    dataset: &str,
    baseline: &str,
    candidate: &str,
    base: &Answers,
    cand: &Answers,
    base_enums: &EnumValues,
    cand_enums: &EnumValues,
) -> BaselineComparison {
    let mut keys: Vec<&(&str, i64)> = base.keys().filter(|k| cand.contains_key(k)).collect();
    keys.sort_unstable();
    let (mut both, mut only_b, mut only_c, mut neither) = (0, 0, 0, 0);
    let (mut enum_agree, mut enum_compared, mut tool_agree, mut tool_compared) = (0, 0, 0, 0);
    let (mut refusals_b, mut refusals_c) = (0u64, 0u64);
    let (mut chars_b, mut chars_c) = (0.0, 0.0);
    let (mut cost_b, mut cost_c) = (Some(0.0), Some(0.0));
    let (mut lat_b, mut lat_c) = (Vec::new(), Vec::new());
    let mut disagreements: Vec<(u8, Disagreement)> = Vec::new();
    for key in &keys {
        let (b, c) = (base[*key], cand[*key]);
        let mut differences = Vec::new();
        let rank = match (b.accepted, c.accepted) {
            (true, true) => {
                both += 1;
                2
            }
            (true, false) => {
                only_b += 1;
                differences.push("only the baseline accepted".to_string());
                0
            }
            (false, true) => {
                only_c += 1;
                differences.push("only the candidate accepted".to_string());
                1
            }
            (false, false) => {
                neither += 1;
                2
            }
        };
        if let (Some(fb), Some(fc)) = (base_enums.get(*key), cand_enums.get(*key)) {
            for (field, vb) in fb {
                if let Some(vc) = fc.get(field) {
                    enum_compared += 1;
                    if vb == vc {
                        enum_agree += 1;
                    } else {
                        differences.push(format!("{field}: {vb} → {vc}"));
                    }
                }
            }
        }
        let (calls_b, calls_c) = (tool_calls(b), tool_calls(c));
        if !calls_b.is_empty() || !calls_c.is_empty() {
            tool_compared += 1;
            if calls_b == calls_c {
                tool_agree += 1;
            } else {
                differences.push("tool calls differ".to_string());
            }
        }
        refusals_b += u64::from(is_refusal(b));
        refusals_c += u64::from(is_refusal(c));
        chars_b += answer_text(b).chars().count() as f64;
        chars_c += answer_text(c).chars().count() as f64;
        cost_b = cost_b.zip(b.cost).map(|(sum, x)| sum + x);
        cost_c = cost_c.zip(c.cost).map(|(sum, x)| sum + x);
        lat_b.push(b.latency_ms);
        lat_c.push(c.latency_ms);
        if !differences.is_empty() {
            disagreements.push((
                rank,
                Disagreement {
                    case_id: key.0.to_string(),
                    repeat: key.1,
                    differences,
                    input: b.input.clone().unwrap_or_default(),
                    baseline: side(b),
                    candidate: side(c),
                },
            ));
        }
    }
    // Regressions first, then improvements, then answers that differ but grade alike.
    disagreements.sort_by_key(|(rank, _)| *rank);
    let n = keys.len() as f64;
    let mean = |sum: f64| if n > 0.0 { sum / n } else { 0.0 };
    let agreement = |agree: u64, compared: u64| {
        (compared > 0).then(|| Agreement {
            agree,
            compared,
            rate: agree as f64 / compared as f64,
        })
    };
    BaselineComparison {
        dataset: dataset.to_string(),
        baseline: baseline.to_string(),
        candidate: candidate.to_string(),
        pairs: keys.len() as u64,
        both_accepted: both,
        only_baseline: only_b,
        only_candidate: only_c,
        neither,
        mcnemar_statistic: mcnemar_statistic(only_b, only_c),
        p_value: mcnemar_p(only_b, only_c),
        enum_agreement: agreement(enum_agree, enum_compared),
        tool_agreement: agreement(tool_agree, tool_compared),
        refusal_rate: Change::of(mean(refusals_b as f64), mean(refusals_c as f64)),
        mean_output_chars: Change::of(mean(chars_b), mean(chars_c)),
        p50_latency_ms: Change::of(
            quantile_linear(&mut lat_b, 0.5).unwrap_or(0.0),
            quantile_linear(&mut lat_c, 0.5).unwrap_or(0.0),
        ),
        mean_cost: CostChange::of(cost_b.map(mean), cost_c.map(mean)),
        disagreements: disagreements.len() as u64,
        listed: disagreements
            .into_iter()
            .take(MAX_LISTED)
            .map(|(_, d)| d)
            .collect(),
    }
}

/// Tool calls as (name, arguments) with arguments parsed, so key order and spacing do
/// not count as a difference; sorted, so call order does not either.
fn tool_calls(a: &ReviewAnswer) -> Vec<(String, serde_json::Value)> {
    let Some(json) = a.tool_calls_json.as_deref() else {
        return Vec::new();
    };
    let calls: Vec<serde_json::Value> = serde_json::from_str(json).unwrap_or_default();
    let mut out: Vec<(String, serde_json::Value)> = calls
        .iter()
        .map(|c| {
            let f = &c["function"];
            let args = f["arguments"]
                .as_str()
                .and_then(|s| serde_json::from_str(s).ok())
                .unwrap_or_else(|| f["arguments"].clone());
            (f["name"].as_str().unwrap_or_default().to_string(), args)
        })
        .collect();
    out.sort_by(|x, y| (&x.0, x.1.to_string()).cmp(&(&y.0, y.1.to_string())));
    out
}

fn is_refusal(a: &ReviewAnswer) -> bool {
    a.error_class.as_deref() == Some("refusal")
}

fn answer_text(a: &ReviewAnswer) -> String {
    let content = a.content.clone().unwrap_or_default();
    match a.tool_calls_json.as_deref() {
        Some(calls) if content.is_empty() => calls.to_string(),
        Some(calls) => format!("{content}\n{calls}"),
        None => content,
    }
}

fn side(a: &ReviewAnswer) -> Side {
    let text = answer_text(a);
    Side {
        accepted: a.accepted,
        answer: if text.is_empty() {
            format!(
                "(no answer: {})",
                a.error_class.as_deref().unwrap_or("none")
            )
        } else {
            text
        },
        reason: a.reason.clone(),
    }
}
