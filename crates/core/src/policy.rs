//! Privacy classes and the provider policy each demands of a route, checked before
//! anything is sent, and again on the provider that actually served.

use crate::config::{DataCollection, Route, Suite, TargetRef};
use serde::{Deserialize, Serialize};

/// What a route must carry to receive a dataset of some privacy class.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrivacyPolicy {
    /// The route must set `provider.zdr = true`.
    #[serde(default)]
    pub require_zdr: bool,
    /// The route must set `provider.data_collection` to this.
    #[serde(default)]
    pub data_collection: Option<DataCollection>,
    /// The route must pin `provider.only` to a non-empty subset of this list (provider
    /// slugs). An empty list demands a non-empty `only` without restricting it.
    #[serde(default)]
    pub allowed_providers: Option<Vec<String>>,
    /// No provider fallbacks outside the list (`allow_fallbacks = false`) and no
    /// server-side `models` fallbacks.
    #[serde(default)]
    pub forbid_fallbacks: bool,
    /// Only these routes and chains may receive the data (chains: every step too).
    #[serde(default)]
    pub approved_targets: Option<Vec<String>>,
}

/// Why a (dataset, target) pair may not run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ineligible {
    /// The rule that failed, e.g. `privacy.confidential.require_zdr`.
    pub rule: String,
    pub detail: String,
}

/// The policies a class has when the suite does not define it.
pub fn builtin_policy(class: &str) -> Option<PrivacyPolicy> {
    match class {
        "public" | "internal" => Some(PrivacyPolicy::default()),
        "confidential" => Some(PrivacyPolicy {
            require_zdr: true,
            data_collection: Some(DataCollection::Deny),
            allowed_providers: Some(Vec::new()),
            ..PrivacyPolicy::default()
        }),
        "regulated" => Some(PrivacyPolicy {
            require_zdr: true,
            data_collection: Some(DataCollection::Deny),
            allowed_providers: Some(Vec::new()),
            forbid_fallbacks: true,
            approved_targets: None,
        }),
        _ => None,
    }
}

impl Suite {
    /// The policy of a privacy class: the suite's own, else the built-in one.
    pub fn policy(&self, class: &str) -> Option<PrivacyPolicy> {
        self.privacy
            .get(class)
            .cloned()
            .or_else(|| builtin_policy(class))
    }

    /// Whether a dataset may be sent to a target under its privacy class.
    pub fn check_privacy(&self, dataset: &str, target: &TargetRef) -> Result<(), Ineligible> {
        let class = &self.datasets[dataset].privacy;
        let Some(policy) = self.policy(class) else {
            return Err(Ineligible {
                rule: format!("privacy.{class}"),
                detail: format!("no policy for privacy class `{class}`"),
            });
        };
        let fail = |rule: &str, detail: String| Ineligible {
            rule: format!("privacy.{class}.{rule}"),
            detail,
        };
        if let Some(approved) = &policy.approved_targets {
            // Approving a swept route approves each of its providers' routes.
            let swept_from = self
                .routes
                .get(target.name())
                .and_then(|r| r.swept.as_ref())
                .map(|s| s.from.as_str());
            if !approved
                .iter()
                .any(|a| a == target.name() || Some(a.as_str()) == swept_from)
            {
                return Err(fail(
                    "approved_targets",
                    format!("`{}` is not an approved target", target.name()),
                ));
            }
        }
        let routes: Vec<&str> = match target {
            TargetRef::Route(name) => vec![name.as_str()],
            TargetRef::Chain(name) => self.chains[name].steps.iter().map(String::as_str).collect(),
        };
        for name in routes {
            if let (TargetRef::Chain(_), Some(approved)) = (target, &policy.approved_targets) {
                if !approved.iter().any(|a| a == name) {
                    return Err(fail(
                        "approved_targets",
                        format!("chain step `{name}` is not an approved route"),
                    ));
                }
            }
            check_route(&policy, name, &self.routes[name])
                .map_err(|(rule, detail)| fail(rule, detail))?;
        }
        Ok(())
    }
}

