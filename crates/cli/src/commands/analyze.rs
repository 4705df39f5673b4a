//! `routeval rank`, `report` and `export registry`: read a run, decide, write.

use crate::args::{RankArgs, RankFormat, RegistryFormat, ReportArgs, ReportFormat};
use crate::exit::{CliError, CliResult, SUCCESS};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, CellAlignment, Table};
use routeval_analysis::escape;
use routeval_analysis::history::{history, History, HistoryOptions};
use routeval_analysis::output::write_atomic;
use routeval_analysis::report::{
    failure_classes, format_cost_per_accepted, format_ms, format_total_cost, format_usd,
    render_with, Extras, Format,
};
use routeval_analysis::{
    compute_metrics, rank_with, registry, RankOptions, Ranking, RunData, TargetMetrics,
};
use routeval_store::Store;
use std::path::{Path, PathBuf};

pub async fn load(db: &str, run: Option<&str>) -> CliResult<(RunData, Vec<Ranking>)> {
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
        RankFormat::Csv => print!("{}", ranking_csv(&rankings)?),
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
        escape::terminal(&data.run.id, NAME_CHARS),
        escape::terminal(&data.run.suite, NAME_CHARS),
        data.run.status
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
            "failures",
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
            Some(best) if best.cost_known => format!(
                "recommended: {} at {} per accepted response",
                target_name(best),
                best.cost_per_accepted.map_or("–".into(), format_usd)
            ),
            Some(_) => "none recommended: no eligible target's cost is known".into(),
            None => "no target meets the minimum acceptance".into(),
        };
        let note = r
            .note
            .as_deref()
            .map(|n| format!("note: {}\n", escape::terminal(n, 4 * NAME_CHARS)))
            .unwrap_or_default();
        out.push_str(&format!(
            "\n{} (min acceptance {:.0}%) · {pick}\n{note}{table}\n",
            escape::terminal(&r.dataset, NAME_CHARS),
            r.min_acceptance * 100.0
        ));
    }
    out
}

/// The most characters of a name in a terminal table.
const NAME_CHARS: usize = 80;

/// A target as the table shows it: one line, no escape sequences, marked when it was
/// run past a capability refusal with `--force`.
fn target_name(m: &TargetMetrics) -> String {
    let mut name = escape::terminal(&m.target, NAME_CHARS);
    if m.kind == "chain" {
        name.push_str(" (chain)");
    }
    if m.forced {
        name.push_str(&format!(
            " (forced: {})",
            escape::terminal(&m.forced_rules.join(", "), NAME_CHARS)
        ));
    }
    name
}

fn row(rank: Option<usize>, m: &TargetMetrics) -> Vec<Cell> {
    let pct = |v: Option<f64>| v.map_or("–".to_string(), |v| format!("{:.1}%", v * 100.0));
    let name = target_name(m);
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
        Cell::new(format_cost_per_accepted(m)),
        Cell::new(format_total_cost(m)),
        Cell::new(escape::terminal(&failure_classes(m), 2 * NAME_CHARS)),
    ]
}

/// The ranking as CSV (quoted by the `csv` crate: names may hold commas, quotes or
/// line breaks).
fn ranking_csv(rankings: &[Ranking]) -> CliResult<String> {
    Ok(routeval_analysis::report::ranking_csv(rankings)?)
}

/// How many nights a report's trend section shows.
const TREND_NIGHTS: usize = 14;

pub async fn report(args: ReportArgs) -> CliResult<u8> {
    let (data, rankings, extras) = load_report(&args.db.db, args.run.as_deref()).await?;
    for format in &args.format {
        let path = write_report(&data, &rankings, &extras, *format, &args.out)?;
        println!("{}", path.display());
    }
    append_step_summary(&data, &rankings, &extras)?;
    Ok(SUCCESS)
}

/// A run with its ranking and everything its report shows, the trend included.
pub async fn load_report(
    db: &str,
    run: Option<&str>,
) -> CliResult<(RunData, Vec<Ranking>, Extras)> {
    let store = Store::open_existing(db).await?;
    let data = RunData::load(&store, run).await;
    let data = match data {
        Ok(data) => data,
        Err(e) => {
            store.close().await;
            return Err(e.into());
        }
    };
    let trend = trend(&store, &data).await;
    store.close().await;
    let rankings = rank_with(&data, &compute_metrics(&data)?, RankOptions::default());
    let mut extras = Extras::compute(&data)?;
    extras.trend = trend?;
    Ok((data, rankings, extras))
}

/// The suite's completed nights up to this run, when there is more than this one.
pub async fn trend(store: &Store, data: &RunData) -> CliResult<Option<History>> {
    let opts = HistoryOptions {
        suite: Some(data.run.suite.clone()),
        last: TREND_NIGHTS,
        until: Some(data.run.id.clone()),
        ..HistoryOptions::default()
    };
    let found = history(store, &opts).await?;
    Ok((found.nights.len() > 1).then_some(found))
}

/// In a GitHub Actions job (`GITHUB_STEP_SUMMARY` names a file), append the run's
/// Markdown report to the job's summary page; elsewhere nothing.
pub fn append_step_summary(data: &RunData, rankings: &[Ranking], extras: &Extras) -> CliResult<()> {
    use std::io::Write;
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else {
        return Ok(());
    };
    let md = render_with(data, rankings, extras, Format::Markdown)?;
    let md = routeval_core::redact::redact(&md);
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut f| writeln!(f, "{md}"))
        .map_err(|e| {
            CliError::failure(anyhow::anyhow!(
                "cannot append to GITHUB_STEP_SUMMARY {}: {e}",
                Path::new(&path).display()
            ))
        })
}

