//! A run's stored answers re-graded with the suite's scorers (or others given by
//! dataset), calling no model but the judges of `judge` checks for answers never judged
//! that way, into a new numbered set of verdicts (`scoring = n`) that holds the verdicts
//! that changed: a result it has no row for kept its live verdict. The live verdicts
//! (`scoring = 0`) are kept.

mod judging;

use crate::{EngineError, EngineResult, Event, Observer};
use anyhow::anyhow;
use rayon::prelude::*;
use routeval_core::dataset::load_attachments;
use routeval_core::message::ToolCall;
use routeval_core::{ErrorClass, ResultRecord, ScorerSpec, Suite};
use routeval_scorer::{rescore_batch, Answer, RescoreItem, Scorer};
use routeval_store::{keeps_live, Store, StoredAnswer};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What to re-grade, and with what.
#[derive(Clone, Debug, Default)]
pub struct RescoreOptions {
    /// The database: `sqlite://PATH`.
    pub db: String,
    /// Run id, or `latest`.
    pub run: String,
    /// Suite file whose datasets' schema and tools to use; by default the suite stored
    /// with the run, its paths read from the folder of the run's suite file.
    pub suite: Option<PathBuf>,
    /// Scorer specs to grade with instead of the suite's, by dataset; the key `""`
    /// stands for every dataset.
    pub scorers: BTreeMap<String, PathBuf>,
}

/// A rescore written: the run, how many results were re-graded, how many of their
/// verdicts changed (those the new scoring holds), and the number of the new scoring.
#[derive(Clone, Debug)]
pub struct Rescored {
    pub run_id: String,
    pub results: usize,
    pub changed: usize,
    pub scoring: i64,
}

/// Stored answers are read, graded and written this many at a time, so memory stays
/// bounded by a few pages whatever the size of the run.
const PAGE: usize = 8192;

/// What re-grading did on one dataset.
#[derive(Default)]
struct Tally {
    results: usize,
    before: usize,
    after: usize,
    judges_cached: usize,
    judges_asked: usize,
}

/// Re-grade a run's stored answers into a new scoring; each dataset's tally goes to
/// `observer` as [`Event::DatasetRescored`].
pub async fn rescore(opts: &RescoreOptions, observer: &dyn Observer) -> EngineResult<Rescored> {
    rescore_paged(opts, observer, PAGE).await
}

