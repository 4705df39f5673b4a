//! Secrets never reach the database. Every text this crate writes passes through
//! `routeval_core::redact` here, where it enters, so no caller can bypass it: case
//! outcomes as the writer takes them, probe evidence, catalog rows, exclusions,
//! rescored verdicts and judge verdicts, the suite as run.
//!
//! The keys a store's runs used are registered when it is opened (see
//! [`register_stored_keys`]), so commands that read a run without sending anything
//! (`report`, `rank`, `export`) redact them from what they print and write too.

use crate::{ExclusionRow, ModelRow, ProbeRow};
use routeval_core::impl_redact;
use routeval_core::redact::{Redact, Redactor};
use routeval_core::CaseOutcome;

pub(crate) use routeval_core::redact::{redact, redacted, redacted_one};

impl_redact!(ProbeRow { route, model, probe, verdict, evidence } skip { run_at, status, latency_ms });
impl_redact!(ExclusionRow { dataset, target, rule, detail } skip { forced });
impl_redact!(ModelRow {
    endpoint, id, name, supported_parameters, endpoints_json,
} skip {
    context_length, max_completion_tokens, prompt_price, completion_price, request_price,
    priced, synced_at, cache_read_price, cache_write_price,
});

/// Redact a batch of case outcomes in place, as the writer takes them.
pub(crate) fn redact_batch(batch: &mut [CaseOutcome]) {
    let r = Redactor::GLOBAL;
    for outcome in batch {
        outcome.redact_in_place(&r);
    }
}

/// Register the keys the runs of this database used: the values of the environment
/// variables their suites' endpoints name in `api_key_env`, when set here.
pub(crate) async fn register_stored_keys(store: &crate::Store) -> crate::Result<()> {
    let configs: Vec<(String,)> = with_pool!(store, |pool| sqlx::query_as(
        "SELECT DISTINCT config_json FROM runs"
    )
    .fetch_all(pool)
    .await)?;
    for (json,) in configs {
        for var in key_vars(&json) {
            routeval_core::redact::register_env(&var);
        }
    }
    Ok(())
}

