//! `routeval history`: a suite's last nights per dataset and target, and the changes
//! flagged night over night.

use crate::args::{HistoryArgs, StatusFormat};
use crate::exit::{CliError, CliResult, SUCCESS};
use comfy_table::{presets::UTF8_FULL_CONDENSED, CellAlignment, Table};
use routeval_analysis::escape;
use routeval_analysis::history::{history, History, HistoryOptions, Series};
use routeval_analysis::report::{format_ms, format_time, format_usd};
use routeval_store::Store;

pub async fn run(args: HistoryArgs) -> CliResult<u8> {
    let store = Store::open_existing(&args.db.db).await?;
    let opts = HistoryOptions {
        suite: args.suite,
        last: args.last as usize,
        until: None,
        alpha: args.alpha,
        cost_change: args.cost_change,
        p95_change: args.p95_change,
        p95_floor_ms: args.p95_floor_ms,
    };
    let found = history(&store, &opts).await;
    store.close().await;
    let found = found.map_err(|e| match e {
        routeval_analysis::AnalysisError::Other(m) => CliError::input(anyhow::anyhow!(m)),
        other => other.into(),
    })?;
    match args.format {
        StatusFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&found).map_err(CliError::failure)?
        ),
        StatusFormat::Table => print!("{}", tables(&found)),
    }
    Ok(SUCCESS)
}

/// Acceptance over the nights as a line of block characters (a gap: not evaluated).
fn sparkline(series: &Series) -> String {
    const BLOCKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    series
        .points
        .iter()
        .map(|p| match p {
            Some(p) => BLOCKS[((p.acceptance * 7.0).round() as usize).min(7)],
            None => ' ',
        })
        .collect()
}

fn tables(h: &History) -> String {
    let first = h.nights.first().map(|n| n.started_at).unwrap_or_default();
    let last = h.nights.last().map(|n| n.started_at).unwrap_or_default();
    let mut out = format!(
        "suite {} · {} completed run{} from {} to {}\n",
        escape::terminal(&h.suite, 80),
        h.nights.len(),
        if h.nights.len() == 1 { "" } else { "s" },
        format_time(first),
        format_time(last),
    );
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header([
        "dataset",
        "target",
        "acceptance",
        "latest (95% CI)",
        "cost / accepted",
        "p95",
        "providers",
        "price $/M in·out",
        "flags",
    ]);
    for s in &h.series {
        let Some(latest) = s.points.iter().rev().flatten().next() else {
            continue;
        };
        let providers: Vec<String> = latest
            .providers
            .iter()
            .map(|(p, share)| format!("{} {:.0}%", escape::terminal(p, 30), share * 100.0))
            .collect();
        t.add_row([
            escape::terminal(&s.dataset, 40),
            escape::terminal(&s.target, 40),
            sparkline(s),
            format!(
                "{:.1}% ({:.1}–{:.1})",
                latest.acceptance * 100.0,
                latest.acceptance_low * 100.0,
                latest.acceptance_high * 100.0
            ),
            latest.cost_per_accepted.map_or("–".into(), format_usd),
            format_ms(latest.p95_latency_ms),
            providers.join(", "),
            latest.price.map_or("–".into(), |p| {
                format!("{:.3}·{:.3}", p.prompt_per_mtok, p.completion_per_mtok)
            }),
            h.flags_of(&s.dataset, &s.target).count().to_string(),
        ]);
    }
    for column in [3, 4, 5, 8] {
        if let Some(c) = t.column_mut(column) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
    out.push_str(&format!("{t}\n"));
    if h.flags.is_empty() {
        out.push_str("no change flagged night over night\n");
        return out;
    }
    let mut f = Table::new();
    f.load_preset(UTF8_FULL_CONDENSED);
    f.set_header(["run", "since", "dataset", "target", "change", "detail"]);
    for flag in &h.flags {
        f.add_row([
            escape::terminal(&flag.run_id, 40),
            escape::terminal(&flag.previous_run_id, 40),
            escape::terminal(&flag.dataset, 40),
            escape::terminal(&flag.target, 40),
            flag.kind.label().to_string(),
            escape::terminal(&flag.detail, 120),
        ]);
    }
    out.push_str(&format!(
        "{} change{} flagged:\n{f}\n",
        h.flags.len(),
        if h.flags.len() == 1 { "" } else { "s" }
    ));
    out
}