pub fn write_report(
    data: &RunData,
    rankings: &[Ranking],
    extras: &Extras,
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
    let text = render_with(data, rankings, extras, fmt)?;
    let path = out.join(format!("report-{}.{ext}", data.run.id));
    write_file(&path, &text)?;
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
    emit(out, &json)?;
    Ok(SUCCESS)
}

/// An export's text to `out` (written whole, its path then printed), or to stdout.
pub fn emit(out: Option<&Path>, text: &str) -> CliResult {
    match out {
        Some(path) => {
            write_file(path, text)?;
            println!("{}", path.display());
        }
        None => println!("{}", text.trim_end_matches('\n')),
    }
    Ok(())
}

pub fn registry_json(data: &RunData, rankings: &[Ranking]) -> CliResult<String> {
    Ok(registry::to_json(&registry::export(data, rankings)))
}

/// Write an output file whole or not at all (a temporary file renamed into place), so a
/// reader never sees half a report or half a registry.
pub fn write_file(path: &Path, text: &str) -> CliResult {
    write_atomic(path, text.as_bytes())
        .map_err(|e| CliError::failure(anyhow::anyhow!("cannot write {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use routeval_analysis::{compute_metrics, rank, RunRows};
    use routeval_store::{DatasetRow, ExclusionRow, ResultRow, RunRow, TargetRow};

    /// Route `fast` (forced past `capability.tools`): c1 accepted, c2 timed out. Route
    /// `name`: both accepted.
    fn ranked(name: &str) -> (RunData, Vec<Ranking>) {
        let result = |target: &str, case: &str, class: Option<&str>| ResultRow {
            target: target.into(),
            target_kind: "route".into(),
            dataset: "d".into(),
            case_id: case.into(),
            repeat: 0,
            accepted: class.is_none(),
            served_step: Some(0),
            served_route: Some(target.into()),
            attempts: 1,
            validation_retries: 0,
            transport_retries: 0,
            cost: 0.5_f64.into(),
            latency_ms: 100.0,
            ttft_ms: None,
            error_class: class.map(str::to_string),
            reason: String::new(),
        };
        let mut data = RunData::from_rows(
            RunRow {
                id: "run-1".into(),
                suite: "s".into(),
                suite_path: "s.toml".into(),
                started_at: 0,
                finished_at: None,
                status: "completed".into(),
                config_hash: "c".into(),
                git_rev: None,
                simulated: false,
                kind: "suite".into(),
            },
            vec![DatasetRow {
                name: "d".into(),
                task: "t".into(),
                privacy: "internal".into(),
                min_acceptance: 0.1,
                case_count: 2,
                baseline: None,
            }],
            ["fast", name]
                .map(|n| TargetRow {
                    name: n.into(),
                    kind: "route".into(),
                    spec_json: "{}".into(),
                })
                .to_vec(),
            RunRows {
                results: vec![
                    result("fast", "c1", None),
                    result("fast", "c2", Some("timeout")),
                    result(name, "c1", None),
                    result(name, "c2", None),
                ],
                ..RunRows::default()
            },
        )
        .unwrap();
        data.governance.exclusions.push(ExclusionRow {
            dataset: "d".into(),
            target: "fast".into(),
            rule: "capability.tools".into(),
            detail: "no tools".into(),
            forced: true,
        });
        let rankings = rank(&data, &compute_metrics(&data).unwrap());
        (data, rankings)
    }

    #[test]
    fn rank_table_shows_failure_classes_and_forced_targets() {
        let (data, rankings) = ranked("plain");
        let table = ranking_tables(&data, &rankings);
        assert!(table.contains("fast (forced: capability.tools)"), "{table}");
        assert!(table.contains("failures"), "{table}");
        assert!(table.contains("timeout 50.0%"), "{table}");
    }

    #[test]
    fn rank_table_prints_no_terminal_escape_sequences() {
        let (data, rankings) = ranked("evil\u{1b}[2J\u{1b}]0;owned\u{7}\nname");
        let table = ranking_tables(&data, &rankings);
        assert!(
            !table.contains('\u{1b}') && !table.contains('\u{7}'),
            "{table:?}"
        );
        assert!(table.contains("evil [2J ]0;owned  name"), "{table}");
    }

    #[test]
    fn rank_csv_quotes_what_needs_it() {
        let name = "a,\"b\"\nc";
        let (_, rankings) = ranked(name);
        let text = ranking_csv(&rankings).unwrap();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let headers = reader.headers().unwrap().clone();
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 2, "{text}");
        let col = |h: &str| headers.iter().position(|x| x == h).unwrap();
        assert!(rows.iter().all(|r| r.len() == headers.len()), "{text}");
        let targets: Vec<&str> = rows.iter().map(|r| &r[col("target")]).collect();
        assert!(targets.contains(&name), "{text}");
        let fast = rows.iter().find(|r| &r[col("target")] == "fast").unwrap();
        assert_eq!(&fast[col("forced")], "capability.tools");
        assert_eq!(&fast[col("failures")], "timeout 50.0%");
    }
}
