//! Model profiles: what each simulated model costs, how fast and how good it is,
//! which providers serve it and how often it fails. Read from TOML with the same
//! located, typo-suggesting errors as the suite file.

use routeval_core::config::{parse_toml, DataCollection};
use routeval_core::LoadError;
use serde::Deserialize;
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::path::Path;

/// The bundled profiles, compiled in so the simulator needs no files.
const BUNDLED: &str = include_str!("../profiles.toml");

/// Every simulated model, by id (`author/slug`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profiles {
    /// Default seed; the caller's [`crate::SimConfig::seed`] is what the server uses.
    #[serde(default = "default_seed")]
    pub seed: u64,
    #[serde(default)]
    pub models: BTreeMap<String, ModelProfile>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelProfile {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub context_length: u64,
    #[serde(default = "default_max_completion")]
    pub max_completion_tokens: u64,
    /// USD per million prompt tokens.
    pub prompt_price: f64,
    /// USD per million completion tokens.
    pub completion_price: f64,
    #[serde(default = "yes")]
    pub supports_tools: bool,
    #[serde(default = "yes")]
    pub supports_response_format: bool,
    /// When false, `usage.cost` is left out and clients must price from the catalog.
    #[serde(default = "yes")]
    pub reports_cost: bool,
    /// No price anywhere: `/models` lists no `pricing` for the model, answers carry no
    /// `usage.cost` and generation stats no `total_cost`, so a client cannot know what it
    /// costs (for tests of unknown cost; no bundled model sets it).
    #[serde(default)]
    pub unpriced: bool,
    /// Served on the user's own provider key (BYOK): usage says `is_byok`, its `cost` is
    /// OpenRouter's fee ([`BYOK_FEE`] of the inference), and
    /// `cost_details.upstream_inference_cost` is what the provider bills; generation
    /// stats say the same (`total_cost`, `upstream_inference_cost`).
    /// <https://openrouter.ai/docs/guides/administration/usage-accounting>
    #[serde(default)]
    pub byok: bool,
    /// Generation stats bill `total_cost` at this multiple of what the answer's usage
    /// said (a late billing adjustment), for tests of figures that disagree.
    #[serde(default = "one_f64")]
    pub stats_cost_factor: f64,
    /// Generation stats name this provider instead of the one the response named (a
    /// record corrected after the fact), for tests of figures that disagree.
    #[serde(default)]
    pub stats_provider: Option<String>,
    #[serde(default = "default_ttft")]
    pub ttft_ms: u64,
    #[serde(default = "default_tps")]
    pub tokens_per_s: f64,
    /// Probability that an answer is right.
    #[serde(default = "default_quality")]
    pub quality: f64,
    /// How long a `timeout` fault stalls (not scaled by `latency_scale`).
    #[serde(default = "default_hang")]
    pub hang_ms: u64,
    #[serde(default = "one")]
    pub retry_after_s: u64,
    #[serde(default = "default_providers")]
    pub providers: Vec<Provider>,
    #[serde(default)]
    pub failures: Failures,
    #[serde(default)]
    pub mistakes: Mistakes,
    /// A fixed fault per request of one case on this model; the last entry repeats.
    #[serde(default)]
    pub script: Option<Vec<Fault>>,
    /// A misbehaving router, for governance tests: ignores the request's `provider`
    /// preferences and serves from the last-listed provider.
    #[serde(default)]
    pub ignores_provider_preferences: bool,
}

/// OpenRouter's fee on a BYOK generation, as a share of the upstream inference cost.
pub const BYOK_FEE: f64 = 0.05;

fn one_f64() -> f64 {
    1.0
}

impl ModelProfile {
    /// USD per prompt token.
    pub fn prompt_price_per_token(&self) -> f64 {
        self.prompt_price / 1e6
    }

