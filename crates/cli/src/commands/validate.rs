//! `routeval validate`: everything `run` checks before sending, and nothing sent. The
//! pairs it lists come from the same function `run` dispatches from.

use crate::args::{TextFormat, ValidateArgs};
use crate::exit::{CliError, CliResult, SUCCESS};
use crate::progress::Notices;
use routeval_engine::plan::{catalogs_for, plan_pairs, stored_verdicts, Catalogs, PairPlan};
use routeval_engine::prepare::prepare;
use routeval_engine::sweep::expand_sweeps;
use serde_json::{json, Value};

pub async fn run(args: ValidateArgs) -> CliResult<u8> {
    let notices = Notices::new(&args.suite, true);
    let mut prepared = prepare(&args.suite, &args.routes, &args.datasets, notices.as_ref())?;
    expand_sweeps(&mut prepared, &args.db.db, args.offline).await?;
    let s = &prepared.suite;
    if args.format == TextFormat::Json {
        let catalogs = catalogs_for(s, &args.db.db, args.offline).await?;
        let probes = stored_verdicts(&args.db.db).await?;
        let pairs = plan_pairs(&prepared, &catalogs, &probes, args.force, s.budget_usd);
        let datasets: Vec<Value> = prepared
            .datasets
            .iter()
            .map(|ds| {
                json!({
                    "name": ds.dataset.name,
                    "cases": ds.dataset.summary.count,
                    "privacy": ds.dataset.config.privacy,
                    "scorer": ds.dataset.config.scorer,
                })
            })
            .collect();
        let unchecked: Vec<&String> = s
            .endpoints
            .keys()
            .filter(|e| !catalogs.contains_key(*e))
            .collect();
        let out = json!({
            "suite": args.suite,
            "valid": true,
            "simulated": s.is_simulated(),
            "datasets": datasets,
            "endpoints": s.endpoints.len(),
            "routes": s.routes.len(),
            "chains": s.chains.len(),
            "pairs": pairs_json(&pairs),
            "capabilities_unchecked_on": unchecked,
            "warnings": s.warnings().into_iter().chain(unknown_price_warnings(s, &catalogs)).collect::<Vec<_>>(),
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&out).map_err(CliError::failure)?
        );
        return Ok(SUCCESS);
    }
    for ds in &prepared.datasets {
        println!(
            "ok  dataset {:<22} {:>4} cases  privacy {:<12} scorer {}",
            ds.dataset.name,
            ds.dataset.summary.count,
            ds.dataset.config.privacy,
            ds.dataset.config.scorer.display()
        );
    }
    println!(
        "ok  {} endpoints, {} routes, {} chains{}",
        s.endpoints.len(),
        s.routes.len(),
        s.chains.len(),
        if s.is_simulated() {
            " (simulated endpoint present)"
        } else {
            ""
        }
    );
    // Eligibility of every (dataset, target) pair, judged as `run` judges it: privacy,
    // capabilities from the live catalogs (or the synced one), stored probes.
    let catalogs = catalogs_for(s, &args.db.db, args.offline).await?;
    let probes = stored_verdicts(&args.db.db).await?;
    let (mut sent, mut refused) = (0, 0);
    for pair in plan_pairs(&prepared, &catalogs, &probes, args.force, s.budget_usd) {
        for target in &pair.eligible {
            sent += 1;
            let forced = pair
                .excluded
                .iter()
                .find(|e| e.forced && e.target == target.name());
            match forced {
                Some(e) => println!(
                    "send {} x {}: forced past {} ({})",
                    e.dataset, e.target, e.detail, e.rule
                ),
                None => println!("send {} x {}", pair.dataset.dataset.name, target.name()),
            }
        }
        for e in pair.excluded.iter().filter(|e| !e.forced) {
            refused += 1;
            println!(
                "--   {} x {}: not eligible: {} ({})",
                e.dataset, e.target, e.detail, e.rule
            );
        }
    }
    let unchecked: Vec<&String> = s
        .endpoints
        .keys()
        .filter(|e| !catalogs.contains_key(*e))
        .collect();
    if !unchecked.is_empty() {
        println!(
            "note: capabilities not checked on {} (no catalog{}; `routeval models sync` stores one)",
            unchecked
                .iter()
                .map(|e| e.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            if args.offline { " read: --offline" } else { "" }
        );
    }
    for line in s
        .warnings()
        .into_iter()
        .chain(unknown_price_warnings(s, &catalogs))
    {
        println!("{line}");
    }
    println!(
        "{} is valid; `run` would send {sent} (dataset, target) pairs and refuse {refused}",
        args.suite.display()
    );
    Ok(SUCCESS)
}

/// A warning per route whose cost will be unknown: no `price` in the suite and none in
/// its endpoint's catalog. Its attempts' cost is unknown wherever the endpoint reports
/// none, so its cost per accepted shows as unknown and it is never ranked cheapest.
/// A warning changes no exit code.
fn unknown_price_warnings(suite: &routeval_core::Suite, catalogs: &Catalogs) -> Vec<String> {
    suite
        .routes
        .iter()
        .filter(|(_, route)| routeval_runner::catalog::Price::of_route(route, catalogs).is_none())
        .map(|(name, route)| {
            let why = if catalogs.contains_key(&route.endpoint) {
                format!(
                    "none for `{}` in the catalog of endpoint `{}`",
                    route.model, route.endpoint
                )
            } else {
                format!("no catalog of endpoint `{}` read", route.endpoint)
            };
            format!(
                "warn route `{name}` has no known price (no `price` in the suite, {why}): its cost \
                 is unknown wherever the endpoint reports none, shown as unknown and never ranked \
                 cheapest; set price = {{ prompt = ..., completion = ... }} (USD per million \
                 tokens) on [routes.{name}]"
            )
        })
        .collect()
}

/// The pairs a run would send and refuse, for scripts: `send` (dataset, target, and the
/// rule a forced pair was sent past) and `refused` (dataset, target, rule, detail).
pub fn pairs_json(pairs: &[PairPlan]) -> Value {
    let mut send = Vec::new();
    let mut refused = Vec::new();
    for pair in pairs {
        for target in &pair.eligible {
            let forced = pair
                .excluded
                .iter()
                .find(|e| e.forced && e.target == target.name())
                .map(|e| e.rule.clone());
            send.push(json!({
                "dataset": pair.dataset.dataset.name,
                "target": target.name(),
                "forced_past": forced,
            }));
        }
        for e in pair.excluded.iter().filter(|e| !e.forced) {
            refused.push(json!({
                "dataset": e.dataset,
                "target": e.target,
                "rule": e.rule,
                "detail": e.detail,
            }));
        }
    }
    json!({ "send": send, "refused": refused })
}
