//! A run's rows, loaded through the store and laid out as polars DataFrames.

use crate::Result;
use polars::prelude::*;
use routeval_store::Column as StoreColumn;
use routeval_store::{
    AttemptRow, CellSink, ColumnType, DatasetRow, ResultRow, RunRow, ScoreRow, Store, TargetRow,
};

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
    /// One row per (dataset, case, tag); untagged cases have no row.
    pub case_tags: DataFrame,
    /// Pairs refused before sending, and served-provider policy violations.
    pub governance: Governance,
    /// Answers of the datasets that name a baseline, for the baseline comparison.
    pub reviews: Vec<routeval_store::ReviewAnswer>,
    /// What `judge` checks cost, per dataset, target, judge route and check.
    pub judge_spend: Vec<routeval_store::JudgeSpend>,
    /// The processes a run was split across (`run --shard K/N`); empty when it was not.
    pub shards: Vec<routeval_store::ShardRow>,
    /// N of the run's `--shard K/N`, when it was split.
    pub shard_count: Option<i64>,
    /// What endpoints said about failed attempts (see [`crate::errors`]).
    pub error_details: Vec<routeval_store::ErrorDetailRow>,
}

/// What governance recorded about a run: shown loudly in every report.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Governance {
    pub exclusions: Vec<routeval_store::ExclusionRow>,
    pub violations: Vec<Violation>,
    /// The latest probe matrix (`routeval probe`) of the run's routes, refused ones included.
    pub probes: Vec<routeval_store::ProbeRow>,
}

/// Attempts served by a provider outside their dataset's privacy policy.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Violation {
    pub dataset: String,
    pub target: String,
    pub served_provider: Option<String>,
    pub detail: String,
    pub attempts: i64,
}

/// The rows a [`RunData`] is built from: what the store returns, or a hand-built fixture.
#[derive(Default)]
pub struct RunRows {
    pub results: Vec<ResultRow>,
    pub scores: Vec<ScoreRow>,
    pub attempts: Vec<AttemptRow>,
    /// (dataset, case id, tags as a JSON array).
    pub case_tags: Vec<(String, String, String)>,
}

/// A column from any iterator of polars-native values.
macro_rules! column {
    ($rows:expr, $name:literal, |$r:ident| $value:expr) => {
        Column::new(
            $name.into(),
            $rows.iter().map(|$r| $value).collect::<Vec<_>>(),
        )
    };
}

impl RunData {
    pub async fn load(store: &Store, run: Option<&str>) -> Result<Self> {
        let run = store.run_or_latest(run).await?;
        let datasets = store.datasets(&run.id).await?;
        let targets = store.targets(&run.id).await?;
        // Each frame filled as its rows arrive, all three read at once.
        let (results, scores, attempts) = tokio::join!(
            load_results(store, &run.id),
            store.each_score(&run.id, ScoresBuilder::default()),
            store.each_attempt(&run.id, FrameBuilder::new(AttemptRow::FRAME, 0)),
        );
        let rows = RunRows {
            case_tags: store.case_tags(&run.id).await?,
            ..RunRows::default()
        };
        let mut data = Self::from_rows(run, datasets, targets, rows)?;
        data.results = results?;
        data.scores = scores?.finish()?;
        data.attempts = attempts?.finish()?;
        data.judge_spend = store.judge_spend(&data.run.id).await?;
        data.shards = store.run_shards(&data.run.id).await?;
        data.error_details = store.error_details(&data.run.id).await?;
        data.shard_count = store.joined_run(&data.run.id).await?.shards;
        if data.datasets.iter().any(|d| d.baseline.is_some()) {
            data.reviews = store.review_answers(&data.run.id).await?;
        }
        data.governance = Governance {
            exclusions: store.exclusions(&data.run.id).await?,
            violations: store
                .policy_violations(&data.run.id)
                .await?
                .into_iter()
                .map(
                    |(dataset, target, served_provider, detail, attempts)| Violation {
                        dataset,
                        target,
                        served_provider,
                        detail,
                        attempts,
                    },
                )
                .collect(),
            probes: Vec::new(),
        };
        let mut routes: Vec<String> = data
            .targets
            .iter()
            .filter(|t| t.kind == "route")
            .map(|t| t.name.clone())
            .chain(data.governance.exclusions.iter().map(|e| e.target.clone()))
            .collect();
        routes.sort();
        routes.dedup();
        if !routes.is_empty() {
            data.governance.probes = store.latest_probes(&routes).await?;
        }
        Ok(data)
    }

