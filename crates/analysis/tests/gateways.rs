//! The gateway exports of one run: the LiteLLM proxy config (YAML that reads back to the
//! same config, one model_list entry per workflow and per fallback, keys named by their
//! variable) and the OpenRouter request fragments, chains included.

use routeval_analysis::deploy::{CatalogEntry, Deployment, TokenPrice};
use routeval_analysis::{
    compute_metrics, litellm, openrouter, rank, AnalysisError, RunData, RunRows,
};
use routeval_core::config::Endpoint;
use routeval_store::{DatasetRow, ResultRow, RunRow, TargetRow};
use serde_json::{json, Value};

fn result(
    dataset: &str,
    target: &str,
    kind: &str,
    case: usize,
    accepted: bool,
    cost: f64,
) -> ResultRow {
    ResultRow {
        target: target.into(),
        target_kind: kind.into(),
        dataset: dataset.into(),
        case_id: format!("c{case}"),
        repeat: 0,
        accepted,
        served_step: Some(0),
        served_route: Some(target.into()),
        attempts: 1,
        validation_retries: 0,
        transport_retries: 0,
        cost: Some(cost),
        latency_ms: 100.0,
        ttft_ms: None,
        error_class: (!accepted).then(|| "schema_invalid".to_string()),
        reason: String::new(),
    }
}

fn dataset(name: &str) -> DatasetRow {
    DatasetRow {
        name: name.into(),
        task: "classification".into(),
        privacy: "internal".into(),
        min_acceptance: 0.5,
        case_count: 10,
        baseline: None,
    }
}

fn target(name: &str, kind: &str, spec: Value) -> TargetRow {
    TargetRow {
        name: name.into(),
        kind: kind.into(),
        spec_json: spec.to_string(),
    }
}

/// Dataset `triage`: the chain `cheap-then-strong` is cheapest per accepted answer, then
/// the route `local` (on an OpenAI-compatible endpoint without a key), then `strong`;
/// `cheap` alone accepts half and is rejected. Dataset `extract`: the chain
/// `strong-then-other` (same endpoint, same provider preferences) before `strong`.
/// Dataset `empty`: nothing is approved.
fn run() -> RunData {
    let targets = vec![
        target(
            "cheap",
            "route",
            json!({"endpoint": "or", "model": "m/cheap", "provider": {"only": ["p1"]},
                   "params": {"temperature": 0, "top_k": 40},
                   "price": {"prompt": 1.0, "completion": 2.0, "request": 0.0}}),
        ),
        target(
            "strong",
            "route",
            json!({"endpoint": "or", "model": "m/strong", "models": ["m/strong", "m/backup"],
                   "params": {"max_tokens": 800}}),
        ),
        target(
            "other",
            "route",
            json!({"endpoint": "or", "model": "m/other", "params": {"max_tokens": 800}}),
        ),
        target(
            "local",
            "route",
            json!({"endpoint": "vllm", "model": "llama", "provider": {"only": ["x"]}, "models": ["y"]}),
        ),
        target(
            "cheap-then-strong",
            "chain",
            json!({"steps": ["cheap", "strong"], "fallback_on": ["rate_limited"]}),
        ),
        target(
            "strong-then-other",
            "chain",
            json!({"steps": ["strong", "other"], "fallback_on": ["rate_limited"]}),
        ),
    ];
    let mut results = Vec::new();
    for c in 0..10 {
        for (ds, t, kind, accepted, cost) in [
            ("triage", "cheap-then-strong", "chain", true, 0.1),
            ("triage", "local", "route", true, 0.2),
            ("triage", "strong", "route", true, 1.0),
            ("triage", "cheap", "route", c % 2 == 0, 0.05),
            ("extract", "strong-then-other", "chain", true, 0.5),
            ("extract", "strong", "route", true, 1.0),
            ("empty", "cheap", "route", c == 0, 0.05),
        ] {
            results.push(result(ds, t, kind, c, accepted, cost));
        }
    }
    RunData::from_rows(
        RunRow {
            id: "run-7".into(),
            suite: "gateways".into(),
            suite_path: "routeval.toml".into(),
            started_at: 1_700_000_000_000,
            finished_at: Some(1_700_000_060_000),
            status: "completed".into(),
            config_hash: "cafe".into(),
            git_rev: None,
            simulated: false,
            kind: "suite".into(),
        },
        vec![dataset("empty"), dataset("extract"), dataset("triage")],
        targets,
        RunRows {
            results,
            ..RunRows::default()
        },
    )
    .unwrap()
}

