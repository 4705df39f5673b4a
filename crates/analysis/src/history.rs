//! A suite's nights side by side: per dataset and target, acceptance with its interval,
//! cost per accepted response, p95 latency, the providers that served it and the
//! catalog price, over the last N completed runs; and the night-over-night changes worth
//! a look, flagged.
//!
//! - Acceptance: the test `compare` uses (McNemar on paired cases, else a two-proportion
//!   test), flagged when significant in either direction.
//! - Cost per accepted and p95 latency: a relative change beyond a threshold (p95 also
//!   beyond an absolute floor, so a few milliseconds of jitter on a fast route is not news).
//! - A provider that served traffic tonight and not the night before.
//! - A change in the catalog price of a route's model between the two runs (prices as
//!   `models sync` recorded them, taken as of each run).
//!
//! Each night is read as the columns of its live results a comparison needs (streamed
//! into their frame) and its providers as its writers counted them (`run_providers`):
//! no score or attempt row is loaded. Two nights are held at once, and the next two are read while the current
//! one is summed up.

use crate::compare::{compare_headlines, headlines, CompareOptions, Headline, Test};
use crate::frames::RunData;
use crate::{AnalysisError, Result};
use routeval_store::{RunRow, Store};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone)]
pub struct HistoryOptions {
    /// The suite (default: that of `until`, or of the latest completed run).
    pub suite: Option<String>,
    /// How many completed runs, the latest last.
    pub last: usize,
    /// Only runs started up to this one, which is included (a report's trend ends at its
    /// run).
    pub until: Option<String>,
    /// Significance level of the acceptance test.
    pub alpha: f64,
    /// Relative change in cost per accepted that is flagged (0.25: 25%).
    pub cost_change: f64,
    /// Relative change in p95 latency that is flagged...
    pub p95_change: f64,
    /// ...when it is also at least this many milliseconds.
    pub p95_floor_ms: f64,
}

impl Default for HistoryOptions {
    fn default() -> Self {
        Self {
            suite: None,
            last: 7,
            until: None,
            alpha: 0.05,
            cost_change: 0.25,
            p95_change: 0.5,
            p95_floor_ms: 250.0,
        }
    }
}

/// A run of the history.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Night {
    pub run_id: String,
    pub started_at: i64,
    pub status: String,
}

/// The catalog price of a route's model as of a run, USD per million tokens.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Price {
    pub prompt_per_mtok: f64,
    pub completion_per_mtok: f64,
}

/// One target on one dataset in one run.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Point {
    pub run_id: String,
    pub cases: u64,
    pub accepted: u64,
    pub acceptance: f64,
    pub acceptance_low: f64,
    pub acceptance_high: f64,
    /// `None` when nothing was accepted or a cost is unknown.
    pub cost_per_accepted: Option<f64>,
    pub p95_latency_ms: f64,
    /// Providers that served its answered attempts, with their shares.
    pub providers: Vec<(String, f64)>,
    /// Routes only, when the catalog had a price for the model.
    pub price: Option<Price>,
}

/// One target on one dataset over the nights, aligned with [`History::nights`] (`None`:
/// not evaluated that night).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Series {
    pub dataset: String,
    pub target: String,
    pub points: Vec<Option<Point>>,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum FlagKind {
    Acceptance,
    CostPerAccepted,
    P95Latency,
    NewProvider,
    Price,
}

impl FlagKind {
    pub fn label(self) -> &'static str {
        match self {
            FlagKind::Acceptance => "acceptance",
            FlagKind::CostPerAccepted => "cost per accepted",
            FlagKind::P95Latency => "p95 latency",
            FlagKind::NewProvider => "new provider",
            FlagKind::Price => "price",
        }
    }
}

/// A change from one night to the next worth a look.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Flag {
    pub run_id: String,
    pub previous_run_id: String,
    pub dataset: String,
    pub target: String,
    pub kind: FlagKind,
    /// What changed, in words and figures.
    pub detail: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct History {
    pub suite: String,
    /// Oldest first.
    pub nights: Vec<Night>,
    pub series: Vec<Series>,
    pub flags: Vec<Flag>,
    pub alpha: f64,
    pub cost_change: f64,
    pub p95_change: f64,
    pub p95_floor_ms: f64,
}

impl History {
    /// The flags of one target on one dataset.
    pub fn flags_of<'a>(
        &'a self,
        dataset: &'a str,
        target: &'a str,
    ) -> impl Iterator<Item = &'a Flag> {
        self.flags
            .iter()
            .filter(move |f| f.dataset == dataset && f.target == target)
    }
}

