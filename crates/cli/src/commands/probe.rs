//! `routeval probe [ROUTE...]`: run the probe battery against routes, record the
//! compatibility matrix, print it (routes as rows, probes as columns: ✓ ✗ –).

use crate::args::{ProbeArgs, ProbeFormat};
use crate::exit::{CliError, CliResult, SUCCESS};
use anyhow::anyhow;
use comfy_table::{presets::UTF8_FULL_CONDENSED, CellAlignment, Table};
use routeval_core::Suite;
use routeval_runner::probe::{probe_route, ProbeResult, Verdict, PROBES};
use routeval_store::{ProbeRow, Store};
use std::collections::BTreeSet;

pub async fn run(args: ProbeArgs) -> CliResult<u8> {
    let mut suite = Suite::load(&args.suite)?;
    for name in &args.routes {
        if !suite.routes.contains_key(name) {
            return Err(CliError::input(anyhow!(
                "no route `{name}` in {}; routes: {}",
                args.suite.display(),
                suite.routes.keys().cloned().collect::<Vec<_>>().join(", ")
            )));
        }
    }
    // Only the probed routes and their endpoints: keys of other endpoints are not needed.
    if !args.routes.is_empty() {
        suite.routes.retain(|name, _| args.routes.contains(name));
    }
    let used: BTreeSet<String> = suite.routes.values().map(|r| r.endpoint.clone()).collect();
    suite.endpoints.retain(|name, _| used.contains(name));

    let store = Store::open(&args.db.db).await?;
    let catalogs = routeval_runner::fetch_catalogs(&suite).await;
    let (routes, _redactor) =
        routeval_runner::build_routes(&suite, &catalogs).map_err(CliError::input)?;
    let run_at = routeval_runner::now_ms();
    // Routes are probed at once; each route's battery is concurrent too.
    let mut tasks = tokio::task::JoinSet::new();
    for (i, client) in routes.values().enumerate() {
        let client = client.clone();
        let model = catalogs
            .get(&client.route.endpoint)
            .and_then(|c| c.get(&client.route.model))
            .cloned();
        tasks.spawn(async move { (i, probe_route(&client, model.as_ref(), None).await) });
    }
    let mut matrices = Vec::new();
    while let Some(done) = tasks.join_next().await {
        matrices.push(done.map_err(|e| CliError::failure(anyhow!("a probe task failed: {e}")))?);
    }
    matrices.sort_by_key(|(i, _)| *i);
    let matrices = matrices.into_iter().map(|(_, m)| m);
    let results: Vec<ProbeResult> = matrices.into_iter().flatten().collect();
    let rows: Vec<ProbeRow> = results
        .iter()
        .map(|r| ProbeRow {
            run_at,
            route: r.route.clone(),
            model: r.model.clone(),
            probe: r.probe.clone(),
            verdict: r.verdict.as_str().to_string(),
            status: r.status.map(i64::from),
            latency_ms: r.latency_ms,
            evidence: r.evidence.clone(),
        })
        .collect();
    store.record_probes(&rows).await?;
    store.close().await;
    match args.format {
        ProbeFormat::Table => print!("{}", matrix_table(&results)),
        ProbeFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&results).map_err(CliError::failure)?
        ),
    }
    Ok(SUCCESS)
}

/// The matrix (routes as rows, probes as columns), then the evidence of every cell that
/// did not pass.
pub fn matrix_table(results: &[ProbeResult]) -> String {
    let mut routes: Vec<(&str, &str)> = Vec::new();
    for r in results {
        if !routes.iter().any(|(name, _)| *name == r.route) {
            routes.push((&r.route, &r.model));
        }
    }
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    let mut header = vec!["route".to_string()];
    header.extend(PROBES.iter().map(|p| p.to_string()));
    table.set_header(header);
    for (route, model) in &routes {
        let mut row = vec![format!("{route}\n{model}")];
        for probe in PROBES {
            let cell = results
                .iter()
                .find(|r| r.route == *route && r.probe == probe)
                .map_or(" ", |r| r.verdict.symbol());
            row.push(cell.to_string());
        }
        table.add_row(row);
    }
    for i in 1..=PROBES.len() {
        if let Some(col) = table.column_mut(i) {
            col.set_cell_alignment(CellAlignment::Center);
        }
    }
    let mut out = format!("{table}\n✓ pass  ✗ fail  – unsupported\n");
    for r in results.iter().filter(|r| r.verdict != Verdict::Pass) {
        out.push_str(&format!(
            "{} · {} {}: {}{}\n",
            r.route,
            r.probe,
            r.verdict.symbol(),
            r.status.map_or(String::new(), |s| format!("HTTP {s} · ")),
            r.evidence
        ));
    }
    out
}
