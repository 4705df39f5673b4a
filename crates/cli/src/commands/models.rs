//! `routeval models sync|list|endpoints|suggest`: the model catalog, kept in the database
//! with its price history, filtered, each model's providers listed, and matched against
//! what a dataset needs.

use crate::exit::{CliError, CliResult, SUCCESS};
use crate::progress::Notices;
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use routeval_engine::models::TYPICAL_COMPLETION_TOKENS;
use routeval_engine::prepare::prepare;
use routeval_store::{ModelRow, Store};
use std::path::Path;

pub async fn sync(suite: &Path, db: &str, with_endpoints: bool) -> CliResult<u8> {
    for s in routeval_engine::models::sync(suite, db, with_endpoints).await? {
        println!(
            "endpoint {}: {} models synced, {} new or changed prices",
            s.endpoint, s.models, s.changed
        );
    }
    Ok(SUCCESS)
}

/// `models endpoints MODEL`: the providers serving a model, one row each.
pub async fn endpoints(
    suite_path: &Path,
    endpoint: Option<&str>,
    model: &str,
    db: &str,
    offline: bool,
    json: bool,
) -> CliResult<u8> {
    let suite = routeval_core::Suite::load(suite_path)?;
    let endpoint = match endpoint {
        Some(name) if suite.endpoints.contains_key(name) => name.to_string(),
        Some(name) => {
            return Err(CliError::input(anyhow::anyhow!(
                "--endpoint: no endpoint `{name}` in {}",
                suite_path.display()
            )))
        }
        None => suite
            .endpoints
            .iter()
            .find(|(_, e)| e.kind == routeval_core::config::EndpointKind::Openrouter)
            .map(|(name, _)| name.clone())
            .ok_or_else(|| {
                CliError::input(anyhow::anyhow!(
                    "{} has no OpenRouter endpoint to ask; name one with --endpoint",
                    suite_path.display()
                ))
            })?,
    };
    let providers =
        routeval_engine::sweep::endpoint_providers(&suite, &endpoint, model, db, offline)
            .await
            .map_err(|why| CliError::input(anyhow::anyhow!("`{model}` on `{endpoint}`: {why}")))?;
    if json {
        let out = serde_json::json!({"endpoint": endpoint, "model": model, "providers": providers});
        println!(
            "{}",
            serde_json::to_string_pretty(&out).map_err(CliError::failure)?
        );
        return Ok(SUCCESS);
    }
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_header(vec![
        "provider",
        "slug (provider.only)",
        "quantization",
        "context",
        "max output",
        "prompt $/M",
        "completion $/M",
        "tools",
        "structured outputs",
    ]);
    let yes = |p: &routeval_core::config::SweptProvider, param: &str| {
        if p.supported_parameters.is_empty() {
            "?"
        } else if p.supported_parameters.iter().any(|s| s == param) {
            "yes"
        } else {
            "no"
        }
    };
    let price = |v: Option<f64>| v.map_or("–".to_string(), |v| format!("{v:.2}"));
    for p in &providers {
        table.add_row(vec![
            p.name.clone(),
            p.slug.clone(),
            p.quantization.clone().unwrap_or_else(|| "–".into()),
            p.context_length.map_or("–".into(), |c| c.to_string()),
            p.max_completion_tokens
                .map_or("–".into(), |c| c.to_string()),
            price(p.price.map(|x| x.prompt)),
            price(p.price.map(|x| x.completion)),
            yes(p, "tools").to_string(),
            yes(p, "response_format").to_string(),
        ]);
    }
    println!(
        "{model} on {endpoint}: {} providers\n{table}",
        providers.len()
    );
    Ok(SUCCESS)
}

/// Filters for `models list`.
pub struct ListFilter {
    pub supports: Vec<String>,
    pub min_context: Option<u64>,
    /// USD per million prompt tokens.
    pub max_price: Option<f64>,
    pub json: bool,
}

pub async fn list(db: &str, filter: &ListFilter) -> CliResult<u8> {
    let store = Store::open_existing(db).await?;
    let models: Vec<ModelRow> = store
        .models()
        .await?
        .into_iter()
        .filter(|m| filter.supports.iter().all(|p| m.supports(p)))
        .filter(|m| {
            filter
                .min_context
                .is_none_or(|min| m.context_length.is_some_and(|c| c as u64 >= min))
        })
        .filter(|m| {
            filter
                .max_price
                .is_none_or(|max| m.priced && m.prompt_price * 1e6 <= max)
        })
        .collect();
    store.close().await;
    if models.is_empty() {
        eprintln!("no synced model matches (run `routeval models sync` first?)");
    }
    if filter.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&models).map_err(CliError::failure)?
        );
        return Ok(SUCCESS);
    }
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    table.set_header([
        "endpoint",
        "model",
        "context",
        "$/M prompt",
        "$/M completion",
        "supports",
    ]);
    for m in &models {
        let params: Vec<String> = serde_json::from_str(&m.supported_parameters).unwrap_or_default();
        table.add_row([
            m.endpoint.clone(),
            m.id.clone(),
            m.context_length.map_or("–".into(), |c| c.to_string()),
            per_million(m, m.prompt_price),
            per_million(m, m.completion_price),
            params.join(","),
        ]);
    }
    println!("{table}");
    Ok(SUCCESS)
}

/// Propose candidate routes for a dataset: synced models that can do what it needs,
/// cheapest estimated case first.
pub async fn suggest(
    suite_path: &Path,
    db: &str,
    dataset: &str,
    max: usize,
    json: bool,
) -> CliResult<u8> {
    let notices = Notices::new(suite_path, true);
    let prepared = prepare(suite_path, &[], &[dataset.to_string()], notices.as_ref())?;
    let (needs, fits) = routeval_engine::models::suggest(&prepared, db).await?;
    if json {
        let out = serde_json::json!({
            "dataset": dataset,
            "needs": {
                "tools": needs.tools,
                "tool_choice": needs.tool_choice,
                "response_format": needs.response_format.map(|f| format!("{f:?}")),
                "prompt_tokens": needs.prompt_tokens,
            },
            "completion_tokens_assumed": TYPICAL_COMPLETION_TOKENS,
            "candidates": fits.iter().take(max).collect::<Vec<_>>(),
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&out).map_err(CliError::failure)?
        );
        return Ok(SUCCESS);
    }
    println!(
        "# {} candidates for `{dataset}` (needs: tools {}, response_format {:?}, ~{} prompt tokens), cheapest first",
        fits.len().min(max),
        needs.tools,
        needs.response_format,
        needs.prompt_tokens
    );
    for c in fits.iter().take(max) {
        let m = &c.model;
        let slug = m.id.replace(['/', ':', '.'], "-");
        let estimate = match c.cost_per_case {
            Some(cost) => format!(
                "~${cost:.6} per case at catalog prices ({TYPICAL_COMPLETION_TOKENS} completion tokens)"
            ),
            None => "price unknown (the catalog lists none): set `price = { prompt = ..., completion = ... }` (USD per million tokens)".to_string(),
        };
        println!(
            "\n# {estimate}\n[routes.{slug}]\nendpoint = {:?}\nmodel = {:?}\nparams = {{ temperature = 0 }}",
            m.endpoint, m.id
        );
    }
    Ok(SUCCESS)
}

/// A price per token as USD per million, or `unknown` when the catalog listed none.
fn per_million(m: &ModelRow, per_token: f64) -> String {
    if m.priced {
        format!("{:.3}", per_token * 1e6)
    } else {
        routeval_analysis::report::UNKNOWN_COST.into()
    }
}
