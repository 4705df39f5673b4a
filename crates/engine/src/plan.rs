//! Which (dataset, target) pairs a run sends and which it refuses, judged on the same
//! catalogs and probes by `run`, `run --dry-run` and `validate`.

use crate::prepare::Prepared;
use crate::EngineResult;
use routeval_core::Suite;
use routeval_runner::capability::{check_budget_price, eligibility, Exclusion};
use routeval_runner::catalog::{CatalogModel, Price};
use routeval_runner::probe::{ProbeVerdicts, Verdict};
use routeval_runner::PreparedDataset;
use routeval_store::{ModelRow, Store, StoreError};
use std::collections::HashMap;
use std::sync::Arc;

/// Model catalogs by endpoint name, then model id.
pub type Catalogs = HashMap<String, HashMap<String, CatalogModel>>;

/// The catalogs eligibility and costs are judged on, by `run` and `validate` alike:
/// each endpoint's live `/models` (unless `offline`), else the catalog last synced into
/// the database at `db`, if any.
pub async fn catalogs_for(suite: &Suite, db: &str, offline: bool) -> EngineResult<Catalogs> {
    let mut catalogs = if offline {
        Catalogs::new()
    } else {
        routeval_runner::fetch_catalogs(suite).await
    };
    if catalogs.len() < suite.endpoints.len() {
        for (endpoint, models) in synced_catalogs(db).await? {
            if suite.endpoints.contains_key(&endpoint) {
                catalogs.entry(endpoint).or_insert(models);
            }
        }
    }
    Ok(catalogs)
}

/// The database at `db` opened for reading, for work that sends nothing and only
/// consults what is stored (`validate`, the dry run): never created nor migrated.
/// `None` when there is none yet, or when its schema is older than this build's (a
/// command that writes upgrades it; until then nothing stored in it is read).
pub async fn stored(db: &str) -> EngineResult<Option<Store>> {
    match Store::open_existing(db).await {
        Ok(store) => Ok(Some(store)),
        Err(StoreError::Missing(_) | StoreError::NoSchema(_)) => Ok(None),
        Err(e @ StoreError::OlderSchema { .. }) => {
            tracing::warn!("{e}; its synced catalog and probes are not read");
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

/// The catalog synced into the database, per endpoint; empty when there is none.
/// A database that does not exist is not created.
pub async fn synced_catalogs(db: &str) -> EngineResult<Catalogs> {
    let mut out = Catalogs::new();
    let Some(store) = stored(db).await? else {
        return Ok(out);
    };
    for m in store.models().await? {
        out.entry(m.endpoint.clone())
            .or_default()
            .insert(m.id.clone(), catalog_model(&m));
    }
    store.close().await;
    Ok(out)
}

/// A synced catalog row as the capability checks read it.
pub fn catalog_model(m: &ModelRow) -> CatalogModel {
    CatalogModel {
        name: m.name.clone(),
        price: m.priced.then_some(Price {
            prompt: m.prompt_price,
            completion: m.completion_price,
            request: m.request_price,
            cache_read: m.cache_read_price,
            cache_write: m.cache_write_price,
        }),
        context_length: m.context_length.map(|c| c as u64),
        max_completion_tokens: m.max_completion_tokens.map(|c| c as u64),
        supported_parameters: serde_json::from_str(&m.supported_parameters).unwrap_or_default(),
    }
}

/// The latest stored verdict of every probe of every route, for capability checks.
pub async fn latest_verdicts(store: &Store) -> EngineResult<ProbeVerdicts> {
    let mut out: ProbeVerdicts = HashMap::new();
    for row in store.latest_probes(&[]).await? {
        if let Ok(verdict) = row.verdict.parse::<Verdict>() {
            out.entry(row.route).or_default().insert(row.probe, verdict);
        }
    }
    Ok(out)
}

/// [`latest_verdicts`] of the database at `db`, none when it does not exist yet (for
/// work that sends nothing and must not create one).
pub async fn stored_verdicts(db: &str) -> EngineResult<ProbeVerdicts> {
    let Some(store) = stored(db).await? else {
        return Ok(HashMap::new());
    };
    let verdicts = latest_verdicts(&store).await;
    store.close().await;
    verdicts
}

/// One dataset's targets: those it will be sent to, and the pairs refused with the rule.
pub struct PairPlan {
    pub dataset: Arc<PreparedDataset>,
    pub eligible: Vec<routeval_core::TargetRef>,
    pub excluded: Vec<Exclusion>,
}

/// Which (dataset, target) pairs are sent and which are refused: the one function
/// `run` dispatches from and `validate` lists, so what `validate` lists is what `run`
/// sends given the same catalogs and probes. `budget_usd` is the run's budget
/// (`--budget`, else the suite's): with one, routes of no known price are refused.
pub fn plan_pairs(
    prepared: &Prepared,
    catalogs: &Catalogs,
    probes: &ProbeVerdicts,
    force: bool,
    budget_usd: Option<f64>,
) -> Vec<PairPlan> {
    prepared
        .datasets
        .iter()
        .map(|ds| {
            let (mut eligible, mut excluded) = eligibility(
                &prepared.suite,
                &ds.dataset,
                catalogs,
                probes,
                force,
                budget_usd,
            );
            // Judges spend too: a judge no budget could bound keeps the whole dataset
            // from being sent, since every answer may be sent to it.
            let unbounded_judge = ds
                .scorer
                .judge_checks()
                .flat_map(|c| c.judges.iter())
                .find_map(|judge| {
                    let route = prepared.suite.routes.get(judge)?;
                    check_budget_price(judge, route, budget_usd, catalogs)
                        .err()
                        .map(|(rule, detail)| (rule, format!("its judge {detail}")))
                });
            if let Some((rule, detail)) = unbounded_judge {
                for target in eligible.drain(..) {
                    excluded.retain(|e| e.target != target.name());
                    excluded.push(Exclusion {
                        dataset: ds.dataset.name.clone(),
                        target: target.name().to_string(),
                        rule: rule.clone(),
                        detail: detail.clone(),
                        forced: false,
                    });
                }
            }
            PairPlan {
                dataset: ds.clone(),
                eligible,
                excluded,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A catalog synced into the database prices cached tokens as the live one does.
    #[tokio::test]
    async fn the_synced_catalog_keeps_the_cache_rates() {
        let dir = tempfile::tempdir().unwrap();
        let db = format!("sqlite://{}", dir.path().join("c.db").display());
        let store = Store::open(&db).await.unwrap();
        let row = |id: &str, cache: Option<(f64, f64)>| ModelRow {
            endpoint: "e".into(),
            id: id.into(),
            name: None,
            context_length: Some(1000),
            max_completion_tokens: None,
            prompt_price: 3e-6,
            completion_price: 15e-6,
            request_price: 0.0,
            priced: true,
            supported_parameters: "[]".into(),
            endpoints_json: None,
            synced_at: 1,
            cache_read_price: cache.map(|c| c.0),
            cache_write_price: cache.map(|c| c.1),
        };
        store
            .upsert_model(&row("a/cached", Some((3e-7, 3.75e-6))))
            .await
            .unwrap();
        store.upsert_model(&row("a/plain", None)).await.unwrap();
        store.close().await;
        let catalogs = synced_catalogs(&db).await.unwrap();
        let price = |id: &str| catalogs["e"][id].price.unwrap();
        assert_eq!(price("a/cached").cache_read, Some(3e-7));
        assert_eq!(price("a/cached").cache_write, Some(3.75e-6));
        assert_eq!(price("a/plain").cache_read, None, "the prompt rate applies");
    }
}
