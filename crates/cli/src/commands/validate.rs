//! `routeval validate`: everything `run` checks before sending, and nothing sent.

use crate::exit::{CliResult, SUCCESS};
use crate::pipeline::prepare;
use std::path::Path;

pub async fn run(suite: &Path) -> CliResult<u8> {
    let prepared = prepare(suite, &[], &[])?;
    let s = &prepared.suite;
    for ds in &prepared.datasets {
        println!(
            "ok  dataset {:<22} {:>4} cases  privacy {:<12} scorer {}",
            ds.dataset.name,
            ds.dataset.cases.len(),
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
    println!("{} is valid", suite.display());
    Ok(SUCCESS)
}