/// A target on a dataset.
type Key = (String, String);

/// A price as `models sync` saw it: prompt, completion and request USD, and when (ms).
type SeenPrice = (f64, f64, f64, i64);

/// The completed runs a history covers, oldest first, and their suite.
async fn nights(store: &Store, opts: &HistoryOptions) -> Result<(String, Vec<RunRow>)> {
    let runs = store.runs().await?;
    let until = match &opts.until {
        Some(id) => Some(store.run(id).await?),
        None => None,
    };
    let suite = match (&opts.suite, &until) {
        (Some(s), _) => s.clone(),
        (None, Some(run)) => run.suite.clone(),
        (None, None) => runs
            .iter()
            .find(|r| r.status == "completed")
            .map(|r| r.suite.clone())
            .ok_or_else(|| AnalysisError::Other("the database holds no completed run".into()))?,
    };
    // Graded logs (`grade --db`) named like a suite are not its nights, nor the reverse.
    let kind = match &until {
        Some(run) => run.kind.clone(),
        None => runs
            .iter()
            .find(|r| r.suite == suite && r.status == "completed")
            .map_or_else(
                || routeval_store::RUN_KIND_SUITE.to_string(),
                |r| r.kind.clone(),
            ),
    };
    let mut picked: Vec<RunRow> = runs
        .into_iter()
        .filter(|r| r.suite == suite && r.kind == kind)
        .filter(|r| match &until {
            Some(u) => {
                r.id == u.id
                    || (r.status == "completed" && (r.started_at, &r.id) < (u.started_at, &u.id))
            }
            None => r.status == "completed",
        })
        .take(opts.last.max(1))
        .collect();
    if picked.is_empty() {
        return Err(AnalysisError::Other(format!(
            "no completed run of suite `{suite}`"
        )));
    }
    picked.reverse();
    Ok((suite, picked))
}

