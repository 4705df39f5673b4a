//! A suite file loaded with everything it names, narrowed by route and dataset filters,
//! its scorers compiled and its judges checked: what `run`, `validate` and the dry run
//! start from.

use crate::{EngineError, EngineResult, Event, Observer};
use anyhow::anyhow;
use routeval_core::scorer_spec::ScorerSpec;
use routeval_core::{Dataset, Suite};
use routeval_runner::PreparedDataset;
use routeval_scorer::Scorer;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

/// A suite with its datasets loaded and scorers compiled.
pub struct Prepared {
    pub suite: Suite,
    pub datasets: Vec<Arc<PreparedDataset>>,
}

/// Load a suite and everything it names; `routes` and `datasets` narrow it down (empty:
/// everything). A dataset none of whose targets is in `routes` is left out, with an
/// [`Event::DatasetSkipped`].
pub fn prepare(
    suite_path: &Path,
    routes: &[String],
    datasets: &[String],
    observer: &dyn Observer,
) -> EngineResult<Prepared> {
    let mut suite = Suite::load(suite_path)?;
    for name in datasets {
        if !suite.datasets.contains_key(name) {
            return Err(EngineError::input(anyhow!(
                "--datasets: no dataset `{name}` in {}; datasets: {}",
                suite_path.display(),
                suite
                    .datasets
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    if !datasets.is_empty() {
        suite.datasets.retain(|name, _| datasets.contains(name));
    }
    if !routes.is_empty() {
        for name in routes {
            if !suite.routes.contains_key(name) && !suite.chains.contains_key(name) {
                return Err(EngineError::input(anyhow!(
                    "--routes: no route or chain `{name}` in {}",
                    suite_path.display()
                )));
            }
        }
        // A filter only ever narrows: a dataset none of whose targets is selected is
        // left out, never run on every route (an empty target list means "all").
        let names: Vec<String> = suite.datasets.keys().cloned().collect();
        for name in names {
            let targets: Vec<String> = suite
                .targets_of(&name)
                .into_iter()
                .map(|t| t.name().to_string())
                .filter(|t| routes.contains(t))
                .collect();
            if targets.is_empty() {
                observer.event(&Event::DatasetSkipped { dataset: &name });
                suite.datasets.remove(&name);
                continue;
            }
            suite
                .datasets
                .get_mut(&name)
                .expect("dataset exists")
                .targets = targets;
        }
        if suite.datasets.is_empty() {
            return Err(EngineError::input(anyhow!(
                "--routes {}: no dataset runs on any of them; nothing to send",
                routes.join(",")
            )));
        }
    }
    let mut prepared = Vec::new();
    for name in suite.datasets.keys() {
        let dataset = Dataset::load(&suite, name)?;
        let spec = ScorerSpec::load(&suite.resolve(&dataset.config.scorer))?;
        let scorer = Scorer::new(spec, dataset.schema.as_deref(), dataset.tools.as_deref())
            .map_err(EngineError::input)?;
        check_judges(&suite, name, scorer.spec())?;
        let mut ds = PreparedDataset::new(dataset, scorer);
        ds.policy = suite.policy(&ds.dataset.config.privacy);
        prepared.push(Arc::new(ds));
    }
    Ok(Prepared {
        suite,
        datasets: prepared,
    })
}

/// A dataset's `judge` checks name routes of the suite; every route the dataset runs
/// on has a judge other than itself (unless self-judging is allowed); and a judge,
/// which sees the data, is allowed by the dataset's privacy class.
pub fn check_judges(suite: &Suite, dataset: &str, spec: &ScorerSpec) -> EngineResult<()> {
    let runs_on: BTreeSet<&str> = suite
        .targets_of(dataset)
        .iter()
        .flat_map(|t| match suite.chains.get(t.name()) {
            Some(chain) => chain.steps.iter().map(String::as_str).collect::<Vec<_>>(),
            None => suite
                .routes
                .get_key_value(t.name())
                .map(|(k, _)| k.as_str())
                .into_iter()
                .collect(),
        })
        .collect();
    let judge_checks = spec
        .checks
        .iter()
        .enumerate()
        .filter_map(|(i, c)| Some((i, c.as_judge()?)));
    for (i, check) in judge_checks {
        for judge in &check.judges {
            if suite
                .routes
                .get(judge)
                .is_some_and(|r| r.providers.is_some())
            {
                return Err(EngineError::input(spec.check_error(
                    i,
                    "judges",
                    format!("judge `{judge}` sweeps its providers: a judge is one route"),
                )));
            }
            if !suite.routes.contains_key(judge) {
                return Err(EngineError::input(spec.check_error(
                    i,
                    "judges",
                    format!("no route named `{judge}` in {}", suite.path.display()),
                )));
            }
            let target = routeval_core::TargetRef::Route(judge.clone());
            if let Err(e) = suite.check_privacy(dataset, &target) {
                return Err(EngineError::input(spec.check_error(
                    i,
                    "judges",
                    format!("judge `{judge}` may not see `{dataset}` data: {}", e.detail),
                )));
            }
        }
        if check.judges.is_empty() || check.allow_self_judge {
            continue;
        }
        for route in &runs_on {
            let model = &suite.routes[*route].model;
            let judged = check
                .judges
                .iter()
                .any(|j| j != route && &suite.routes[j].model != model);
            if !judged {
                return Err(EngineError::input(spec.check_error(
                    i,
                    "judges",
                    format!(
                        "no judge for `{route}` ({model}) of dataset `{dataset}`: a route does not grade its own model's answers; add another judge or set allow_self_judge = true"
                    ),
                )));
            }
        }
    }
    Ok(())
}
