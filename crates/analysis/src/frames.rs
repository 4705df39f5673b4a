//! A run's rows, loaded through the store and laid out as polars DataFrames.

use crate::Result;
use polars::prelude::*;
use routeval_store::{DatasetRow, RunRow, Store, TargetRow};

/// Everything the analysis reads about one run.
pub struct RunData {
    pub run: RunRow,
    pub datasets: Vec<DatasetRow>,
    pub targets: Vec<TargetRow>,
    /// One row per (target, dataset, case, repeat).
    pub results: DataFrame,
    /// One row per check verdict.
    pub scores: DataFrame,
    /// One row per HTTP attempt (no content).
    pub attempts: DataFrame,
}

impl RunData {
    pub async fn load(store: &Store, run: Option<&str>) -> Result<Self> {
        let run = store.run_or_latest(run).await?;
        let datasets = store.datasets(&run.id).await?;
        let targets = store.targets(&run.id).await?;

        let rows = store.results(&run.id).await?;
        let results = DataFrame::new_infer_height(vec![
            Column::new(
                "target".into(),
                rows.iter().map(|r| r.target.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                "target_kind".into(),
                rows.iter()
                    .map(|r| r.target_kind.as_str())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "dataset".into(),
                rows.iter().map(|r| r.dataset.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                "case_id".into(),
                rows.iter().map(|r| r.case_id.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                "repeat".into(),
                rows.iter().map(|r| r.repeat).collect::<Vec<_>>(),
            ),
            Column::new(
                "accepted".into(),
                rows.iter().map(|r| r.accepted).collect::<Vec<_>>(),
            ),
            Column::new(
                "served_step".into(),
                rows.iter().map(|r| r.served_step).collect::<Vec<_>>(),
            ),
            Column::new(
                "attempts".into(),
                rows.iter().map(|r| r.attempts).collect::<Vec<_>>(),
            ),
            Column::new(
                "validation_retries".into(),
                rows.iter()
                    .map(|r| r.validation_retries)
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "transport_retries".into(),
                rows.iter().map(|r| r.transport_retries).collect::<Vec<_>>(),
            ),
            Column::new(
                "cost".into(),
                rows.iter().map(|r| r.cost).collect::<Vec<_>>(),
            ),
            Column::new(
                "latency_ms".into(),
                rows.iter().map(|r| r.latency_ms).collect::<Vec<_>>(),
            ),
            Column::new(
                "ttft_ms".into(),
                rows.iter().map(|r| r.ttft_ms).collect::<Vec<_>>(),
            ),
            Column::new(
                "error_class".into(),
                rows.iter()
                    .map(|r| r.error_class.as_deref())
                    .collect::<Vec<_>>(),
            ),
        ])?;
        drop(rows);

        let rows = store.scores(&run.id).await?;
        let scores = DataFrame::new_infer_height(vec![
            Column::new(
                "target".into(),
                rows.iter().map(|r| r.target.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                "dataset".into(),
                rows.iter().map(|r| r.dataset.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                "case_id".into(),
                rows.iter().map(|r| r.case_id.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                "repeat".into(),
                rows.iter().map(|r| r.repeat).collect::<Vec<_>>(),
            ),
            Column::new(
                "check".into(),
                rows.iter()
                    .map(|r| r.check_name.as_str())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "pass".into(),
                rows.iter().map(|r| r.pass).collect::<Vec<_>>(),
            ),
            Column::new(
                "value".into(),
                rows.iter().map(|r| r.value).collect::<Vec<_>>(),
            ),
        ])?;
        drop(rows);

        let rows = store.attempts(&run.id).await?;
        let attempts = DataFrame::new_infer_height(vec![
            Column::new(
                "target".into(),
                rows.iter().map(|r| r.target.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                "route".into(),
                rows.iter().map(|r| r.route.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                "dataset".into(),
                rows.iter().map(|r| r.dataset.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                "status".into(),
                rows.iter().map(|r| r.status).collect::<Vec<_>>(),
            ),
            Column::new(
                "error_class".into(),
                rows.iter()
                    .map(|r| r.error_class.as_deref())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "served_model".into(),
                rows.iter()
                    .map(|r| r.served_model.as_deref())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "served_provider".into(),
                rows.iter()
                    .map(|r| r.served_provider.as_deref())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "prompt_tokens".into(),
                rows.iter().map(|r| r.prompt_tokens).collect::<Vec<_>>(),
            ),
            Column::new(
                "completion_tokens".into(),
                rows.iter().map(|r| r.completion_tokens).collect::<Vec<_>>(),
            ),
            Column::new(
                "cost".into(),
                rows.iter().map(|r| r.cost).collect::<Vec<_>>(),
            ),
            Column::new(
                "latency_ms".into(),
                rows.iter().map(|r| r.latency_ms).collect::<Vec<_>>(),
            ),
        ])?;

        Ok(Self {
            run,
            datasets,
            targets,
            results,
            scores,
            attempts,
        })
    }

    pub fn min_acceptance(&self, dataset: &str) -> f64 {
        self.datasets
            .iter()
            .find(|d| d.name == dataset)
            .map_or(0.8, |d| d.min_acceptance)
    }
}