fn check_route(
    policy: &PrivacyPolicy,
    name: &str,
    route: &Route,
) -> Result<(), (&'static str, String)> {
    let provider = route.provider.clone().unwrap_or_default();
    if policy.require_zdr && provider.zdr != Some(true) {
        return Err((
            "require_zdr",
            format!("route `{name}` does not set provider.zdr = true"),
        ));
    }
    if let Some(required) = policy.data_collection {
        if provider.data_collection != Some(required) {
            return Err((
                "data_collection",
                format!(
                    "route `{name}` does not set provider.data_collection = \"{}\"",
                    data_collection_str(required)
                ),
            ));
        }
    }
    if let Some(allowed) = &policy.allowed_providers {
        let only = provider.only.clone().unwrap_or_default();
        if only.is_empty() {
            return Err((
                "allowed_providers",
                format!("route `{name}` does not pin provider.only to approved providers"),
            ));
        }
        if !allowed.is_empty() {
            if let Some(p) = only
                .iter()
                .find(|p| !allowed.iter().any(|a| same_provider(a, p)))
            {
                return Err((
                    "allowed_providers",
                    format!("route `{name}` allows provider `{p}`, which is not approved"),
                ));
            }
        }
    }
    // A route a provider sweep made is pinned to one provider: what the endpoint list
    // says of that provider must not break the policy either.
    if let Some(swept) = &route.swept {
        if policy.require_zdr && swept.zdr == Some(false) {
            return Err((
                "require_zdr",
                format!(
                    "provider `{}` of route `{}` does not offer zero data retention",
                    swept.slug, swept.from
                ),
            ));
        }
        if let (Some(required), Some(offered)) = (policy.data_collection, swept.data_collection) {
            if required == DataCollection::Deny && offered == DataCollection::Allow {
                return Err((
                    "data_collection",
                    format!(
                        "provider `{}` of route `{}` may collect prompts for training",
                        swept.slug, swept.from
                    ),
                ));
            }
        }
    }
    if policy.forbid_fallbacks {
        if provider.allow_fallbacks != Some(false) {
            return Err((
                "forbid_fallbacks",
                format!("route `{name}` does not set provider.allow_fallbacks = false"),
            ));
        }
        if !route.models.is_empty() {
            return Err((
                "forbid_fallbacks",
                format!("route `{name}` has a server-side `models` fallback list"),
            ));
        }
    }
    Ok(())
}

fn data_collection_str(d: DataCollection) -> &'static str {
    match d {
        DataCollection::Allow => "allow",
        DataCollection::Deny => "deny",
    }
}

/// Provider slugs (`meridian-labs`, `meridian`) and display names (`Meridian Labs`) name
/// the same provider: a slug matches when it spells the first words of the name, without
/// case and punctuation. A slug with an endpoint suffix (`deepinfra/turbo`) matches its
/// base provider.
pub fn same_provider(slug_or_name: &str, served: &str) -> bool {
    let squash = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    let base = |s: &str| s.split('/').next().unwrap_or(s).to_string();
    let (a, b) = (squash(&base(slug_or_name)), base(served));
    if a.is_empty() {
        return false;
    }
    // Every word-prefix of the served name: "Meridian Labs" -> meridian, meridianlabs.
    let mut prefix = String::new();
    for word in b.split(|c: char| c.is_whitespace() || c == '-' || c == '_') {
        prefix.push_str(&squash(word));
        if prefix == a {
            return true;
        }
    }
    squash(&b) == a || squash(slug_or_name) == squash(served)
}