    /// USD per completion token.
    pub fn completion_price_per_token(&self) -> f64 {
        self.completion_price / 1e6
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provider {
    /// Display name (`provider` in responses, `provider_name` in stats).
    pub name: String,
    /// What `provider.only/order/ignore` name.
    pub slug: String,
    #[serde(default)]
    pub zdr: bool,
    #[serde(default = "allow")]
    pub data_collection: DataCollection,
    #[serde(default = "unknown")]
    pub quantization: String,
    /// Share of load-balanced traffic.
    #[serde(default = "one_f")]
    pub weight: f64,
    /// How this provider's endpoint differs from the model's figures (a quantized
    /// endpoint answers worse, a busy one is slower, one lacks a parameter); unset
    /// fields are the model's.
    #[serde(default)]
    pub quality: Option<f64>,
    #[serde(default)]
    pub ttft_ms: Option<u64>,
    #[serde(default)]
    pub tokens_per_s: Option<f64>,
    #[serde(default)]
    pub prompt_price: Option<f64>,
    #[serde(default)]
    pub completion_price: Option<f64>,
    #[serde(default)]
    pub supports_tools: Option<bool>,
    #[serde(default)]
    pub supports_response_format: Option<bool>,
}

impl Provider {
    /// The model as this provider serves it: the model's figures with the provider's
    /// own where it sets them. Borrowed when it sets none.
    pub fn serving<'a>(&self, m: &'a ModelProfile) -> std::borrow::Cow<'a, ModelProfile> {
        let differs = self.quality.is_some()
            || self.ttft_ms.is_some()
            || self.tokens_per_s.is_some()
            || self.prompt_price.is_some()
            || self.completion_price.is_some()
            || self.supports_tools.is_some()
            || self.supports_response_format.is_some();
        if !differs {
            return std::borrow::Cow::Borrowed(m);
        }
        let mut own = m.clone();
        own.quality = self.quality.unwrap_or(m.quality);
        own.ttft_ms = self.ttft_ms.unwrap_or(m.ttft_ms);
        own.tokens_per_s = self.tokens_per_s.unwrap_or(m.tokens_per_s);
        own.prompt_price = self.prompt_price.unwrap_or(m.prompt_price);
        own.completion_price = self.completion_price.unwrap_or(m.completion_price);
        own.supports_tools = self.supports_tools.unwrap_or(m.supports_tools);
        own.supports_response_format = self
            .supports_response_format
            .unwrap_or(m.supports_response_format);
        std::borrow::Cow::Owned(own)
    }
}

/// Per-request fault probabilities.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Failures {
    pub rate_limit: f64,
    pub server_error: f64,
    pub timeout: f64,
    pub cut_stream: f64,
    pub malformed: f64,
}

/// Relative weights of the mistakes a wrong answer makes; only the ones that
/// apply to a case compete.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Mistakes {
    pub invalid_json: f64,
    pub prose_wrapped: f64,
    pub schema_violation: f64,
    pub wrong_enum: f64,
    pub wrong_value: f64,
    pub wrong_arg: f64,
    pub missing_arg: f64,
    pub no_tool_call: f64,
    pub extra_tool_call: f64,
    pub invalid_args_json: f64,
}

impl Default for Mistakes {
    fn default() -> Self {
        Self {
            invalid_json: 1.0,
            prose_wrapped: 1.0,
            schema_violation: 1.0,
            wrong_enum: 2.0,
            wrong_value: 2.0,
            wrong_arg: 2.0,
            missing_arg: 1.0,
            no_tool_call: 1.0,
            extra_tool_call: 1.0,
            invalid_args_json: 0.5,
        }
    }
}

/// One fault a request can meet, as named in `script` entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub enum Fault {
    Ok,
    RateLimit,
    ServerError,
    /// Any status, with an OpenRouter error body.
    Http(u16),
    Html502,
    Timeout,
    Malformed,
    EmptyChoices,
    CutStream,
    MidStreamError,
    Refusal,
    ContentFilter,
    Length,
    /// 503 with `availability.retryable: false`: no endpoint can serve, and asking
    /// again will not change that.
    NoEndpoints,
    /// The provider picked fails with a 502 and OpenRouter answers from another one
    /// of the model: the generation's `provider_responses` lists both.
    Failover,
}

