//! `routeval chains`: which ordered fallback chain of a run's routes would have served
//! best, simulated offline from the single routes' results, and each live chain of the
//! run next to its simulation.

use crate::args::{ChainsArgs, ChainsFormat};
use crate::exit::{CliError, CliResult, SUCCESS};
use comfy_table::{presets::UTF8_FULL_CONDENSED, CellAlignment, Table};
use routeval_analysis::chains::{chain_report, ChainReport};
use routeval_analysis::report::{format_ms, format_usd};
use routeval_analysis::RunData;
use routeval_store::Store;

pub async fn run(args: ChainsArgs) -> CliResult<u8> {
    if args.max_len == 0 {
        return Err(CliError::input(anyhow::anyhow!(
            "--max-len must be at least 1"
        )));
    }
    let store = Store::open_existing(&args.db.db).await?;
    let data = RunData::load(&store, args.run.as_deref()).await?;
    store.close().await;
    let fallback_on = (!args.fallback_on.is_empty()).then(|| args.fallback_on.clone());
    let mut report = chain_report(&data, args.max_len, fallback_on)?;
    for d in &mut report.datasets {
        d.chains.truncate(args.top);
    }
    match args.format {
        ChainsFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&report).map_err(CliError::failure)?
        ),
        ChainsFormat::Table => print!("{}", tables(&report)),
    }
    Ok(SUCCESS)
}

fn pct(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

/// Cost per accepted: `unknown` when a cost it sums is unknown, `–` with nothing accepted.
fn cpa(s: &routeval_analysis::chains::ChainStats) -> String {
    if s.total_cost.is_none() {
        return routeval_analysis::report::UNKNOWN_COST.into();
    }
    s.cost_per_accepted.map_or("–".into(), format_usd)
}

fn tables(r: &ChainReport) -> String {
    let mut out = String::new();
    if r.simulated_run {
        out.push_str(
            "SIMULATED: figures come from the built-in simulator, not from real providers.\n",
        );
    }
    out.push_str(&format!(
        "run {} · chains up to {} steps · falling back on {}\n",
        r.run_id,
        r.max_len,
        r.fallback_on.join(", ")
    ));
    for d in &r.datasets {
        let mut t = Table::new();
        t.load_preset(UTF8_FULL_CONDENSED);
        t.set_header([
            "front",
            "steps",
            "acceptance (95% CI)",
            "cost/accepted",
            "p50",
            "p95",
            "fallback",
        ]);
        for c in &d.chains {
            let s = &c.stats;
            t.add_row([
                c.front.to_string(),
                c.steps.join(" → "),
                format!(
                    "{} ({}–{})",
                    pct(s.acceptance),
                    pct(s.acceptance_low),
                    pct(s.acceptance_high)
                ),
                cpa(s),
                format_ms(s.p50_latency_ms),
                format_ms(s.p95_latency_ms),
                pct(s.fallback_rate),
            ]);
        }
        for i in [0, 2, 3, 4, 5, 6] {
            if let Some(col) = t.column_mut(i) {
                col.set_cell_alignment(CellAlignment::Right);
            }
        }
        out.push_str(&format!(
            "\n{} · {} candidate chains over {} routes, {} left out as never reaching their last step (front 0 = Pareto frontier on acceptance, cost per accepted, p95)\n{t}\n",
            d.dataset,
            d.candidates,
            d.routes.len(),
            d.redundant
        ));
    }
    if !r.live.is_empty() {
        let mut t = Table::new();
        t.load_preset(UTF8_FULL_CONDENSED);
        t.set_header([
            "dataset",
            "chain",
            "live acceptance (95% CI)",
            "simulated",
            "live cost/acc",
            "simulated",
            "live p95",
            "simulated",
            "agrees",
        ]);
        for c in &r.live {
            t.add_row([
                c.dataset.clone(),
                format!("{} ({})", c.chain, c.steps.join(" → ")),
                format!(
                    "{} ({}–{})",
                    pct(c.live.acceptance),
                    pct(c.live.acceptance_low),
                    pct(c.live.acceptance_high)
                ),
                pct(c.simulated.acceptance),
                cpa(&c.live),
                cpa(&c.simulated),
                format_ms(c.live.p95_latency_ms),
                format_ms(c.simulated.p95_latency_ms),
                if c.agrees { "yes" } else { "no" }.into(),
            ]);
        }
        out.push_str(&format!("\nlive chains vs simulation\n{t}\n"));
    }
    out
}
