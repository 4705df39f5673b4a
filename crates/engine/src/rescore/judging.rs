//! `judge` checks when re-grading stored answers: verdicts cached by (rubric and input,
//! judge route, output) are reused; only answers never judged that way are sent.

use crate::{EngineError, EngineResult};
use routeval_core::{Judging, ResultRecord, Suite};
use routeval_runner::judge::{judge_stored, JudgeCache, Judges, StoredJudgement};
use routeval_scorer::Scorer;
use routeval_store::{Store, StoredAnswer};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

/// Judges sent for one dataset's re-graded results.
#[derive(Debug, Default)]
pub(crate) struct Rejudged {
    pub judgings: Vec<Judging>,
    /// Verdicts reused from the cache, and verdicts asked for.
    pub cached: usize,
    pub asked: usize,
}

/// Decide the judge checks of `results` (re-graded from `rows`, same order).
pub(crate) async fn rejudge(
    suite: &Suite,
    store: &Store,
    run_id: &str,
    scorer: &Scorer,
    rows: &[&StoredAnswer],
    results: &mut [ResultRecord],
) -> EngineResult<Rejudged> {
    let checks: Vec<_> = scorer.judge_checks().collect();
    if checks.is_empty() {
        return Ok(Rejudged::default());
    }
    let names: Vec<String> = checks
        .iter()
        .flat_map(|c| c.judges.iter().cloned())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let (routes, _redactor) =
        routeval_runner::build_routes(suite, &HashMap::new()).map_err(EngineError::input)?;
    let mut judge_routes = std::collections::BTreeMap::new();
    for name in &names {
        let route = routes.get(name).ok_or_else(|| {
            EngineError::input(anyhow::anyhow!(
                "judge route `{name}` is not in suite {}",
                suite.path.display()
            ))
        })?;
        judge_routes.insert(name.clone(), route.clone());
    }
    let judges = Judges {
        routes: judge_routes,
        cache: Arc::new(JudgeCache::new(store.judge_verdicts(&names).await?)),
    };
    let inputs = store.case_inputs(run_id).await?;
    let mut items = Vec::new();
    let mut slots = Vec::new();
    for (i, (row, result)) in rows.iter().zip(results.iter()).enumerate() {
        let Some(route) = result
            .served_route
            .as_ref()
            .and_then(|r| suite.routes.get_key_value(r))
        else {
            continue;
        };
        if result.error_class.is_some() || !scorer.worth_judging(&result.scores) {
            continue;
        }
        let output = row
            .content
            .clone()
            .filter(|c| !c.is_empty())
            .or_else(|| row.tool_calls_json.clone())
            .unwrap_or_default();
        items.push(StoredJudgement {
            target: result.target.clone(),
            dataset: result.dataset.clone(),
            case_id: result.case_id.clone(),
            repeat: result.repeat,
            route: (route.0.clone(), route.1.model.clone()),
            input: inputs
                .get(&(result.dataset.clone(), result.case_id.clone()))
                .cloned()
                .unwrap_or_default(),
            output,
        });
        slots.push(i);
    }
    let concurrency = suite.concurrency as usize;
    let judged = judge_stored(
        &judges,
        &checks,
        &rescore_request_prefix(run_id),
        &items,
        concurrency,
    )
    .await;
    let mut out = Rejudged::default();
    for (slot, (verdicts, judging)) in slots.into_iter().zip(judged) {
        out.cached += verdicts.iter().filter(|v| v.cached).count();
        out.asked += verdicts.iter().filter(|v| !v.cached).count();
        scorer.judge_record(&mut results[slot], &verdicts);
        if !judging.attempts.is_empty() {
            out.judgings.push(judging);
        }
    }
    Ok(out)
}

/// Judge requests of a rescore are numbered under a prefix of their own: unique across
/// the pages of one rescore and across rescores of the same run.
fn rescore_request_prefix(run_id: &str) -> String {
    static PAGES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let page = PAGES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!(
        "{run_id}-rescore-{}-{}-{page}",
        routeval_runner::now_ms(),
        std::process::id()
    )
}