    /// What a comparison or a night of a history needs of a run: its targets and the
    /// [`HEADLINE_COLUMNS`] of its live results, streamed into their frame. Scores,
    /// attempts, the other result columns and the rest are left empty: enough for
    /// [`headlines`], not for [`compute_metrics`]. A database sends each value asked
    /// for (a PostgreSQL server formats it): half the columns, half the work.
    ///
    /// [`HEADLINE_COLUMNS`]: crate::metrics::HEADLINE_COLUMNS
    /// [`headlines`]: crate::compare::headlines
    /// [`compute_metrics`]: crate::metrics::compute_metrics
    pub async fn load_headline_results(store: &Store, run: RunRow) -> Result<Self> {
        let columns: Vec<StoreColumn> = ResultRow::FRAME
            .iter()
            .filter(|c| crate::metrics::HEADLINE_COLUMNS.contains(&c.name))
            .copied()
            .collect();
        let targets = store.targets(&run.id).await?;
        let results = store
            .each_result_of(&run.id, &columns, FrameBuilder::new(&columns, 0))
            .await?
            .finish()?;
        let mut data = Self::from_rows(run, Vec::new(), targets, RunRows::default())?;
        data.results = results;
        Ok(data)
    }

    /// Lay rows out as DataFrames (also how tests build fixtures).
    pub fn from_rows(
        run: RunRow,
        datasets: Vec<DatasetRow>,
        targets: Vec<TargetRow>,
        rows: RunRows,
    ) -> Result<Self> {
        Ok(Self {
            results: results_frame(&rows.results)?,
            scores: scores_frame(&rows.scores)?,
            attempts: attempts_frame(&rows.attempts)?,
            case_tags: tags_frame(&rows.case_tags)?,
            governance: Governance::default(),
            reviews: Vec::new(),
            judge_spend: Vec::new(),
            shards: Vec::new(),
            shard_count: None,
            error_details: Vec::new(),
            run,
            datasets,
            targets,
        })
    }

    pub fn min_acceptance(&self, dataset: &str) -> f64 {
        self.datasets
            .iter()
            .find(|d| d.name == dataset)
            .map_or(0.8, |d| d.min_acceptance)
    }

    /// The spec of a recorded target, parsed.
    pub fn spec(&self, target: &str) -> Option<serde_json::Value> {
        self.targets
            .iter()
            .find(|t| t.name == target)
            .and_then(|t| serde_json::from_str(&t.spec_json).ok())
    }
}

pub fn results_frame(rows: &[ResultRow]) -> Result<DataFrame> {
    frame_of(rows, ResultRow::FRAME, ResultRow::visit_frame).finish()
}

/// The frame [`results_frame`] lays out from [`Store::results`], filled column by column
/// as the rows arrive ([`Store::each_result`]): no row is held, and no string is copied
/// but into its column.
async fn load_results(store: &Store, run_id: &str) -> Result<DataFrame> {
    store
        .each_result(run_id, FrameBuilder::new(ResultRow::FRAME, 0))
        .await?
        .finish()
}

/// The polars type of a declared column.
pub fn dtype(column: &StoreColumn) -> DataType {
    match column.ty {
        ColumnType::Text => DataType::String,
        ColumnType::Int => DataType::Int64,
        ColumnType::Real => DataType::Float64,
        ColumnType::Bool => DataType::Boolean,
    }
}

/// The schema of a frame of declared columns.
pub fn frame_schema(columns: &[StoreColumn]) -> Schema {
    columns
        .iter()
        .map(|c| Field::new(c.name.into(), dtype(c)))
        .collect()
}

