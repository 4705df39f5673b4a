//! LiteLLM proxy export: a `config.yaml` whose `model_list` serves each workflow under
//! its own name, on the routes the run approved for it.
//!
//! A workflow (dataset) is one model group: its `model_name` is the workflow's name, on
//! the first route of [`route_order`] (the preferred approved target; a chain's first
//! step). Each later route is an entry of its own, `WORKFLOW--fallback-N`, and
//! `router_settings.fallbacks` sends the workflow's failed requests to them in order,
//! which is how LiteLLM's router names fallbacks: a list of `{group: [groups...]}`.
//!
//! Each entry's `litellm_params` say what the evaluation sent: `openrouter/MODEL` on an
//! OpenRouter endpoint (`openai/MODEL` on any other OpenAI-compatible one) at the
//! endpoint's base URL, the key as `os.environ/NAME` (the endpoint's `api_key_env`;
//! never a key), the route's parameters, and OpenRouter's `provider` and `models` in
//! `extra_body`. `model_info` carries the price per token (the route's own, else the
//! synced catalog's) and the context the catalog lists, for LiteLLM's spend tracking.
//! Endpoint headers are left out: a header may hold a credential.

use crate::deploy::{route_order, route_spec, Deployment, RouteSpec};
use crate::registry::{self, Source};
use crate::{AnalysisError, Ranking, Result, RunData};
use routeval_core::config::EndpointKind;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Request parameters LiteLLM takes by name and maps for the provider; any other
/// parameter of a route goes into `extra_body`, sent as is, as the evaluation sent it.
const OPENAI_PARAMS: [&str; 15] = [
    "temperature",
    "top_p",
    "max_tokens",
    "max_completion_tokens",
    "stop",
    "seed",
    "presence_penalty",
    "frequency_penalty",
    "logit_bias",
    "logprobs",
    "top_logprobs",
    "n",
    "user",
    "parallel_tool_calls",
    "reasoning_effort",
];

