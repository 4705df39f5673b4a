//! `routeval rescore`: re-grade a run's stored answers with the suite's scorers (or
//! others given with `--scorer`), calling no model, into a new numbered set of
//! verdicts (`scoring = n`). The live verdicts (`scoring = 0`) are kept. The work is
//! `routeval_engine::rescore`'s; this reads the arguments and prints the outcome.

use crate::args::RescoreArgs;
use crate::exit::{CliError, CliResult, SUCCESS};
use crate::progress::Notices;
use anyhow::anyhow;
use routeval_engine::rescore::{rescore, RescoreOptions};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub async fn run(args: RescoreArgs) -> CliResult<u8> {
    let opts = RescoreOptions {
        db: args.db.db,
        run: args.run,
        scorers: parse_overrides(&args.scorer)?,
        suite: args.suite,
    };
    // No run is started: no progress bar, no resume hint.
    let notices = Notices::new(Path::new(""), true);
    let done = rescore(&opts, notices.as_ref()).await?;
    println!(
        "run {}: {} results re-graded as scoring {}",
        done.run_id, done.results, done.scoring
    );
    Ok(SUCCESS)
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