fn endpoint(toml_text: &str) -> Endpoint {
    toml::from_str(toml_text).unwrap()
}

fn deployment() -> Deployment {
    let mut d = Deployment::default();
    d.endpoints.insert(
        "or".into(),
        endpoint("kind = \"openrouter\"\nbase_url = \"https://openrouter.example/api/v1\"\napi_key_env = \"OR_KEY\""),
    );
    d.endpoints.insert(
        "vllm".into(),
        endpoint("kind = \"openai\"\nbase_url = \"http://10.0.0.9:8000/v1\""),
    );
    let priced = |prompt: f64, completion: f64| CatalogEntry {
        price: Some(TokenPrice {
            prompt,
            completion,
            request: 0.0,
        }),
        context_length: Some(200_000),
        max_completion_tokens: Some(8_000),
    };
    // The route's own price wins over this one.
    d.catalog
        .insert(("or".into(), "m/cheap".into()), priced(9e-6, 9e-6));
    d.catalog
        .insert(("or".into(), "m/strong".into()), priced(3e-6, 1.5e-5));
    d
}

fn exported() -> litellm::Export {
    let data = run();
    let rankings = rank(&data, &compute_metrics(&data).unwrap());
    litellm::export(&data, &rankings, &deployment()).unwrap()
}

#[test]
fn litellm_export_has_an_entry_per_workflow_and_fallback_and_reads_back() {
    let export = exported();
    let names: Vec<&str> = export
        .config
        .model_list
        .iter()
        .map(|e| e.model_name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "extract",
            "extract--fallback-1",
            "triage",
            "triage--fallback-1",
            "triage--fallback-2",
        ]
    );
    let fallbacks = serde_json::to_value(&export.config.router_settings.fallbacks).unwrap();
    assert_eq!(
        fallbacks,
        json!([
            {"extract": ["extract--fallback-1"]},
            {"triage": ["triage--fallback-1", "triage--fallback-2"]},
        ])
    );
    assert!(
        export
            .notes
            .iter()
            .any(|n| n.contains("`empty` has no approved target")),
        "{:?}",
        export.notes
    );

    let yaml = litellm::to_yaml(&export).unwrap();
    let back: litellm::Config = serde_norway::from_str(&yaml).unwrap();
    assert_eq!(back, export.config, "{yaml}");
    let json: litellm::Config = serde_json::from_str(&litellm::to_json(&export)).unwrap();
    assert_eq!(json, export.config);
    // Prices as YAML 1.1 (PyYAML, LiteLLM's reader) reads them: a float has a dot.
    assert!(yaml.contains("input_cost_per_token: 1.0e-6"), "{yaml}");
    assert!(yaml.contains("output_cost_per_token: 1.5e-5"), "{yaml}");
    assert!(
        yaml.starts_with("# LiteLLM proxy config: the routes run run-7"),
        "{yaml}"
    );
}