async fn rescore_paged(
    opts: &RescoreOptions,
    observer: &dyn Observer,
    page_size: usize,
) -> EngineResult<Rescored> {
    let store = Store::open(&opts.db).await?;
    let run = store.run_or_latest(Some(&opts.run)).await?;
    if run.kind == routeval_store::RUN_KIND_GRADED {
        return Err(EngineError::input(anyhow!(
            "run {} holds graded logs (`routeval grade --db`), not a suite's answers: grade the responses again with `routeval grade` and another scorer",
            run.id
        )));
    }
    let suite = match &opts.suite {
        Some(path) => Suite::load(path)?,
        None => stored_suite(&store, &run.id, &run.suite_path).await?,
    };
    let overrides = &opts.scorers;
    let datasets = store.result_datasets(&run.id).await?;
    if datasets.is_empty() {
        return Err(EngineError::input(anyhow!(
            "run {} has no results to rescore",
            run.id
        )));
    }
    let mut scorers = BTreeMap::new();
    let mut sources = Vec::new();
    for dataset in datasets {
        let (scorer, spec_path) = scorer_for(&suite, &dataset, overrides)?;
        sources.push(format!("{dataset}={}", spec_path.display()));
        scorers.insert(dataset, scorer);
    }
    let scorers = Arc::new(scorers);

    let mut writer = store
        .begin_scoring(
            &run.id,
            &format!("rescore {}", sources.join(" ")),
            routeval_runner::now_ms(),
        )
        .await?;
    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    // Datasets with judge checks are judged as a whole at the end (one judge cache per
    // dataset, as before paging): their rows are held until then.
    let mut held: BTreeMap<String, (Vec<StoredAnswer>, Vec<ResultRecord>)> = BTreeMap::new();
    // Pages flow through three stages at once: read ahead (on its own connection, up to
    // two pages ahead of grading), graded (on rayon), written (in the scoring's
    // transaction) while the next is graded. The reader runs free rather than in step,
    // so a slow page in one stage does not hold the others.
    let (pages, mut next_page) = tokio::sync::mpsc::channel::<Vec<StoredAnswer>>(2);
    let reader = tokio::spawn({
        let (store, run_id) = (store.clone(), run.id.clone());
        async move {
            let mut after: Option<routeval_store::ResultRow> = None;
            loop {
                let page = store
                    .stored_answers_page(&run_id, after.as_ref(), page_size)
                    .await?;
                let last = page.len() == page_size;
                after = page.last().map(|a| a.result.clone());
                if page.is_empty() || pages.send(page).await.is_err() || !last {
                    return Ok::<_, routeval_store::StoreError>(());
                }
            }
        }
    });
    let mut graded: Vec<(ResultRecord, Option<i64>)> = Vec::new();
    let mut changed = 0;
    loop {
        let page = next_page.recv().await;
        if page.is_none() && graded.is_empty() {
            break;
        }
        let grading = Arc::clone(&scorers);
        let grade = async move {
            match page {
                Some(page) => tokio::task::spawn_blocking(move || grade_page(&grading, page))
                    .await
                    .map_err(|e| EngineError::failure(anyhow!("grading stopped: {e}")))?,
                None => Ok(Vec::new()),
            }
        };
        let done = std::mem::take(&mut graded);
        let write = async {
            if done.is_empty() {
                Ok(0)
            } else {
                writer.write_changed(done).await
            }
        };
        let (regraded, written) = tokio::join!(grade, write);
        changed += written?;
        let regraded = regraded?;
        for r in regraded {
            let tally = tallies.entry(r.dataset).or_default();
            tally.results += 1;
            tally.before += usize::from(r.before);
            match r.verdict {
                Verdict::Kept => tally.after += usize::from(r.after),
                Verdict::Changed(result) => {
                    tally.after += usize::from(r.after);
                    // Known to differ: written as it is, not compared again.
                    graded.push((result, None));
                }
                Verdict::Judged(result, row) => {
                    let (rows, results) = held.entry(result.dataset.clone()).or_default();
                    rows.push(*row);
                    results.push(result);
                }
            }
        }
    }
    reader
        .await
        .map_err(|e| EngineError::failure(anyhow!("reading stopped: {e}")))??;
    let mut judgings = Vec::new();
    for (dataset, (rows, mut results)) in held {
        let rows: Vec<&StoredAnswer> = rows.iter().collect();
        let judged = judging::rejudge(
            &suite,
            &store,
            &run.id,
            &scorers[&dataset],
            &rows,
            &mut results,
        )
        .await?;
        let tally = tallies.entry(dataset).or_default();
        tally.after += results.iter().filter(|r| r.accepted).count();
        tally.judges_cached += judged.cached;
        tally.judges_asked += judged.asked;
        let live = rows.iter().map(|row| row.live_digest);
        changed += writer
            .write_changed(results.into_iter().zip(live).collect())
            .await?;
        judgings.extend(judged.judgings);
    }
    let mut total = 0;
    for (dataset, t) in &tallies {
        observer.event(&Event::DatasetRescored {
            dataset,
            results: t.results,
            accepted: t.after,
            live_accepted: t.before,
            judges_cached: t.judges_cached,
            judges_asked: t.judges_asked,
        });
        total += t.results;
    }
    let scoring = writer.commit().await?;
    if !judgings.is_empty() {
        store.record_judging(&run.id, scoring, &judgings).await?;
    }
    store.close().await;
    Ok(Rescored {
        run_id: run.id,
        results: total,
        changed,
        scoring,
    })
}

/// One stored result re-graded: its dataset, whether the live verdict and the new one
/// accepted it, and what is left to do with the new one.
struct Regraded {
    dataset: String,
    before: bool,
    after: bool,
    verdict: Verdict,
}

enum Verdict {
    /// The live verdict again (same fingerprint): nothing to write.
    Kept,
    /// A new verdict, redacted, whose fingerprint differs from the live one's: to be
    /// written.
    Changed(ResultRecord),
    /// A verdict its dataset's judges have yet to finish, with the stored row they need.
    Judged(ResultRecord, Box<StoredAnswer>),
}

