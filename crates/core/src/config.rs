//! Suite configuration (`routeval.toml`): endpoints, routes, chains, datasets.
//!
//! Loaded in two steps: serde types that refuse unknown keys, then [`Suite::validate`]
//! which checks references between sections. Both steps report file, line and key.

use crate::class::{ErrorClass, FailureFamily};
use crate::error::{suggest_unknown_field, LoadError};
use crate::hash::short_hash;
use crate::locate::{line_of_offset, toml_key_line};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

mod ranges;
mod stored;

pub use ranges::{MAX_RETRY_DELAY_MS, MAX_TIMEOUT_S};
pub use stored::{Rename, SUITE_SCHEMA, UPGRADES};

/// Request fields routeval fills in itself; a route's `params` may not name them.
pub const BODY_FIELDS: [&str; 10] = [
    "model",
    "messages",
    "tools",
    "tool_choice",
    "response_format",
    "stream",
    "stream_options",
    "provider",
    "models",
    "usage",
];

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Suite {
    /// Name shown in reports and stored with each run.
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// How many times each (route, case) pair is sent.
    #[serde(default = "one")]
    pub repeats: u32,
    /// Cases in flight at once across all routes.
    #[serde(default = "default_concurrency")]
    pub concurrency: u32,
    /// Spend cap for the run, in USD.
    #[serde(default)]
    pub budget_usd: Option<f64>,
    /// Minimum acceptance rate a route needs to be approved, unless a dataset sets its own.
    #[serde(default = "default_min_acceptance")]
    pub min_acceptance: f64,
    #[serde(default)]
    pub endpoints: BTreeMap<String, Endpoint>,
    #[serde(default)]
    pub routes: BTreeMap<String, Route>,
    #[serde(default)]
    pub chains: BTreeMap<String, Chain>,
    #[serde(default)]
    pub datasets: BTreeMap<String, DatasetConfig>,
    /// Provider policy per privacy class; `public`, `internal`, `confidential` and
    /// `regulated` have built-in policies a suite may override.
    #[serde(default)]
    pub privacy: BTreeMap<String, crate::policy::PrivacyPolicy>,
    /// How much of what an endpoint sends is read and stored (`[limits]`).
    #[serde(default)]
    pub limits: crate::limits::Limits,
    /// Folder of the suite file; relative paths are resolved against it.
    #[serde(skip)]
    pub base_dir: PathBuf,
    /// Path of the suite file itself.
    #[serde(skip)]
    pub path: PathBuf,
    /// Hash of the suite file's text, stored with each run.
    #[serde(skip)]
    pub hash: String,
    /// The suite file's text, stored with each run (see [`SUITE_SCHEMA`]).
    #[serde(skip)]
    pub source: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EndpointKind {
    /// OpenRouter: `provider`, `models`, usage with cost, attribution headers.
    Openrouter,
    /// Any other OpenAI-compatible endpoint: none of OpenRouter's extensions are sent.
    Openai,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Endpoint {
    pub kind: EndpointKind,
    /// For example `https://openrouter.ai/api/v1`.
    pub base_url: String,
    /// Name of the environment variable holding the key; the key itself is never stored.
    #[serde(default)]
    pub api_key_env: Option<String>,
    /// Extra request headers (attribution: `HTTP-Referer`, `X-OpenRouter-Title`; on an
    /// OpenRouter endpoint a title under either that name or `X-Title` replaces routeval's).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// True for the built-in simulator: reports label its figures as simulated, and
    /// `quickstart` points it at the simulator it starts.
    #[serde(default)]
    pub simulated: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    pub endpoint: String,
    pub model: String,
    /// OpenRouter provider routing preferences, sent as is.
    #[serde(default)]
    pub provider: Option<ProviderPrefs>,
    /// OpenRouter server-side model fallbacks.
    #[serde(default)]
    pub models: Vec<String>,
    /// Sampling and other request parameters passed through (temperature, max_tokens, seed...);
    /// none of [`BODY_FIELDS`].
    #[serde(default)]
    pub params: serde_json::Map<String, serde_json::Value>,
    #[serde(default)]
    pub stream: bool,
    /// Requests in flight at once on this route.
    #[serde(default)]
    pub concurrency: Option<u32>,
    /// Requests per minute on this route, at least 1; no limit when absent.
    #[serde(default)]
    pub rpm: Option<u32>,
    /// Spend cap for this route, in USD.
    #[serde(default)]
    pub budget_usd: Option<f64>,
    #[serde(default)]
    pub retry: RetryConfig,
    #[serde(default)]
    pub timeouts: TimeoutConfig,
    /// After each answer, read OpenRouter's generation stats (`GET /generation?id=`) for
    /// the authoritative cost and the provider that served.
    #[serde(default)]
    pub fetch_generation: bool,
    /// What this route costs, when the endpoint reports no cost and its catalog has no
    /// price for the model (a self-hosted model, a negotiated rate):
    /// `price = { prompt = 0.15, completion = 0.6 }`.
    #[serde(default)]
    pub price: Option<RoutePrice>,
    /// Sweep the providers serving the model: `"each"`, or a list of provider slugs. The
    /// route becomes one route per provider, `NAME@SLUG`, pinned to it
    /// (`provider.only = [SLUG]`, `allow_fallbacks = false`), from the endpoint's
    /// `/models/{id}/endpoints` list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub providers: Option<ProviderSweep>,
    /// Set by routeval on each route a sweep made: the route it came from and what the
    /// endpoint list says of its provider. Never read from a suite file.
    #[serde(default, skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub swept: Option<SweptProvider>,
}

/// `providers` on a route: every provider serving the model, or the ones listed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ProviderSweep {
    /// `"each"`.
    Each(String),
    /// Provider slugs, as `provider.only` names them.
    Listed(Vec<String>),
}

/// One provider of a swept route's model, as the endpoint list describes it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SweptProvider {
    /// The route that was swept.
    pub from: String,
    /// The slug the route is pinned to (`provider.only`).
    pub slug: String,
    /// The provider's display name (what responses report as `provider`).
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantization: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_length: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_completion_tokens: Option<u64>,
    /// USD per million tokens, from the endpoint's own pricing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<RoutePrice>,
    #[serde(default)]
    pub supported_parameters: Vec<String>,
    /// Zero data retention, when the list says (`None`: not stated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zdr: Option<bool>,
    /// Whether the provider may train on prompts, when the list says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_collection: Option<DataCollection>,
}

