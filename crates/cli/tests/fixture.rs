//! A database written by an earlier release stays usable by every later one: it is
//! upgraded by the first command that writes, its runs re-graded from the suite stored
//! with them (re-read by today's parser), and ranked and reported.
//!
//! `fixtures/release-v1.db` was written by `routeval run fixtures/suite-v1.toml --limit 12`
//! from the repository root, on the simulator (`routeval sim --port 47123`). Never
//! regenerate it: its point is to be old.

#[path = "support/mod.rs"]
mod support;

use serde_json::Value;
use support::{query, repo_root, routeval, stderr};

#[test]
fn a_database_from_release_v1_is_rescored_ranked_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("old.db");
    std::fs::copy(
        repo_root().join("crates/cli/tests/fixtures/release-v1.db"),
        &db_path,
    )
    .unwrap();
    let db = format!("sqlite://{}", db_path.display());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let live: Vec<(String, i64)> = query(
        &rt,
        &db,
        "SELECT target, SUM(accepted) FROM results WHERE scoring = 0 GROUP BY target ORDER BY target",
    );
    assert_eq!(live.len(), 2, "{live:?}");

    // The suite's paths are relative to its file, as the run was started: from the root.
    let args = ["rescore", "latest", "--db", &db, "--format", "json"];
    let out = routeval(&repo_root(), &args, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let done: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(done["scoring"], 1, "{done}");
    // Its verdicts have no fingerprints: the rescore cannot tell what changed and writes
    // every one.
    assert_eq!(done["changed"], done["results"], "{done}");
    let triage = &done["datasets"][0];
    assert_eq!(triage["dataset"], "ticket_triage", "{done}");
    assert_eq!(triage["accepted"], triage["live_accepted"], "{done}");
    let rescored: Vec<(String, i64)> = query(
        &rt,
        &db,
        "SELECT target, SUM(accepted) FROM rescored_results WHERE scoring = 1 GROUP BY target ORDER BY target",
    );
    assert_eq!(rescored, live, "the same scorers give the same verdicts");
    // The upgrade counted the old run's providers once, as its writer would have.
    let counted: Vec<(String, String, String, i64)> = query(
        &rt,
        &db,
        "SELECT dataset, target, provider, attempts FROM run_providers ORDER BY 1, 2, 3",
    );
    let attempts: Vec<(String, String, String, i64)> = query(
        &rt,
        &db,
        "SELECT dataset, target, served_provider, COUNT(*) FROM attempts
         WHERE error_class IS NULL AND served_provider IS NOT NULL GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
    );
    assert_eq!(counted, attempts);
    assert_eq!(counted.len(), 4, "{counted:?}");

    let out = routeval(dir.path(), &["rank", "--format", "json", "--db", &db], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let ranking: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        ranking["datasets"][0]["dataset"], "ticket_triage",
        "{ranking}"
    );

    let out = routeval(
        dir.path(),
        &[
            "report",
            "--format",
            "md,html,junit",
            "--out",
            "out",
            "--db",
            &db,
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let md: String = std::fs::read_dir(dir.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    assert!(md.contains("`atlas`") && md.contains("`swift`"), "{md}");
}
