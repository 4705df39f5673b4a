//! `routeval validate`: everything `run` checks before sending, and nothing sent.

use crate::exit::{CliResult, SUCCESS};
use crate::pipeline::prepare;
use std::path::Path;

pub async fn run(suite: &Path, db: &str) -> CliResult<u8> {
    let prepared = prepare(suite, &[], &[])?;
    let s = &prepared.suite;
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
    // Eligibility of every (dataset, target) pair: privacy always; capabilities when a
    // catalog has been synced into the database (`routeval models sync`). Nothing is sent.
    let catalogs = crate::commands::models::synced_catalogs(db).await?;
    let probes = crate::commands::probe::stored_verdicts(db).await?;
    let mut refused = 0;
    for ds in &prepared.datasets {
        let (eligible, excluded) =
            routeval_runner::capability::eligibility(s, &ds.dataset, &catalogs, &probes, false);
        println!(
            "ok  {}: {} eligible targets",
            ds.dataset.name,
            eligible.len()
        );
        for e in &excluded {
            refused += 1;
            println!(
                "--  {} x {}: not eligible: {} ({})",
                e.dataset, e.target, e.detail, e.rule
            );
        }
    }
    if catalogs.is_empty() {
        println!(
            "note: capabilities not checked (no synced catalog; `routeval models sync` reads one)"
        );
    }
    println!(
        "{} is valid; {refused} pairs would not be sent",
        suite.display()
    );
    Ok(SUCCESS)
}