/// A route's own price: USD per million prompt and completion tokens, and optionally USD
/// per request. Every figure is finite and not negative (0 for a free route).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoutePrice {
    /// USD per million prompt tokens.
    pub prompt: f64,
    /// USD per million completion tokens.
    pub completion: f64,
    /// USD per request, on top of the tokens.
    #[serde(default)]
    pub request: f64,
}

/// OpenRouter's `provider` object: every documented field, checked at load
/// ([`ProviderPrefs::check`]), and any other key kept in [`ProviderPrefs::extra`] and
/// sent as written, since OpenRouter adds preferences faster than routeval learns them.
/// <https://openrouter.ai/docs/guides/routing/provider-selection>
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProviderPrefs {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub only: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_fallbacks: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require_parameters: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_collection: Option<DataCollection>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zdr: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enforce_distillable_text: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantizations: Option<Vec<String>>,
    /// `"price"`, `"throughput"`, `"latency"` or `{ by, partition }`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_price: Option<MaxPrice>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_min_throughput: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_max_latency: Option<serde_json::Value>,
    /// Keys routeval does not know, sent as written (`routeval validate` warns of each).
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// The keys of [`ProviderPrefs`] routeval knows.
pub const PROVIDER_KEYS: [&str; 13] = [
    "order",
    "only",
    "ignore",
    "allow_fallbacks",
    "require_parameters",
    "data_collection",
    "zdr",
    "enforce_distillable_text",
    "quantizations",
    "sort",
    "max_price",
    "preferred_min_throughput",
    "preferred_max_latency",
];

/// `provider.sort` as a word, or `sort.by`. `exacto` is in OpenRouter's OpenAPI schema
/// though not on the guide page: accepted, so a suite written against the schema loads.
/// <https://openrouter.ai/docs/guides/routing/provider-selection>
pub const PROVIDER_SORTS: [&str; 4] = ["price", "throughput", "latency", "exacto"];

/// `provider.sort.partition`: sort within each model of `models`, or across them all.
/// <https://openrouter.ai/docs/guides/routing/provider-selection>
pub const SORT_PARTITIONS: [&str; 2] = ["model", "none"];

/// `provider.quantizations` entries.
/// <https://openrouter.ai/docs/guides/routing/provider-selection>
pub const QUANTIZATIONS: [&str; 12] = [
    "int4", "int8", "fp4", "mxfp4", "nvfp4", "fp6", "fp8", "mxfp8", "fp16", "bf16", "fp32",
    "unknown",
];

impl ProviderPrefs {
    /// The documented values of `sort` and `quantizations` (`data_collection` is typed).
    /// Err: the key below `provider` and why.
    pub fn check(&self) -> Result<(), (Vec<String>, String)> {
        let one_of = |what: &str, v: &str, known: &[&str]| {
            format!("`{v}` is not a known {what}; one of {}", known.join(", "))
        };
        match &self.sort {
            None => {}
            Some(serde_json::Value::String(by)) if PROVIDER_SORTS.contains(&by.as_str()) => {}
            Some(serde_json::Value::String(by)) => {
                return Err((vec!["sort".into()], one_of("sort", by, &PROVIDER_SORTS)));
            }
            Some(serde_json::Value::Object(o)) => {
                for (key, v) in o {
                    let known: &[&str] = match key.as_str() {
                        "by" => &PROVIDER_SORTS,
                        "partition" => &SORT_PARTITIONS,
                        _ => {
                            return Err((
                                vec!["sort".into(), key.clone()],
                                format!("unknown key `{key}`; `sort` is {{ by, partition }}"),
                            ))
                        }
                    };
                    let word = v.as_str().unwrap_or_default();
                    if !known.contains(&word) {
                        return Err((
                            vec!["sort".into(), key.clone()],
                            one_of(&format!("sort {key}"), &v_text(v), known),
                        ));
                    }
                }
                if !o.contains_key("by") {
                    return Err((vec!["sort".into()], "`sort` as a table needs `by`".into()));
                }
            }
            Some(other) => {
                return Err((
                    vec!["sort".into()],
                    format!(
                        "`sort` is one of {} or {{ by, partition }}; got {other}",
                        PROVIDER_SORTS.join(", ")
                    ),
                ))
            }
        }
        for q in self.quantizations.iter().flatten() {
            if !QUANTIZATIONS.contains(&q.as_str()) {
                return Err((
                    vec!["quantizations".into()],
                    one_of("quantization", q, &QUANTIZATIONS),
                ));
            }
        }
        Ok(())
    }
}

fn v_text(v: &serde_json::Value) -> String {
    v.as_str()
        .map(String::from)
        .unwrap_or_else(|| v.to_string())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DataCollection {
    Allow,
    Deny,
}

/// USD per million tokens (prompt, completion), per request, per image.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaxPrice {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completion: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetryConfig {
    /// Total HTTP attempts for one request, first one included.
    #[serde(default = "default_attempts")]
    pub attempts: u32,
    #[serde(default = "default_base_delay")]
    pub base_delay_ms: u64,
    #[serde(default = "default_max_delay")]
    pub max_delay_ms: u64,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self {
            attempts: default_attempts(),
            base_delay_ms: default_base_delay(),
            max_delay_ms: default_max_delay(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeoutConfig {
    #[serde(default = "default_connect_timeout")]
    pub connect_s: f64,
    /// From sending the request to the response head (or the first stream event).
    #[serde(default = "default_first_byte_timeout")]
    pub first_byte_s: f64,
    /// Longest silence between two stream chunks.
    #[serde(default = "default_idle_timeout")]
    pub idle_s: f64,
    #[serde(default = "default_total_timeout")]
    pub total_s: f64,
}

impl Default for TimeoutConfig {
    fn default() -> Self {
        Self {
            connect_s: default_connect_timeout(),
            first_byte_s: default_first_byte_timeout(),
            idle_s: default_idle_timeout(),
            total_s: default_total_timeout(),
        }
    }
}

/// A client-side fallback chain: steps are tried in order, the next one only when
/// the previous failed with a class the chain names.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Chain {
    pub steps: Vec<String>,
    /// Failure families (`transport`, `timeout`, `rate_limited`, `server_error`,
    /// `client_error`, `malformed`, `refusal`, `length`, `schema_invalid`) or exact classes.
    pub fallback_on: Vec<String>,
}

impl Chain {
    /// Whether a step that failed with `class` moves on to the next step.
    pub fn falls_back_on(&self, class: ErrorClass) -> bool {
        self.fallback_on
            .iter()
            .any(|name| name == class.as_str() || name == class.family().as_str() || name == "any")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponseFormatKind {
    None,
    JsonObject,
    JsonSchema,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetConfig {
    pub path: PathBuf,
    /// What the workflow is (classification, extraction, tool_use, chat...): shown in the registry.
    pub task: String,
    /// Privacy class of the data: public, internal, confidential, regulated or the suite's own.
    #[serde(default = "default_privacy")]
    pub privacy: String,
    pub scorer: PathBuf,
    #[serde(default)]
    pub system_prompt: Option<PathBuf>,
    /// JSON Schema of the expected answer.
    #[serde(default)]
    pub schema: Option<PathBuf>,
    #[serde(default = "default_response_format")]
    pub response_format: ResponseFormatKind,
    /// OpenAI tools (a JSON array) offered on every case that has none of its own.
    #[serde(default)]
    pub tools: Option<PathBuf>,
    #[serde(default)]
    pub tool_choice: Option<serde_json::Value>,
    /// Routes and chains to run this dataset on; all of them when empty.
    #[serde(default)]
    pub targets: Vec<String>,
    #[serde(default)]
    pub min_acceptance: Option<f64>,
    /// The route or chain production uses today: every other target of the dataset is
    /// compared with it case by case.
    #[serde(default)]
    pub baseline: Option<String>,
}

/// A route or a chain: what one result row is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetRef {
    Route(String),
    Chain(String),
}

impl TargetRef {
    pub fn name(&self) -> &str {
        match self {
            TargetRef::Route(n) | TargetRef::Chain(n) => n,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            TargetRef::Route(_) => "route",
            TargetRef::Chain(_) => "chain",
        }
    }
}

impl Suite {
    /// Read, parse and validate a suite file.
    pub fn load(path: &Path) -> Result<Self, LoadError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| LoadError::new(path, format!("cannot read suite: {e}")))?;
        Self::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Self, LoadError> {
        let mut suite: Suite = parse_toml(path, text)?;
        suite.path = path.to_path_buf();
        suite.base_dir = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        if suite.base_dir.as_os_str().is_empty() {
            suite.base_dir = PathBuf::from(".");
        }
        suite.hash = short_hash(text.as_bytes());
        suite.source = text.to_string();
        suite.validate(text)?;
        Ok(suite)
    }

    /// A path from the suite, resolved against the suite's folder.
    pub fn resolve(&self, p: &Path) -> PathBuf {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.base_dir.join(p)
        }
    }

    /// A route's `providers` sweep: on an OpenRouter endpoint, `"each"` or a non-empty
    /// list of distinct slugs, and no `provider.only` of its own. Err: (key, message).
    fn check_sweep(
        &self,
        name: &str,
        route: &Route,
        sweep: &ProviderSweep,
    ) -> Result<(), (&'static str, String)> {
        if self.endpoints[&route.endpoint].kind != EndpointKind::Openrouter {
            return Err((
                "providers",
                format!(
                    "a provider sweep needs an OpenRouter endpoint; `{}` is kind = \"openai\"",
                    route.endpoint
                ),
            ));
        }
        match sweep {
            ProviderSweep::Each(word) if word != "each" => {
                return Err((
                    "providers",
                    format!("`{word}`: `providers` is \"each\" or a list of provider slugs"),
                ))
            }
            ProviderSweep::Listed(slugs) if slugs.is_empty() => {
                return Err(("providers", "the list of providers is empty".into()))
            }
            ProviderSweep::Listed(slugs) => {
                if let Some(dup) = slugs
                    .iter()
                    .enumerate()
                    .find_map(|(i, s)| slugs[..i].contains(s).then_some(s))
                {
                    return Err(("providers", format!("provider `{dup}` is listed twice")));
                }
            }
            ProviderSweep::Each(_) => {}
        }
        if route.provider.as_ref().is_some_and(|p| p.only.is_some()) {
            return Err((
                "provider",
                format!(
                    "route `{name}` sweeps its providers, each pinned in turn: drop provider.only"
                ),
            ));
        }
        Ok(())
    }

    /// Replace the swept route `name` by one route per provider, `NAME@SLUG`, pinned to it
    /// (`provider.only = [SLUG]`, `allow_fallbacks = false`) and priced at the provider's
    /// own rate unless the route sets one; the datasets that named the route name them
    /// all instead. Returns the new routes' names.
    pub fn expand_sweep(&mut self, name: &str, providers: Vec<SweptProvider>) -> Vec<String> {
        let Some(base) = self.routes.remove(name) else {
            return Vec::new();
        };
        let mut names = Vec::with_capacity(providers.len());
        for swept in providers {
            let mut route = base.clone();
            let mut prefs = route.provider.take().unwrap_or_default();
            prefs.only = Some(vec![swept.slug.clone()]);
            prefs.allow_fallbacks = Some(false);
            prefs.order = None;
            route.provider = Some(prefs);
            route.providers = None;
            route.price = route.price.or(swept.price);
            let route_name = format!("{name}@{}", swept.slug);
            route.swept = Some(SweptProvider {
                from: name.to_string(),
                ..swept
            });
            self.routes.insert(route_name.clone(), route);
            names.push(route_name);
        }
        for ds in self.datasets.values_mut() {
            if let Some(at) = ds.targets.iter().position(|t| t == name) {
                ds.targets.splice(at..=at, names.iter().cloned());
            }
        }
        names
    }

    fn validate(&self, text: &str) -> Result<(), LoadError> {
        let err = |keys: &[&str], msg: String| {
            let mut e = LoadError::new(&self.path, msg).with_key(keys.join("."));
            e.line = toml_key_line(text, keys);
            e
        };
        // Every number in its range and every endpoint usable, before the references.
        self.check_ranges(text)?;
        if let Err((key, message)) = self.limits.check() {
            return Err(err(&["limits", key], message));
        }
        for (name, route) in &self.routes {
            if !self.endpoints.contains_key(&route.endpoint) {
                return Err(err(
                    &["routes", name, "endpoint"],
                    format!(
                        "no endpoint named `{}`; endpoints: {}",
                        route.endpoint,
                        names(self.endpoints.keys())
                    ),
                ));
            }
            if let Some(key) = route
                .params
                .keys()
                .find(|k| BODY_FIELDS.contains(&k.as_str()))
            {
                return Err(err(
                    &["routes", name, "params", key],
                    format!(
                        "`{key}` is set by routeval itself (from the route, dataset or case), not a param"
                    ),
                ));
            }
            if self.chains.contains_key(name) {
                return Err(err(
                    &["routes", name],
                    format!("`{name}` is both a route and a chain"),
                ));
            }
            if let Some(prefs) = &route.provider {
                prefs.check().map_err(|(key, message)| {
                    let mut keys = vec!["routes", name.as_str(), "provider"];
                    keys.extend(key.iter().map(String::as_str));
                    err(&keys, message)
                })?;
            }
            if let Some(sweep) = &route.providers {
                self.check_sweep(name, route, sweep)
                    .map_err(|(key, message)| err(&["routes", name, key], message))?;
            }
        }
        for (name, chain) in &self.chains {
            if chain.steps.is_empty() {
                return Err(err(
                    &["chains", name, "steps"],
                    "a chain needs at least one step".into(),
                ));
            }
            for step in &chain.steps {
                if self.routes.get(step).is_some_and(|r| r.providers.is_some()) {
                    return Err(err(
                        &["chains", name, "steps"],
                        format!(
                            "`{step}` sweeps its providers: a chain step is one route; define the provider's route you mean"
                        ),
                    ));
                }
                if !self.routes.contains_key(step) {
                    return Err(err(
                        &["chains", name, "steps"],
                        format!(
                            "no route named `{step}`; routes: {}",
                            names(self.routes.keys())
                        ),
                    ));
                }
            }
            for class in &chain.fallback_on {
                let known = class == "any"
                    || class.parse::<ErrorClass>().is_ok()
                    || FAMILIES.iter().any(|f| f.as_str() == class);
                if !known {
                    return Err(err(
                        &["chains", name, "fallback_on"],
                        format!(
                            "unknown failure class `{class}`; families: {}",
                            FAMILIES
                                .iter()
                                .map(|f| f.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ));
                }
            }
        }
        for (class, policy) in &self.privacy {
            for target in policy.approved_targets.iter().flatten() {
                if !self.routes.contains_key(target) && !self.chains.contains_key(target) {
                    return Err(err(
                        &["privacy", class, "approved_targets"],
                        format!("no route or chain named `{target}`"),
                    ));
                }
            }
        }
        for (name, ds) in &self.datasets {
            for target in &ds.targets {
                if !self.routes.contains_key(target) && !self.chains.contains_key(target) {
                    return Err(err(
                        &["datasets", name, "targets"],
                        format!("no route or chain named `{target}`"),
                    ));
                }
            }
            if let Some(baseline) = &ds.baseline {
                if self
                    .routes
                    .get(baseline)
                    .is_some_and(|r| r.providers.is_some())
                {
                    return Err(err(
                        &["datasets", name, "baseline"],
                        format!(
                            "`{baseline}` sweeps its providers: a baseline is one route; name the route production uses"
                        ),
                    ));
                }
                let runs_on = self.targets_of(name);
                if !runs_on.iter().any(|t| t.name() == baseline) {
                    return Err(err(
                        &["datasets", name, "baseline"],
                        format!(
                            "`{baseline}` is not a target of this dataset; targets: {}",
                            runs_on
                                .iter()
                                .map(|t| t.name())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ));
                }
            }
            if self.policy(&ds.privacy).is_none() {
                return Err(err(
                    &["datasets", name, "privacy"],
                    format!(
                        "unknown privacy class `{}`; define [privacy.{}] or use public, internal, confidential, regulated",
                        ds.privacy, ds.privacy
                    ),
                ));
            }
            let files = [
                ("path", Some(&ds.path)),
                ("scorer", Some(&ds.scorer)),
                ("system_prompt", ds.system_prompt.as_ref()),
                ("schema", ds.schema.as_ref()),
                ("tools", ds.tools.as_ref()),
            ];
            for (key, file) in files {
                if let Some(file) = file {
                    if !self.resolve(file).is_file() {
                        return Err(err(
                            &["datasets", name, key],
                            format!("file not found: {}", self.resolve(file).display()),
                        ));
                    }
                }
            }
            if ds.response_format == ResponseFormatKind::JsonSchema && ds.schema.is_none() {
                return Err(err(
                    &["datasets", name, "response_format"],
                    "`json_schema` needs `schema` set".into(),
                ));
            }
        }
        Ok(())
    }

    /// The routes and chains a dataset runs on, in a stable order.
    pub fn targets_of(&self, dataset: &str) -> Vec<TargetRef> {
        let ds = &self.datasets[dataset];
        let to_ref = |name: &String| {
            if self.chains.contains_key(name) {
                TargetRef::Chain(name.clone())
            } else {
                TargetRef::Route(name.clone())
            }
        };
        if ds.targets.is_empty() {
            self.routes
                .keys()
                .map(|n| TargetRef::Route(n.clone()))
                .chain(self.chains.keys().map(|n| TargetRef::Chain(n.clone())))
                .collect()
        } else {
            ds.targets.iter().map(to_ref).collect()
        }
    }

    pub fn min_acceptance_of(&self, dataset: &str) -> f64 {
        self.datasets
            .get(dataset)
            .and_then(|d| d.min_acceptance)
            .unwrap_or(self.min_acceptance)
    }

    /// A warning per key of a route's `provider` routeval does not know (sent as
    /// written), located like a load error: `file:line: key `...`: ...`. A route made
    /// by a provider sweep is located at the route it came from.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (name, route) in &self.routes {
            let from = route
                .swept
                .as_ref()
                .map_or(name.as_str(), |s| s.from.as_str());
            for key in route.provider.iter().flat_map(|p| p.extra.keys()) {
                let keys = ["routes", from, "provider", key.as_str()];
                let hint = crate::error::did_you_mean(key, PROVIDER_KEYS)
                    .map(|k| format!(" (did you mean `{k}`?)"))
                    .unwrap_or_default();
                let mut w = LoadError::new(
                    &self.path,
                    format!("not a provider preference routeval knows; sent as written{hint}"),
                )
                .with_key(keys.join("."));
                w.line = toml_key_line(&self.source, &keys);
                let line = format!("warn {w}");
                if !out.contains(&line) {
                    out.push(line);
                }
            }
        }
        out
    }

    /// Whether any endpoint is the simulator: every output then says so.
    pub fn is_simulated(&self) -> bool {
        self.endpoints.values().any(|e| e.simulated)
    }
}

const FAMILIES: [FailureFamily; 10] = [
    FailureFamily::Transport,
    FailureFamily::Timeout,
    FailureFamily::RateLimited,
    FailureFamily::ServerError,
    FailureFamily::ClientError,
    FailureFamily::Malformed,
    FailureFamily::Refusal,
    FailureFamily::Length,
    FailureFamily::SchemaInvalid,
    FailureFamily::Budget,
];

fn names<'a>(it: impl Iterator<Item = &'a String>) -> String {
    let v: Vec<&str> = it.map(String::as_str).collect();
    if v.is_empty() {
        "(none)".into()
    } else {
        v.join(", ")
    }
}

/// Parse TOML into `T`, turning serde's errors into located ones with key suggestions.
pub fn parse_toml<T: serde::de::DeserializeOwned>(path: &Path, text: &str) -> Result<T, LoadError> {
    let de = toml::Deserializer::parse(text).map_err(|e| toml_error(path, text, &e, ""))?;
    serde_path_to_error::deserialize(de).map_err(|e| {
        let key = e.path().to_string();
        toml_error(path, text, e.inner(), &key)
    })
}

fn toml_error(path: &Path, text: &str, e: &toml::de::Error, key: &str) -> LoadError {
    let message = suggest_unknown_field(e.message().trim());
    let mut err = LoadError::new(path, message).with_key(key);
    err.line = e.span().map(|s| line_of_offset(text, s.start)).or_else(|| {
        let parts: Vec<&str> = key.split('.').filter(|s| !s.is_empty()).collect();
        toml_key_line(text, &parts)
    });
    // serde's unknown-field errors point at the table; name the key itself.
    if let Some(unknown) = err
        .message
        .strip_prefix("unknown key `")
        .and_then(|r| r.split('`').next())
    {
        let full = if key.is_empty() || key == "." {
            unknown.to_string()
        } else if key == unknown || key.ends_with(&format!(".{unknown}")) {
            key.to_string()
        } else {
            format!("{key}.{unknown}")
        };
        let parts: Vec<&str> = full.split('.').collect();
        if let Some(line) = toml_key_line(text, &parts) {
            err.line = Some(line);
        }
        err.key = Some(full);
    }
    err
}

fn one() -> u32 {
    1
}
fn default_concurrency() -> u32 {
    32
}
/// The acceptance rate a target must reach when the suite sets none.
pub const DEFAULT_MIN_ACCEPTANCE: f64 = 0.8;

fn default_min_acceptance() -> f64 {
    DEFAULT_MIN_ACCEPTANCE
}
fn default_attempts() -> u32 {
    4
}
fn default_base_delay() -> u64 {
    250
}
fn default_max_delay() -> u64 {
    20_000
}
fn default_connect_timeout() -> f64 {
    10.0
}
fn default_first_byte_timeout() -> f64 {
    60.0
}
fn default_idle_timeout() -> f64 {
    30.0
}
fn default_total_timeout() -> f64 {
    180.0
}
fn default_privacy() -> String {
    "internal".into()
}
fn default_response_format() -> ResponseFormatKind {
    ResponseFormatKind::None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Suite, LoadError> {
        Suite::parse(Path::new("suite.toml"), text)
    }

    const GOOD: &str = r#"
name = "t"

[endpoints.or]
kind = "openrouter"
base_url = "http://127.0.0.1:1/api/v1"

[routes.fast]
endpoint = "or"
model = "a/b"
provider = { only = ["p"], allow_fallbacks = false, zdr = true, data_collection = "deny" }

[chains.safe]
steps = ["fast"]
fallback_on = ["rate_limited", "timeout", "bad_gateway"]
"#;

    const SWEEP: &str = r#"
name = "t"

[endpoints.or]
kind = "openrouter"
base_url = "http://127.0.0.1:1/api/v1"

[routes.m]
endpoint = "or"
model = "a/b"
providers = "each"
provider = { zdr = true }

[routes.other]
endpoint = "or"
model = "c/d"
"#;

    fn provider(slug: &str) -> SweptProvider {
        SweptProvider {
            slug: slug.into(),
            name: slug.to_uppercase(),
            price: Some(RoutePrice {
                prompt: 1.0,
                completion: 2.0,
                request: 0.0,
            }),
            ..SweptProvider::default()
        }
    }

    #[test]
    fn a_sweep_becomes_one_pinned_route_per_provider() {
        let mut suite = parse(SWEEP).unwrap();
        let names = suite.expand_sweep("m", vec![provider("p1"), provider("p2")]);
        assert_eq!(names, ["m@p1", "m@p2"]);
        assert!(!suite.routes.contains_key("m"));
        let r = &suite.routes["m@p2"];
        let prefs = r.provider.as_ref().unwrap();
        assert_eq!(prefs.only.as_deref(), Some(&["p2".to_string()][..]));
        assert_eq!(prefs.allow_fallbacks, Some(false));
        assert_eq!(
            prefs.zdr,
            Some(true),
            "the route's own preferences are kept"
        );
        assert_eq!(r.providers, None);
        assert_eq!(r.price.map(|p| p.completion), Some(2.0));
        assert_eq!(r.swept.as_ref().unwrap().from, "m");
        // Stored with the run: the swept provider is part of the route's spec.
        let spec = serde_json::to_value(r).unwrap();
        assert_eq!(spec["swept"]["slug"], "p2");
    }

    #[test]
    fn a_dataset_naming_a_swept_route_runs_on_each_provider() {
        let dir = tempfile::tempdir().unwrap();
        for f in ["d.jsonl", "s.toml"] {
            std::fs::write(dir.path().join(f), "").unwrap();
        }
        let text = format!(
            "{SWEEP}\n[datasets.d]\npath = \"d.jsonl\"\ntask = \"t\"\nscorer = \"s.toml\"\ntargets = [\"other\", \"m\"]\n"
        );
        let path = dir.path().join("suite.toml");
        let mut suite = Suite::parse(&path, &text).unwrap();
        suite.expand_sweep("m", vec![provider("p1"), provider("p2")]);
        let targets: Vec<String> = suite
            .targets_of("d")
            .iter()
            .map(|t| t.name().to_string())
            .collect();
        assert_eq!(targets, ["other", "m@p1", "m@p2"]);
    }

    #[test]
    fn sweep_mistakes_name_line_and_key() {
        let cases = [
            (
                SWEEP.replace("providers = \"each\"", "providers = \"all\""),
                "routes.m.providers",
                "\"each\" or a list",
            ),
            (
                SWEEP.replace("providers = \"each\"", "providers = []"),
                "routes.m.providers",
                "empty",
            ),
            (
                SWEEP.replace("providers = \"each\"", "providers = [\"a\", \"a\"]"),
                "routes.m.providers",
                "listed twice",
            ),
            (
                SWEEP.replace("zdr = true", "only = [\"p\"]"),
                "routes.m.provider",
                "drop provider.only",
            ),
            (
                SWEEP.replace("kind = \"openrouter\"", "kind = \"openai\""),
                "routes.m.providers",
                "needs an OpenRouter endpoint",
            ),
            (
                format!("{SWEEP}\n[chains.c]\nsteps = [\"m\"]\nfallback_on = [\"timeout\"]\n"),
                "chains.c.steps",
                "sweeps its providers",
            ),
            (
                SWEEP.replace(
                    "providers = \"each\"",
                    "providers = \"each\"\nswept = { from = \"x\" }",
                ),
                "routes.m.swept",
                "unknown key `swept`",
            ),
        ];
        for (text, key, message) in cases {
            let err = parse(&text).unwrap_err();
            let shown = err.to_string();
            assert!(shown.contains(key), "{key}: {shown}");
            assert!(shown.contains(message), "{message}: {shown}");
            assert!(err.line.is_some(), "{shown}");
        }
    }

    #[test]
    fn parses_a_good_suite() {
        let suite = parse(GOOD).unwrap();
        let route = &suite.routes["fast"];
        let provider = route.provider.as_ref().unwrap();
        assert_eq!(provider.only.as_deref(), Some(&["p".to_string()][..]));
        assert_eq!(provider.data_collection, Some(DataCollection::Deny));
        assert!(suite.chains["safe"].falls_back_on(ErrorClass::RateLimited));
        assert!(suite.chains["safe"].falls_back_on(ErrorClass::TimeoutIdle));
        assert!(!suite.chains["safe"].falls_back_on(ErrorClass::SchemaInvalid));
    }

    #[test]
    fn typo_names_line_key_and_suggestion() {
        let text = GOOD.replace("model = \"a/b\"", "modle = \"a/b\"");
        let err = parse(&text).unwrap_err();
        assert_eq!(err.line, Some(10), "{err}");
        assert_eq!(err.key.as_deref(), Some("routes.fast.modle"));
        assert!(err.message.contains("did you mean `model`"), "{err}");
    }

    /// A key of `provider` routeval does not know loads, is sent as written, and is
    /// warned of by file, line and key (with the known key it may have meant).
    #[test]
    fn unknown_provider_keys_pass_through_with_a_warning() {
        let text = GOOD.replace("zdr = true", "zrd = true, new_pref = { x = 1 }");
        let suite = parse(&text).unwrap();
        let prefs = suite.routes["fast"].provider.as_ref().unwrap();
        assert_eq!(prefs.zdr, None);
        assert_eq!(prefs.extra["zrd"], serde_json::json!(true));
        let json = serde_json::to_value(prefs).unwrap();
        assert_eq!(json["zrd"], true);
        assert_eq!(json["new_pref"], serde_json::json!({"x": 1}));
        assert_eq!(json["only"], serde_json::json!(["p"]));
        let warnings = suite.warnings();
        assert_eq!(
            warnings,
            [
                "warn suite.toml:11: key `routes.fast.provider.new_pref`: not a provider \
                 preference routeval knows; sent as written",
                "warn suite.toml:11: key `routes.fast.provider.zrd`: not a provider \
                 preference routeval knows; sent as written (did you mean `zdr`?)",
            ]
        );
        assert!(parse(GOOD).unwrap().warnings().is_empty());
        // In a table of its own, the key's own line.
        let text = GOOD.replace(
            "provider = { only = [\"p\"], allow_fallbacks = false, zdr = true, data_collection = \"deny\" }",
            "\n[routes.fast.provider]\nonly = [\"p\"]\nbrand_new = \"x\"",
        );
        let warnings = parse(&text).unwrap().warnings();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].starts_with("warn suite.toml:14: key `routes.fast.provider.brand_new`: "),
            "{warnings:?}"
        );
    }

    #[test]
    fn provider_sort_is_a_known_word_or_by_and_partition() {
        for ok in [
            "sort = \"price\"",
            "sort = \"throughput\"",
            "sort = \"latency\"",
            "sort = \"exacto\"",
            "sort = { by = \"latency\" }",
            "sort = { by = \"price\", partition = \"model\" }",
            "sort = { by = \"throughput\", partition = \"none\" }",
        ] {
            let text = GOOD.replace("zdr = true", ok);
            assert!(parse(&text).is_ok(), "{ok}: {:?}", parse(&text).err());
        }
        for (bad, key, says) in [
            (
                "sort = \"cheapest\"",
                "routes.fast.provider.sort",
                "`cheapest` is not a known sort",
            ),
            ("sort = 3", "routes.fast.provider.sort", "got 3"),
            (
                "sort = { by = \"speed\" }",
                "routes.fast.provider.sort.by",
                "`speed`",
            ),
            (
                "sort = { by = \"price\", partition = \"all\" }",
                "routes.fast.provider.sort.partition",
                "one of model, none",
            ),
            (
                "sort = { partition = \"none\" }",
                "routes.fast.provider.sort",
                "needs `by`",
            ),
            (
                "sort = { by = \"price\", order = 1 }",
                "routes.fast.provider.sort.order",
                "unknown key",
            ),
        ] {
            let err = parse(&GOOD.replace("zdr = true", bad)).unwrap_err();
            let shown = err.to_string();
            assert!(
                shown.starts_with(&format!("suite.toml:11: key `{key}`: ")),
                "{bad}: {shown}"
            );
            assert!(shown.contains(says), "{bad}: {shown}");
        }
    }

    #[test]
    fn provider_quantizations_and_data_collection_are_known_values() {
        let all = QUANTIZATIONS.map(|q| format!("\"{q}\"")).join(", ");
        let text = GOOD.replace("zdr = true", &format!("quantizations = [{all}]"));
        assert_eq!(
            parse(&text).unwrap().routes["fast"]
                .provider
                .as_ref()
                .unwrap()
                .quantizations
                .as_ref()
                .map(Vec::len),
            Some(12)
        );
        let err = parse(&GOOD.replace("zdr = true", "quantizations = [\"fp8\", \"q4_k_m\"]"))
            .unwrap_err();
        let shown = err.to_string();
        assert!(
            shown.starts_with("suite.toml:11: key `routes.fast.provider.quantizations`: `q4_k_m` is not a known quantization; one of int4, "),
            "{shown}"
        );
        let err = parse(&GOOD.replace("\"deny\"", "\"maybe\"")).unwrap_err();
        let shown = err.to_string();
        assert!(
            shown.starts_with("suite.toml:11: key `routes.fast.provider.data_collection`: "),
            "{shown}"
        );
        assert!(shown.contains("allow") && shown.contains("deny"), "{shown}");
    }

    #[test]
    fn params_cannot_set_what_routeval_sends() {
        let ok = GOOD.replace(
            "zdr = true, data_collection = \"deny\" }",
            "zdr = true, data_collection = \"deny\" }\nparams = { temperature = 0 }",
        );
        assert!(parse(&ok).is_ok());
        let text = ok.replace("temperature = 0", "stream = true");
        let err = parse(&text).unwrap_err();
        assert_eq!(
            err.key.as_deref(),
            Some("routes.fast.params.stream"),
            "{err}"
        );
        assert_eq!(err.line, Some(12), "{err}");
        assert!(err.message.contains("set by routeval"), "{err}");
    }

    #[test]
    fn unknown_endpoint_is_located() {
        let text = GOOD.replace("endpoint = \"or\"", "endpoint = \"nope\"");
        let err = parse(&text).unwrap_err();
        assert_eq!(err.key.as_deref(), Some("routes.fast.endpoint"));
        assert_eq!(err.line, Some(9));
    }

    #[test]
    fn unknown_fallback_class_is_refused() {
        let text = GOOD.replace("\"bad_gateway\"", "\"bad_gatway\"");
        let err = parse(&text).unwrap_err();
        assert_eq!(err.key.as_deref(), Some("chains.safe.fallback_on"));
        assert!(err.message.contains("bad_gatway"));
    }

    #[test]
    fn provider_serializes_only_what_is_set() {
        let suite = parse(GOOD).unwrap();
        let json = serde_json::to_value(suite.routes["fast"].provider.as_ref().unwrap()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"only": ["p"], "allow_fallbacks": false, "zdr": true, "data_collection": "deny"})
        );
    }
}