#[test]
fn litellm_entries_say_what_the_evaluation_sent_and_name_keys_by_their_variable() {
    let export = exported();
    let entry = |name: &str| {
        let e = export
            .config
            .model_list
            .iter()
            .find(|e| e.model_name == name)
            .unwrap();
        serde_json::to_value(e).unwrap()
    };
    // The preferred chain's first step serves the workflow; its second is the first
    // fallback, then the other approved route.
    let triage = entry("triage");
    assert_eq!(
        triage["litellm_params"],
        json!({
            "model": "openrouter/m/cheap",
            "api_base": "https://openrouter.example/api/v1",
            "api_key": "os.environ/OR_KEY",
            "temperature": 0,
            "extra_body": {"provider": {"only": ["p1"]}, "top_k": 40},
        })
    );
    assert_eq!(
        triage["model_info"],
        json!({
            "input_cost_per_token": 1e-6,
            "output_cost_per_token": 2e-6,
            "max_input_tokens": 200_000,
            "max_output_tokens": 8_000,
            "routeval_route": "cheap",
            "routeval_run": "run-7",
        })
    );
    let strong = entry("triage--fallback-1");
    assert_eq!(strong["litellm_params"]["model"], "openrouter/m/strong");
    assert_eq!(
        strong["litellm_params"]["extra_body"],
        json!({"models": ["m/strong", "m/backup"]})
    );
    assert_eq!(strong["model_info"]["input_cost_per_token"], 3e-6);
    // Another OpenAI-compatible endpoint takes none of OpenRouter's extensions, and an
    // endpoint without a key variable gets no api_key (and a note).
    let local = entry("triage--fallback-2");
    assert_eq!(
        local["litellm_params"],
        json!({"model": "openai/llama", "api_base": "http://10.0.0.9:8000/v1"})
    );
    assert_eq!(
        local["model_info"],
        json!({"routeval_route": "local", "routeval_run": "run-7"})
    );
    assert!(export
        .notes
        .iter()
        .any(|n| n.contains("triage--fallback-2") && n.contains("no key variable")));
    let yaml = litellm::to_yaml(&export).unwrap();
    assert_eq!(
        yaml.matches("api_key: os.environ/OR_KEY").count(),
        4,
        "{yaml}"
    );
}

#[test]
fn litellm_export_refuses_a_route_whose_endpoint_the_run_does_not_declare() {
    let data = run();
    let rankings = rank(&data, &compute_metrics(&data).unwrap());
    let mut deployment = deployment();
    deployment.endpoints.remove("vllm");
    let err = litellm::export(&data, &rankings, &deployment).unwrap_err();
    assert!(matches!(err, AnalysisError::Input(_)), "{err}");
    assert!(err.to_string().contains("endpoint `vllm`"), "{err}");
}

#[test]
fn openrouter_export_builds_a_chains_fragment_from_its_steps() {
    let data = run();
    let rankings = rank(&data, &compute_metrics(&data).unwrap());
    let export = openrouter::export(&data, &rankings, &deployment());
    let json: Value = serde_json::from_str(&openrouter::to_json(&export)).unwrap();
    let workflow = |name: &str| {
        json["workflows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["dataset"] == name)
            .unwrap()
            .clone()
    };
    // Same endpoint, same provider preferences: the steps' models in order, each
    // route's own `models` included.
    let extract = workflow("extract");
    assert_eq!(extract["target"], "strong-then-other");
    assert_eq!(
        extract["request"],
        json!({"model": "m/strong", "models": ["m/strong", "m/backup", "m/other"]})
    );
    assert_eq!(extract["params"], json!({"max_tokens": 800}));
    assert_eq!(extract["endpoint"]["api_key_env"], "OR_KEY");
    assert_eq!(extract["notes"], json!([]));
    // Other provider preferences: one request carries one `provider`, so the second
    // step is left out, and said so.
    let triage = workflow("triage");
    assert_eq!(
        triage["request"],
        json!({"model": "m/cheap", "provider": {"only": ["p1"]}})
    );
    let notes = triage["notes"].as_array().unwrap();
    assert!(
        notes[0].as_str().unwrap().contains("step `strong`"),
        "{notes:?}"
    );
    let empty = workflow("empty");
    assert_eq!(empty["target"], Value::Null);
    assert_eq!(empty["request"], Value::Null);
}