/// Re-grade a page on all cores, each row with its dataset's scorer; page order is kept.
fn grade_page(
    scorers: &BTreeMap<String, Scorer>,
    page: Vec<StoredAnswer>,
) -> EngineResult<Vec<Regraded>> {
    let mut rows = Vec::with_capacity(page.len());
    let mut groups: BTreeMap<&str, (&Scorer, Vec<usize>)> = BTreeMap::new();
    for (i, a) in page.iter().enumerate() {
        let Some((name, scorer)) = scorers.get_key_value(&a.result.dataset) else {
            return Err(EngineError::failure(anyhow!(
                "the run's dataset `{}` appeared while rescoring",
                a.result.dataset
            )));
        };
        groups
            .entry(name.as_str())
            .or_insert_with(|| (scorer, Vec::new()))
            .1
            .push(i);
        let judged = scorer.judge_checks().next().is_some();
        rows.push(judged.then(|| a.clone()));
    }
    // Stored JSON parsed on every core too, in page order.
    let decoded: Vec<Decoded> = page
        .into_par_iter()
        .map(decode)
        .collect::<EngineResult<_>>()?;
    let mut results: Vec<Option<ResultRecord>> = vec![None; decoded.len()];
    for (scorer, ix) in groups.into_values() {
        let items: Vec<RescoreItem<'_>> = ix
            .iter()
            .map(|&i| {
                let d = &decoded[i];
                RescoreItem {
                    original: &d.original,
                    answer: d.answered.then(|| Answer {
                        content: d.content.as_deref(),
                        tool_calls: Some(&d.tool_calls),
                        latency_ms: None,
                        cost: None,
                    }),
                    expected: d.expected.as_ref(),
                }
            })
            .collect();
        for (i, r) in ix.iter().zip(rescore_batch(scorer, &items)) {
            results[*i] = Some(r);
        }
    }
    // Redacted and compared with the live verdict here, on every core too: what goes on
    // to the writer is only what changed.
    Ok(decoded
        .into_par_iter()
        .zip(results)
        .zip(rows)
        .filter_map(|((d, result), row)| {
            let mut result = result?;
            let (before, after) = (d.original.accepted, result.accepted);
            let verdict = match row {
                Some(row) => Verdict::Judged(result, Box::new(row)),
                None if keeps_live(&mut result, d.live_digest) => Verdict::Kept,
                None => Verdict::Changed(result),
            };
            Some(Regraded {
                dataset: d.original.dataset,
                before,
                after,
                verdict,
            })
        })
        .collect())
}

/// The suite as run, its relative paths read from the folder of the suite file the run
/// was started with: its stored TOML source through today's parser (old keys renamed
/// first), or for a run recorded before sources were kept, `runs.config_json`.
async fn stored_suite(store: &Store, run_id: &str, suite_path: &str) -> EngineResult<Suite> {
    if let Some((text, schema)) = store.run_suite_source(run_id).await? {
        return Ok(Suite::from_stored(Path::new(suite_path), &text, schema)?);
    }
    let json = store.run_config_json(run_id).await?;
    let mut suite: Suite = serde_json::from_str(&json).map_err(|e| {
        EngineError::failure(anyhow!(
            "run {run_id}: the stored suite cannot be read: {e}"
        ))
    })?;
    suite.path = PathBuf::from(suite_path);
    suite.base_dir = suite
        .path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    Ok(suite)
}

fn scorer_for(
    suite: &Suite,
    dataset: &str,
    overrides: &BTreeMap<String, PathBuf>,
) -> EngineResult<(Scorer, PathBuf)> {
    let Some(config) = suite.datasets.get(dataset) else {
        return Err(EngineError::input(anyhow!(
            "the run's dataset `{dataset}` is not in suite {}",
            suite.path.display()
        )));
    };
    let spec_path = overrides
        .get(dataset)
        .or_else(|| overrides.get(""))
        .cloned()
        .unwrap_or_else(|| suite.resolve(&config.scorer));
    let spec = ScorerSpec::load(&spec_path)?;
    let (schema, tools) = load_attachments(suite, config)?;
    let scorer = Scorer::new(spec, schema.as_deref(), tools.as_deref())
        .map_err(|e| EngineError::input(anyhow!("dataset `{dataset}`: {e}")))?;
    Ok((scorer, spec_path))
}

/// A stored row with its JSON decoded, owning what the scorer borrows.
struct Decoded {
    original: ResultRecord,
    answered: bool,
    content: Option<String>,
    tool_calls: Vec<ToolCall>,
    expected: Option<Value>,
    live_digest: Option<i64>,
}

