//! Capability checks: can a route's model do what a dataset needs? Read from the
//! model catalog before anything is sent.

use crate::catalog::CatalogModel;
use routeval_core::config::{ResponseFormatKind, Route};
use routeval_core::Dataset;
use serde_json::Value;

/// Characters per token, for estimates made without the model's tokenizer.
const CHARS_PER_TOKEN: usize = 4;
/// Completion budget assumed when a route sets no `max_tokens`.
pub const DEFAULT_MAX_TOKENS: u64 = 4096;

/// What a dataset asks of the model that serves it.
#[derive(Debug, Clone, PartialEq)]
pub struct Needs {
    pub tools: bool,
    pub tool_choice: bool,
    pub response_format: Option<ResponseFormatKind>,
    /// Longest prompt of the dataset (system prompt, messages, tools), in estimated tokens.
    pub prompt_tokens: u64,
}

pub fn needs_of(dataset: &Dataset) -> Needs {
    let tools_chars = dataset
        .tools
        .as_ref()
        .map_or(0, |t| Value::Array(t.clone()).to_string().len());
    Needs {
        tools: dataset.tools.is_some() || dataset.summary.any_case_tools,
        tool_choice: dataset.config.tool_choice.is_some() || dataset.summary.any_case_tool_choice,
        response_format: match dataset.config.response_format {
            ResponseFormatKind::None => None,
            other => Some(other),
        },
        prompt_tokens: ((dataset.longest_prompt_chars() + tools_chars) / CHARS_PER_TOKEN) as u64,
    }
}

/// The completion budget a route allows per request.
pub fn max_tokens(route: &Route) -> u64 {
    ["max_tokens", "max_completion_tokens"]
        .iter()
        .find_map(|k| route.params.get(*k).and_then(Value::as_u64))
        .unwrap_or(DEFAULT_MAX_TOKENS)
}

