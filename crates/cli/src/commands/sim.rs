//! `routeval sim`: the simulator on its own, until Ctrl-C.

use crate::args::SimArgs;
use crate::exit::{CliError, CliResult, SUCCESS};
use routeval_core::Suite;
use routeval_sim::{Profiles, SimConfig};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;

pub async fn run(args: SimArgs) -> CliResult<u8> {
    let profiles = match &args.profiles {
        Some(p) => Profiles::load(p)?,
        None => Profiles::bundled(),
    };
    let api_key = match &args.api_key_env {
        Some(name) => match routeval_core::redact::register_env(name) {
            Some(key) => Some(key),
            None => {
                return Err(CliError::input(anyhow::anyhow!(
                    "--api-key-env {name}: the variable is not set"
                )))
            }
        },
        None => None,
    };
    let config = SimConfig {
        profiles,
        case_files: case_files(&args.suite)?,
        seed: args.seed,
        latency_scale: args.latency_scale,
        api_key,
    };
    let server = routeval_sim::serve(config, SocketAddr::from((Ipv4Addr::LOCALHOST, args.port)))
        .await
        .map_err(CliError::failure)?;
    eprintln!(
        "routeval simulator (not a real provider) listening on {}",
        server.base_url()
    );
    let _ = tokio::signal::ctrl_c().await;
    server.shutdown().await;
    Ok(SUCCESS)
}

/// The dataset files of a suite, so the simulator knows the right answers.
pub fn case_files(suite: &Path) -> CliResult<Vec<std::path::PathBuf>> {
    if !suite.exists() {
        return Ok(Vec::new());
    }
    let suite = Suite::load(suite)?;
    Ok(suite
        .datasets
        .values()
        .map(|d| suite.resolve(&d.path))
        .collect())
}
