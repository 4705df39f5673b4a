//! Analysis: polars over the results database. Metrics per dataset x target, the
//! route ranking by cost per accepted response, reports and the registry export.
//!
//! Reads what the store recorded; calls no model.

mod frames;
mod metrics;
pub mod registry;
pub mod report;
mod stats;

pub use frames::RunData;
pub use metrics::{compute_metrics, rank, Ranking, TargetMetrics};
pub use stats::wilson_interval;

#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    #[error(transparent)]
    Store(#[from] routeval_store::StoreError),
    #[error("analysis: {0}")]
    Polars(#[from] polars::error::PolarsError),
    #[error("report template: {0}")]
    Template(#[from] minijinja::Error),
    #[error("{0}")]
    Other(String),
}

pub type Result<T, E = AnalysisError> = std::result::Result<T, E>;