/// A frame of declared columns (a row's `FRAME`), filled cell by cell.
pub struct FrameBuilder {
    columns: Vec<(&'static str, Cells)>,
}

/// One column being filled; a NOT NULL column has no validity to keep.
enum Cells {
    Text(StringChunkedBuilder),
    Int(Vec<i64>),
    IntOrNull(Vec<Option<i64>>),
    Real(Vec<f64>),
    RealOrNull(Vec<Option<f64>>),
    Bool(Vec<bool>),
    BoolOrNull(Vec<Option<bool>>),
}

impl FrameBuilder {
    pub fn new(columns: &[StoreColumn], capacity: usize) -> Self {
        let cells = |c: &StoreColumn| match (c.ty, c.nullable) {
            (ColumnType::Text, _) => {
                Cells::Text(StringChunkedBuilder::new(c.name.into(), capacity))
            }
            (ColumnType::Int, false) => Cells::Int(Vec::with_capacity(capacity)),
            (ColumnType::Int, true) => Cells::IntOrNull(Vec::with_capacity(capacity)),
            (ColumnType::Real, false) => Cells::Real(Vec::with_capacity(capacity)),
            (ColumnType::Real, true) => Cells::RealOrNull(Vec::with_capacity(capacity)),
            (ColumnType::Bool, false) => Cells::Bool(Vec::with_capacity(capacity)),
            (ColumnType::Bool, true) => Cells::BoolOrNull(Vec::with_capacity(capacity)),
        };
        Self {
            columns: columns.iter().map(|c| (c.name, cells(c))).collect(),
        }
    }

    /// The columns, in declared order.
    pub fn finish_columns(self) -> Vec<Column> {
        self.columns
            .into_iter()
            .map(|(name, cells)| match cells {
                Cells::Text(b) => b.finish().into_column(),
                Cells::Int(v) => Column::new(name.into(), v),
                Cells::IntOrNull(v) => Column::new(name.into(), v),
                Cells::Real(v) => Column::new(name.into(), v),
                Cells::RealOrNull(v) => Column::new(name.into(), v),
                Cells::Bool(v) => Column::new(name.into(), v),
                Cells::BoolOrNull(v) => Column::new(name.into(), v),
            })
            .collect()
    }

    pub fn finish(self) -> Result<DataFrame> {
        Ok(DataFrame::new_infer_height(self.finish_columns())?)
    }
}

/// A cell into its column of type `$plain` (NOT NULL) or `$or_null`. A NOT NULL column
/// never hands over NULL (the store's schema test holds the declarations to the
/// tables); were one to come, it would be laid out as 0.
macro_rules! push {
    ($frame:ident, $column:ident, $value:ident, $plain:ident, $or_null:ident) => {
        match &mut $frame.columns[$column].1 {
            Cells::$plain(v) => v.push($value.unwrap_or_default()),
            Cells::$or_null(v) => v.push($value),
            _ => mismatch($frame.columns[$column].0),
        }
    };
}

impl CellSink for FrameBuilder {
    fn text(&mut self, column: usize, value: Option<&str>) {
        match &mut self.columns[column].1 {
            Cells::Text(b) => b.append_option(value),
            _ => mismatch(self.columns[column].0),
        }
    }

    fn int(&mut self, column: usize, value: Option<i64>) {
        push!(self, column, value, Int, IntOrNull)
    }

    fn real(&mut self, column: usize, value: Option<f64>) {
        push!(self, column, value, Real, RealOrNull)
    }

