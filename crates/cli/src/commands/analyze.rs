//! `routeval rank`, `report` and `export registry`: read a run, decide, write.

use crate::args::{RankArgs, RankFormat, RegistryFormat, ReportArgs, ReportFormat};
use crate::exit::{CliError, CliResult, SUCCESS};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, CellAlignment, Table};
use routeval_analysis::report::{format_ms, format_usd, render, Format};
use routeval_analysis::{
    compute_metrics, rank_with, registry, RankOptions, Ranking, RunData, TargetMetrics,
};
use routeval_store::Store;
use std::path::{Path, PathBuf};

async fn load(db: &str, run: Option<&str>) -> CliResult<(RunData, Vec<Ranking>)> {
    load_with(db, run, RankOptions::default()).await
}

async fn load_with(
    db: &str,
    run: Option<&str>,
    opts: RankOptions,
) -> CliResult<(RunData, Vec<Ranking>)> {
    let store = Store::open_existing(db).await?;
    let data = RunData::load(&store, run).await?;
    store.close().await;
    let metrics = compute_metrics(&data)?;
    let rankings = rank_with(&data, &metrics, opts);
    Ok((data, rankings))
}

pub async fn rank(args: RankArgs) -> CliResult<u8> {
    let opts = RankOptions {
        max_p95_latency_ms: args.max_p95_ms,
    };
    let (data, mut rankings) = load_with(&args.db.db, args.run.as_deref(), opts).await?;
    if let Some(ds) = &args.dataset {
        rankings.retain(|r| &r.dataset == ds);
        if rankings.is_empty() {
            return Err(CliError::input(anyhow::anyhow!(
                "run {} has no dataset `{ds}`",
                data.run.id
            )));
        }
    }
    match args.format {
        RankFormat::Table => print!("{}", ranking_tables(&data, &rankings)),
        RankFormat::Json => {
            let out = serde_json::json!({
                "run": data.run,
                "simulated": data.run.simulated,
                "datasets": rankings,
            });
            println!(
                "{}",
                serde_json::to_string_pretty(&out).map_err(CliError::failure)?
            );
        }
        RankFormat::Csv => print!("{}", ranking_csv(&rankings)),
    }
    Ok(SUCCESS)
}

/// The ranking as terminal tables, one per dataset.
pub fn ranking_tables(data: &RunData, rankings: &[Ranking]) -> String {
    let mut out = String::new();
    if data.run.simulated {
        out.push_str(
            "SIMULATED: figures come from the built-in simulator, not from real providers.\n",
        );
    }
    out.push_str(&format!(
        "run {} · {} · {}\n",
        data.run.id, data.run.suite, data.run.status
    ));
    for r in rankings {
        let mut table = Table::new();
        table.load_preset(UTF8_FULL_CONDENSED);
        table.set_header([
            "#",
            "target",
            "accepted",
            "acceptance (95% CI)",
            "schema",
            "enum",
            "tools",
            "retries",
            "p50",
            "p95",
            "cost/accepted",
            "total",
        ]);
        let rows = r
            .eligible
            .iter()
            .enumerate()
            .map(|(i, m)| (Some(i + 1), m))
            .chain(r.ineligible.iter().map(|m| (None, m)));
        for (rank, m) in rows {
            table.add_row(row(rank, m));
        }
        for i in [0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] {
            if let Some(col) = table.column_mut(i) {
                col.set_cell_alignment(CellAlignment::Right);
            }
        }
        let pick = match r.eligible.first() {
            Some(best) => format!(
                "recommended: {} at {} per accepted response",
                best.target,
                best.cost_per_accepted.map_or("–".into(), format_usd)
            ),
            None => "no target meets the minimum acceptance".into(),
        };
        out.push_str(&format!(
            "\n{} (min acceptance {:.0}%) · {pick}\n{table}\n",
            r.dataset,
            r.min_acceptance * 100.0
        ));
    }
    out
}

