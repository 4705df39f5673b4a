//! Model catalog prices, read from an endpoint's `GET /models`, used to compute the
//! cost of attempts whose response reports none.

use crate::client::EndpointClient;
use serde::Deserialize;
use std::collections::HashMap;
use std::time::Duration;

/// USD per token (prompt, completion) and per request.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Price {
    pub prompt: f64,
    pub completion: f64,
    pub request: f64,
    /// USD per cached prompt token read (`pricing.input_cache_read`); `None`: the
    /// prompt rate.
    pub cache_read: Option<f64>,
    /// USD per prompt token written to the cache (`pricing.input_cache_write`); `None`:
    /// the prompt rate.
    pub cache_write: Option<f64>,
}

impl Price {
    /// What `usage` costs at this price, for an endpoint that reports no cost. Of the
    /// prompt tokens, those read from the provider's cache
    /// (`prompt_tokens_details.cached_tokens`) are priced at the catalog's
    /// `input_cache_read` rate and those written to it (`cache_write_tokens`) at
    /// `input_cache_write`, the rest at the prompt rate; a rate the catalog does not
    /// list is the prompt rate.
    /// <https://openrouter.ai/docs/guides/overview/models> (pricing fields),
    /// <https://openrouter.ai/docs/guides/administration/usage-accounting> (usage).
    pub fn estimate(&self, usage: &crate::wire::Usage) -> f64 {
        let count = |n: Option<i64>| n.unwrap_or(0).max(0) as f64;
        let details = usage.prompt_tokens_details.as_ref();
        let read = count(details.and_then(|d| d.cached_tokens));
        let written = count(details.and_then(|d| d.cache_write_tokens));
        let fresh = (count(usage.prompt_tokens) - read - written).max(0.0);
        fresh * self.prompt
            + read * self.cache_read.unwrap_or(self.prompt)
            + written * self.cache_write.unwrap_or(self.prompt)
            + count(usage.completion_tokens) * self.completion
            + self.request
    }

    /// A suite's `price` (USD per million tokens, and per request) as a price per token.
    pub fn per_million(p: &routeval_core::config::RoutePrice) -> Self {
        Self {
            prompt: p.prompt / 1e6,
            completion: p.completion / 1e6,
            request: p.request,
            ..Self::default()
        }
    }

    /// A route's price: the suite's `price` when it sets one, else the catalog's for its
    /// model on its endpoint; `None` when neither is known.
    pub fn of_route(
        route: &routeval_core::config::Route,
        catalogs: &HashMap<String, HashMap<String, CatalogModel>>,
    ) -> Option<Self> {
        route.price.as_ref().map(Self::per_million).or_else(|| {
            catalogs
                .get(&route.endpoint)
                .and_then(|c| c.get(&route.model))
                .and_then(|m| m.price)
        })
    }
}

/// What the catalog says about one model.
#[derive(Debug, Clone, Default)]
pub struct CatalogModel {
    pub name: Option<String>,
    /// `None` when the catalog lists no price for the model (a price of "0" is free).
    pub price: Option<Price>,
    pub context_length: Option<u64>,
    pub max_completion_tokens: Option<u64>,
    pub supported_parameters: Vec<String>,
}

impl CatalogModel {
    /// What one provider's endpoint offers, for a route pinned to it by a sweep.
    pub fn of_provider(p: &routeval_core::config::SweptProvider) -> Self {
        Self {
            name: Some(p.name.clone()),
            price: p.price.as_ref().map(Price::per_million),
            context_length: p.context_length,
            max_completion_tokens: p.max_completion_tokens,
            supported_parameters: p.supported_parameters.clone(),
        }
    }
}

/// Providers read from one endpoint list, parameters per provider, and characters of
/// any text in it: enough for any real list, bounded against a hostile one.
const MAX_ENDPOINTS: usize = 256;
const MAX_ENDPOINT_PARAMETERS: usize = 128;
const MAX_ENDPOINT_TEXT: usize = 200;