    fn bool(&mut self, column: usize, value: Option<bool>) {
        push!(self, column, value, Bool, BoolOrNull)
    }
}

/// A cell of another type than its column's: the builder was made from another row's
/// columns than the one filling it.
fn mismatch(column: &str) -> ! {
    panic!("frame column `{column}` filled with a cell of another type")
}

/// A builder of `columns` filled from `rows`.
fn frame_of<R>(
    rows: &[R],
    columns: &[StoreColumn],
    visit: impl Fn(&R, &mut FrameBuilder),
) -> FrameBuilder {
    let mut frame = FrameBuilder::new(columns, rows.len());
    for row in rows {
        visit(row, &mut frame);
    }
    frame
}

fn scores_frame(rows: &[ScoreRow]) -> Result<DataFrame> {
    let mut frame = ScoresBuilder::default();
    for row in rows {
        row.visit_frame(&mut frame);
    }
    frame.finish()
}

/// The scores frame, filled cell by cell: the [`ScoreRow::FRAME`] columns (`check_name`
/// as `check`), then each `enum.<field>` verdict's field, expected and got labels, read
/// from its detail as the row's last cell arrives.
struct ScoresBuilder {
    frame: FrameBuilder,
    /// Where `check_name` and `detail` are among the cells of a row.
    check_at: usize,
    detail_at: usize,
    /// The check of the row being filled.
    check: String,
    enum_field: Vec<Option<String>>,
    expected: Vec<Option<String>>,
    got: Vec<Option<String>>,
}

impl Default for ScoresBuilder {
    fn default() -> Self {
        let at = |name: &str| {
            ScoreRow::FRAME
                .iter()
                .position(|c| c.name == name)
                .unwrap_or_else(|| panic!("`{name}` is declared in ScoreRow::FRAME"))
        };
        let (check_at, detail_at) = (at("check_name"), at("detail"));
        // A row's check is known by the time its detail is read.
        debug_assert!(check_at < detail_at);
        Self {
            frame: FrameBuilder::new(ScoreRow::FRAME, 0),
            check_at,
            detail_at,
            check: String::new(),
            enum_field: Vec::new(),
            expected: Vec::new(),
            got: Vec::new(),
        }
    }
}

impl ScoresBuilder {
    fn finish(self) -> Result<DataFrame> {
        let mut columns = self.frame.finish_columns();
        for c in &mut columns {
            if c.name().as_str() == "check_name" {
                c.rename("check".into());
            }
        }
        columns.extend([
            Column::new("enum_field".into(), self.enum_field),
            Column::new("expected".into(), self.expected),
            Column::new("got".into(), self.got),
        ]);
        Ok(DataFrame::new_infer_height(columns)?)
    }
}

impl CellSink for ScoresBuilder {
    fn text(&mut self, column: usize, value: Option<&str>) {
        if column == self.check_at {
            self.check.clear();
            self.check.push_str(value.unwrap_or_default());
        } else if column == self.detail_at {
            let cell = enum_cell(&self.check, value);
            self.enum_field
                .push(cell.as_ref().map(|(field, _, _)| field.to_string()));
            self.expected.push(cell.as_ref().map(|(_, e, _)| e.clone()));
            self.got.push(cell.map(|(_, _, g)| g));
        }
        self.frame.text(column, value);
    }
    fn int(&mut self, column: usize, value: Option<i64>) {
        self.frame.int(column, value);
    }
    fn real(&mut self, column: usize, value: Option<f64>) {
        self.frame.real(column, value);
    }
    fn bool(&mut self, column: usize, value: Option<bool>) {
        self.frame.bool(column, value);
    }
}

/// `enum.<field>` verdicts: (field, expected label, got label) from the detail JSON,
/// parsed here because the polars build has no JSON or string kernels.
fn enum_cell<'c>(check: &'c str, detail: Option<&str>) -> Option<(&'c str, String, String)> {
    let field = check.strip_prefix("enum.")?;
    let detail: serde_json::Value = serde_json::from_str(detail?).ok()?;
    Some((field, label(&detail["expected"]), label(&detail["got"])))
}

/// A JSON value as a confusion-matrix label: strings bare, absent as `(none)`.
pub fn label(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "(none)".into(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn attempts_frame(rows: &[AttemptRow]) -> Result<DataFrame> {
    frame_of(rows, AttemptRow::FRAME, AttemptRow::visit_frame).finish()
}

/// One row per tag: tags are few per case, so the explosion is done while loading.
fn tags_frame(rows: &[(String, String, String)]) -> Result<DataFrame> {
    let exploded: Vec<(&str, &str, String)> = rows
        .iter()
        .flat_map(|(ds, case, json)| {
            serde_json::from_str::<Vec<String>>(json)
                .unwrap_or_default()
                .into_iter()
                .map(move |tag| (ds.as_str(), case.as_str(), tag))
        })
        .collect();
    Ok(DataFrame::new_infer_height(vec![
        column!(exploded, "dataset", |r| r.0),
        column!(exploded, "case_id", |r| r.1),
        column!(exploded, "tag", |r| r.2.as_str()),
    ])?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_have_their_declared_schema() {
        let empty = RunData::from_rows(
            RunRow {
                id: "r".into(),
                suite: "s".into(),
                suite_path: "s.toml".into(),
                started_at: 0,
                finished_at: None,
                status: "completed".into(),
                config_hash: "h".into(),
                git_rev: None,
                simulated: true,
                kind: "suite".into(),
            },
            Vec::new(),
            Vec::new(),
            RunRows::default(),
        )
        .unwrap();
        assert_eq!(**empty.results.schema(), frame_schema(ResultRow::FRAME));
        assert_eq!(**empty.attempts.schema(), frame_schema(AttemptRow::FRAME));
        let scores: Vec<String> = empty
            .scores
            .get_column_names()
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            scores,
            [
                "target",
                "dataset",
                "case_id",
                "repeat",
                "check",
                "pass",
                "value",
                "detail",
                "enum_field",
                "expected",
                "got"
            ]
        );
    }
}