/// The `api_key_env` of every endpoint of a suite stored as JSON.
fn key_vars(config_json: &str) -> Vec<String> {
    let Ok(config) = serde_json::from_str::<serde_json::Value>(config_json) else {
        return Vec::new();
    };
    config
        .get("endpoints")
        .and_then(|e| e.as_object())
        .into_iter()
        .flat_map(|endpoints| endpoints.values())
        .filter_map(|e| e.get("api_key_env")?.as_str().map(String::from))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use routeval_core::{AttemptRecord, ResultRecord};

    const KEY: &str = "sk-store-canary-0123456789";

    fn outcome() -> CaseOutcome {
        CaseOutcome {
            attempts: vec![AttemptRecord {
                target: "t".into(),
                route: "r".into(),
                dataset: "d".into(),
                case_id: "c".into(),
                request_id: "c-0".into(),
                error_message: Some(format!("401: Bearer {KEY}")),
                served_provider: Some(format!("echo {KEY}")),
                content: Some(format!("the key is {KEY}")),
                tool_calls: Some(format!(r#"[{{"arguments":"{{\"k\":\"{KEY}\"}}"}}]"#)),
                ..AttemptRecord::default()
            }],
            result: ResultRecord {
                target: "t".into(),
                target_kind: "route".into(),
                dataset: "d".into(),
                case_id: "c".into(),
                repeat: 0,
                accepted: false,
                served_step: Some(0),
                served_route: Some("r".into()),
                attempts: 1,
                validation_retries: 0,
                transport_retries: 0,
                cost: Default::default(),
                latency_ms: 1.0,
                ttft_ms: None,
                error_class: None,
                reason: format!("rejected: {KEY}"),
                scores: vec![routeval_core::ScoreRecord {
                    check: "json".into(),
                    pass: false,
                    value: 0.0,
                    detail: Some(format!("not JSON: {KEY}")),
                }],
            },
            judging: Default::default(),
        }
    }

    /// Every text of every table, with the WAL checkpointed into the file: what
    /// anyone reading the database could see.
    async fn file_holds(store: &crate::Store, needle: &str) -> bool {
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(store.sqlite_pool().unwrap())
            .await
            .unwrap();
        let mut bytes = Vec::new();
        for suffix in ["", "-wal", "-shm"] {
            let mut name = store.path.clone().into_os_string();
            name.push(suffix);
            bytes.extend(std::fs::read(name).unwrap_or_default());
        }
        bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
    }

    #[tokio::test]
    async fn no_write_path_stores_a_registered_key() {
        routeval_core::redact::register(KEY);
        let (_dir, store) = crate::test_support::store_with_run("run").await;
        let writer = crate::spawn_writer(&store, "run", 4);
        writer.sender.send(outcome()).await.unwrap();
        drop(writer.sender);
        writer.task.await.unwrap().unwrap();
        store
            .record_probes(&[ProbeRow {
                run_at: 1,
                route: "r".into(),
                model: "m".into(),
                probe: "stream_cancel".into(),
                verdict: "pass".into(),
                status: Some(200),
                latency_ms: 1.0,
                evidence: format!("Authorization: Bearer {KEY}"),
            }])
            .await
            .unwrap();
        store
            .record_exclusion(
                "run",
                &ExclusionRow {
                    dataset: "d".into(),
                    target: "t".into(),
                    rule: "capability".into(),
                    detail: format!("catalog says {KEY}"),
                    forced: false,
                },
            )
            .await
            .unwrap();
        store
            .upsert_model(&ModelRow {
                endpoint: "e".into(),
                id: "hostile/echo".into(),
                name: Some(format!("Echo {KEY}")),
                context_length: None,
                max_completion_tokens: None,
                prompt_price: 0.0,
                completion_price: 0.0,
                request_price: 0.0,
                priced: false,
                supported_parameters: "[]".into(),
                endpoints_json: Some(format!("{{\"description\":\"{KEY}\"}}")),
                synced_at: 1,
                cache_read_price: None,
                cache_write_price: None,
            })
            .await
            .unwrap();
        store
            .record_scoring("run", "rescore", 2, &[outcome().result])
            .await
            .unwrap();
        store
            .record_judging(
                "run",
                1,
                &[routeval_core::Judging {
                    attempts: vec![routeval_core::JudgeAttempt {
                        check: "judge".into(),
                        cache_key: "k".into(),
                        attempt: outcome().attempts.remove(0),
                    }],
                    verdicts: vec![routeval_core::JudgeVerdict {
                        cache_key: "k".into(),
                        check: "judge".into(),
                        judge_route: "j".into(),
                        pass: false,
                        score: None,
                        reason: format!("the answer says {KEY}"),
                        cached: false,
                    }],
                }],
            )
            .await
            .unwrap();
        store
            .create_run(&crate::NewRun {
                started_at_ms: 3,
                config_json: format!("{{\"headers\":{{\"X-Key\":\"{KEY}\"}}}}"),
                simulated: false,
                ..crate::testing::new_run("run2")
            })
            .await
            .unwrap();
        store
            .record_target("run2", "t", "route", &format!("{{\"k\":\"{KEY}\"}}"), "h")
            .await
            .unwrap();
        assert!(!file_holds(&store, KEY).await, "a key reached the database");
        assert!(
            file_holds(&store, "[REDACTED]").await,
            "the texts were stored, redacted"
        );
    }

    #[test]
    fn key_variables_are_read_from_a_stored_suite() {
        let json = r#"{"name":"s","endpoints":{"a":{"kind":"openrouter","api_key_env":"A_KEY"},
            "b":{"kind":"openai","api_key_env":null},"c":{"kind":"openai"}}}"#;
        assert_eq!(key_vars(json), ["A_KEY"]);
        assert!(key_vars("not json").is_empty());
    }
}