/// The providers of a model as `/models/{id}/endpoints` lists them (`data.endpoints`,
/// or the list itself), for a provider sweep. Prices (USD per token, decimal strings)
/// become USD per million tokens. `data_policy` is read when present; OpenRouter's
/// public endpoint objects do not carry one, so a provider's retention is then unknown
/// and the route's own `provider.zdr`/`data_collection` are what OpenRouter enforces.
/// <https://openrouter.ai/docs/api-reference/endpoints/list-endpoints>
pub fn parse_endpoints(list: &serde_json::Value) -> Vec<routeval_core::config::SweptProvider> {
    use routeval_core::config::{DataCollection, RoutePrice, SweptProvider};
    use serde_json::Value;
    let endpoints = list
        .get("data")
        .and_then(|d| d.get("endpoints"))
        .unwrap_or(list);
    // Decimal strings on the wire; a number is read too.
    let decimal = |v: Option<&Value>| -> Option<f64> {
        let v = v?;
        let n = v
            .as_str()
            .and_then(|s| s.trim().parse::<f64>().ok())
            .or(v.as_f64())?;
        (n.is_finite() && n >= 0.0).then_some(n)
    };
    let per_million = |v: Option<&Value>| decimal(v).map(|n| n * 1e6);
    // What the endpoint names becomes route names, stored rows and report cells: no
    // secret it echoes, no control character, a bounded length.
    let text = |v: Option<&Value>| -> Option<String> {
        let s = v?.as_str()?;
        let clean: String = routeval_core::redact::redact(s)
            .chars()
            .filter(|c| !c.is_control())
            .take(MAX_ENDPOINT_TEXT)
            .collect();
        (!clean.is_empty()).then_some(clean)
    };
    let mut out: Vec<SweptProvider> = Vec::new();
    for e in endpoints.as_array().into_iter().flatten() {
        if out.len() == MAX_ENDPOINTS {
            break;
        }
        let name = text(e.get("provider_name")).unwrap_or_default();
        let slug = text(e.get("tag")).unwrap_or_else(|| name.to_lowercase().replace(' ', "-"));
        // A slug cut short or cleaned would pin another provider, or none: left out.
        let exact = e
            .get("tag")
            .and_then(Value::as_str)
            .is_none_or(|t| t == slug);
        if slug.is_empty() || !exact || out.iter().any(|p| p.slug == slug) {
            continue;
        }
        let pricing = e.get("pricing");
        let price = match (
            per_million(pricing.and_then(|p| p.get("prompt"))),
            per_million(pricing.and_then(|p| p.get("completion"))),
        ) {
            (Some(prompt), Some(completion)) => Some(RoutePrice {
                prompt,
                completion,
                request: decimal(pricing.and_then(|p| p.get("request"))).unwrap_or(0.0),
            }),
            _ => None,
        };
        let policy = e.get("data_policy");
        out.push(SweptProvider {
            from: String::new(),
            slug,
            name,
            quantization: text(e.get("quantization")),
            context_length: e.get("context_length").and_then(Value::as_u64),
            max_completion_tokens: e.get("max_completion_tokens").and_then(Value::as_u64),
            price,
            supported_parameters: e
                .get("supported_parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .take(MAX_ENDPOINT_PARAMETERS)
                .filter_map(|p| text(Some(p)))
                .collect(),
            zdr: policy.and_then(|p| p.get("zdr")).and_then(Value::as_bool),
            data_collection: match policy
                .and_then(|p| p.get("data_collection"))
                .and_then(Value::as_str)
            {
                Some("allow") => Some(DataCollection::Allow),
                Some("deny") => Some(DataCollection::Deny),
                _ => None,
            },
        });
    }
    out
}

#[derive(Debug, Deserialize)]
struct ModelsResponse {
    data: Vec<ModelEntry>,
}

#[derive(Debug, Deserialize)]
struct ModelEntry {
    id: String,
    name: Option<String>,
    context_length: Option<u64>,
    top_provider: Option<TopProvider>,
    pricing: Option<Pricing>,
    #[serde(default)]
    supported_parameters: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct TopProvider {
    max_completion_tokens: Option<u64>,
}

/// Prices are decimal strings on the wire.
#[derive(Debug, Deserialize)]
struct Pricing {
    prompt: Option<String>,
    completion: Option<String>,
    request: Option<String>,
    input_cache_read: Option<String>,
    input_cache_write: Option<String>,
}

/// A decimal string; a negative one (listed for routers whose price varies) is no price.
fn price_of(s: &Option<String>) -> Option<f64> {
    s.as_deref()
        .and_then(|s| s.parse().ok())
        .filter(|v: &f64| *v >= 0.0)
}

/// A model's price: known only when both token prices are listed; a missing per-request
/// price is none.
fn price_from(p: Option<Pricing>) -> Option<Price> {
    let p = p?;
    Some(Price {
        prompt: price_of(&p.prompt)?,
        completion: price_of(&p.completion)?,
        request: price_of(&p.request).unwrap_or(0.0),
        cache_read: price_of(&p.input_cache_read),
        cache_write: price_of(&p.input_cache_write),
    })
}

/// Largest catalog read: OpenRouter's full `/models` is a few megabytes; an endpoint
/// that sends more is refused rather than read into memory.
pub const MAX_CATALOG_BYTES: usize = 64 << 20;

/// A JSON body of at most `max` bytes, read a piece at a time: whatever an endpoint
/// sends, no more than that is held.
pub(crate) async fn read_json<T: serde::de::DeserializeOwned>(
    response: reqwest::Response,
    max: usize,
) -> Result<T, String> {
    let body = read_at_most(response, max).await?;
    serde_json::from_slice(&body).map_err(|e| e.to_string())
}

/// The body, or an error once it passes `max` bytes (the rest is not read).
pub(crate) async fn read_at_most(
    response: reqwest::Response,
    max: usize,
) -> Result<Vec<u8>, String> {
    use futures_util::StreamExt;
    if response.content_length().is_some_and(|n| n > max as u64) {
        return Err(format!(
            "body of {} bytes is over the {max}-byte limit",
            response.content_length().unwrap_or(0)
        ));
    }
    let mut stream = response.bytes_stream();
    let mut body = Vec::new();
    while let Some(piece) = stream.next().await {
        let piece = piece.map_err(|e| e.to_string())?;
        if body.len() + piece.len() > max {
            return Err(format!("body is over the {max}-byte limit"));
        }
        body.extend_from_slice(&piece);
    }
    Ok(body)
}

/// Fetch `GET {base_url}/models`. Best effort: a catalog is a convenience, not a
/// reason to fail a run.
pub async fn fetch_catalog(
    endpoint: &EndpointClient,
    timeout: Duration,
) -> Result<HashMap<String, CatalogModel>, String> {
    let response = endpoint.get("/models", timeout).await?;
    if !response.status().is_success() {
        return Err(format!("HTTP {}", response.status()));
    }
    let body: ModelsResponse = read_json(response, MAX_CATALOG_BYTES).await?;
    Ok(body
        .data
        .into_iter()
        .map(|m| {
            let price = price_from(m.pricing);
            let model = CatalogModel {
                name: m.name,
                price,
                context_length: m.context_length,
                max_completion_tokens: m.top_provider.and_then(|t| t.max_completion_tokens),
                supported_parameters: m.supported_parameters,
            };
            (m.id, model)
        })
        .collect())
}

/// `GET {base_url}/models/{id}/endpoints`: the providers serving a model, as the
/// endpoint lists them (raw JSON: the shape varies between deployments).
pub async fn fetch_endpoints(
    endpoint: &EndpointClient,
    model_id: &str,
    timeout: Duration,
) -> Result<serde_json::Value, String> {
    let response = endpoint
        .get(&format!("/models/{model_id}/endpoints"), timeout)
        .await?;
    if !response.status().is_success() {
        return Err(format!("HTTP {}", response.status()));
    }
    let body: serde_json::Value = read_json(response, MAX_CATALOG_BYTES).await?;
    Ok(body
        .get("data")
        .and_then(|d| d.get("endpoints"))
        .cloned()
        .unwrap_or(body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use routeval_core::config::DataCollection;
    use serde_json::json;

    #[test]
    fn cached_tokens_are_estimated_at_the_catalog_cache_rates() {
        let pricing = |v: serde_json::Value| {
            price_from(Some(serde_json::from_value::<Pricing>(v).unwrap())).unwrap()
        };
        let cached = pricing(json!({
            "prompt": "0.000003", "completion": "0.000015", "request": "0",
            "input_cache_read": "0.0000003", "input_cache_write": "0.00000375",
        }));
        let usage: crate::wire::Usage = serde_json::from_value(json!({
            "prompt_tokens": 1000, "completion_tokens": 100,
            "prompt_tokens_details": { "cached_tokens": 600, "cache_write_tokens": 300 },
        }))
        .unwrap();
        let expected = 100.0 * 3e-6 + 600.0 * 3e-7 + 300.0 * 3.75e-6 + 100.0 * 15e-6;
        assert!((cached.estimate(&usage) - expected).abs() < 1e-12);

        // No cache rates listed: every prompt token at the prompt rate.
        let plain = pricing(json!({ "prompt": "0.000003", "completion": "0.000015" }));
        let expected = 1000.0 * 3e-6 + 100.0 * 15e-6;
        assert!((plain.estimate(&usage) - expected).abs() < 1e-12);
    }

    #[test]
    fn an_endpoint_list_reads_as_providers_with_their_own_terms() {
        // OpenRouter's documented endpoint object, plus one without a tag and a
        // `data_policy` (which only some deployments send).
        let list = json!({"data": {"id": "a/b", "endpoints": [
            { "name": "P: Model", "model_id": "a/b", "provider_name": "P", "tag": "p/fp8",
              "quantization": "fp8", "context_length": 131072, "max_completion_tokens": 8192,
              "pricing": { "prompt": "0.0000002", "completion": "0.0000008", "request": "0.001" },
              "supported_parameters": ["tools", "response_format"], "status": 0 },
            { "provider_name": "Big Host", "pricing": { "prompt": "0.000001" },
              "data_policy": { "zdr": true, "data_collection": "deny" } },
            { "provider_name": "P", "tag": "p/fp8" },
        ]}});
        let providers = parse_endpoints(&list);
        assert_eq!(providers.len(), 2, "a tag listed twice is one provider");
        let p = &providers[0];
        assert_eq!((p.slug.as_str(), p.name.as_str()), ("p/fp8", "P"));
        assert_eq!(p.quantization.as_deref(), Some("fp8"));
        assert_eq!(p.context_length, Some(131072));
        let price = p.price.unwrap();
        assert!((price.prompt - 0.2).abs() < 1e-9 && (price.completion - 0.8).abs() < 1e-9);
        assert!((price.request - 0.001).abs() < 1e-12);
        assert_eq!(p.zdr, None, "not stated: unknown");
        let big = &providers[1];
        assert_eq!(big.slug, "big-host");
        assert_eq!(big.price, None, "no completion price: unknown, not free");
        assert_eq!(big.zdr, Some(true));
        assert_eq!(big.data_collection, Some(DataCollection::Deny));
        // The bare list (as `models sync --endpoints` stores it) reads the same.
        assert_eq!(parse_endpoints(&list["data"]["endpoints"]), providers);
    }

    #[test]
    fn a_hostile_endpoint_list_is_bounded_and_keeps_no_secret() {
        let key = "sk-or-v1-endpointlisthostile0123456789";
        routeval_core::redact::register(key);
        let mut endpoints = vec![
            json!({"provider_name": format!("Echo {key}"), "tag": "echo",
                   "quantization": format!("fp8\n{key}"),
                   "supported_parameters": ["tools", key]}),
            json!({"provider_name": "Long", "tag": "x".repeat(10_000)}),
            json!({"provider_name": "Bell", "tag": "be\u{7}ll"}),
            json!({"provider_name": "Keyed", "tag": key}),
        ];
        endpoints.extend((0..1000).map(|i| json!({"provider_name": "P", "tag": format!("p{i}")})));
        let providers = parse_endpoints(&json!(endpoints));
        assert_eq!(providers.len(), MAX_ENDPOINTS);
        assert_eq!(providers[0].slug, "echo");
        assert_eq!(
            providers[1].slug, "p0",
            "slugs cut, cleaned or redacted are left out"
        );
        let shown = serde_json::to_string(&providers).unwrap();
        assert!(!shown.contains(key), "{shown}");
        assert!(!shown.contains('\n') && !shown.contains("\\n"), "{shown}");
        assert!(providers[0]
            .supported_parameters
            .contains(&"tools".to_string()));
    }
}
