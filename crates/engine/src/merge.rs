//! Merging the shard files of one run (`run --shard K/N` on machines that share no
//! database, each writing its own SQLite file) into one database, which may already
//! hold earlier nights. Before anything is written the files are checked to be one
//! run of one suite, split the same way, with no shard twice and none missing (unless
//! the caller allows a partial run); the copy itself is one transaction of the target.

use crate::{EngineError, EngineResult};
use anyhow::anyhow;
use routeval_store::{MergedRun, ShardRow, Store};
use std::collections::BTreeMap;

pub struct MergeOptions {
    /// The shard files (any database URL works).
    pub sources: Vec<String>,
    /// The database the run goes into (created when missing).
    pub into: String,
    /// Merge even when some shards are missing or never finished.
    pub allow_partial: bool,
}

/// A source as checked: where it is, its one run, and that run's shards.
struct Source {
    name: String,
    store: Store,
    run_id: String,
    suite: String,
    config_hash: String,
    shards: Option<i64>,
    present: Vec<ShardRow>,
}

/// Check the sources and merge their run into `opts.into`.
pub async fn merge(opts: &MergeOptions) -> EngineResult<MergedRun> {
    if opts.sources.is_empty() {
        return Err(EngineError::input(anyhow!(
            "merge needs at least one database to merge"
        )));
    }
    let mut sources = Vec::with_capacity(opts.sources.len());
    for name in &opts.sources {
        if same_file(name, &opts.into) {
            return Err(EngineError::input(anyhow!(
                "{name} is both a source and --into: merge into another file"
            )));
        }
        if let Some(twice) = sources.iter().find(|s: &&Source| same_file(&s.name, name)) {
            return Err(EngineError::input(anyhow!(
                "{name} is named twice (as {})",
                twice.name
            )));
        }
        sources.push(open_source(name).await?);
    }
    let first = &sources[0];
    for other in &sources[1..] {
        if other.config_hash != first.config_hash || other.suite != first.suite {
            return Err(EngineError::input(anyhow!(
                "{} and {} are from different suites (`{}` config {} vs `{}` config {}): merge the shards of one run",
                first.name,
                other.name,
                first.suite,
                short(&first.config_hash),
                other.suite,
                short(&other.config_hash)
            )));
        }
        if other.run_id != first.run_id {
            return Err(EngineError::input(anyhow!(
                "{} holds run {} and {} holds run {}: merge one run's shards at a time",
                first.name,
                first.run_id,
                other.name,
                other.run_id
            )));
        }
        if other.shards != first.shards {
            return Err(EngineError::input(anyhow!(
                "{} is split into {} and {} into {}: every shard of a run has the same N",
                first.name,
                split(first.shards),
                other.name,
                split(other.shards)
            )));
        }
    }
    let run_id = first.run_id.clone();
    let count = first.shards;
    if count.is_none() && sources.len() > 1 {
        return Err(EngineError::input(anyhow!(
            "run {run_id} was made in one process, so it is whole in {}: there is nothing to merge it with",
            first.name
        )));
    }

    // Where each shard comes from: the target first (an earlier merge), then each file.
    // A target file that does not exist yet is made only once the checks pass.
    let existing = match routeval_store::is_postgres_url(&opts.into)
        || std::path::Path::new(opts.into.strip_prefix("sqlite://").unwrap_or(&opts.into)).exists()
    {
        true => Some(Store::open(&opts.into).await?),
        false => None,
    };
    let mut from: BTreeMap<i64, String> = BTreeMap::new();
    if let Some(into) = &existing {
        match into.joined_run(&run_id).await {
            Ok(there) => {
                if there.config_hash != first.config_hash {
                    return Err(EngineError::input(anyhow!(
                        "{} already holds a run {run_id} of another suite (config {} vs {})",
                        opts.into,
                        short(&there.config_hash),
                        short(&first.config_hash)
                    )));
                }
                if there.shards != count || count.is_none() {
                    return Err(EngineError::input(anyhow!(
                        "{} already holds run {run_id}{}",
                        opts.into,
                        match there.shards {
                            Some(n) if Some(n) != count =>
                                format!(", split into {n} shards, not {}", split(count)),
                            _ => String::new(),
                        }
                    )));
                }
                for shard in into.run_shards(&run_id).await? {
                    from.insert(shard.shard, opts.into.clone());
                }
            }
            Err(routeval_store::StoreError::NoSuchRun(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    if let Some(n) = count {
        for source in &sources {
            for shard in &source.present {
                if let Some(earlier) = from.get(&shard.shard) {
                    return Err(EngineError::input(anyhow!(
                        "shard {}/{n} of run {run_id} is in both {earlier} and {}",
                        shard.shard,
                        source.name
                    )));
                }
                if shard.status == "running" && !opts.allow_partial {
                    return Err(EngineError::input(anyhow!(
                        "shard {}/{n} in {} never finished (still marked running: the file was copied while the shard ran, or the shard was killed); resume it with `run --shard {}/{n} --run-id {run_id}`, or pass --allow-partial",
                        shard.shard,
                        source.name,
                        shard.shard
                    )));
                }
                from.insert(shard.shard, source.name.clone());
            }
        }
        let missing: Vec<String> = (1..=n)
            .filter(|k| !from.contains_key(k))
            .map(|k| format!("{k}/{n}"))
            .collect();
        if !missing.is_empty() && !opts.allow_partial {
            return Err(EngineError::input(anyhow!(
                "run {run_id} is missing shard {}: name every shard's file, or pass --allow-partial to merge without {}",
                missing.join(", "),
                if missing.len() == 1 { "it" } else { "them" }
            )));
        }
    }

    let into = match existing {
        Some(into) => into,
        None => Store::open(&opts.into).await?,
    };
    let stores: Vec<Store> = sources.iter().map(|s| s.store.clone()).collect();
    let merged = into.merge_run(&run_id, &stores).await;
    into.close().await;
    for source in &sources {
        source.store.close().await;
    }
    Ok(merged?)
}

/// Open a shard file and find its one run.
async fn open_source(name: &str) -> EngineResult<Source> {
    let store = Store::open_existing(name).await?;
    let runs = store.runs().await?;
    let run = match runs.as_slice() {
        [run] => run.clone(),
        [] => return Err(EngineError::input(anyhow!("{name} holds no run"))),
        many => {
            let ids: Vec<&str> = many.iter().map(|r| r.id.as_str()).collect();
            return Err(EngineError::input(anyhow!(
                "{name} holds {} runs ({}): merge takes files of one run each, as `run --shard K/N` writes them",
                many.len(),
                ids.join(", ")
            )));
        }
    };
    let joined = store.joined_run(&run.id).await?;
    let present = store.run_shards(&run.id).await?;
    Ok(Source {
        name: name.to_string(),
        store,
        run_id: run.id,
        suite: run.suite,
        config_hash: joined.config_hash,
        shards: joined.shards,
        present,
    })
}

/// Whether two names are the same file (or the same URL).
fn same_file(a: &str, b: &str) -> bool {
    let path = |s: &str| {
        let s = s.strip_prefix("sqlite://").unwrap_or(s);
        std::fs::canonicalize(s).ok()
    };
    a == b || matches!((path(a), path(b)), (Some(x), Some(y)) if x == y)
}

fn short(hash: &str) -> &str {
    &hash[..hash.len().min(12)]
}

fn split(shards: Option<i64>) -> String {
    shards.map_or("no shards".into(), |n| format!("{n} shards"))
}
