//! `routeval-bench load`: the analysis read path over a SQLite file or a PostgreSQL
//! server. A run of N result rows (10 routes, N / 10 cases, no attempts or scores) is
//! written through the store's writer, then `RunData::load` builds its frames from the
//! database, and a report's ranking (metrics and rank) follows; medians of the
//! repetitions.

use anyhow::Context;
use routeval_analysis::{compute_metrics, rank, results_frame, RunData};
use routeval_core::{CaseOutcome, ErrorClass, ResultRecord};
use routeval_store::{spawn_writer, NewRun, Store};
use std::time::Instant;

const ROUTES: usize = 10;
const CLASSES: [ErrorClass; 3] = [
    ErrorClass::RateLimited,
    ErrorClass::ServerError,
    ErrorClass::SchemaInvalid,
];

/// `db` is a SQLite path (replaced unless `reuse`) or, with `postgres://`, a server on
/// which a fresh database is made (or, with `reuse`, the database the URL names).
pub fn run(rows: usize, db: &str, reps: usize, reuse: bool) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let run_id = "bench-load";
        let postgres = routeval_store::is_postgres_url(db);
        let db = if postgres && !reuse {
            routeval_store::testing::fresh_postgres_database(db, "routeval_bench").await
        } else {
            db.to_string()
        };
        let have = match Store::open_existing(&db).await {
            Ok(store) if reuse => {
                let there = store.run(run_id).await.is_ok();
                store.close().await;
                there
            }
            _ => false,
        };
        if !have {
            if !postgres {
                for ext in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{db}{ext}"));
                }
            }
            let store = Store::open(&db).await?;
            let started = Instant::now();
            write_run(&store, run_id, rows).await?;
            let write = started.elapsed().as_secs_f64();
            store.close().await;
            println!(
                "wrote {rows} result rows in {write:.1} s ({:.0} rows/s) into {db}",
                rows as f64 / write,
            );
            if postgres {
                // What `--reuse` is given next.
                println!("database {db}");
            }
        }

        let store = Store::open(&db).await?;
        let (mut loads, mut totals) = (Vec::new(), Vec::new());
        for _ in 0..reps {
            let start = Instant::now();
            let data = RunData::load(&store, Some(run_id)).await?;
            let load = start.elapsed().as_secs_f64();
            let rankings = rank(&data, &compute_metrics(&data)?);
            let total = start.elapsed().as_secs_f64();
            anyhow::ensure!(data.results.height() == rows, "rows lost");
            anyhow::ensure!(rankings.len() == 1, "one dataset");
            println!(
                "  frames from the file {load:.2} s; with metrics + ranking {total:.2} s (peak RSS {:.0} MB)",
                peak_rss_mb()
            );
            loads.push(load);
            totals.push(total);
        }
        let peak = peak_rss_mb();
        if rows <= 1_000_000 {
            // The frame built as rows arrive holds the rows laid out from
            // `Store::results`, in whatever order the database found them.
            let sorted = |frame: polars::prelude::DataFrame| {
                let by: Vec<String> = frame
                    .get_column_names()
                    .iter()
                    .map(|c| c.to_string())
                    .collect();
                frame.sort(by, Default::default())
            };
            let loaded = sorted(RunData::load(&store, Some(run_id)).await?.results)?;
            let laid_out = sorted(results_frame(&store.results(run_id).await?)?)?;
            anyhow::ensure!(
                loaded.schema() == laid_out.schema() && loaded.equals_missing(&laid_out),
                "the loaded frame differs from results_frame"
            );
        }
        store.close().await;
        if loads.is_empty() {
            return Ok(());
        }
        let target = if rows >= 10_000_000 { 40.0 } else { 5.0 };
        let from = if postgres { "PostgreSQL" } else { "the SQLite file" };
        let loads_len = loads.len();
        let (load, total) = (median(loads), median(totals));
        println!(
            "| analysis: frames from {from}, {rows} result rows (`RunData::load`, median of {}) | {load:.2} s | |",
            loads_len
        );
        println!(
            "| analysis: same from {from}, then metrics + ranking | {total:.2} s | {:.2} of the {target:.0} s target |",
            total / target
        );
        println!(
            "| analysis: peak RSS loading {rows} result rows from {from} | {peak:.0} MB | |"
        );
        Ok(())
    })
}

/// N results through the store's writer, as a run would record them.
async fn write_run(store: &Store, run_id: &str, rows: usize) -> anyhow::Result<()> {
    store
        .create_run(&NewRun {
            suite: "bench".into(),
            suite_path: "bench.toml".into(),
            ..routeval_store::testing::new_run(run_id)
        })
        .await?;
    let writer = spawn_writer(store, run_id, 1024);
    let cases = rows.div_ceil(ROUTES);
    let mut seed = 7u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut n = 0;
    'routes: for r in 0..ROUTES {
        for c in 0..cases {
            if n == rows {
                break 'routes;
            }
            n += 1;
            let failed = next() < 0.02 + 0.01 * (ROUTES - r) as f64;
            let accepted = !failed && next() < 0.6 + 0.035 * r as f64;
            let result = ResultRecord {
                target: format!("route-{r}"),
                target_kind: "route".into(),
                dataset: "d".into(),
                case_id: format!("c{c}"),
                repeat: 0,
                accepted,
                served_step: (!failed).then_some(0),
                served_route: (!failed).then(|| format!("route-{r}")),
                attempts: 1,
                validation_retries: 0,
                transport_retries: u32::from(next() < 0.05),
                cost: Some(0.0001 * (1 + r) as f64),
                latency_ms: 200.0 + 2000.0 * next() * (1 + r % 3) as f64,
                ttft_ms: Some(100.0 * next()),
                error_class: failed.then_some(CLASSES[c % CLASSES.len()]),
                reason: if accepted { "accepted" } else { "rejected" }.into(),
                scores: Vec::new(),
            };
            let outcome = CaseOutcome {
                attempts: Vec::new(),
                result,
                judging: Default::default(),
            };
            writer
                .sender
                .send(outcome)
                .await
                .context("the writer stopped")?;
        }
    }
    drop(writer.sender);
    writer.task.await??;
    Ok(())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Peak resident memory of this process so far, in MB (Linux).
fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}