/// The providers a dataset's data may reach on a route, when its policy restricts them:
/// what the served provider of every attempt is checked against afterwards.
pub fn allowed_serving_providers(policy: &PrivacyPolicy, route: &Route) -> Option<Vec<String>> {
    let only = route.provider.as_ref().and_then(|p| p.only.clone());
    match (&policy.allowed_providers, only) {
        (Some(allowed), _) if !allowed.is_empty() => Some(allowed.clone()),
        (Some(_), Some(only)) => Some(only),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn suite(extra: &str) -> Suite {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("c.jsonl"),
            "{\"id\":\"a\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("s.toml"), "[[checks]]\nkind = \"json\"\n").unwrap();
        let text = format!(
            r#"name = "p"
[endpoints.e]
kind = "openrouter"
base_url = "http://127.0.0.1:1"

[routes.open]
endpoint = "e"
model = "a/b"

[routes.locked]
endpoint = "e"
model = "a/b"
provider = {{ zdr = true, data_collection = "deny", only = ["meridian-labs"], allow_fallbacks = false }}

[routes.fallback]
endpoint = "e"
model = "a/b"
models = ["a/b", "c/d"]
provider = {{ zdr = true, data_collection = "deny", only = ["meridian-labs"], allow_fallbacks = false }}

[chains.mixed]
steps = ["locked", "open"]
fallback_on = ["server_error"]

[datasets.d]
path = "c.jsonl"
task = "t"
scorer = "s.toml"
{extra}
"#
        );
        let path = dir.path().join("suite.toml");
        std::fs::write(&path, &text).unwrap();
        let s = Suite::load(&path).unwrap();
        std::mem::forget(dir);
        s
    }

    fn check(s: &Suite, target: TargetRef) -> Result<(), String> {
        s.check_privacy("d", &target).map_err(|e| e.rule)
    }

    #[test]
    fn confidential_needs_zdr_deny_and_an_allowlist() {
        let s = suite("privacy = \"confidential\"");
        assert_eq!(
            check(&s, TargetRef::Route("open".into())),
            Err("privacy.confidential.require_zdr".into())
        );
        assert_eq!(check(&s, TargetRef::Route("locked".into())), Ok(()));
        assert_eq!(
            check(&s, TargetRef::Chain("mixed".into())),
            Err("privacy.confidential.require_zdr".into())
        );
        assert_eq!(check(&s, TargetRef::Route("fallback".into())), Ok(()));
    }

    #[test]
    fn a_swept_provider_is_held_to_the_policy_by_what_its_endpoint_says() {
        use crate::config::SweptProvider;
        let mut s = suite("privacy = \"confidential\"");
        // A sweep of `open` with the route's own preferences set as confidential demands.
        s.routes.get_mut("open").unwrap().provider = s.routes["locked"].provider.clone();
        let sweep = |slug: &str, zdr: Option<bool>, data: Option<DataCollection>| SweptProvider {
            slug: slug.into(),
            name: slug.into(),
            zdr,
            data_collection: data,
            ..SweptProvider::default()
        };
        s.expand_sweep(
            "open",
            vec![
                sweep("keeps", Some(true), Some(DataCollection::Deny)),
                sweep("retains", Some(false), Some(DataCollection::Deny)),
                sweep("trains", Some(true), Some(DataCollection::Allow)),
                sweep("unstated", None, None),
            ],
        );
        let rule = |t: &str| check(&s, TargetRef::Route(t.into()));
        assert_eq!(rule("open@keeps"), Ok(()));
        assert_eq!(
            rule("open@retains"),
            Err("privacy.confidential.require_zdr".into())
        );
        assert_eq!(
            rule("open@trains"),
            Err("privacy.confidential.data_collection".into())
        );
        // Not stated: the route's own `zdr = true` is what OpenRouter enforces.
        assert_eq!(rule("open@unstated"), Ok(()));
    }

    #[test]
    fn regulated_also_forbids_fallbacks() {
        let s = suite("privacy = \"regulated\"");
        assert_eq!(check(&s, TargetRef::Route("locked".into())), Ok(()));
        assert_eq!(
            check(&s, TargetRef::Route("fallback".into())),
            Err("privacy.regulated.forbid_fallbacks".into())
        );
    }

    #[test]
    fn suite_policies_override_and_restrict_providers() {
        let s = suite("privacy = \"confidential\"\n\n[privacy.confidential]\nrequire_zdr = true\nallowed_providers = [\"atlascloud\"]\n");
        let err = s
            .check_privacy("d", &TargetRef::Route("locked".into()))
            .unwrap_err();
        assert_eq!(err.rule, "privacy.confidential.allowed_providers");
        assert!(err.detail.contains("meridian-labs"), "{}", err.detail);
    }

    #[test]
    fn approved_targets_cover_chain_steps() {
        let s = suite(
            "privacy = \"pii\"\n\n[privacy.pii]\napproved_targets = [\"mixed\", \"locked\"]\n",
        );
        assert_eq!(
            check(&s, TargetRef::Chain("mixed".into())),
            Err("privacy.pii.approved_targets".into())
        );
        assert_eq!(check(&s, TargetRef::Route("locked".into())), Ok(()));
        assert_eq!(
            check(&s, TargetRef::Route("open".into())),
            Err("privacy.pii.approved_targets".into())
        );
    }

    #[test]
    fn provider_names_match_slugs() {
        assert!(same_provider("meridian-labs", "Meridian Labs"));
        assert!(same_provider("meridian", "Meridian Labs"));
        assert!(same_provider("amazon-bedrock", "Amazon Bedrock"));
        assert!(!same_provider("open", "OpenBench"));
        assert!(!same_provider("labs", "Meridian Labs"));
        assert!(same_provider("deepinfra/turbo", "DeepInfra"));
        assert!(!same_provider("atlascloud", "Nimbus"));
        let _ = Path::new("");
    }
}
