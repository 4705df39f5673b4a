//! What a gateway needs beside the registry to serve the approved routes: the endpoint
//! each route was evaluated on (its kind, base URL and the name of its key variable,
//! never a key), read from the suite stored with the run, and what the synced model
//! catalog says of each route's model (price, context). The gateway exports
//! ([`crate::litellm`], [`crate::openrouter`]) are built from these and the registry.

use crate::registry::{Approved, Workflow};
use crate::{AnalysisError, Result};
use routeval_core::config::Endpoint;
use routeval_core::Suite;
use routeval_store::{RunRow, Store};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// The endpoints and catalog entries of one run's routes.
#[derive(Debug, Clone, Default)]
pub struct Deployment {
    /// The run's endpoints by name, as its suite declared them.
    pub endpoints: BTreeMap<String, Endpoint>,
    /// The synced catalog (`models sync`) by (endpoint, model id); empty when never
    /// synced.
    pub catalog: HashMap<(String, String), CatalogEntry>,
}

/// What the catalog lists for one model.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CatalogEntry {
    /// `None` when the catalog lists no price.
    pub price: Option<TokenPrice>,
    pub context_length: Option<u64>,
    pub max_completion_tokens: Option<u64>,
}

/// USD per prompt token, per completion token, and per request.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TokenPrice {
    pub prompt: f64,
    pub completion: f64,
    pub request: f64,
}

impl Deployment {
    /// The endpoints of `run` from the suite stored with it (for a run recorded before
    /// suite sources were kept, from its stored config), and the catalog last synced
    /// into the database.
    pub async fn load(store: &Store, run: &RunRow) -> Result<Self> {
        let endpoints = match store.run_suite_source(&run.id).await? {
            Some((text, schema)) => {
                Suite::from_stored(Path::new(&run.suite_path), &text, schema)
                    .map_err(|e| {
                        AnalysisError::Input(format!(
                            "run {}: the suite stored with it cannot be read: {e}",
                            run.id
                        ))
                    })?
                    .endpoints
            }
            None => {
                #[derive(serde::Deserialize)]
                struct Stored {
                    #[serde(default)]
                    endpoints: BTreeMap<String, Endpoint>,
                }
                let json = store.run_config_json(&run.id).await?;
                serde_json::from_str::<Stored>(&json)
                    .map(|s| s.endpoints)
                    .unwrap_or_default()
            }
        };
        let catalog = store
            .models()
            .await?
            .into_iter()
            .map(|m| {
                let entry = CatalogEntry {
                    price: m.priced.then_some(TokenPrice {
                        prompt: m.prompt_price,
                        completion: m.completion_price,
                        request: m.request_price,
                    }),
                    context_length: m.context_length.and_then(|c| u64::try_from(c).ok()),
                    max_completion_tokens: m
                        .max_completion_tokens
                        .and_then(|c| u64::try_from(c).ok()),
                };
                ((m.endpoint, m.id), entry)
            })
            .collect();
        Ok(Self { endpoints, catalog })
    }

    /// The catalog entry of a route's model on its endpoint.
    pub fn catalog_of(&self, route: &RouteSpec) -> Option<&CatalogEntry> {
        self.catalog
            .get(&(route.endpoint().to_string(), route.model().to_string()))
    }

    /// A route's price: the suite's `price` when it sets one, else the catalog's for its
    /// model (the order the run priced attempts in); `None` when neither is known.
    pub fn price_of(&self, route: &RouteSpec) -> Option<TokenPrice> {
        route
            .own_price()
            .or_else(|| self.catalog_of(route).and_then(|c| c.price))
    }
}

/// A recorded route's spec (the suite's `[routes.NAME]` as stored with the run), read
/// leniently: a run recorded by an older build still exports.
#[derive(Debug, Clone)]
pub struct RouteSpec {
    pub name: String,
    pub spec: Value,
}