const FAULT_NAMES: &str = "ok, rate_limit, server_error, http_NNN, html_502, timeout, malformed, \
     empty_choices, cut_stream, mid_stream_error, refusal, content_filter, length, \
     no_endpoints, failover";

impl TryFrom<String> for Fault {
    type Error = String;

    fn try_from(s: String) -> Result<Self, String> {
        let fault = match s.as_str() {
            "ok" => Fault::Ok,
            "rate_limit" => Fault::RateLimit,
            "server_error" => Fault::ServerError,
            "html_502" => Fault::Html502,
            "timeout" => Fault::Timeout,
            "malformed" => Fault::Malformed,
            "empty_choices" => Fault::EmptyChoices,
            "cut_stream" => Fault::CutStream,
            "mid_stream_error" => Fault::MidStreamError,
            "refusal" => Fault::Refusal,
            "content_filter" => Fault::ContentFilter,
            "length" => Fault::Length,
            "no_endpoints" => Fault::NoEndpoints,
            "failover" => Fault::Failover,
            other => match other.strip_prefix("http_").map(str::parse::<u16>) {
                Some(Ok(code)) if (400..=599).contains(&code) => Fault::Http(code),
                Some(_) => {
                    return Err(format!(
                        "`{other}`: http_NNN needs a status from 400 to 599"
                    ))
                }
                None => return Err(format!("unknown fault `{other}`; faults: {FAULT_NAMES}")),
            },
        };
        Ok(fault)
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Fault::Ok => "ok",
            Fault::RateLimit => "rate_limit",
            Fault::ServerError => "server_error",
            Fault::Http(code) => return write!(f, "http_{code}"),
            Fault::Html502 => "html_502",
            Fault::Timeout => "timeout",
            Fault::Malformed => "malformed",
            Fault::EmptyChoices => "empty_choices",
            Fault::CutStream => "cut_stream",
            Fault::MidStreamError => "mid_stream_error",
            Fault::Refusal => "refusal",
            Fault::ContentFilter => "content_filter",
            Fault::Length => "length",
            Fault::NoEndpoints => "no_endpoints",
            Fault::Failover => "failover",
        };
        f.write_str(name)
    }
}

impl Profiles {
    /// The profiles shipped with the simulator (`crates/sim/profiles.toml`).
    pub fn bundled() -> Profiles {
        // The bundled file is covered by a unit test, so this cannot fail at run time.
        Self::parse(Path::new("profiles.toml (bundled)"), BUNDLED)
            .unwrap_or_else(|e| panic!("bundled simulator profiles are invalid: {e}"))
    }