/// The history of a suite's last completed runs, with its flags.
pub async fn history(store: &Store, opts: &HistoryOptions) -> Result<History> {
    let (suite, runs) = nights(store, opts).await?;
    let mut prices = Prices::default();
    let mut series: BTreeMap<Key, Vec<Option<Point>>> = BTreeMap::new();
    let mut flags = Vec::new();
    let mut previous: Option<(RunData, Vec<Headline>, HashMap<Key, Point>)> = None;
    // The next nights are read (on the store's threads and, on PostgreSQL, the server's
    // processes) while this one is summed up: two at once, since a night's read is
    // mostly the server's work and waiting for it.
    const READ_AHEAD: usize = 2;
    let mut ahead: std::collections::VecDeque<_> = runs
        .iter()
        .take(READ_AHEAD)
        .map(|r| tokio::spawn(read_night(store.clone(), r.clone())))
        .collect();
    for (night, run) in runs.iter().enumerate() {
        let (data, providers) = ahead
            .pop_front()
            .expect("a night read ahead")
            .await
            .map_err(|e| AnalysisError::Other(format!("reading night {}: {e}", run.id)))??;
        if let Some(r) = runs.get(night + READ_AHEAD) {
            ahead.push_back(tokio::spawn(read_night(store.clone(), r.clone())));
        }
        let headlines = headlines(&data.results)?;
        let mut points = HashMap::new();
        for h in &headlines {
            let key = (h.dataset.clone(), h.target.clone());
            let price = prices.of(store, &data, &h.target, run).await?;
            let served = providers.get(&key).cloned().unwrap_or_default();
            let point = point(&run.id, h, served, price);
            let slot = series
                .entry(key.clone())
                .or_insert_with(|| vec![None; runs.len()]);
            slot[night] = Some(point.clone());
            points.insert(key, point);
        }
        if let Some((before, before_headlines, before_points)) = &previous {
            let comparison = compare_headlines(
                before,
                &data,
                before_headlines,
                &headlines,
                CompareOptions {
                    threshold: 0.0,
                    alpha: opts.alpha,
                },
            )?;
            for change in &comparison.changes {
                let key = (change.dataset.clone(), change.target.clone());
                let (Some(old), Some(new)) = (before_points.get(&key), points.get(&key)) else {
                    continue;
                };
                let mut flag = |kind, detail: String| {
                    flags.push(Flag {
                        run_id: run.id.clone(),
                        previous_run_id: before.run.id.clone(),
                        dataset: change.dataset.clone(),
                        target: change.target.clone(),
                        kind,
                        detail,
                    })
                };
                if change.significant {
                    flag(
                        FlagKind::Acceptance,
                        format!(
                            "{:.1}% → {:.1}% ({:+.1} pts, p {:.4}, {})",
                            old.acceptance * 100.0,
                            new.acceptance * 100.0,
                            change.delta_acceptance * 100.0,
                            change.p_value,
                            match change.test {
                                Test::Mcnemar => "McNemar",
                                Test::TwoProportion => "two-proportion",
                            }
                        ),
                    );
                }
                if let (Some(a), Some(b)) = (old.cost_per_accepted, new.cost_per_accepted) {
                    if a > 0.0 && (b / a - 1.0).abs() > opts.cost_change {
                        flag(
                            FlagKind::CostPerAccepted,
                            format!("${a:.6} → ${b:.6} ({:+.0}%)", (b / a - 1.0) * 100.0),
                        );
                    }
                }
                let (a, b) = (old.p95_latency_ms, new.p95_latency_ms);
                if (b - a).abs() >= opts.p95_floor_ms
                    && a > 0.0
                    && (b / a - 1.0).abs() > opts.p95_change
                {
                    flag(
                        FlagKind::P95Latency,
                        format!("{a:.0} ms → {b:.0} ms ({:+.0}%)", (b / a - 1.0) * 100.0),
                    );
                }
                for (provider, share) in &new.providers {
                    if *share > 0.0 && !old.providers.iter().any(|(p, s)| p == provider && *s > 0.0)
                    {
                        flag(
                            FlagKind::NewProvider,
                            format!(
                                "{provider} served {:.0}% of answered attempts",
                                share * 100.0
                            ),
                        );
                    }
                }
                if let (Some(a), Some(b)) = (old.price, new.price) {
                    if a != b {
                        flag(
                            FlagKind::Price,
                            format!(
                                "${:.4}/${:.4} → ${:.4}/${:.4} per M tokens (prompt/completion)",
                                a.prompt_per_mtok,
                                a.completion_per_mtok,
                                b.prompt_per_mtok,
                                b.completion_per_mtok
                            ),
                        );
                    }
                }
            }
        }
        // Two nights at most in memory (and the next two being read): the one before
        // and this one, each its results only.
        previous = Some((data, headlines, points));
    }
    Ok(History {
        suite,
        nights: runs
            .iter()
            .map(|r| Night {
                run_id: r.id.clone(),
                started_at: r.started_at,
                status: r.status.clone(),
            })
            .collect(),
        series: series
            .into_iter()
            .map(|((dataset, target), points)| Series {
                dataset,
                target,
                points,
            })
            .collect(),
        flags,
        alpha: opts.alpha,
        cost_change: opts.cost_change,
        p95_change: opts.p95_change,
        p95_floor_ms: opts.p95_floor_ms,
    })
}

/// A night as the history reads it: the run's results (see
/// [`RunData::load_headline_results`]) and the shares of the providers that served its
/// answered attempts, as its writers counted them, per (dataset, target), largest first
/// (ties by name), as the metrics give them.
async fn read_night(
    store: Store,
    run: RunRow,
) -> Result<(RunData, HashMap<Key, Vec<(String, f64)>>)> {
    let id = run.id.clone();
    let (data, counts) = tokio::join!(
        RunData::load_headline_results(&store, run),
        store.served_provider_counts(&id)
    );
    let mut providers: HashMap<Key, Vec<(String, f64)>> = HashMap::new();
    for (dataset, target, provider, n) in counts? {
        providers
            .entry((dataset, target))
            .or_default()
            .push((provider, n as f64));
    }
    let providers = crate::metrics::shares_of_counts(providers);
    Ok((data?, providers))
}

fn point(run_id: &str, h: &Headline, providers: Vec<(String, f64)>, price: Option<Price>) -> Point {
    let s = &h.side;
    Point {
        run_id: run_id.to_string(),
        cases: s.cases,
        accepted: s.accepted,
        acceptance: s.acceptance,
        acceptance_low: s.acceptance_low,
        acceptance_high: s.acceptance_high,
        cost_per_accepted: s.cost_per_accepted,
        p95_latency_ms: s.p95_latency_ms,
        providers,
        price,
    }
}

/// Price histories of the models routes use, read once per (endpoint, model) (the `Key`
/// here).
#[derive(Default)]
struct Prices {
    seen: HashMap<Key, Vec<SeenPrice>>,
}

