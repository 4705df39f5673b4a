//! `routeval status [RUN]`: where a run stands (its status, what it spent against its
//! budget) and, for a run split with `--shard K/N`, each shard's.

use crate::args::{StatusArgs, StatusFormat};
use crate::exit::{CliError, CliResult, SUCCESS};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use routeval_analysis::escape;
use routeval_analysis::report::format_time;
use routeval_store::{RunRow, ShardRow, Store};

#[derive(serde::Serialize)]
struct Status {
    run: RunRow,
    spent_usd: f64,
    budget_usd: Option<f64>,
    /// N of `--shard K/N`; absent for a run made in one process.
    shard_count: Option<i64>,
    shards: Vec<ShardRow>,
}

pub async fn run(args: StatusArgs) -> CliResult<u8> {
    let store = Store::open_existing(&args.db.db).await?;
    let run = store.run_or_latest(args.run.as_deref()).await?;
    let joined = store.joined_run(&run.id).await?;
    let status = Status {
        spent_usd: store.run_spend(&run.id).await?,
        shards: store.run_shards(&run.id).await?,
        budget_usd: joined.budget_usd,
        shard_count: joined.shards,
        run,
    };
    store.close().await;
    match args.format {
        StatusFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&status).map_err(CliError::failure)?
        ),
        StatusFormat::Table => print!("{}", table(&status)),
    }
    Ok(SUCCESS)
}

fn table(s: &Status) -> String {
    let run = &s.run;
    let mut out = format!(
        "run {} · {} · {}{}\nstarted {}{}\nspent ${:.4}{}\n",
        escape::terminal(&run.id, 80),
        escape::terminal(&run.suite, 80),
        run.status,
        if run.simulated { " · SIMULATED" } else { "" },
        format_time(run.started_at),
        run.finished_at
            .map_or(String::new(), |t| format!(" · finished {}", format_time(t))),
        s.spent_usd,
        s.budget_usd
            .map_or(String::new(), |b| format!(" of a ${b:.4} budget")),
    );
    if let Some(n) = s.shard_count {
        let mut t = Table::new();
        t.load_preset(UTF8_FULL_CONDENSED);
        t.set_header([
            "shard", "status", "started", "finished", "sessions", "held by", "note",
        ]);
        for k in 1..=n {
            match s.shards.iter().find(|r| r.shard == k) {
                Some(r) => t.add_row([
                    format!("{k}/{n}"),
                    r.status.clone(),
                    format_time(r.started_at),
                    r.finished_at.map_or("–".into(), format_time),
                    r.sessions.to_string(),
                    r.lease_owner
                        .as_deref()
                        .map_or("–".into(), |o| escape::terminal(o, 40)),
                    r.status_reason
                        .as_deref()
                        .map_or(String::new(), |o| escape::terminal(o, 60)),
                ]),
                None => t.add_row([format!("{k}/{n}"), "not started".into()]),
            };
        }
        out.push_str(&format!("{t}\n"));
    }
    out
}
