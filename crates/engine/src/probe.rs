//! `probe`: the fixed battery of small requests sent to a suite's routes, and the
//! compatibility matrix recorded (what `run` then enforces).

use crate::{EngineError, EngineResult};
use anyhow::anyhow;
use routeval_core::Suite;
use routeval_runner::probe::{probe_route, ProbeResult};
use routeval_store::{ProbeRow, Store};
use std::collections::BTreeSet;
use std::path::Path;

/// Probe `routes` of the suite at `suite_path` (all of them when empty), record every
/// verdict in `db`, and return them route by route in the suite's order.
pub async fn probe(
    suite_path: &Path,
    routes: &[String],
    db: &str,
) -> EngineResult<Vec<ProbeResult>> {
    let mut suite = Suite::load(suite_path)?;
    if let Some(name) = routes.iter().find(|n| !suite.routes.contains_key(*n)) {
        return Err(EngineError::input(anyhow!(
            "no route `{name}` in {}; routes: {}",
            suite_path.display(),
            suite.routes.keys().cloned().collect::<Vec<_>>().join(", ")
        )));
    }
    // Only the probed routes and their endpoints: keys of other endpoints are not needed.
    if !routes.is_empty() {
        suite.routes.retain(|name, _| routes.contains(name));
    }
    let used: BTreeSet<String> = suite.routes.values().map(|r| r.endpoint.clone()).collect();
    suite.endpoints.retain(|name, _| used.contains(name));

    let store = Store::open(db).await?;
    let catalogs = routeval_runner::fetch_catalogs(&suite).await;
    let (clients, _redactor) =
        routeval_runner::build_routes(&suite, &catalogs).map_err(EngineError::input)?;
    let run_at = routeval_runner::now_ms();
    // Routes are probed at once; each route's battery is concurrent too.
    let mut tasks = tokio::task::JoinSet::new();
    for (i, client) in clients.values().enumerate() {
        let client = client.clone();
        let model = catalogs
            .get(&client.route.endpoint)
            .and_then(|c| c.get(&client.route.model))
            .cloned();
        tasks.spawn(async move { (i, probe_route(&client, model.as_ref(), None).await) });
    }
    let mut matrices = Vec::new();
    while let Some(done) = tasks.join_next().await {
        matrices.push(done.map_err(|e| EngineError::failure(anyhow!("a probe task failed: {e}")))?);
    }
    matrices.sort_by_key(|(i, _)| *i);
    let results: Vec<ProbeResult> = matrices.into_iter().flat_map(|(_, m)| m).collect();
    let rows: Vec<ProbeRow> = results
        .iter()
        .map(|r| ProbeRow {
            run_at,
            route: r.route.clone(),
            model: r.model.clone(),
            probe: r.probe.clone(),
            verdict: r.verdict.as_str().to_string(),
            status: r.status.map(i64::from),
            latency_ms: r.latency_ms,
            evidence: r.evidence.clone(),
        })
        .collect();
    store.record_probes(&rows).await?;
    store.close().await;
    Ok(results)
}
