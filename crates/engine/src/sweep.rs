//! Provider sweeps: a route with `providers = "each"` (or a list of slugs) becomes one
//! route per provider serving its model, each pinned to it, from the endpoint's
//! `/models/{id}/endpoints` list: read live unless offline, else as last synced
//! (`routeval models sync --endpoints`). What each provider offers (price, context,
//! quantization, parameters) goes with its route, so eligibility, privacy and costs are
//! judged per provider before anything is sent, and reports can set them side by side.

use crate::plan::stored;
use crate::prepare::Prepared;
use crate::{EngineError, EngineResult};
use anyhow::anyhow;
use routeval_core::config::{ProviderSweep, SweptProvider};
use routeval_core::policy::same_provider;
use routeval_core::Suite;
use routeval_runner::catalog::{fetch_endpoints, parse_endpoints};
use std::time::Duration;

/// Replace every swept route of `prepared` by its providers' routes. Err when a sweep
/// has no list of providers to read, or names a provider that does not serve the model.
pub async fn expand_sweeps(prepared: &mut Prepared, db: &str, offline: bool) -> EngineResult<()> {
    let swept: Vec<String> = prepared
        .suite
        .routes
        .iter()
        .filter(|(_, r)| r.providers.is_some())
        .map(|(name, _)| name.clone())
        .collect();
    for name in swept {
        let route = prepared.suite.routes[&name].clone();
        let mut providers =
            endpoint_providers(&prepared.suite, &route.endpoint, &route.model, db, offline)
                .await
                .map_err(|why| {
                    EngineError::input(anyhow!(
                        "{}: route `{name}` sweeps the providers of `{}`, but {why}",
                        prepared.suite.path.display(),
                        route.model
                    ))
                })?;
        if let Some(ProviderSweep::Listed(slugs)) = &route.providers {
            for slug in slugs {
                if !providers.iter().any(|p| same_provider(slug, &p.slug)) {
                    return Err(EngineError::input(anyhow!(
                        "{}: key `routes.{name}.providers`: `{slug}` does not serve `{}`; its providers: {}",
                        prepared.suite.path.display(),
                        route.model,
                        providers
                            .iter()
                            .map(|p| p.slug.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )));
                }
            }
            providers.retain(|p| slugs.iter().any(|s| same_provider(s, &p.slug)));
        }
        prepared.suite.expand_sweep(&name, providers);
    }
    Ok(())
}

/// The providers serving `model` on the suite's `endpoint`: live (unless `offline`),
/// else as synced into `db`. Err says why neither could be read.
pub async fn endpoint_providers(
    suite: &Suite,
    endpoint: &str,
    model: &str,
    db: &str,
    offline: bool,
) -> Result<Vec<SweptProvider>, String> {
    let mut live_error = None;
    if !offline {
        let Some(config) = suite.endpoints.get(endpoint) else {
            return Err(format!("the suite has no endpoint `{endpoint}`"));
        };
        match routeval_runner::EndpointClient::new(endpoint, config) {
            Ok((client, _key)) => {
                match fetch_endpoints(&client, model, Duration::from_secs(30)).await {
                    Ok(list) => {
                        let providers = parse_endpoints(&list);
                        if !providers.is_empty() {
                            return Ok(providers);
                        }
                        live_error = Some("its endpoint list is empty".to_string());
                    }
                    Err(e) => {
                        live_error = Some(format!("its endpoint list could not be read ({e})"))
                    }
                }
            }
            Err(e) => live_error = Some(e.to_string()),
        }
    }
    if let Ok(Some(store)) = stored(db).await {
        let models = store.models().await.unwrap_or_default();
        store.close().await;
        if let Some(list) = models
            .iter()
            .find(|m| m.endpoint == endpoint && m.id == model)
            .and_then(|m| m.endpoints_json.as_deref())
            .and_then(|j| serde_json::from_str(j).ok())
        {
            let providers = parse_endpoints(&list);
            if !providers.is_empty() {
                return Ok(providers);
            }
        }
    }
    Err(format!(
        "{}and none is synced in the database (run `routeval models sync --endpoints`)",
        live_error.map(|e| format!("{e}, ")).unwrap_or_default()
    ))
}