    pub fn load(path: &Path) -> Result<Profiles, LoadError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| LoadError::new(path, format!("cannot read profiles: {e}")))?;
        Self::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Profiles, LoadError> {
        let profiles: Profiles = parse_toml(path, text)?;
        profiles.validate(path, text)?;
        Ok(profiles)
    }

    pub fn model(&self, id: &str) -> Option<&ModelProfile> {
        self.models.get(id)
    }

    fn validate(&self, path: &Path, text: &str) -> Result<(), LoadError> {
        let err = |id: &str, key: &str, msg: String| {
            let mut e = LoadError::new(path, msg).with_key(format!("models.\"{id}\".{key}"));
            e.line = model_key_line(text, id, key.split('.').next().unwrap_or(key));
            e
        };
        for (id, m) in &self.models {
            let parts: Vec<&str> = id.split('/').collect();
            if parts.len() != 2 || parts.iter().any(|p| p.is_empty()) {
                let mut e = LoadError::new(
                    path,
                    format!("model id `{id}` must look like `author/slug`"),
                )
                .with_key(format!("models.\"{id}\""));
                e.line = model_key_line(text, id, "");
                return Err(e);
            }
            let unit = [("quality", m.quality)].into_iter().chain([
                ("failures.rate_limit", m.failures.rate_limit),
                ("failures.server_error", m.failures.server_error),
                ("failures.timeout", m.failures.timeout),
                ("failures.cut_stream", m.failures.cut_stream),
                ("failures.malformed", m.failures.malformed),
            ]);
            for (key, v) in unit {
                if !(0.0..=1.0).contains(&v) {
                    return Err(err(id, key, format!("must be between 0 and 1, got {v}")));
                }
            }
            let f = &m.failures;
            let total = f.rate_limit + f.server_error + f.timeout + f.cut_stream + f.malformed;
            if total > 1.0 {
                return Err(err(
                    id,
                    "failures",
                    format!("probabilities add up to {total}, more than 1"),
                ));
            }
            for (key, v) in [
                ("prompt_price", m.prompt_price),
                ("completion_price", m.completion_price),
            ] {
                if !(v >= 0.0 && v.is_finite()) {
                    return Err(err(
                        id,
                        key,
                        format!("must be a price of 0 or more, got {v}"),
                    ));
                }
            }
            if !(m.tokens_per_s > 0.0 && m.tokens_per_s.is_finite()) {
                return Err(err(id, "tokens_per_s", "must be more than 0".into()));
            }
            if m.context_length == 0 || m.max_completion_tokens == 0 {
                return Err(err(
                    id,
                    "context_length",
                    "token limits must be more than 0".into(),
                ));
            }
            if m.providers.is_empty() {
                return Err(err(
                    id,
                    "providers",
                    "a model needs at least one provider".into(),
                ));
            }
            let mut slugs = HashSet::new();
            for p in &m.providers {
                if !slugs.insert(p.slug.as_str()) {
                    return Err(err(
                        id,
                        "providers",
                        format!("provider slug `{}` appears twice", p.slug),
                    ));
                }
                let own = p.serving(m);
                let in_range = (0.0..=1.0).contains(&own.quality)
                    && own.tokens_per_s > 0.0
                    && own.tokens_per_s.is_finite()
                    && own.prompt_price >= 0.0
                    && own.prompt_price.is_finite()
                    && own.completion_price >= 0.0
                    && own.completion_price.is_finite();
                if !in_range {
                    return Err(err(
                        id,
                        "providers",
                        format!(
                            "provider `{}`: quality from 0 to 1, tokens_per_s above 0, prices of 0 or more",
                            p.slug
                        ),
                    ));
                }
                if !(p.weight > 0.0 && p.weight.is_finite()) {
                    return Err(err(
                        id,
                        "providers",
                        format!("provider `{}` needs a weight above 0", p.slug),
                    ));
                }
            }
            let w = &m.mistakes;
            let weights = [
                w.invalid_json,
                w.prose_wrapped,
                w.schema_violation,
                w.wrong_enum,
                w.wrong_value,
                w.wrong_arg,
                w.missing_arg,
                w.no_tool_call,
                w.extra_tool_call,
                w.invalid_args_json,
            ];
            if weights.iter().any(|v| !(*v >= 0.0 && v.is_finite())) {
                return Err(err(id, "mistakes", "weights must be 0 or more".into()));
            }
            if m.script.as_ref().is_some_and(Vec::is_empty) {
                return Err(err(
                    id,
                    "script",
                    "a script needs at least one entry".into(),
                ));
            }
        }
        Ok(())
    }
}

/// Line of `key` inside `[models."id"]` (or of the header itself), since the quoted
/// model id defeats the generic dotted-path lookup.
fn model_key_line(text: &str, id: &str, key: &str) -> Option<usize> {
    let header = format!("[models.\"{id}\"]");
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.iter().position(|l| l.trim() == header)?;
    if !key.is_empty() {
        for (i, line) in lines.iter().enumerate().skip(start + 1) {
            let t = line.trim_start();
            if t.starts_with('[') {
                break;
            }
            if t.starts_with(key) && t[key.len()..].trim_start().starts_with('=') {
                return Some(i + 1);
            }
        }
        // Sub-tables such as `[models."id".failures]`.
        let sub = format!("[models.\"{id}\".{key}]");
        if let Some(i) = lines.iter().position(|l| l.trim() == sub) {
            return Some(i + 1);
        }
    }
    Some(start + 1)
}

