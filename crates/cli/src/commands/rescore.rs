//! `routeval rescore`: re-grade a run's stored answers with the suite's scorers (or
//! others given with `--scorer`), calling no model, into a new numbered set of
//! verdicts (`scoring = n`) holding those that changed. The live verdicts (`scoring = 0`)
//! are kept. The work is
//! `routeval_engine::rescore`'s; this reads the arguments and prints the outcome.

use crate::args::{RescoreArgs, TextFormat};
use crate::exit::{CliError, CliResult, SUCCESS};
use crate::progress::Notices;
use anyhow::anyhow;
use routeval_engine::rescore::{rescore, RescoreOptions};
use routeval_engine::{Event, Observer};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub async fn run(args: RescoreArgs) -> CliResult<u8> {
    let opts = RescoreOptions {
        db: args.db.db,
        run: args.run,
        scorers: parse_overrides(&args.scorer)?,
        suite: args.suite,
    };
    if args.format == TextFormat::Json {
        let tallies = Tallies::default();
        let done = rescore(&opts, &tallies).await?;
        let datasets = tallies.0.into_inner().unwrap_or_else(|p| p.into_inner());
        let out = json!({
            "run_id": done.run_id,
            "scoring": done.scoring,
            "results": done.results,
            "changed": done.changed,
            "datasets": datasets,
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&out).map_err(CliError::failure)?
        );
        return Ok(SUCCESS);
    }
    // No run is started: no progress bar, no resume hint.
    let notices = Notices::new(Path::new(""), true);
    let done = rescore(&opts, notices.as_ref()).await?;
    println!(
        "run {}: {} results re-graded as scoring {} ({} verdicts changed; it holds those)",
        done.run_id, done.results, done.scoring, done.changed
    );
    Ok(SUCCESS)
}

/// Each dataset's tally, kept for the JSON output; warnings still go to stderr.
#[derive(Default)]
struct Tallies(Mutex<Vec<Value>>);

impl Observer for Tallies {
    fn event(&self, event: &Event<'_>) {
        match event {
            Event::DatasetRescored {
                dataset,
                results,
                accepted,
                live_accepted,
                judges_cached,
                judges_asked,
            } => self
                .0
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(json!({
                    "dataset": dataset,
                    "results": results,
                    "accepted": accepted,
                    "live_accepted": live_accepted,
                    "judges_cached": judges_cached,
                    "judges_asked": judges_asked,
                })),
            Event::Warning(w) => eprintln!("{w}"),
            _ => {}
        }
    }
}

/// `--scorer FILE` (every dataset, key "") or `--scorer DATASET=FILE`.
fn parse_overrides(values: &[String]) -> CliResult<BTreeMap<String, PathBuf>> {
    let mut out = BTreeMap::new();
    for v in values {
        let (dataset, file) = match v.split_once('=') {
            Some((d, f)) => (d.to_string(), f),
            None => (String::new(), v.as_str()),
        };
        if out.insert(dataset.clone(), PathBuf::from(file)).is_some() {
            return Err(CliError::input(anyhow!(
                "--scorer: given twice for {}",
                if dataset.is_empty() {
                    "every dataset"
                } else {
                    &dataset
                }
            )));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scorer_overrides_by_dataset_or_for_all() {
        let got = parse_overrides(&["all.toml".into(), "d=strict.toml".into()]).unwrap();
        assert_eq!(got[""], PathBuf::from("all.toml"));
        assert_eq!(got["d"], PathBuf::from("strict.toml"));
        let err = parse_overrides(&["nope=x.toml".into(), "nope=y.toml".into()]).unwrap_err();
        assert_eq!(err.code, crate::exit::BAD_INPUT);
        assert!(format!("{:#}", err.error).contains("given twice for nope"));
    }
}
