//! Analysis: polars over the results database. Metrics per dataset x target (and per
//! case tag), the route ranking by cost per accepted response with its Pareto frontier,
//! offline fallback-chain simulation, run-to-run regression checks, reports, the
//! registry export and the gateway exports built from it (LiteLLM, OpenRouter).
//!
//! Reads what the store recorded; calls no model.

pub mod baseline;
pub mod chains;
mod charts;
pub mod compare;
pub mod deploy;
pub mod errors;
pub mod escape;
mod frames;
pub mod history;
pub mod judges;
pub mod litellm;
mod metrics;
pub mod openrouter;
pub mod output;
pub mod providers;
pub mod registry;
pub mod report;
mod stats;

pub use frames::{frame_schema, label, results_frame, FrameBuilder, RunData, RunRows};
pub use frames::{Governance, Violation};
pub use metrics::{
    compute_metrics, is_eligible, mark_pareto, rank, rank_with, tag_acceptance, ConfusionCell,
    EnumField, RankOptions, Ranking, TagMetrics, TargetMetrics,
};
pub use stats::{mcnemar_p, mcnemar_statistic, quantile_linear, two_proportion_p, wilson_interval};

#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    #[error(transparent)]
    Store(#[from] routeval_store::StoreError),
    #[error("analysis: {0}")]
    Polars(#[from] polars::error::PolarsError),
    #[error("report template: {0}")]
    Template(#[from] minijinja::Error),
    #[error("registry as TOML: {0}")]
    Toml(#[from] toml::ser::Error),
    #[error("export as YAML: {0}")]
    Yaml(#[from] serde_norway::Error),
    /// The run asked for cannot give what was asked of it (nothing was written).
    #[error("{0}")]
    Input(String),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Other(String),
}

pub type Result<T, E = AnalysisError> = std::result::Result<T, E>;
