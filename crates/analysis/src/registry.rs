//! Registry export: the approved routes per workflow, with the request fragment a
//! service sends to OpenRouter and the evaluation that approved them.

use crate::frames::RunData;
use crate::metrics::{Ranking, TargetMetrics};
use crate::report::format_time;
use serde::Serialize;
use serde_json::{json, Value};

#[derive(Debug, Serialize)]
pub struct RegistryExport {
    pub schema_version: u32,
    pub generated_at: String,
    pub source: Source,
    pub workflows: Vec<Workflow>,
}

#[derive(Debug, Serialize)]
pub struct Source {
    pub run_id: String,
    pub suite: String,
    pub run_started_at: String,
    pub config_hash: String,
    /// True when the figures come from the built-in simulator.
    pub simulated: bool,
}

#[derive(Debug, Serialize)]
pub struct Workflow {
    pub dataset: String,
    pub task: String,
    pub privacy: String,
    pub min_acceptance: f64,
    /// The cheapest approved target per accepted response, if any of known cost: a
    /// target whose cost is unknown is never recommended for being cheapest.
    pub recommended: Option<String>,
    /// Approved targets: those of known cost cheapest per accepted response first, then
    /// those whose cost is unknown (`evaluation.cost_known` false), by acceptance.
    pub approved: Vec<Approved>,
    /// Targets evaluated but below the minimum acceptance.
    pub rejected: Vec<String>,
    /// Per swept route (`providers = "each"`): the providers that may serve this
    /// workflow, as the `provider` object to send.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub providers: Vec<ProviderChoice>,
}

/// The providers of one model a workflow may be served by, from a provider sweep.
#[derive(Debug, Serialize)]
pub struct ProviderChoice {
    /// The swept route.
    pub route: String,
    pub model: String,
    /// OpenRouter's `provider` object keeping the workflow on the approved providers;
    /// absent when none is approved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<Value>,
    /// Approved provider slugs, cheapest accepted answer first.
    pub approved: Vec<String>,
    /// Providers left out, with why.
    pub rejected: Vec<RejectedProvider>,
}

#[derive(Debug, Serialize)]
pub struct RejectedProvider {
    pub provider: String,
    pub reason: String,
}

#[derive(Debug, Serialize)]
pub struct Approved {
    pub name: String,
    pub kind: String,
    /// For a route: its spec. For a chain: its steps and fallback classes.
    pub spec: Value,
    /// What to send to OpenRouter (`model`, `models`, `provider`); for a chain, the
    /// fragment of each step in order.
    pub request: Value,
    pub evaluation: Evaluation,
}

#[derive(Debug, Serialize)]
pub struct Evaluation {
    pub run_id: String,
    pub date: String,
    pub cases: u64,
    pub acceptance: f64,
    pub acceptance_ci95: [f64; 2],
    /// `None` when nothing was accepted or the cost is unknown.
    pub cost_per_accepted_usd: Option<f64>,
    /// `None` when unknown.
    pub total_cost_usd: Option<f64>,
    /// Every attempt's cost was known (reported, or priced from the suite or the
    /// catalog). When false the cost figures are null, not zero.
    pub cost_known: bool,
    pub p50_latency_ms: f64,
    pub p95_latency_ms: f64,
    pub served_by: Vec<(String, f64)>,
}

