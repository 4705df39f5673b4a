//! `routeval models sync|list|suggest`: the model catalog, kept in the database with
//! its price history, filtered, and matched against what a dataset needs.

use crate::exit::{CliError, CliResult, SUCCESS};
use crate::progress::Notices;
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use routeval_core::config::Route;
use routeval_core::Suite;
use routeval_engine::plan::catalog_model;
use routeval_engine::prepare::prepare;
use routeval_runner::capability::{check, needs_of};
use routeval_runner::catalog::{fetch_catalog, fetch_endpoints};
use routeval_store::{ModelRow, Store};
use std::path::Path;
use std::time::Duration;

/// Completion tokens assumed per answer when estimating what a case costs.
const TYPICAL_COMPLETION_TOKENS: u64 = 300;

pub async fn sync(suite: &Path, db: &str, with_endpoints: bool) -> CliResult<u8> {
    let suite = Suite::load(suite)?;
    let store = Store::open(db).await?;
    let now = routeval_runner::now_ms();
    for (name, endpoint) in &suite.endpoints {
        let (client, _key) =
            routeval_runner::EndpointClient::new(name, endpoint).map_err(CliError::input)?;
        let models = fetch_catalog(&client, Duration::from_secs(30))
            .await
            .map_err(|e| {
                CliError::failure(anyhow::anyhow!(
                    "endpoint `{name}`: cannot read /models: {e}"
                ))
            })?;
        let mut changed = 0;
        for (id, m) in &models {
            let endpoints_json = if with_endpoints {
                fetch_endpoints(&client, id, Duration::from_secs(30))
                    .await
                    .ok()
                    .map(|v| v.to_string())
            } else {
                None
            };
            let row = ModelRow {
                endpoint: name.clone(),
                id: id.clone(),
                name: m.name.clone(),
                context_length: m.context_length.map(|c| c as i64),
                max_completion_tokens: m.max_completion_tokens.map(|c| c as i64),
                prompt_price: m.price.unwrap_or_default().prompt,
                completion_price: m.price.unwrap_or_default().completion,
                request_price: m.price.unwrap_or_default().request,
                priced: m.price.is_some(),
                supported_parameters: serde_json::to_string(&m.supported_parameters)
                    .unwrap_or_default(),
                endpoints_json,
                synced_at: now,
            };
            changed += usize::from(store.upsert_model(&row).await?);
        }
        println!(
            "endpoint {name}: {} models synced, {changed} new or changed prices",
            models.len()
        );
    }
    store.close().await;
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
pub async fn suggest(suite_path: &Path, db: &str, dataset: &str, max: usize) -> CliResult<u8> {
    let notices = Notices::new(suite_path, true);
    let prepared = prepare(suite_path, &[], &[dataset.to_string()], notices.as_ref())?;
    let ds = &prepared.datasets[0].dataset;
    let needs = needs_of(ds);
    let store = Store::open_existing(db).await?;
    let models = store.models().await?;
    store.close().await;
    if models.is_empty() {
        return Err(CliError::input(anyhow::anyhow!(
            "no synced models: run `routeval models sync` first"
        )));
    }
    let mut fits: Vec<(f64, &ModelRow)> = models
        .iter()
        .filter(|m| {
            let route: Route = match toml::from_str(&format!("endpoint = {:?}\nmodel = {:?}\nparams = {{ max_tokens = {TYPICAL_COMPLETION_TOKENS} }}", m.endpoint, m.id)) {
                Ok(r) => r,
                Err(_) => return false,
            };
            check(&needs, &route, Some(&catalog_model(m))).is_ok()
        })
        // A model the catalog lists no price for is not free: it goes last.
        .map(|m| (if m.priced { needs.prompt_tokens as f64 * m.prompt_price + TYPICAL_COMPLETION_TOKENS as f64 * m.completion_price + m.request_price } else { f64::INFINITY }, m))
        .collect();
    fits.sort_by(|a, b| a.0.total_cmp(&b.0));
    println!(
        "# {} candidates for `{dataset}` (needs: tools {}, response_format {:?}, ~{} prompt tokens), cheapest first",
        fits.len().min(max),
        needs.tools,
        needs.response_format,
        needs.prompt_tokens
    );
    for (cost, m) in fits.iter().take(max) {
        let slug = m.id.replace(['/', ':', '.'], "-");
        let estimate = if m.priced {
            format!("~${cost:.6} per case at catalog prices")
        } else {
            "price unknown (the catalog lists none): set `price = { prompt = ..., completion = ... }` (USD per million tokens)".to_string()
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