impl Prices {
    /// The catalog price of `target`'s model as of `run` (the last price seen before it
    /// finished); `None` for a chain or a model never synced.
    async fn of(
        &mut self,
        store: &Store,
        data: &RunData,
        target: &str,
        run: &RunRow,
    ) -> Result<Option<Price>> {
        let Some(spec) = data.spec(target) else {
            return Ok(None);
        };
        let (Some(endpoint), Some(model)) = (
            spec.get("endpoint").and_then(|v| v.as_str()),
            spec.get("model").and_then(|v| v.as_str()),
        ) else {
            return Ok(None);
        };
        let key = (endpoint.to_string(), model.to_string());
        if !self.seen.contains_key(&key) {
            let history = store.price_history(endpoint, model).await?;
            self.seen.insert(key.clone(), history);
        }
        let as_of = run.finished_at.unwrap_or(run.started_at);
        Ok(self.seen[&key]
            .iter()
            .rev()
            .find(|(_, _, _, seen)| *seen <= as_of)
            .map(|(prompt, completion, _, _)| Price {
                prompt_per_mtok: prompt * 1e6,
                completion_per_mtok: completion * 1e6,
            }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::{compare, Side};
    use crate::metrics::compute_metrics;
    use polars::prelude::DataFrame;
    use routeval_core::{AttemptRecord, CaseOutcome, ErrorClass, ResultRecord, ScoreRecord};
    use routeval_store::testing::TestDb;
    use routeval_store::{spawn_writer, NewRun};

    /// Night `n` of a suite: 2 targets x 60 cases, acceptance falling on the second
    /// target from night to night, providers shifting, some costs unknown on night 2.
    async fn write_night(store: &Store, n: i64) -> String {
        let id = format!("night-{n}");
        store
            .create_run(&NewRun {
                suite: "nightly".into(),
                started_at_ms: n,
                ..routeval_store::testing::new_run(&id)
            })
            .await
            .unwrap();
        let writer = spawn_writer(store, &id, 64);
        for (t, target) in ["steady", "sliding"].into_iter().enumerate() {
            for c in 0..60u32 {
                let accepted = if t == 0 {
                    c % 5 != 0
                } else {
                    c >= 20 * n as u32
                };
                let failed = c % 17 == 3;
                let provider = if (c + n as u32) % 3 == 0 {
                    "Beta"
                } else {
                    "Alpha"
                };
                let cost = (n != 2 || c % 11 != 0).then_some(0.001 * f64::from(c % 7 + 1));
                let attempt = AttemptRecord {
                    target: target.into(),
                    route: target.into(),
                    dataset: "d".into(),
                    case_id: format!("c{c}"),
                    request_id: format!("{id}-{target}-{c}"),
                    request_hash: "h".into(),
                    status: Some(if failed { 500 } else { 200 }),
                    error_class: failed.then_some(ErrorClass::ServerError),
                    served_provider: Some(provider.into()),
                    latency_ms: 100.0 + f64::from(c * 7 % 50) * (1 + n) as f64,
                    cost,
                    ..Default::default()
                };
                let result = ResultRecord {
                    target: target.into(),
                    target_kind: "route".into(),
                    dataset: "d".into(),
                    case_id: format!("c{c}"),
                    repeat: 0,
                    accepted: accepted && !failed,
                    served_step: (!failed).then_some(0),
                    served_route: (!failed).then(|| target.to_string()),
                    attempts: 1,
                    validation_retries: 0,
                    transport_retries: 0,
                    cost,
                    latency_ms: attempt.latency_ms,
                    ttft_ms: None,
                    error_class: failed.then_some(ErrorClass::ServerError),
                    reason: "r".into(),
                    scores: vec![
                        ScoreRecord {
                            check: "schema".into(),
                            pass: accepted,
                            value: f64::from(u8::from(accepted)),
                            detail: None,
                        },
                        ScoreRecord {
                            check: "enum.category".into(),
                            pass: c % 4 != 0,
                            value: f64::from(u8::from(c % 4 != 0)),
                            detail: Some(format!(
                                r#"{{"expected":"billing","got":{}}}"#,
                                ["\"tech\"", "null", "\"billing\"", "3"][c as usize % 4]
                            )),
                        },
                    ],
                };
                writer
                    .sender
                    .send(CaseOutcome {
                        attempts: vec![attempt],
                        result,
                        judging: Default::default(),
                    })
                    .await
                    .unwrap();
            }
        }
        drop(writer.sender);
        writer.task.await.unwrap().unwrap();
        store
            .set_run_status(&id, "completed", Some(n), None)
            .await
            .unwrap();
        id
    }

    /// A history reads only some columns of the results and provider counts, yet every
    /// point is the one the metrics give from the whole run (night 2 has unknown costs,
    /// night 3 a target with nothing accepted), and every acceptance flag is `compare`'s
    /// verdict on the whole runs.
    /// (polars blocks in place inside a runtime, which needs a multi-threaded one.)
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn points_and_flags_are_those_of_the_whole_runs() {
        for db in TestDb::each().await {
            let store = Store::open(&db.url).await.unwrap();
            let mut ids = Vec::new();
            for n in 1..=3 {
                ids.push(write_night(&store, n).await);
            }
            let found = history(&store, &HistoryOptions::default()).await.unwrap();
            assert_eq!(found.nights.len(), 3, "{}", db.backend);
            let mut loaded = Vec::new();
            for (night, id) in ids.iter().enumerate() {
                let data = RunData::load(&store, Some(id)).await.unwrap();
                let narrow = RunData::load_headline_results(&store, data.run.clone())
                    .await
                    .unwrap();
                let sides = headlines(&narrow.results).unwrap();
                let whole = compute_metrics(&data).unwrap();
                assert_eq!(sides.len(), whole.len(), "{} {id}", db.backend);
                for (h, m) in sides.iter().zip(&whole) {
                    assert_eq!((&h.dataset, &h.target), (&m.dataset, &m.target));
                    assert_eq!(h.side, Side::from(m), "{} {id}", db.backend);
                }
                for m in whole {
                    let series = found
                        .series
                        .iter()
                        .find(|s| s.dataset == m.dataset && s.target == m.target)
                        .unwrap();
                    let point = series.points[night].as_ref().unwrap();
                    let of_whole = Headline {
                        dataset: m.dataset.clone(),
                        target: m.target.clone(),
                        side: Side::from(&m),
                    };
                    let whole = super::point(id, &of_whole, m.providers.clone(), None);
                    assert_eq!(point, &whole, "{} {id}", db.backend);
                }
                loaded.push(data);
            }
            let mut expected = Vec::new();
            for pair in loaded.windows(2) {
                let opts = CompareOptions {
                    threshold: 0.0,
                    alpha: 0.05,
                };
                for change in compare(&pair[0], &pair[1], opts).unwrap().changes {
                    if change.significant {
                        expected.push((pair[1].run.id.clone(), change.target.clone()));
                    }
                }
            }
            let flagged: Vec<_> = found
                .flags
                .iter()
                .filter(|f| f.kind == FlagKind::Acceptance)
                .map(|f| (f.run_id.clone(), f.target.clone()))
                .collect();
            assert_eq!(flagged, expected, "{}", db.backend);
            assert!(
                !flagged.is_empty(),
                "{}: the sliding target is flagged",
                db.backend
            );
            store.close().await;
        }
    }

    /// Scores and attempts streamed into their frames as the rows arrive are the frames
    /// laid out from the rows the store returns: the same rows, in whatever order the
    /// database found them (streams are not sorted).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn streamed_frames_are_those_laid_out_from_rows() {
        use crate::frames::RunRows;
        for db in TestDb::each().await {
            let store = Store::open(&db.url).await.unwrap();
            let id = write_night(&store, 1).await;
            let streamed = RunData::load(&store, Some(&id)).await.unwrap();
            let rows = RunRows {
                results: store.results(&id).await.unwrap(),
                scores: store.scores(&id).await.unwrap(),
                attempts: store.attempts(&id).await.unwrap(),
                case_tags: Vec::new(),
            };
            let laid_out =
                RunData::from_rows(streamed.run.clone(), Vec::new(), Vec::new(), rows).unwrap();
            for (name, a, b) in [
                ("results", &streamed.results, &laid_out.results),
                ("scores", &streamed.scores, &laid_out.scores),
                ("attempts", &streamed.attempts, &laid_out.attempts),
            ] {
                assert!(a.height() > 0, "{} {name}", db.backend);
                assert_eq!(a.schema(), b.schema(), "{} {name}", db.backend);
                let sorted = |frame: &DataFrame| {
                    let by: Vec<String> = frame
                        .get_column_names()
                        .iter()
                        .map(|c| c.to_string())
                        .collect();
                    frame.sort(by, Default::default()).unwrap()
                };
                assert!(
                    sorted(a).equals_missing(&sorted(b)),
                    "{} {name}",
                    db.backend
                );
            }
            store.close().await;
        }
    }
}
