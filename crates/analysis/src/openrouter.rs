//! OpenRouter export: per workflow, the request fragment that selects its preferred
//! approved target (`model`, `models`, `provider`), which an OpenRouter preset or an
//! SDK call takes as it is, with the route's parameters beside it.
//!
//! For an approved chain the fragment is built from its steps: the first step's model
//! and provider preferences, and `models` (OpenRouter's server-side fallbacks, tried
//! in order) listing the models of the steps that follow, while they are on the same
//! OpenRouter endpoint with the same provider preferences: one request carries one
//! `provider` object. A step that is not is left out, with the steps after it, and a
//! note says so.

use crate::deploy::{chain_steps, route_spec, Deployment, RouteSpec};
use crate::registry::{self, Approved, Source};
use crate::{Ranking, RunData};
use routeval_core::config::EndpointKind;
use serde::Serialize;
use serde_json::{json, Map, Value};

#[derive(Debug, Serialize)]
pub struct Export {
    pub schema_version: u32,
    pub generated_at: String,
    pub source: Source,
    pub workflows: Vec<Workflow>,
}

#[derive(Debug, Serialize)]
pub struct Workflow {
    pub dataset: String,
    /// The preferred approved target (the registry's first); `None` when nothing is
    /// approved, and then `request` is `None` too.
    pub target: Option<String>,
    /// `route` or `chain`.
    pub kind: Option<String>,
    /// Where the request goes: the endpoint of the target's (first) route.
    pub endpoint: Option<EndpointRef>,
    /// `model`, and `models` and `provider` when set.
    pub request: Option<Value>,
    /// The route's request parameters (temperature, max_tokens...), sent beside.
    pub params: Map<String, Value>,
    /// What the fragment could not carry over, one line each.
    pub notes: Vec<String>,
}

/// An endpoint as the suite declared it: never a key, only the variable holding it.
#[derive(Debug, Serialize)]
pub struct EndpointRef {
    pub name: String,
    /// `openrouter`, or `openai` for any other OpenAI-compatible endpoint (which takes
    /// no `models` or `provider`).
    pub kind: EndpointKind,
    pub base_url: String,
    pub api_key_env: Option<String>,
}

pub fn export(data: &RunData, rankings: &[Ranking], deployment: &Deployment) -> Export {
    let registry = registry::export(data, rankings);
    let workflows = registry
        .workflows
        .iter()
        .map(|w| match w.approved.first() {
            Some(target) => workflow(&w.dataset, target, data, deployment),
            None => Workflow {
                dataset: w.dataset.clone(),
                target: None,
                kind: None,
                endpoint: None,
                request: None,
                params: Map::new(),
                notes: vec!["no approved target".into()],
            },
        })
        .collect();
    Export {
        schema_version: 1,
        generated_at: registry.generated_at,
        source: registry.source,
        workflows,
    }
}

fn workflow(dataset: &str, target: &Approved, data: &RunData, dep: &Deployment) -> Workflow {
    let mut notes = Vec::new();
    let steps: Vec<RouteSpec> = if target.kind == "chain" {
        chain_steps(target)
            .iter()
            .filter_map(|s| {
                let spec = route_spec(data, s);
                if spec.is_none() {
                    notes.push(format!("step `{s}` has no recorded spec"));
                }
                spec
            })
            .collect()
    } else {
        route_spec(data, &target.name).into_iter().collect()
    };
    let Some(first) = steps.first() else {
        return Workflow {
            dataset: dataset.to_string(),
            target: Some(target.name.clone()),
            kind: Some(target.kind.clone()),
            endpoint: None,
            request: None,
            params: Map::new(),
            notes,
        };
    };
    let endpoint = dep.endpoints.get(first.endpoint());
    // Without the suite's endpoint the fragment is still what the route's spec says.
    let openrouter = endpoint.is_none_or(|e| e.kind == EndpointKind::Openrouter);
    if endpoint.is_none() {
        notes.push(format!(
            "endpoint `{}` is not in the run's stored suite",
            first.endpoint()
        ));
    }
    let mut models = order_of(first);
    for step in &steps[1..] {
        let why_not = if !openrouter {
            Some("the endpoint is not OpenRouter, which alone takes `models`".to_string())
        } else if step.endpoint() != first.endpoint() {
            Some(format!("it is on endpoint `{}`", step.endpoint()))
        } else if step.provider() != first.provider() {
            Some("its provider preferences differ from the first step's".into())
        } else {
            None
        };
        if let Some(why) = why_not {
            notes.push(format!(
                "step `{}` and any after it are not in `models`: {why}",
                step.name
            ));
            break;
        }
        if step.params() != first.params() {
            notes.push(format!(
                "step `{}` has other params than the first step's, whose params are sent",
                step.name
            ));
        }
        for m in order_of(step) {
            if !models.contains(&m) {
                models.push(m);
            }
        }
    }
    let mut request = json!({ "model": first.model() });
    if openrouter {
        if models.len() > 1 {
            request["models"] = models.into();
        }
        if let Some(provider) = first.provider() {
            request["provider"] = provider.clone();
        }
    } else if first.provider().is_some() || !first.models().is_empty() {
        notes.push(
            "the endpoint is not OpenRouter: the route's `provider` and `models` are not sent"
                .into(),
        );
    }
    Workflow {
        dataset: dataset.to_string(),
        target: Some(target.name.clone()),
        kind: Some(target.kind.clone()),
        endpoint: endpoint.map(|e| EndpointRef {
            name: first.endpoint().to_string(),
            kind: e.kind,
            base_url: e.base_url.clone(),
            api_key_env: e.api_key_env.clone(),
        }),
        request: Some(request),
        params: first.params(),
        notes,
    }
}

/// The models one route's request tries, in order: its `model`, then its `models`.
fn order_of(route: &RouteSpec) -> Vec<String> {
    let mut order = vec![route.model().to_string()];
    for m in route.models() {
        if !order.contains(&m) {
            order.push(m);
        }
    }
    order
}

/// The export as pretty JSON.
pub fn to_json(export: &Export) -> String {
    serde_json::to_string_pretty(export).expect("the export is plain data")
}
