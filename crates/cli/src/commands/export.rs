//! `routeval export litellm` and `export openrouter`: the approved routes of a run in
//! the form a gateway or an SDK call takes (`export registry` is in `analyze`).

use crate::args::LitellmFormat;
use crate::commands::analyze::emit;
use crate::exit::{CliResult, SUCCESS};
use routeval_analysis::deploy::Deployment;
use routeval_analysis::{
    compute_metrics, litellm, openrouter, rank_with, RankOptions, Ranking, RunData,
};
use routeval_store::Store;
use std::path::Path;

/// A run, its ranking, and the endpoints and catalog entries of its routes.
async fn load(db: &str, run: Option<&str>) -> CliResult<(RunData, Vec<Ranking>, Deployment)> {
    let store = Store::open_existing(db).await?;
    let loaded = async {
        let data = RunData::load(&store, run).await?;
        let deployment = Deployment::load(&store, &data.run).await?;
        Ok::<_, routeval_analysis::AnalysisError>((data, deployment))
    }
    .await;
    store.close().await;
    let (data, deployment) = loaded?;
    let rankings = rank_with(&data, &compute_metrics(&data)?, RankOptions::default());
    Ok((data, rankings, deployment))
}

pub async fn litellm(
    db: &str,
    run: Option<&str>,
    out: Option<&Path>,
    format: LitellmFormat,
) -> CliResult<u8> {
    let (data, rankings, deployment) = load(db, run).await?;
    let export = litellm::export(&data, &rankings, &deployment)?;
    let text = match format {
        LitellmFormat::Yaml => litellm::to_yaml(&export)?,
        LitellmFormat::Json => litellm::to_json(&export) + "\n",
    };
    for note in &export.notes {
        eprintln!("note: {note}");
    }
    emit(out, &text)?;
    Ok(SUCCESS)
}

pub async fn openrouter(db: &str, run: Option<&str>, out: Option<&Path>) -> CliResult<u8> {
    let (data, rankings, deployment) = load(db, run).await?;
    let export = openrouter::export(&data, &rankings, &deployment);
    for w in &export.workflows {
        for note in &w.notes {
            eprintln!("note: {}: {note}", w.dataset);
        }
    }
    emit(out, &(openrouter::to_json(&export) + "\n"))?;
    Ok(SUCCESS)
}
