//! `routeval compare BASE NEW`: per dataset x target, the change in acceptance with its
//! significance, cost per accepted and p95 latency; a CI gate on regressions.

use crate::args::{CompareArgs, CompareFormat};
use crate::exit::{CliError, CliResult, GATE_FAILED, SUCCESS};
use comfy_table::{presets::UTF8_FULL_CONDENSED, CellAlignment, Table};
use routeval_analysis::compare::{
    baseline_run, compare, BaselineChoice, Change, CompareOptions, Comparison,
};
use routeval_analysis::report::{format_ms, format_usd};
use routeval_analysis::RunData;
use routeval_store::Store;

pub async fn run(args: CompareArgs) -> CliResult<u8> {
    if !(0.0..=1.0).contains(&args.threshold) {
        return Err(CliError::input(anyhow::anyhow!(
            "--threshold is an acceptance drop between 0 and 1"
        )));
    }
    let store = Store::open_existing(&args.db.db).await?;
    // With --baseline, the one positional run (if any) is NEW.
    let (choice, new_id) = match (&args.baseline, &args.base, &args.new) {
        (Some(choice), base, None) => (choice.clone(), base.clone()),
        (Some(_), _, Some(_)) => {
            return Err(CliError::input(anyhow::anyhow!(
                "give NEW alone with --baseline, or BASE and NEW without it"
            )))
        }
        (None, Some(base), new) => (base.parse().expect("infallible"), new.clone()),
        (None, None, _) => {
            return Err(CliError::input(anyhow::anyhow!(
                "name BASE and NEW runs, or use --baseline previous"
            )))
        }
    };
    let new_run = store.run_or_latest(new_id.as_deref()).await?;
    let base_run = match &choice {
        BaselineChoice::Run(id) => store.run(id).await?,
        choice => baseline_run(&store, &new_run, choice)
            .await
            .map_err(CliError::input)?,
    };
    // A comparison reads a few columns of each run's results, nothing else.
    let (base, new) = tokio::try_join!(
        RunData::load_headline_results(&store, base_run),
        RunData::load_headline_results(&store, new_run)
    )?;
    store.close().await;
    let opts = CompareOptions {
        threshold: args.threshold,
        ..CompareOptions::default()
    };
    let cmp = compare(&base, &new, opts)?;
    match args.format {
        CompareFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&cmp).map_err(CliError::failure)?
        ),
        CompareFormat::Table => print!("{}", table(&cmp)),
        CompareFormat::Md => print!("{}", markdown(&cmp)),
    }
    let regressions = cmp.regressions().count();
    if args.fail_on_regression && regressions > 0 {
        eprintln!(
            "{regressions} significant regression(s) beyond {:.1} points",
            args.threshold * 100.0
        );
        return Ok(GATE_FAILED);
    }
    Ok(SUCCESS)
}

fn pts(v: f64) -> String {
    format!("{:+.1} pts", v * 100.0)
}

fn cells(c: &Change) -> [String; 8] {
    [
        c.dataset.clone(),
        c.target.clone(),
        format!(
            "{:.1}% → {:.1}%",
            c.base.acceptance * 100.0,
            c.new.acceptance * 100.0
        ),
        pts(c.delta_acceptance),
        format!(
            "{:.4} ({})",
            c.p_value,
            match c.test {
                routeval_analysis::compare::Test::Mcnemar => "McNemar",
                routeval_analysis::compare::Test::TwoProportion => "z-test",
            }
        ),
        format!("{} → {}", side_cost(&c.base), side_cost(&c.new)),
        format!(
            "{} → {}",
            format_ms(c.base.p95_latency_ms),
            format_ms(c.new.p95_latency_ms)
        ),
        if c.regression {
            "REGRESSION".into()
        } else if c.significant {
            "significant".into()
        } else {
            String::new()
        },
    ]
}

const HEADER: [&str; 8] = [
    "dataset",
    "target",
    "acceptance",
    "change",
    "p-value",
    "cost/accepted",
    "p95",
    "verdict",
];

fn table(cmp: &Comparison) -> String {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(HEADER);
    for c in &cmp.changes {
        t.add_row(cells(c));
    }
    for i in [2, 3, 4, 5, 6] {
        if let Some(col) = t.column_mut(i) {
            col.set_cell_alignment(CellAlignment::Right);
        }
    }
    format!(
        "base {} → new {} · regression: significant (p < {}) drop beyond {:.1} points\n{t}\n",
        cmp.base_run.id,
        cmp.new_run.id,
        cmp.alpha,
        cmp.threshold * 100.0
    )
}

fn markdown(cmp: &Comparison) -> String {
    let mut s = format!(
        "## routeval compare: `{}` → `{}`\n\nA regression is a significant (p < {}) drop in acceptance beyond {:.1} points.\n\n| {} |\n|{}\n",
        cmp.base_run.id,
        cmp.new_run.id,
        cmp.alpha,
        cmp.threshold * 100.0,
        HEADER.join(" | "),
        "---|".repeat(HEADER.len())
    );
    for c in &cmp.changes {
        s.push_str(&format!("| {} |\n", cells(c).join(" | ")));
    }
    s
}

/// A side's cost per accepted: `unknown` when its cost is, `–` with nothing accepted.
fn side_cost(side: &routeval_analysis::compare::Side) -> String {
    if !side.cost_known {
        return routeval_analysis::report::UNKNOWN_COST.into();
    }
    side.cost_per_accepted.map_or("–".into(), format_usd)
}