impl RouteSpec {
    pub fn endpoint(&self) -> &str {
        self.spec
            .get("endpoint")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    pub fn model(&self) -> &str {
        self.spec
            .get("model")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// OpenRouter's server-side fallbacks, as the suite lists them.
    pub fn models(&self) -> Vec<String> {
        self.spec
            .get("models")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// OpenRouter's `provider` preferences, when set.
    pub fn provider(&self) -> Option<&Value> {
        self.spec.get("provider").filter(|p| !p.is_null())
    }

    /// Sampling and other request parameters (temperature, max_tokens, seed...).
    pub fn params(&self) -> Map<String, Value> {
        self.spec
            .get("params")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    }

    /// The suite's own `price` (USD per million tokens, and per request), per token.
    pub fn own_price(&self) -> Option<TokenPrice> {
        let p = self.spec.get("price")?;
        let field = |k: &str| p.get(k).and_then(Value::as_f64);
        Some(TokenPrice {
            prompt: field("prompt")? / 1e6,
            completion: field("completion")? / 1e6,
            request: field("request").unwrap_or(0.0),
        })
    }
}

/// The spec of a recorded route of the run, by name.
pub fn route_spec(data: &crate::RunData, name: &str) -> Option<RouteSpec> {
    data.targets
        .iter()
        .find(|t| t.name == name && t.kind == "route")
        .and_then(|t| serde_json::from_str(&t.spec_json).ok())
        .map(|spec| RouteSpec {
            name: name.to_string(),
            spec,
        })
}

/// The steps of an approved chain, in order; empty for a route.
pub fn chain_steps(target: &Approved) -> Vec<String> {
    if target.kind != "chain" {
        return Vec::new();
    }
    target
        .spec
        .get("steps")
        .and_then(Value::as_array)
        .map(|steps| {
            steps
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The routes a gateway tries for a workflow, in order: the preferred approved target
/// (for a chain, its steps in order), then every other approved route in the
/// registry's order. A chain that is not preferred adds nothing: its steps were
/// approved together, not each on its own. Empty when nothing is approved.
pub fn route_order(workflow: &Workflow) -> Vec<String> {
    let Some(first) = workflow.approved.first() else {
        return Vec::new();
    };
    let mut order = if first.kind == "chain" {
        chain_steps(first)
    } else {
        vec![first.name.clone()]
    };
    for other in workflow.approved.iter().skip(1) {
        if other.kind == "route" && !order.contains(&other.name) {
            order.push(other.name.clone());
        }
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::Evaluation;
    use serde_json::json;

    fn approved(name: &str, kind: &str, spec: Value) -> Approved {
        Approved {
            name: name.into(),
            kind: kind.into(),
            spec,
            request: Value::Null,
            evaluation: Evaluation {
                run_id: "r".into(),
                date: String::new(),
                cases: 1,
                acceptance: 1.0,
                acceptance_ci95: [1.0, 1.0],
                cost_per_accepted_usd: None,
                total_cost_usd: None,
                cost_known: false,
                p50_latency_ms: 0.0,
                p95_latency_ms: 0.0,
                served_by: Vec::new(),
            },
        }
    }

    fn workflow(approved: Vec<Approved>) -> Workflow {
        Workflow {
            dataset: "d".into(),
            task: "t".into(),
            privacy: "internal".into(),
            min_acceptance: 0.8,
            recommended: None,
            approved,
            rejected: Vec::new(),
            providers: Vec::new(),
        }
    }

    #[test]
    fn a_preferred_chain_gives_its_steps_then_the_other_approved_routes() {
        let w = workflow(vec![
            approved("c", "chain", json!({"steps": ["cheap", "strong"]})),
            approved("other-chain", "chain", json!({"steps": ["x", "y"]})),
            approved("strong", "route", json!({})),
            approved("mid", "route", json!({})),
        ]);
        assert_eq!(route_order(&w), ["cheap", "strong", "mid"]);
    }

    #[test]
    fn a_preferred_route_comes_first_and_nothing_approved_gives_nothing() {
        let w = workflow(vec![
            approved("mid", "route", json!({})),
            approved("c", "chain", json!({"steps": ["cheap", "strong"]})),
            approved("strong", "route", json!({})),
        ]);
        assert_eq!(route_order(&w), ["mid", "strong"]);
        assert!(route_order(&workflow(Vec::new())).is_empty());
    }

    #[test]
    fn a_route_price_of_its_own_comes_before_the_catalog() {
        let mut deployment = Deployment::default();
        deployment.catalog.insert(
            ("e".into(), "m/a".into()),
            CatalogEntry {
                price: Some(TokenPrice {
                    prompt: 1e-6,
                    completion: 2e-6,
                    request: 0.0,
                }),
                context_length: Some(8000),
                max_completion_tokens: None,
            },
        );
        let catalog_priced = RouteSpec {
            name: "a".into(),
            spec: json!({"endpoint": "e", "model": "m/a"}),
        };
        assert_eq!(
            deployment.price_of(&catalog_priced).map(|p| p.completion),
            Some(2e-6)
        );
        let own = RouteSpec {
            name: "b".into(),
            spec: json!({"endpoint": "e", "model": "m/a", "price": {"prompt": 0.5, "completion": 1.5, "request": 0.0}}),
        };
        let p = deployment.price_of(&own).unwrap();
        assert!((p.prompt - 5e-7).abs() < 1e-18 && (p.completion - 1.5e-6).abs() < 1e-18);
        let unknown = RouteSpec {
            name: "c".into(),
            spec: json!({"endpoint": "e", "model": "m/other"}),
        };
        assert_eq!(deployment.price_of(&unknown), None);
    }
}
