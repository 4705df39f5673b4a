//! `export litellm` and `export openrouter` end to end: a run on a simulator that
//! requires a key, exported as a gateway config and as request fragments that agree
//! with the registry, with the key named by its variable and never written; and the
//! exit codes every export shares.

use super::support::{routeval, start_sim_with, stderr, SimOptions};
use super::write_suite;
use routeval_analysis::litellm::Config;
use serde_json::Value;
use std::collections::BTreeMap;

const KEY: &str = "sk-export-canary-5f1e0c2a9b7d4e3f";
const KEY_ENV: &str = "ROUTEVAL_EXPORT_TEST_KEY";

#[test]
fn export_litellm_and_openrouter_agree_with_the_registry_and_write_no_key() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = start_sim_with(
        &rt,
        None,
        &["ticket_triage/cases.jsonl", "support_tools/cases.jsonl"],
        Some(KEY),
        SimOptions {
            seed: 11,
            latency_scale: 0.0,
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let base_url = sim.base_url();
    let suite = write_suite(dir.path(), &base_url);
    let text = std::fs::read_to_string(&suite).unwrap().replace(
        "simulated = true\n",
        &format!("simulated = true\napi_key_env = \"{KEY_ENV}\"\n"),
    );
    std::fs::write(&suite, text).unwrap();
    let env = [(KEY_ENV, KEY)];
    let db = format!("sqlite://{}", dir.path().join("e.db").display());
    let succeed = |args: &[&str]| -> String {
        let out = routeval(dir.path(), args, &env);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert!(!stderr(&out).contains(KEY), "{args:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    // The catalog first: the LiteLLM config then carries prices and context.
    succeed(&["models", "sync", "--suite", "suite.toml", "--db", &db]);
    succeed(&["run", "suite.toml", "--db", &db, "--limit", "60", "--quiet"]);
    rt.block_on(sim.shutdown());

    let registry: Value =
        serde_json::from_str(&succeed(&["export", "registry", "--db", &db])).unwrap();
    let workflows = registry["workflows"].as_array().unwrap();
    assert_eq!(workflows.len(), 2, "{registry}");

    let yaml = succeed(&["export", "litellm", "--db", &db]);
    assert!(!yaml.contains(KEY), "{yaml}");
    let config: Config = serde_norway::from_str(&yaml).unwrap_or_else(|e| panic!("{e}\n{yaml}"));
    let entries: BTreeMap<&str, _> = config
        .model_list
        .iter()
        .map(|e| (e.model_name.as_str(), e))
        .collect();
    assert_eq!(entries.len(), config.model_list.len(), "one entry per name");
    let fallbacks: BTreeMap<&String, &Vec<String>> = config
        .router_settings
        .fallbacks
        .iter()
        .flat_map(|group| group.iter())
        .collect();
    let mut expected_entries = 0;
    for w in workflows {
        let dataset = w["dataset"].as_str().unwrap();
        let approved = w["approved"].as_array().unwrap();
        let Some(first) = approved.first() else {
            assert!(
                !entries.contains_key(dataset),
                "{dataset}: nothing approved"
            );
            continue;
        };
        let entry = entries[dataset];
        // The alias serves the preferred target (a chain's first step) on its model.
        let first_route = if first["kind"] == "chain" {
            first["spec"]["steps"][0].as_str().unwrap()
        } else {
            first["name"].as_str().unwrap()
        };
        assert_eq!(entry.model_info.routeval_route, first_route, "{dataset}");
        let model = match first["kind"].as_str().unwrap() {
            "chain" => first["request"][0]["model"].as_str().unwrap(),
            _ => first["request"]["model"].as_str().unwrap(),
        };
        assert_eq!(entry.litellm_params.model, format!("openrouter/{model}"));
        assert_eq!(entry.litellm_params.api_base, base_url);
        assert_eq!(
            entry.litellm_params.api_key.as_deref(),
            Some(format!("os.environ/{KEY_ENV}").as_str())
        );
        assert!(entry.model_info.input_cost_per_token.is_some(), "{yaml}");
        assert!(entry.model_info.max_input_tokens.is_some(), "{yaml}");
        // Every fallback named is an entry of its own, numbered in order.
        let names = fallbacks
            .get(&dataset.to_string())
            .map_or(&[][..], |v| &v[..]);
        for (i, name) in names.iter().enumerate() {
            assert_eq!(name, &format!("{dataset}--fallback-{}", i + 1));
            assert!(entries.contains_key(name.as_str()), "{name}");
        }
        let numbered = entries
            .keys()
            .filter(|n| n.starts_with(&format!("{dataset}--fallback-")))
            .count();
        assert_eq!(numbered, names.len(), "{dataset}");
        expected_entries += 1 + names.len();
    }
    assert_eq!(config.model_list.len(), expected_entries);

    // `--format json`: the same config; `--out`: the file holds it and its path is
    // printed.
    let json = succeed(&["export", "litellm", "--db", &db, "--format", "json"]);
    let from_json: Config = serde_json::from_str(&json).unwrap();
    assert_eq!(from_json, config);
    let printed = succeed(&["export", "litellm", "--db", &db, "--out", "gw/config.yaml"]);
    assert_eq!(printed.trim(), "gw/config.yaml");
    let written = std::fs::read_to_string(dir.path().join("gw/config.yaml")).unwrap();
    let from_file: Config = serde_norway::from_str(&written).unwrap();
    assert_eq!(from_file, config);

    // The OpenRouter fragments: a route's is the registry's request fragment.
    let fragments: Value = serde_json::from_str(&succeed(&[
        "export",
        "openrouter",
        "--db",
        &db,
        "--format",
        "json",
    ]))
    .unwrap();
    assert!(!fragments.to_string().contains(KEY));
    assert_eq!(fragments["source"], registry["source"]);
    let fragments = fragments["workflows"].as_array().unwrap();
    assert_eq!(fragments.len(), workflows.len());
    for (f, w) in fragments.iter().zip(workflows) {
        assert_eq!(f["dataset"], w["dataset"]);
        let first = &w["approved"][0];
        assert_eq!(f["target"], first["name"], "{f}");
        if first["kind"] == "route" {
            assert_eq!(f["request"], first["request"], "{f}");
            assert_eq!(f["params"], first["spec"]["params"], "{f}");
        } else if !first.is_null() {
            assert_eq!(f["request"]["model"], first["request"][0]["model"], "{f}");
        }
        assert_eq!(f["endpoint"]["api_key_env"], KEY_ENV, "{f}");
    }

    // A run the database does not hold: bad input, nothing written.
    for what in ["registry", "litellm", "openrouter"] {
        let args = [
            "export", what, "--db", &db, "--run", "nope", "--out", "nope.out",
        ];
        let out = routeval(dir.path(), &args, &env);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("nope"), "{}", stderr(&out));
    }
    assert!(!dir.path().join("nope.out").exists());
}

/// Every export exits 2, writing nothing, for a database that is not there, and for a
/// format it does not write.
#[test]
fn every_export_refuses_a_missing_database_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("none.db").display());
    for what in ["registry", "litellm", "openrouter"] {
        let args = ["export", what, "--db", db.as_str(), "--out", "x"];
        let out = routeval(dir.path(), &args, &[]);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    assert!(!dir.path().join("x").exists());
    assert!(
        !dir.path().join("none.db").exists(),
        "no database is created"
    );
    let out = routeval(
        dir.path(),
        &["export", "openrouter", "--format", "toml"],
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}