fn decode(a: StoredAnswer) -> EngineResult<Decoded> {
    let StoredAnswer {
        result: r,
        content,
        tool_calls_json,
        expected_json,
        live_digest,
    } = a;
    let at = || format!("{}/{}/{}#{}", r.dataset, r.target, r.case_id, r.repeat);
    let tool_calls = match &tool_calls_json {
        Some(json) => serde_json::from_str(json).map_err(|e| {
            EngineError::failure(anyhow!("stored tool calls of {} cannot be read: {e}", at()))
        })?,
        None => Vec::new(),
    };
    let expected = match &expected_json {
        Some(json) => Some(serde_json::from_str(json).map_err(|e| {
            EngineError::failure(anyhow!(
                "stored expected answer of {} cannot be read: {e}",
                at()
            ))
        })?),
        None => None,
    };
    let error_class = match &r.error_class {
        Some(c) => Some(c.parse::<ErrorClass>().map_err(|_| {
            EngineError::failure(anyhow!("unknown stored error class `{c}` on {}", at()))
        })?),
        None => None,
    };
    Ok(Decoded {
        answered: r.served_step.is_some(),
        original: ResultRecord {
            target: r.target,
            target_kind: r.target_kind,
            dataset: r.dataset,
            case_id: r.case_id,
            repeat: r.repeat as u32,
            accepted: r.accepted,
            served_step: r.served_step.map(|s| s as u32),
            served_route: r.served_route,
            attempts: r.attempts as u32,
            validation_retries: r.validation_retries as u32,
            transport_retries: r.transport_retries as u32,
            cost: r.cost,
            latency_ms: r.latency_ms,
            ttft_ms: r.ttft_ms,
            error_class,
            reason: r.reason,
            scores: Vec::new(),
        },
        content,
        tool_calls,
        expected,
        live_digest,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Silent;
    use routeval_core::{AttemptRecord, CaseOutcome};
    use routeval_store::{spawn_writer, NewRun};

    const SUITE: &str = r#"name = "t"

[endpoints.sim]
kind = "openrouter"
base_url = "http://127.0.0.1:9/api/v1"
simulated = true

[routes.r]
endpoint = "sim"
model = "sim/x"

[datasets.d]
path = "cases.jsonl"
task = "classification"
scorer = "scorer.toml"
schema = "schema.json"
"#;

    fn outcome(case_id: &str, content: &str, accepted: bool) -> CaseOutcome {
        let attempt = AttemptRecord {
            target: "r".into(),
            route: "r".into(),
            dataset: "d".into(),
            case_id: case_id.into(),
            request_id: format!("req-{case_id}"),
            content: Some(content.into()),
            latency_ms: 40.0,
            ..AttemptRecord::default()
        };
        CaseOutcome {
            attempts: vec![attempt],
            result: ResultRecord {
                target: "r".into(),
                target_kind: "route".into(),
                dataset: "d".into(),
                case_id: case_id.into(),
                repeat: 0,
                accepted,
                served_step: Some(0),
                served_route: Some("r".into()),
                attempts: 1,
                validation_retries: 0,
                transport_retries: 0,
                cost: Some(0.001),
                latency_ms: 40.0,
                ttft_ms: None,
                error_class: None,
                reason: "live".into(),
                scores: Vec::new(),
            },
            judging: Default::default(),
        }
    }

    /// A run of the suite above in `d` (cases "a" and "b", scorer files `scorer.toml` and
    /// `strict.toml`), its live outcomes made by `live` from each case's id and answer:
    /// "a" answered in a fence with different case (lenient and case-insensitive by the
    /// suite's scorer, rejected by the strict one), "b" exactly.
    async fn recorded_run(
        d: &Path,
        live: impl Fn(&Suite, &str, &str, &Value) -> CaseOutcome,
    ) -> (String, Store) {
        std::fs::write(d.join("suite.toml"), SUITE).unwrap();
        std::fs::write(
            d.join("cases.jsonl"),
            concat!(
                r#"{"id":"a","messages":[{"role":"user","content":"x"}],"expected":{"label":"Yes"}}"#,
                "\n",
                r#"{"id":"b","messages":[{"role":"user","content":"y"}],"expected":{"label":"no"}}"#,
                "\n"
            ),
        )
        .unwrap();
        std::fs::write(
            d.join("schema.json"),
            r#"{"type":"object","properties":{"label":{"type":"string"}},"required":["label"]}"#,
        )
        .unwrap();
        std::fs::write(
            d.join("scorer.toml"),
            "[[checks]]\nkind = \"json\"\nlenient = true\n[[checks]]\nkind = \"schema\"\n[[checks]]\nkind = \"fields\"\n",
        )
        .unwrap();
        std::fs::write(
            d.join("strict.toml"),
            "[[checks]]\nkind = \"json\"\n[[checks]]\nkind = \"fields\"\nignore_case = false\n",
        )
        .unwrap();
        let suite_path = d.join("suite.toml");
        let suite = Suite::load(&suite_path).unwrap();
        let db = format!("sqlite://{}", d.join("r.db").display());
        let store = Store::open(&db).await.unwrap();
        store
            .create_run(&NewRun {
                id: "run1".into(),
                suite: "t".into(),
                suite_path: suite_path.display().to_string(),
                started_at_ms: 1,
                config_json: serde_json::to_string(&suite).unwrap(),
                suite_toml: None,
                config_hash: suite.hash.clone(),
                git_rev: None,
                simulated: true,
            })
            .await
            .unwrap();
        let cases = routeval_core::dataset::load_cases(&d.join("cases.jsonl")).unwrap();
        store
            .record_dataset(
                "run1",
                &routeval_store::NewDataset {
                    name: "d",
                    task: "classification",
                    privacy: "internal",
                    scorer_path: "scorer.toml",
                    min_acceptance: 0.5,
                    baseline: None,
                    case_count: cases.len(),
                },
            )
            .await
            .unwrap();
        store.record_cases("run1", "d", &cases).await.unwrap();
        let writer = spawn_writer(&store, "run1", 4);
        let answers = ["```json\n{\"label\": \"yes\"}\n```", "{\"label\": \"no\"}"];
        for (case, answer) in cases.iter().zip(answers) {
            let expected = case.expected.clone().unwrap_or_default();
            let outcome = live(&suite, &case.id, answer, &expected);
            writer.sender.send(outcome).await.unwrap();
        }
        drop(writer.sender);
        writer.task.await.unwrap().unwrap();
        (db, store)
    }

    /// Rescore run1 of `db`, with `scorers` by dataset instead of the suite's.
    fn options(db: &str, scorers: Vec<(&str, PathBuf)>) -> RescoreOptions {
        RescoreOptions {
            run: "run1".into(),
            scorers: scorers
                .into_iter()
                .map(|(d, f)| (d.to_string(), f))
                .collect(),
            suite: None,
            db: db.to_string(),
        }
    }

    #[tokio::test]
    async fn rescoring_writes_numbered_verdicts_without_touching_live_ones() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let (db, store) = recorded_run(d, |_, case, answer, _| outcome(case, answer, true)).await;

        let first = rescore(&options(&db, vec![]), &Silent).await.unwrap();
        assert_eq!((first.results, first.scoring), (2, 1));
        rescore(&options(&db, vec![("d", d.join("strict.toml"))]), &Silent)
            .await
            .unwrap();

        assert_eq!(store.latest_scoring("run1").await.unwrap(), 2);
        let rows: Vec<(i64, String, bool)> = sqlx::query_as(
            "SELECT scoring, case_id, accepted FROM results WHERE run_id = 'run1' ORDER BY scoring, case_id",
        )
        .fetch_all(store.sqlite_pool().unwrap())
        .await
        .unwrap();
        let got: Vec<(i64, &str, bool)> =
            rows.iter().map(|(s, c, a)| (*s, c.as_str(), *a)).collect();
        assert_eq!(
            got,
            vec![
                (0, "a", true),
                (0, "b", true),
                (1, "a", true),
                (1, "b", true),
                (2, "a", false),
                (2, "b", true),
            ]
        );
        let (strict_row,): (bool,) = sqlx::query_as(
            "SELECT pass FROM result_scores WHERE run_id = 'run1' AND scoring = 1 AND case_id = 'a' AND check_name = 'json.strict'",
        )
        .fetch_one(store.sqlite_pool().unwrap())
        .await
        .unwrap();
        assert!(!strict_row, "valid only after cleanup is recorded");
        let (reason, class): (String, Option<String>) = sqlx::query_as(
            "SELECT reason, error_class FROM results WHERE run_id = 'run1' AND scoring = 2 AND case_id = 'a'",
        )
        .fetch_one(store.sqlite_pool().unwrap())
        .await
        .unwrap();
        assert!(reason.starts_with("failed json, fields"), "{reason}");
        assert_eq!(class.as_deref(), Some("invalid_json"));

        // Paging changes nothing: a page per result gives the verdicts of one page.
        rescore_paged(&options(&db, vec![]), &Silent, 1)
            .await
            .unwrap();
        type Verdicts = (
            Vec<(String, bool, String, Option<String>)>,
            Vec<(String, String, bool, f64, Option<String>)>,
        );
        let verdicts = |scoring: i64| {
            let pool = store.sqlite_pool().unwrap().clone();
            async move {
                let results = sqlx::query_as(
                    "SELECT case_id, accepted, reason, error_class FROM results
                     WHERE run_id = 'run1' AND scoring = ? ORDER BY case_id",
                )
                .bind(scoring)
                .fetch_all(&pool)
                .await
                .unwrap();
                let scores = sqlx::query_as(
                    "SELECT case_id, check_name, pass, value, detail FROM result_scores
                     WHERE run_id = 'run1' AND scoring = ? ORDER BY case_id, check_name",
                )
                .bind(scoring)
                .fetch_all(&pool)
                .await
                .unwrap();
                let v: Verdicts = (results, scores);
                v
            }
        };
        let (paged, whole) = (verdicts(3).await, verdicts(1).await);
        assert_eq!(paged.0.len(), 2);
        assert!(paged.1.len() > 2);
        assert_eq!(paged, whole);

        let mut missing = options(&db, vec![]);
        missing.run = "nope".into();
        let err = rescore(&missing, &Silent).await.unwrap_err();
        assert!(matches!(err, EngineError::Input(_)), "{err:#}");
        store.close().await;
    }

    /// A rescore holds only the verdicts that changed; the views show each one whole.
    #[tokio::test]
    async fn a_rescore_writes_only_the_verdicts_that_changed() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        // The live verdicts are the suite's scorer's own, as a run grades them.
        let (db, store) = recorded_run(d, |suite, case, answer, expected| {
            let (scorer, _) = scorer_for(suite, "d", &BTreeMap::new()).unwrap();
            let mut live = outcome(case, answer, true);
            live.result = routeval_scorer::rescore(
                &scorer,
                &RescoreItem {
                    original: &live.result,
                    answer: Some(Answer {
                        content: Some(answer),
                        tool_calls: Some(&[]),
                        latency_ms: None,
                        cost: None,
                    }),
                    expected: Some(expected),
                },
            );
            live
        })
        .await;
        // Only the case of the label's letters differs from the suite's scorer.
        std::fs::write(
            d.join("casefold.toml"),
            "[[checks]]\nkind = \"json\"\nlenient = true\n[[checks]]\nkind = \"schema\"\n[[checks]]\nkind = \"fields\"\nignore_case = false\n",
        )
        .unwrap();
        let pool = store.sqlite_pool().unwrap().clone();
        let own_rows = |scoring: i64| {
            let pool = pool.clone();
            async move {
                let rows: Vec<(String, bool)> = sqlx::query_as(
                    "SELECT case_id, accepted FROM results WHERE run_id = 'run1' AND scoring = ? ORDER BY case_id",
                )
                .bind(scoring)
                .fetch_all(&pool)
                .await
                .unwrap();
                rows
            }
        };
        let whole = |scoring: i64| {
            let pool = pool.clone();
            async move {
                let rows: Vec<(String, bool, bool, i64)> = sqlx::query_as(
                    "SELECT v.case_id, v.accepted, v.kept_live,
                            (SELECT COUNT(*) FROM rescored_scores s WHERE s.scoring = v.scoring
                               AND s.run_id = v.run_id AND s.case_id = v.case_id)
                     FROM rescored_results v WHERE v.run_id = 'run1' AND v.scoring = ? ORDER BY v.case_id",
                )
                .bind(scoring)
                .fetch_all(&pool)
                .await
                .unwrap();
                rows
            }
        };
        let live_scores = store
            .query_i64("SELECT COUNT(*) FROM result_scores WHERE scoring = 0 AND case_id = 'a'")
            .await
            .unwrap();
        assert!(live_scores >= 3, "{live_scores}");

        let same = rescore(&options(&db, vec![]), &Silent).await.unwrap();
        assert_eq!((same.results, same.changed, same.scoring), (2, 0, 1));
        assert_eq!(
            own_rows(1).await,
            vec![],
            "unchanged verdicts were written again"
        );
        assert_eq!(
            whole(1).await,
            vec![
                ("a".into(), true, true, live_scores),
                ("b".into(), true, true, live_scores)
            ]
        );

        let casefold = options(&db, vec![("d", d.join("casefold.toml"))]);
        let one = rescore(&casefold, &Silent).await.unwrap();
        assert_eq!((one.results, one.changed, one.scoring), (2, 1, 2));
        assert_eq!(own_rows(2).await, vec![("a".into(), false)]);
        assert_eq!(
            whole(2).await,
            vec![
                ("a".into(), false, false, live_scores),
                ("b".into(), true, true, live_scores)
            ]
        );
        store.close().await;
    }
}