/// A LiteLLM proxy config, as its `config.yaml` holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Config {
    pub model_list: Vec<ModelEntry>,
    pub router_settings: RouterSettings,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelEntry {
    /// The workflow's name, or `WORKFLOW--fallback-N`.
    pub model_name: String,
    pub litellm_params: LitellmParams,
    pub model_info: ModelInfo,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LitellmParams {
    /// `openrouter/MODEL` or `openai/MODEL`.
    pub model: String,
    pub api_base: String,
    /// `os.environ/NAME`: LiteLLM reads the key from the variable `NAME`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key: Option<String>,
    /// The route's OpenAI parameters (temperature, max_tokens...).
    #[serde(flatten)]
    pub params: Map<String, Value>,
    /// Sent in the request body as is: OpenRouter's `provider` and `models`, and the
    /// route's other parameters.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub extra_body: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_cost_per_token: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_cost_per_token: Option<f64>,
    /// The model's context length, as the catalog lists it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_input_tokens: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_output_tokens: Option<u64>,
    /// The suite's route this entry is, and the run that approved it.
    pub routeval_route: String,
    pub routeval_run: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouterSettings {
    /// `[{WORKFLOW: [WORKFLOW--fallback-1, ...]}]`, for workflows with fallbacks.
    pub fallbacks: Vec<BTreeMap<String, Vec<String>>>,
}

/// The config and what a reader should know about it.
#[derive(Debug)]
pub struct Export {
    pub source: Source,
    pub config: Config,
    /// Workflows left out and what could not be carried over, one line each.
    pub notes: Vec<String>,
}

/// The name of a workflow's `n`th fallback entry (from 1).
pub fn fallback_name(workflow: &str, n: usize) -> String {
    format!("{workflow}--fallback-{n}")
}

/// The LiteLLM config of a run's approved routes. Fails (nothing is written) when a
/// route's endpoint is not in the run's stored suite.
pub fn export(data: &RunData, rankings: &[Ranking], deployment: &Deployment) -> Result<Export> {
    let registry = registry::export(data, rankings);
    let mut model_list = Vec::new();
    let mut fallbacks = Vec::new();
    let mut notes = Vec::new();
    for workflow in &registry.workflows {
        let order = route_order(workflow);
        if order.is_empty() {
            notes.push(format!(
                "workflow `{}` has no approved target: it is not in model_list",
                workflow.dataset
            ));
            continue;
        }
        let mut names = Vec::new();
        for (i, route) in order.iter().enumerate() {
            let spec = route_spec(data, route).ok_or_else(|| {
                AnalysisError::Input(format!(
                    "run {}: route `{route}` of workflow `{}` has no recorded spec",
                    data.run.id, workflow.dataset
                ))
            })?;
            let name = if i == 0 {
                workflow.dataset.clone()
            } else {
                fallback_name(&workflow.dataset, i)
            };
            let entry = entry(&name, &spec, deployment, &data.run.id, &mut notes)?;
            model_list.push(entry);
            names.push(name);
        }
        if let [alias, rest @ ..] = names.as_slice() {
            if !rest.is_empty() {
                fallbacks.push(BTreeMap::from([(alias.clone(), rest.to_vec())]));
            }
        }
    }
    Ok(Export {
        source: registry.source,
        config: Config {
            model_list,
            router_settings: RouterSettings { fallbacks },
        },
        notes,
    })
}

fn entry(
    name: &str,
    route: &RouteSpec,
    deployment: &Deployment,
    run_id: &str,
    notes: &mut Vec<String>,
) -> Result<ModelEntry> {
    let endpoint = deployment.endpoints.get(route.endpoint()).ok_or_else(|| {
        AnalysisError::Input(format!(
            "run {run_id}: route `{}` is on endpoint `{}`, which the run's stored suite does not declare",
            route.name,
            route.endpoint()
        ))
    })?;
    let openrouter = endpoint.kind == EndpointKind::Openrouter;
    let prefix = if openrouter { "openrouter" } else { "openai" };
    let (mut params, mut extra_body) = (Map::new(), Map::new());
    for (k, v) in route.params() {
        if OPENAI_PARAMS.contains(&k.as_str()) {
            params.insert(k, v);
        } else {
            extra_body.insert(k, v);
        }
    }
    // The runner sends OpenRouter's extensions to OpenRouter endpoints only.
    if openrouter {
        if let Some(provider) = route.provider() {
            extra_body.insert("provider".into(), provider.clone());
        }
        let models = route.models();
        if !models.is_empty() {
            extra_body.insert("models".into(), models.into());
        }
    }
    if endpoint.api_key_env.is_none() {
        notes.push(format!(
            "{name}: endpoint `{}` names no key variable (`api_key_env`); no api_key is set",
            route.endpoint()
        ));
    }
    let price = deployment.price_of(route);
    if let Some(p) = price.filter(|p| p.request > 0.0) {
        notes.push(format!(
            "{name}: the per-request price ({} USD) has no LiteLLM field and is left out",
            p.request
        ));
    }
    let catalog = deployment.catalog_of(route);
    Ok(ModelEntry {
        model_name: name.to_string(),
        litellm_params: LitellmParams {
            model: format!("{prefix}/{}", route.model()),
            api_base: endpoint.base_url.clone(),
            api_key: endpoint
                .api_key_env
                .as_ref()
                .map(|var| format!("os.environ/{var}")),
            params,
            extra_body,
        },
        model_info: ModelInfo {
            input_cost_per_token: price.map(|p| p.prompt),
            output_cost_per_token: price.map(|p| p.completion),
            max_input_tokens: catalog.and_then(|c| c.context_length),
            max_output_tokens: catalog.and_then(|c| c.max_completion_tokens),
            routeval_route: route.name.clone(),
            routeval_run: run_id.to_string(),
        },
    })
}

/// The config as LiteLLM's `config.yaml`, headed by comments naming the run and the
/// notes.
pub fn to_yaml(export: &Export) -> Result<String> {
    let mut out = String::new();
    let line = |s: &str| format!("# {}\n", crate::escape::terminal(s, 400));
    out.push_str(&line(&format!(
        "LiteLLM proxy config: the routes run {} of suite {} approved ({}).",
        export.source.run_id, export.source.suite, export.source.run_started_at
    )));
    out.push_str(&line(
        "Each workflow is a model_name; WORKFLOW--fallback-N entries are its fallbacks, in order.",
    ));
    if export.source.simulated {
        out.push_str(&line(
            "SIMULATED: these routes were evaluated on the built-in simulator, not on real providers.",
        ));
    }
    for note in &export.notes {
        out.push_str(&line(&format!("note: {note}")));
    }
    out.push_str(&yaml_text(&export.config)?);
    Ok(out)
}

/// The config as JSON (which LiteLLM also reads), without the comments.
pub fn to_json(export: &Export) -> String {
    serde_json::to_string_pretty(&export.config).expect("the config is plain data")
}

/// `value` as YAML that YAML 1.1 readers read back with the same numbers. PyYAML, which
/// LiteLLM reads its config with, takes a float without a dot (`1e-7`, as the shortest
/// form of a price per token is often written) for a string; here every float is
/// written with a dot and a signed exponent (`1.0e-7`), which both YAML 1.1 and 1.2
/// read as a float.
pub fn yaml_text<T: Serialize>(value: &T) -> Result<String> {
    let mut tree = serde_norway::to_value(value)?;
    // Each float becomes a marker no string of the document holds, replaced in the
    // text by the float's YAML 1.1 form once the library has laid the document out.
    let plain = serde_norway::to_string(&tree)?;
    let marker = (0u32..)
        .map(|salt| format!("routeval-float-{salt}-"))
        .find(|m| !plain.contains(m.as_str()))
        .expect("some salt is free");
    let mut floats = Vec::new();
    mark_floats(&mut tree, &marker, &mut floats);
    let mut text = serde_norway::to_string(&tree)?;
    for (i, f) in floats.iter().enumerate() {
        let token = format!("{marker}{i}x");
        debug_assert_eq!(text.matches(token.as_str()).count(), 1);
        text = text.replacen(&token, &yaml11_float(*f), 1);
    }
    Ok(text)
}

fn mark_floats(value: &mut serde_norway::Value, marker: &str, floats: &mut Vec<f64>) {
    use serde_norway::Value as Y;
    match value {
        Y::Number(n) if n.is_f64() => {
            if let Some(f) = n.as_f64().filter(|f| f.is_finite()) {
                *value = Y::String(format!("{marker}{}x", floats.len()));
                floats.push(f);
            }
        }
        Y::Sequence(items) => {
            for item in items {
                mark_floats(item, marker, floats);
            }
        }
        Y::Mapping(map) => {
            for (_, v) in map.iter_mut() {
                mark_floats(v, marker, floats);
            }
        }
        Y::Tagged(tagged) => mark_floats(&mut tagged.value, marker, floats),
        _ => {}
    }
}

/// A finite float as YAML 1.1 reads it: the shortest round-trip digits, with a dot
/// before the exponent and the exponent's sign (`1e-7` → `1.0e-7`, `2e16` → `2.0e+16`).
fn yaml11_float(f: f64) -> String {
    let shortest = format!("{f:?}");
    let Some((mantissa, exponent)) = shortest.split_once('e') else {
        return shortest;
    };
    let mantissa = if mantissa.contains('.') {
        mantissa.to_string()
    } else {
        format!("{mantissa}.0")
    };
    let exponent = if exponent.starts_with('-') {
        exponent.to_string()
    } else {
        format!("+{exponent}")
    };
    format!("{mantissa}e{exponent}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_are_written_as_yaml_1_1_reads_them() {
        for (f, text) in [
            (1e-7, "1.0e-7"),
            (1.5e-7, "1.5e-7"),
            (2e16, "2.0e+16"),
            (0.25, "0.25"),
            (3.0, "3.0"),
            (-4e-9, "-4.0e-9"),
        ] {
            assert_eq!(yaml11_float(f), text);
            assert_eq!(text.parse::<f64>().unwrap(), f);
        }
    }

    #[test]
    fn every_float_reads_back_equal_and_strings_stay_strings() {
        let doc = serde_json::json!({
            "a": 1e-6,
            "b": [2e-7, 0.5, 7, "1e-6", "routeval-float-0-0x"],
            "c": {"d": 1.25e-5, "e": "text"},
        });
        let text = yaml_text(&doc).unwrap();
        for token in ["1.0e-6", "2.0e-7", "1.25e-5"] {
            assert!(text.contains(token), "{text}");
        }
        let back: Value = serde_norway::from_str(&text).unwrap();
        assert_eq!(back, doc, "{text}");
    }
}
