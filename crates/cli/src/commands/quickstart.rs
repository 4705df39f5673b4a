//! `routeval quickstart`: the whole loop on the built-in simulator, no key needed.

use crate::args::{QuickstartArgs, ReportFormat, TextFormat};
use crate::commands::analyze::{ranking_tables, registry_json, write_file, write_report};
use crate::commands::run::execute;
use crate::commands::sim::case_files;
use crate::exit::{CliError, CliResult, SUCCESS};
use crate::progress::Notices;
use routeval_analysis::{compute_metrics, rank, RunData};
use routeval_engine::prepare::prepare;
use routeval_engine::run::RunOptions;
use routeval_sim::{Profiles, SimConfig};
use routeval_store::Store;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;

/// What `--suite` defaults to: in a checkout, the bundled suite at its root.
const DEFAULT_SUITE: &str = "routeval.toml";

pub async fn run(mut args: QuickstartArgs) -> CliResult<u8> {
    if !args.suite.exists() {
        if args.suite != Path::new(DEFAULT_SUITE) {
            return Err(CliError::input(anyhow::anyhow!(
                "{} not found",
                args.suite.display()
            )));
        }
        // Not in a checkout: the suite built into the binary, written out to be read
        // (and edited) like any other.
        args.suite = crate::bundle::write_to(Path::new(crate::bundle::FOLDER)).map_err(|e| {
            CliError::failure(anyhow::anyhow!(
                "cannot write the bundled suite into {}: {e}",
                crate::bundle::FOLDER
            ))
        })?;
        eprintln!(
            "no {DEFAULT_SUITE} here: the bundled suite, its datasets and scorers are in {}/",
            crate::bundle::FOLDER
        );
    }
    let notices = Notices::new(&args.suite, false);
    let mut prepared = prepare(&args.suite, &[], &[], notices.as_ref())?;
    let config = SimConfig {
        profiles: Profiles::bundled(),
        case_files: case_files(&args.suite)?,
        seed: args.seed,
        latency_scale: args.latency_scale,
        api_key: None,
    };
    let server = routeval_sim::serve(config, SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .map_err(CliError::failure)?;
    eprintln!(
        "simulator (a stand-in for real providers) on {}",
        server.base_url()
    );
    for endpoint in prepared
        .suite
        .endpoints
        .values_mut()
        .filter(|e| e.simulated)
    {
        endpoint.base_url = server.base_url();
    }
    routeval_engine::sweep::expand_sweeps(&mut prepared, &args.db.db, false).await?;

    let opts = RunOptions {
        db: args.db.db.clone(),
        limit: None,
        resume: None,
        concurrency: None,
        budget: None,
        force: false,
        shard: None,
        run_id: None,
    };
    let run_id = execute(&prepared, &opts, notices).await?.run_id;
    server.shutdown().await;

    let store = Store::open(&args.db.db).await?;
    let data = RunData::load(&store, Some(&run_id)).await?;
    let trend = crate::commands::analyze::trend(&store, &data).await;
    store.close().await;
    let mut extras = routeval_analysis::report::Extras::compute(&data)?;
    extras.trend = trend?;
    let metrics = compute_metrics(&data)?;
    let rankings = rank(&data, &metrics);
    let json = args.format == TextFormat::Json;
    if !json {
        print!("{}", ranking_tables(&data, &rankings));
    }

    let md = write_report(&data, &rankings, &extras, ReportFormat::Md, &args.out)?;
    let html = write_report(&data, &rankings, &extras, ReportFormat::Html, &args.out)?;
    let registry = args.out.join("registry.json");
    write_file(&registry, &registry_json(&data, &rankings)?)?;
    if json {
        let out = serde_json::json!({
            "run": data.run,
            "simulated": data.run.simulated,
            "datasets": rankings,
            "reports": [md, html],
            "registry": registry,
            "db": args.db.db,
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&out).map_err(CliError::failure)?
        );
        return Ok(SUCCESS);
    }
    println!(
        "\nwrote {}, {}, {} and the database {}",
        md.display(),
        html.display(),
        registry.display(),
        args.db.db
    );
    Ok(SUCCESS)
}
