//! `routeval probe [ROUTE...]`: run the probe battery against routes, record the
//! compatibility matrix, print it (routes as rows, probes as columns: ✓ ✗ –).

use crate::args::{ProbeArgs, ProbeFormat};
use crate::exit::{CliError, CliResult, SUCCESS};
use comfy_table::{presets::UTF8_FULL_CONDENSED, CellAlignment, Table};
use routeval_runner::probe::{ProbeResult, Verdict, PROBES};

pub async fn run(args: ProbeArgs) -> CliResult<u8> {
    let results = routeval_engine::probe::probe(&args.suite, &args.routes, &args.db.db).await?;
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