pub fn export(data: &RunData, rankings: &[Ranking]) -> RegistryExport {
    // The results frame's columns are declared with the store's tables (a test holds
    // them to the schema), so comparing providers reads what is there.
    let sweeps = crate::providers::provider_sweeps(data, rankings).unwrap_or_default();
    let spec_of = |name: &str| -> Value {
        data.targets
            .iter()
            .find(|t| t.name == name)
            .and_then(|t| serde_json::from_str(&t.spec_json).ok())
            .unwrap_or(Value::Null)
    };
    let workflows = rankings
        .iter()
        .map(|r| {
            let ds = data.datasets.iter().find(|d| d.name == r.dataset);
            let approved: Vec<Approved> = r
                .eligible
                .iter()
                .map(|m| {
                    let spec = spec_of(&m.target);
                    let request = if m.kind == "chain" {
                        let steps = spec
                            .get("steps")
                            .and_then(Value::as_array)
                            .cloned()
                            .unwrap_or_default();
                        Value::Array(
                            steps
                                .iter()
                                .filter_map(Value::as_str)
                                .map(|s| request_fragment(&spec_of(s)))
                                .collect(),
                        )
                    } else {
                        request_fragment(&spec)
                    };
                    Approved {
                        name: m.target.clone(),
                        kind: m.kind.clone(),
                        spec,
                        request,
                        evaluation: evaluation(data, m),
                    }
                })
                .collect();
            Workflow {
                dataset: r.dataset.clone(),
                task: ds.map(|d| d.task.clone()).unwrap_or_default(),
                privacy: ds.map(|d| d.privacy.clone()).unwrap_or_default(),
                min_acceptance: r.min_acceptance,
                recommended: approved
                    .iter()
                    .find(|a| a.evaluation.cost_known)
                    .map(|a| a.name.clone()),
                approved,
                rejected: r.ineligible.iter().map(|m| m.target.clone()).collect(),
                providers: sweeps
                    .iter()
                    .filter(|s| s.dataset == r.dataset)
                    .map(provider_choice)
                    .collect(),
            }
        })
        .collect();
    RegistryExport {
        schema_version: 1,
        generated_at: chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        source: Source {
            run_id: data.run.id.clone(),
            suite: data.run.suite.clone(),
            run_started_at: format_time(data.run.started_at),
            config_hash: data.run.config_hash.clone(),
            simulated: data.run.simulated,
        },
        workflows,
    }
}

/// The export as pretty JSON.
pub fn to_json(export: &RegistryExport) -> String {
    serde_json::to_string_pretty(export).expect("the export is plain data")
}

/// The export as TOML. TOML has no null: absent values (an unset provider, a cost per
/// accepted with nothing accepted) are left out rather than written.
pub fn to_toml(export: &RegistryExport) -> crate::Result<String> {
    let value = strip_nulls(serde_json::to_value(export).expect("the export is plain data"));
    Ok(toml::to_string_pretty(&value)?)
}

fn strip_nulls(v: Value) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, strip_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .filter(|v| !v.is_null())
                .map(strip_nulls)
                .collect(),
        ),
        other => other,
    }
}

/// The OpenRouter request fields that select this route.
fn request_fragment(route: &Value) -> Value {
    let mut out = json!({ "model": route.get("model").cloned().unwrap_or(Value::Null) });
    if let Some(models) = route
        .get("models")
        .filter(|m| m.as_array().is_some_and(|a| !a.is_empty()))
    {
        out["models"] = models.clone();
    }
    if let Some(provider) = route.get("provider").filter(|p| !p.is_null()) {
        out["provider"] = provider.clone();
    }
    out
}

fn evaluation(data: &RunData, m: &TargetMetrics) -> Evaluation {
    Evaluation {
        run_id: data.run.id.clone(),
        date: format_time(data.run.started_at),
        cases: m.cases,
        acceptance: m.acceptance,
        acceptance_ci95: [m.acceptance_low, m.acceptance_high],
        cost_per_accepted_usd: m.cost_per_accepted.filter(|_| m.cost_known),
        total_cost_usd: m.total_cost,
        cost_known: m.cost_known,
        p50_latency_ms: m.p50_latency_ms,
        p95_latency_ms: m.p95_latency_ms,
        served_by: m.providers.clone(),
    }
}

fn provider_choice(sweep: &crate::providers::ProviderSweep) -> ProviderChoice {
    let provider = sweep.provider_object();
    let approved = provider
        .as_ref()
        .and_then(|p| p.get("order"))
        .and_then(Value::as_array)
        .map(|o| {
            o.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    ProviderChoice {
        route: sweep.route.clone(),
        model: sweep.model.clone(),
        provider,
        approved,
        rejected: sweep
            .providers
            .iter()
            .filter(|p| !p.approved)
            .map(|p| RejectedProvider {
                provider: p.slug.clone(),
                reason: match p.vs_best {
                    Some(t) if p.significantly_worse => format!(
                        "accepts significantly fewer cases than `{}` (p = {:.2e}; {} only there, {} only here)",
                        sweep.best, t.p_value, t.only_best, t.only_this
                    ),
                    _ => "below the workflow's constraints".to_string(),
                },
            })
            .chain(sweep.excluded.iter().map(|e| RejectedProvider {
                provider: e.slug.clone(),
                reason: format!("not sent ({}): {}", e.rule, e.detail),
            }))
            .collect(),
    }
}