/// Why a route cannot serve a dataset: `(rule, detail)`. `None` catalog entry means the
/// catalog does not list the model, which is itself a finding.
pub fn check(
    needs: &Needs,
    route: &Route,
    model: Option<&CatalogModel>,
) -> Result<(), (String, String)> {
    let Some(model) = model else {
        return Err((
            "capability.catalog".into(),
            format!("model `{}` is not in the endpoint's catalog", route.model),
        ));
    };
    // A catalog that lists no parameters (plain OpenAI-compatible `/models`) says nothing
    // about capabilities: only context length is checked then.
    let known = !model.supported_parameters.is_empty();
    let supports = |p: &str| !known || model.supported_parameters.iter().any(|s| s == p);
    let fail = |rule: &str, detail: String| Err((format!("capability.{rule}"), detail));
    if needs.tools && !supports("tools") {
        return fail("tools", format!("`{}` does not support tools", route.model));
    }
    if needs.tool_choice && !supports("tool_choice") {
        return fail(
            "tool_choice",
            format!("`{}` does not support tool_choice", route.model),
        );
    }
    match needs.response_format {
        Some(ResponseFormatKind::JsonSchema) if !supports("structured_outputs") => {
            return fail(
                "structured_outputs",
                format!(
                    "`{}` does not support json_schema structured outputs",
                    route.model
                ),
            )
        }
        Some(ResponseFormatKind::JsonObject) if !supports("response_format") => {
            return fail(
                "response_format",
                format!("`{}` does not support response_format", route.model),
            )
        }
        _ => {}
    }
    if let Some(context) = model.context_length {
        let wanted = needs.prompt_tokens + max_tokens(route);
        if wanted > context {
            return fail(
                "context_length",
                format!(
                    "longest prompt (~{} tokens) plus max_tokens ({}) exceeds `{}`'s context of {context}",
                    needs.prompt_tokens,
                    max_tokens(route),
                    route.model
                ),
            );
        }
    }
    // OpenRouter ignores unsupported parameters unless told not to; then they are needs.
    if route.provider.as_ref().and_then(|p| p.require_parameters) == Some(true) {
        if let Some(p) = route.params.keys().find(|p| !supports(p)) {
            return fail(
                "parameters",
                format!(
                    "`{}` does not support parameter `{p}` and the route requires parameters",
                    route.model
                ),
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(params: &[&str], context: u64) -> CatalogModel {
        CatalogModel {
            context_length: Some(context),
            supported_parameters: params.iter().map(|s| s.to_string()).collect(),
            ..CatalogModel::default()
        }
    }

    fn route(extra: &str) -> Route {
        toml::from_str(&format!("endpoint = \"e\"\nmodel = \"a/b\"\n{extra}")).unwrap()
    }

    fn needs(tools: bool, rf: Option<ResponseFormatKind>, prompt: u64) -> Needs {
        Needs {
            tools,
            tool_choice: false,
            response_format: rf,
            prompt_tokens: prompt,
        }
    }

    #[test]
    fn each_missing_capability_has_its_rule() {
        let r = route("params = { max_tokens = 500 }");
        let rule = |n: &Needs, m: &CatalogModel| check(n, &r, Some(m)).unwrap_err().0;
        assert_eq!(
            rule(&needs(true, None, 10), &model(&["seed"], 8000)),
            "capability.tools"
        );
        assert_eq!(
            rule(
                &needs(false, Some(ResponseFormatKind::JsonSchema), 10),
                &model(&["response_format"], 8000)
            ),
            "capability.structured_outputs"
        );
        assert_eq!(
            rule(&needs(false, None, 7600), &model(&[], 8000)),
            "capability.context_length"
        );
        assert!(check(&needs(false, None, 7400), &r, Some(&model(&[], 8000))).is_ok());
        assert_eq!(
            check(&needs(false, None, 1), &r, None).unwrap_err().0,
            "capability.catalog"
        );
    }

    #[test]
    fn probes_refuse_what_they_saw_fail() {
        use crate::probe::Verdict;
        let verdicts = |tools: Verdict| {
            std::collections::HashMap::from([
                ("tools".to_string(), tools),
                ("json_schema".to_string(), Verdict::Pass),
            ])
        };
        let rule = |n: &Needs, v: Verdict| check_probes(n, "r", &verdicts(v)).err().map(|e| e.0);
        assert_eq!(
            rule(&needs(true, None, 1), Verdict::Fail).as_deref(),
            Some("probe.tools")
        );
        assert_eq!(
            rule(&needs(true, None, 1), Verdict::Unsupported).as_deref(),
            Some("probe.tools")
        );
        assert_eq!(rule(&needs(true, None, 1), Verdict::Pass), None);
        assert_eq!(rule(&needs(false, None, 1), Verdict::Fail), None);
        let schema = needs(false, Some(ResponseFormatKind::JsonSchema), 1);
        let failed = std::collections::HashMap::from([("json_schema".to_string(), Verdict::Fail)]);
        assert_eq!(
            check_probes(&schema, "r", &failed).unwrap_err().0,
            "probe.json_schema"
        );
    }

    #[test]
    fn an_empty_parameter_list_is_unknown_not_refused() {
        assert!(check(&needs(true, None, 10), &route(""), Some(&model(&[], 8000))).is_ok());
    }

    #[test]
    fn parameters_matter_only_when_required() {
        let loose = route("params = { seed = 1 }");
        let strict = route("params = { seed = 1 }\nprovider = { require_parameters = true }");
        let m = model(&["tools"], 100_000);
        assert!(check(&needs(false, None, 1), &loose, Some(&m)).is_ok());
        assert_eq!(
            check(&needs(false, None, 1), &strict, Some(&m))
                .unwrap_err()
                .0,
            "capability.parameters"
        );
    }
}

/// What the latest probes of a route found against what a dataset needs: a tool dataset
/// is not sent where the `tools` probe did not pass, a json_schema one where the
/// `json_schema` probe did not. Probes not run say nothing.
pub fn check_probes(
    needs: &Needs,
    route: &str,
    verdicts: &std::collections::HashMap<String, crate::probe::Verdict>,
) -> Result<(), (String, String)> {
    use crate::probe::Verdict;
    let failed = |probe: &str| verdicts.get(probe).filter(|v| **v != Verdict::Pass);
    if needs.tools {
        if let Some(v) = failed("tools") {
            return Err((
                "probe.tools".into(),
                format!(
                    "the latest `tools` probe of route `{route}` says {}",
                    v.as_str()
                ),
            ));
        }
    }
    if needs.response_format == Some(ResponseFormatKind::JsonSchema) {
        if let Some(v) = failed("json_schema") {
            return Err((
                "probe.json_schema".into(),
                format!(
                    "the latest `json_schema` probe of route `{route}` says {}",
                    v.as_str()
                ),
            ));
        }
    }
    Ok(())
}

/// A swept route's provider against the swept route's own preferences: a provider the
/// route ignores, or of a quantization it does not accept, is not sent. `(rule, detail)`.
pub fn check_swept_preferences(route: &Route) -> Result<(), (String, String)> {
    let (Some(swept), Some(prefs)) = (&route.swept, &route.provider) else {
        return Ok(());
    };
    if let Some(ignored) = &prefs.ignore {
        if ignored
            .iter()
            .any(|i| routeval_core::policy::same_provider(i, &swept.slug))
        {
            return Err((
                "provider.ignore".into(),
                format!("route `{}` ignores provider `{}`", swept.from, swept.slug),
            ));
        }
    }
    if let (Some(accepted), Some(quantization)) = (&prefs.quantizations, &swept.quantization) {
        if !accepted.iter().any(|q| q == quantization) {
            return Err((
                "provider.quantizations".into(),
                format!(
                    "provider `{}` serves `{}` at {quantization}; route `{}` accepts {}",
                    swept.slug,
                    route.model,
                    swept.from,
                    accepted.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

/// A (dataset, target) pair refused before sending, and the rule that refused it.
#[derive(Debug, Clone, PartialEq)]
pub struct Exclusion {
    pub dataset: String,
    pub target: String,
    pub rule: String,
    pub detail: String,
    /// A capability refusal overridden with `--force`: the pair runs anyway.
    pub forced: bool,
}

/// A route no budget could bound: a budget applies to it (`budget_usd`, the run's, or
/// the route's own cap) and it has no known price (no `price` in the suite, none in the
/// catalog), so the worst case of a case on it cannot be reserved. `(rule, detail)`.
pub fn check_budget_price(
    name: &str,
    route: &Route,
    budget_usd: Option<f64>,
    catalogs: &std::collections::HashMap<String, std::collections::HashMap<String, CatalogModel>>,
) -> Result<(), (String, String)> {
    if budget_usd.is_none() && route.budget_usd.is_none() {
        return Ok(());
    }
    if crate::catalog::Price::of_route(route, catalogs).is_some() {
        return Ok(());
    }
    Err((
        "budget.unknown_price".into(),
        format!(
            "route `{name}` has no known price (no `price` in the suite, none for `{}` in \
             the catalog of endpoint `{}`), so a budget cannot bound it; set price = \
             {{ prompt = ..., completion = ... }} (USD per million tokens) on [routes.{name}]",
            route.model, route.endpoint
        ),
    ))
}

/// Sort a dataset's targets into those that may run and those refused, before anything
/// is sent. Privacy refusals always hold, and so do budget ones (with a budget set, a
/// route with no known price is not sent: see [`check_budget_price`]); capability
/// refusals can be forced (to measure what happens). Without a catalog for an endpoint,
/// capabilities are not checked. `budget_usd` is the run's budget (`--budget`, else the
/// suite's); routes' own caps are read from the suite.
pub fn eligibility(
    suite: &routeval_core::Suite,
    dataset: &Dataset,
    catalogs: &std::collections::HashMap<String, std::collections::HashMap<String, CatalogModel>>,
    probes: &crate::probe::ProbeVerdicts,
    force: bool,
    budget_usd: Option<f64>,
) -> (Vec<routeval_core::TargetRef>, Vec<Exclusion>) {
    let needs = needs_of(dataset);
    let mut eligible = Vec::new();
    let mut excluded = Vec::new();
    for target in suite.targets_of(&dataset.name) {
        let exclusion = |rule: String, detail: String, forced: bool| Exclusion {
            dataset: dataset.name.clone(),
            target: target.name().to_string(),
            rule,
            detail,
            forced,
        };
        if let Err(e) = suite.check_privacy(&dataset.name, &target) {
            excluded.push(exclusion(e.rule, e.detail, false));
            continue;
        }
        let steps: Vec<&String> = match &target {
            routeval_core::TargetRef::Route(name) => vec![name],
            routeval_core::TargetRef::Chain(name) => suite.chains[name].steps.iter().collect(),
        };
        let unbounded = steps.iter().find_map(|step| {
            check_budget_price(step, &suite.routes[*step], budget_usd, catalogs).err()
        });
        if let Some((rule, detail)) = unbounded {
            excluded.push(exclusion(rule, detail, false));
            continue;
        }
        if let Some((rule, detail)) = steps
            .iter()
            .find_map(|step| check_swept_preferences(&suite.routes[*step]).err())
        {
            excluded.push(exclusion(rule, detail, false));
            continue;
        }
        let refusal = steps.iter().find_map(|step| {
            let route = &suite.routes[*step];
            // A route pinned to one provider by a sweep has that provider's parameters
            // and limits, not the model's across every provider.
            if let Some(swept) = &route.swept {
                return check(&needs, route, Some(&CatalogModel::of_provider(swept)))
                    .err()
                    .map(|(rule, detail)| (rule, format!("provider `{}`: {detail}", swept.slug)));
            }
            let catalog = catalogs.get(&route.endpoint).filter(|c| !c.is_empty())?;
            check(&needs, route, catalog.get(&route.model)).err()
        });
        let refusal = refusal.or_else(|| {
            steps
                .iter()
                .find_map(|step| check_probes(&needs, step, probes.get(*step)?).err())
        });
        match refusal {
            Some((rule, detail)) => {
                excluded.push(exclusion(rule, detail, force));
                if force {
                    eligible.push(target);
                }
            }
            None => eligible.push(target),
        }
    }
    (eligible, excluded)
}
