//! The model catalog: each endpoint's `/models` synced into the database (with price
//! history), and the synced models that can serve a dataset, cheapest first.

use crate::plan::catalog_model;
use crate::prepare::Prepared;
use crate::{EngineError, EngineResult};
use anyhow::anyhow;
use routeval_core::config::Route;
use routeval_core::Suite;
use routeval_runner::capability::{check, needs_of, Needs};
use routeval_runner::catalog::{fetch_catalog, fetch_endpoints};
use routeval_store::{ModelRow, Store};
use std::path::Path;
use std::time::Duration;

/// Completion tokens assumed per answer when estimating what a case costs.
pub const TYPICAL_COMPLETION_TOKENS: u64 = 300;

/// What syncing one endpoint's catalog did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Synced {
    pub endpoint: String,
    pub models: usize,
    /// Models new to the database or whose price changed.
    pub changed: usize,
}

/// Sync every endpoint's `/models` (and, with `with_endpoints`, each model's providers)
/// into `db`.
pub async fn sync(suite_path: &Path, db: &str, with_endpoints: bool) -> EngineResult<Vec<Synced>> {
    let suite = Suite::load(suite_path)?;
    let store = Store::open(db).await?;
    let now = routeval_runner::now_ms();
    let mut synced = Vec::new();
    for (name, endpoint) in &suite.endpoints {
        let (client, _key) =
            routeval_runner::EndpointClient::new(name, endpoint).map_err(EngineError::input)?;
        let models = fetch_catalog(&client, Duration::from_secs(30))
            .await
            .map_err(|e| {
                EngineError::failure(anyhow!("endpoint `{name}`: cannot read /models: {e}"))
            })?;
        let mut changed = 0;
        for (id, m) in &models {
            let endpoints_json = if with_endpoints {
                fetch_endpoints(&client, id, Duration::from_secs(30))
                    .await
                    .ok()
                    .map(|v| v.to_string())
            } else {
                None
            };
            let price = m.price.unwrap_or_default();
            let row = ModelRow {
                endpoint: name.clone(),
                id: id.clone(),
                name: m.name.clone(),
                context_length: m.context_length.map(|c| c as i64),
                max_completion_tokens: m.max_completion_tokens.map(|c| c as i64),
                prompt_price: price.prompt,
                completion_price: price.completion,
                request_price: price.request,
                priced: m.price.is_some(),
                supported_parameters: serde_json::to_string(&m.supported_parameters)
                    .unwrap_or_default(),
                endpoints_json,
                synced_at: now,
                cache_read_price: m.price.and_then(|p| p.cache_read),
                cache_write_price: m.price.and_then(|p| p.cache_write),
            };
            changed += usize::from(store.upsert_model(&row).await?);
        }
        synced.push(Synced {
            endpoint: name.clone(),
            models: models.len(),
            changed,
        });
    }
    store.close().await;
    Ok(synced)
}

/// A synced model that can serve a dataset, with what a case would cost on it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Candidate {
    /// Estimated USD per case at catalog prices; `None` when the catalog lists no price.
    pub cost_per_case: Option<f64>,
    pub model: ModelRow,
}

/// The synced models in `db` that can do what the one dataset of `prepared` needs,
/// cheapest estimated case first (unpriced ones last).
pub async fn suggest(prepared: &Prepared, db: &str) -> EngineResult<(Needs, Vec<Candidate>)> {
    let needs = needs_of(&prepared.datasets[0].dataset);
    let store = Store::open_existing(db).await?;
    let models = store.models().await?;
    store.close().await;
    if models.is_empty() {
        return Err(EngineError::input(anyhow!(
            "no synced models: run `routeval models sync` first"
        )));
    }
    let mut fits: Vec<Candidate> = models
        .into_iter()
        .filter(|m| {
            let route: Route = match toml::from_str(&format!(
                "endpoint = {:?}\nmodel = {:?}\nparams = {{ max_tokens = {TYPICAL_COMPLETION_TOKENS} }}",
                m.endpoint, m.id
            )) {
                Ok(r) => r,
                Err(_) => return false,
            };
            check(&needs, &route, Some(&catalog_model(m))).is_ok()
        })
        .map(|m| Candidate {
            cost_per_case: m.priced.then_some(
                needs.prompt_tokens as f64 * m.prompt_price
                    + TYPICAL_COMPLETION_TOKENS as f64 * m.completion_price
                    + m.request_price,
            ),
            model: m,
        })
        .collect();
    // A model the catalog lists no price for is not free: it goes last.
    fits.sort_by(|a, b| {
        let cost = |c: &Candidate| c.cost_per_case.unwrap_or(f64::INFINITY);
        cost(a).total_cmp(&cost(b))
    });
    Ok((needs, fits))
}