fn row(rank: Option<usize>, m: &TargetMetrics) -> Vec<Cell> {
    let pct = |v: Option<f64>| v.map_or("–".to_string(), |v| format!("{:.1}%", v * 100.0));
    let name = if m.kind == "chain" {
        format!("{} (chain)", m.target)
    } else {
        m.target.clone()
    };
    vec![
        Cell::new(rank.map_or("–".into(), |r| r.to_string())),
        Cell::new(name),
        Cell::new(format!("{}/{}", m.accepted, m.cases)),
        Cell::new(format!(
            "{} ({}–{})",
            pct(Some(m.acceptance)),
            pct(Some(m.acceptance_low)),
            pct(Some(m.acceptance_high))
        )),
        Cell::new(pct(m.schema_valid_rate)),
        Cell::new(pct(m.enum_accuracy)),
        Cell::new(pct(m.tool_accuracy)),
        Cell::new(format!(
            "{:.2}",
            m.mean_validation_retries + m.mean_transport_retries
        )),
        Cell::new(format_ms(m.p50_latency_ms)),
        Cell::new(format_ms(m.p95_latency_ms)),
        Cell::new(m.cost_per_accepted.map_or("–".into(), format_usd)),
        Cell::new(format_usd(m.total_cost)),
    ]
}

fn ranking_csv(rankings: &[Ranking]) -> String {
    let mut out = String::from("dataset,rank,target,kind,cases,accepted,acceptance,acceptance_low,acceptance_high,schema_valid_rate,enum_accuracy,tool_accuracy,mean_validation_retries,mean_transport_retries,p50_latency_ms,p95_latency_ms,total_cost,cost_per_accepted\n");
    let opt = |v: Option<f64>| v.map_or(String::new(), |v| v.to_string());
    for r in rankings {
        let rows = r
            .eligible
            .iter()
            .enumerate()
            .map(|(i, m)| ((i + 1).to_string(), m))
            .chain(r.ineligible.iter().map(|m| (String::new(), m)));
        for (rank, m) in rows {
            out.push_str(&format!(
                "{},{rank},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
                m.dataset,
                m.target,
                m.kind,
                m.cases,
                m.accepted,
                m.acceptance,
                m.acceptance_low,
                m.acceptance_high,
                opt(m.schema_valid_rate),
                opt(m.enum_accuracy),
                opt(m.tool_accuracy),
                m.mean_validation_retries,
                m.mean_transport_retries,
                m.p50_latency_ms,
                m.p95_latency_ms,
                m.total_cost,
                opt(m.cost_per_accepted)
            ));
        }
    }
    out
}

pub async fn report(args: ReportArgs) -> CliResult<u8> {
    let (data, rankings) = load(&args.db.db, args.run.as_deref()).await?;
    for format in &args.format {
        let path = write_report(&data, &rankings, *format, &args.out)?;
        println!("{}", path.display());
    }
    Ok(SUCCESS)
}

pub fn write_report(
    data: &RunData,
    rankings: &[Ranking],
    format: ReportFormat,
    out: &Path,
) -> CliResult<PathBuf> {
    std::fs::create_dir_all(out)
        .map_err(|e| CliError::failure(anyhow::anyhow!("cannot create {}: {e}", out.display())))?;
    let fmt = match format {
        ReportFormat::Parquet => {
            let path = out.join(format!("results-{}.parquet", data.run.id));
            routeval_analysis::report::write_results_parquet(data, &path)?;
            return Ok(path);
        }
        ReportFormat::Md => Format::Markdown,
        ReportFormat::Html => Format::Html,
        ReportFormat::Junit => Format::Junit,
        ReportFormat::Json => Format::Json,
        ReportFormat::Csv => Format::Csv,
    };
    let ext = fmt.extension();
    let text = render(data, rankings, fmt)?;
    let path = out.join(format!("report-{}.{ext}", data.run.id));
    std::fs::write(&path, text)
        .map_err(|e| CliError::failure(anyhow::anyhow!("cannot write {}: {e}", path.display())))?;
    Ok(path)
}

pub async fn export_registry(
    db: &str,
    run: Option<&str>,
    out: Option<&Path>,
    format: RegistryFormat,
) -> CliResult<u8> {
    let (data, rankings) = load(db, run).await?;
    let json = match format {
        RegistryFormat::Json => registry_json(&data, &rankings)?,
        RegistryFormat::Toml => registry::to_toml(&registry::export(&data, &rankings))?,
    };
    match out {
        Some(path) => {
            write_file(path, &json)?;
            println!("{}", path.display());
        }
        None => println!("{json}"),
    }
    Ok(SUCCESS)
}

pub fn registry_json(data: &RunData, rankings: &[Ranking]) -> CliResult<String> {
    Ok(registry::to_json(&registry::export(data, rankings)))
}

pub fn write_file(path: &Path, text: &str) -> CliResult {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| {
            CliError::failure(anyhow::anyhow!("cannot create {}: {e}", dir.display()))
        })?;
    }
    std::fs::write(path, text)
        .map_err(|e| CliError::failure(anyhow::anyhow!("cannot write {}: {e}", path.display())))
}
