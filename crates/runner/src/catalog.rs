//! Model catalog prices, read from an endpoint's `GET /models`, used to compute the
//! cost of attempts whose response reports none.

use serde::Deserialize;
use std::collections::HashMap;
use std::time::Duration;

/// USD per token (prompt, completion) and per request.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Price {
    pub prompt: f64,
    pub completion: f64,
    pub request: f64,
}

/// What the catalog says about one model.
#[derive(Debug, Clone, Default)]
pub struct CatalogModel {
    pub price: Price,
    pub context_length: Option<u64>,
    pub supported_parameters: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct ModelsResponse {
    data: Vec<ModelEntry>,
}

#[derive(Debug, Deserialize)]
struct ModelEntry {
    id: String,
    context_length: Option<u64>,
    pricing: Option<Pricing>,
    #[serde(default)]
    supported_parameters: Vec<String>,
}

/// Prices are decimal strings on the wire.
#[derive(Debug, Deserialize)]
struct Pricing {
    prompt: Option<String>,
    completion: Option<String>,
    request: Option<String>,
}

fn price_of(s: &Option<String>) -> f64 {
    s.as_deref().and_then(|s| s.parse().ok()).unwrap_or(0.0)
}

/// Fetch `GET {base_url}/models`. Best effort: a catalog is a convenience, not a
/// reason to fail a run.
pub async fn fetch_catalog(
    base_url: &str,
    timeout: Duration,
) -> Result<HashMap<String, CatalogModel>, String> {
    let client = reqwest::Client::builder()
        .timeout(timeout)
        .build()
        .map_err(|e| e.to_string())?;
    let response = client
        .get(format!("{}/models", base_url.trim_end_matches('/')))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !response.status().is_success() {
        return Err(format!("HTTP {}", response.status()));
    }
    let body: ModelsResponse = response.json().await.map_err(|e| e.to_string())?;
    Ok(body
        .data
        .into_iter()
        .map(|m| {
            let price = m.pricing.map_or(Price::default(), |p| Price {
                prompt: price_of(&p.prompt),
                completion: price_of(&p.completion),
                request: price_of(&p.request),
            });
            (
                m.id,
                CatalogModel {
                    price,
                    context_length: m.context_length,
                    supported_parameters: m.supported_parameters,
                },
            )
        })
        .collect())
}