fn default_seed() -> u64 {
    7
}
fn default_max_completion() -> u64 {
    4096
}
fn yes() -> bool {
    true
}
fn default_ttft() -> u64 {
    400
}
fn default_tps() -> f64 {
    80.0
}
fn default_quality() -> f64 {
    0.9
}
fn default_hang() -> u64 {
    30_000
}
fn one() -> u64 {
    1
}
fn one_f() -> f64 {
    1.0
}
fn allow() -> DataCollection {
    DataCollection::Allow
}
fn unknown() -> String {
    "unknown".into()
}
fn default_providers() -> Vec<Provider> {
    vec![Provider {
        name: "SimHost".into(),
        slug: "simhost".into(),
        zdr: false,
        data_collection: DataCollection::Allow,
        quantization: unknown(),
        weight: 1.0,
        quality: None,
        ttft_ms: None,
        tokens_per_s: None,
        prompt_price: None,
        completion_price: None,
        supports_tools: None,
        supports_response_format: None,
    }]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_profiles_parse_and_cover_the_ranking() {
        let p = Profiles::bundled();
        for id in [
            "sim/atlas-pro",
            "sim/swift-mini",
            "sim/gale-flaky",
            "sim/tortoise-large",
            "sim/plain-chat",
            "sim/meridian-mid",
            "sim/tiny-context",
            "sim/noncost",
        ] {
            assert!(p.model(id).is_some(), "missing {id}");
        }
        let plain = p.model("sim/plain-chat").unwrap();
        assert!(!plain.supports_tools && !plain.supports_response_format);
        assert!(!p.model("sim/noncost").unwrap().reports_cost);
        assert_eq!(p.model("sim/tiny-context").unwrap().context_length, 4096);
    }

    const MINIMAL: &str = "[models.\"a/b\"]\nname = \"B\"\ncontext_length = 1000\nprompt_price = 1\ncompletion_price = 2\n";

    #[test]
    fn minimal_profile_gets_defaults() {
        let p = Profiles::parse(Path::new("p.toml"), MINIMAL).unwrap();
        let m = p.model("a/b").unwrap();
        assert_eq!(p.seed, 7);
        assert_eq!(m.providers.len(), 1);
        assert!(m.supports_tools && m.reports_cost);
        assert_eq!(m.mistakes.wrong_enum, 2.0);
    }

    #[test]
    fn unpriced_is_for_test_profiles_only() {
        let p =
            Profiles::parse(Path::new("p.toml"), &format!("{MINIMAL}unpriced = true\n")).unwrap();
        assert!(p.model("a/b").unwrap().unpriced);
        assert!(
            !Profiles::parse(Path::new("p.toml"), MINIMAL)
                .unwrap()
                .model("a/b")
                .unwrap()
                .unpriced
        );
        assert!(Profiles::bundled().models.values().all(|m| !m.unpriced));
    }

    #[test]
    fn typo_is_located_and_suggested() {
        let text = MINIMAL.replace("prompt_price", "promt_price");
        let err = Profiles::parse(Path::new("p.toml"), &text).unwrap_err();
        assert_eq!(err.line, Some(4), "{err}");
        assert!(err.message.contains("did you mean `prompt_price`"), "{err}");
    }

    #[test]
    fn bad_script_entry_is_refused() {
        let text = format!("{MINIMAL}script = [\"rate_limit\", \"explode\"]\n");
        let err = Profiles::parse(Path::new("p.toml"), &text).unwrap_err();
        assert!(err.message.contains("unknown fault `explode`"), "{err}");
        let text = format!("{MINIMAL}script = [\"http_429\", \"http_504\", \"ok\"]\n");
        let p = Profiles::parse(Path::new("p.toml"), &text).unwrap();
        assert_eq!(
            p.model("a/b").unwrap().script.as_deref(),
            Some(&[Fault::Http(429), Fault::Http(504), Fault::Ok][..])
        );
    }

    #[test]
    fn out_of_range_quality_names_its_line() {
        let text = format!("{MINIMAL}quality = 1.5\n");
        let err = Profiles::parse(Path::new("p.toml"), &text).unwrap_err();
        assert_eq!(err.line, Some(6), "{err}");
        assert!(
            err.key.as_deref().unwrap_or("").ends_with("quality"),
            "{err}"
        );
    }
}
