//! Migration audit end to end: a support-bot dataset graded by a simulated judge route,
//! its cost kept apart from the candidates', verdicts reused on rescoring, the baseline
//! comparison, and both in the reports.

mod support;

use support::{query, repo_root, routeval, start_sim, stderr};

const KEY: (&str, &str) = ("ROUTEVAL_TEST_KEY", "sk-test-audit");

fn suite(base_url: &str, scorer: &str) -> String {
    let r = repo_root();
    let r = r.display();
    format!(
        r#"name = "audit"
concurrency = 8

[endpoints.sim]
kind = "openrouter"
base_url = "{base_url}"
api_key_env = "ROUTEVAL_TEST_KEY"
simulated = true

[routes.atlas-pro]
endpoint = "sim"
model = "sim/atlas-pro"

[routes.meridian-zdr]
endpoint = "sim"
model = "sim/meridian-mid"

[routes.swift-mini]
endpoint = "sim"
model = "sim/swift-mini"

[datasets.support_bot]
path = "{r}/datasets/support_bot/cases.jsonl"
task = "chat"
scorer = "{scorer}"
system_prompt = "{r}/datasets/support_bot/system.txt"
targets = ["atlas-pro", "swift-mini"]
baseline = "atlas-pro"
"#
    )
}

#[test]
fn judge_grades_support_bot_apart_and_rescoring_reuses_its_verdicts() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = start_sim(&rt, None, &["support_bot/cases.jsonl"], None);
    let dir = tempfile::tempdir().unwrap();
    let scorer = repo_root().join("scorers/support_bot.toml");
    std::fs::write(
        dir.path().join("suite.toml"),
        suite(&sim.base_url(), &scorer.display().to_string()),
    )
    .unwrap();
    let db = format!("sqlite://{}", dir.path().join("a.db").display());
    let run = routeval(
        dir.path(),
        &["run", "suite.toml", "--db", &db, "--quiet"],
        &[KEY],
    );
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));

    // Every answer that passed the other checks was judged, by a route other than its own.
    let judged: Vec<(String, String, i64)> = query(
        &rt,
        &db,
        "SELECT target, judge_route, COUNT(*) FROM judge_attempts GROUP BY target, judge_route ORDER BY target",
    );
    assert_eq!(
        judged
            .iter()
            .map(|(t, j, _)| (t.as_str(), j.as_str()))
            .collect::<Vec<_>>(),
        [("atlas-pro", "meridian-zdr"), ("swift-mini", "atlas-pro")],
        "{judged:?}"
    );
    let (worth,): (i64,) = query(
        &rt,
        &db,
        "SELECT COUNT(*) FROM results r WHERE r.error_class IS NULL AND NOT EXISTS (
             SELECT 1 FROM result_scores s WHERE s.run_id = r.run_id AND s.target = r.target
               AND s.case_id = r.case_id AND s.check_name IN ('no_forbidden_promises', 'refusal', 'length')
               AND s.pass = 0)",
    )[0];
    let (verdicts,): (i64,) = query(&rt, &db, "SELECT COUNT(*) FROM judge_verdicts")[0];
    assert_eq!(
        verdicts, worth,
        "one cached verdict per answer worth judging"
    );

    // The judge's spend is its own: results cost exactly their own attempts.
    let (results_cost, attempts_cost, judge_cost): (f64, f64, f64) = query(
        &rt,
        &db,
        "SELECT (SELECT SUM(cost) FROM results), (SELECT SUM(cost) FROM attempts), (SELECT SUM(cost) FROM judge_attempts)",
    )[0];
    assert!((results_cost - attempts_cost).abs() < 1e-12);
    assert!(judge_cost > 0.0);

    // The judge catches what no pattern can: subtle policy breaks pass the regex.
    let (caught,): (i64,) = query(
        &rt,
        &db,
        "SELECT COUNT(*) FROM result_scores p JOIN result_scores f ON f.run_id = p.run_id AND f.target = p.target
             AND f.case_id = p.case_id AND f.scoring = p.scoring
         WHERE p.check_name = 'policy' AND p.pass = 0 AND p.detail LIKE 'judge %'
           AND f.check_name = 'no_forbidden_promises' AND f.pass = 1",
    )[0];
    assert!(caught > 0, "no answer failed on policy alone");

    // Reports show the judge apart, and the baseline comparison.
    for (format, needle) in [
        ("md", "Model-graded checks"),
        ("html", "Model-graded checks"),
        ("md", "Against the baseline `atlas-pro`"),
        ("html", "Against the baseline <code>atlas-pro</code>"),
    ] {
        let out = routeval(
            dir.path(),
            &["report", "--db", &db, "--format", format, "--out", "out"],
            &[],
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let path = String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap()
            .to_string();
        let text = std::fs::read_to_string(dir.path().join(path)).unwrap();
        assert!(text.contains(needle), "{format} lacks {needle}:\n{text}");
    }

    // Rescoring with the same rubric asks the judge nothing: every verdict is cached.
    let sent = sim.requests();
    let out = routeval(dir.path(), &["rescore", "--db", &db, "latest"], &[KEY]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(sim.requests(), sent, "rescoring sent requests");
    assert!(
        stderr(&out).contains(&format!("judge verdicts: {verdicts} cached, 0 asked for")),
        "{}",
        stderr(&out)
    );
    let same: Vec<(i64, i64)> = query(
        &rt,
        &db,
        "SELECT scoring, SUM(accepted) FROM (
             SELECT scoring, accepted FROM results WHERE scoring = 0
             UNION ALL SELECT scoring, accepted FROM rescored_results) AS v
         GROUP BY scoring ORDER BY scoring",
    );
    assert_eq!(same.len(), 2);
    assert_eq!(same[0].1, same[1].1, "cached verdicts, same acceptance");
    // The same verdicts are not written again: the rescore holds none of its own.
    let written: Vec<(i64,)> = query(&rt, &db, "SELECT COUNT(*) FROM results WHERE scoring = 1");
    assert_eq!(written, vec![(0,)], "unchanged verdicts were rewritten");

    // A new rubric is a new question: asked once, then cached.
    let spec = std::fs::read_to_string(&scorer).unwrap().replace(
        "Grade the reply against",
        "Grade, strictly, the reply against",
    );
    std::fs::write(dir.path().join("strict.toml"), spec).unwrap();
    let rescore = || {
        routeval(
            dir.path(),
            &[
                "rescore",
                "--db",
                &db,
                "latest",
                "--scorer",
                "support_bot=strict.toml",
            ],
            &[KEY],
        )
    };
    let out = rescore();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let (asked, new_verdicts): (i64, i64) = query(
        &rt,
        &db,
        "SELECT (SELECT COUNT(*) FROM judge_attempts WHERE scoring = 2), (SELECT COUNT(*) FROM judge_verdicts)",
    )[0];
    assert_eq!(
        sim.requests() - sent,
        asked as u64,
        "every judge request recorded"
    );
    assert!(
        asked >= verdicts,
        "one request (or more, retried) per answer"
    );
    assert_eq!(new_verdicts, 2 * verdicts, "each answer judged once more");
    let out = rescore();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        sim.requests() - sent,
        asked as u64,
        "the second rescore paid again"
    );
    rt.block_on(sim.shutdown());
}

#[test]
fn a_route_never_judges_its_own_answers_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let own = std::fs::read_to_string(repo_root().join("scorers/support_bot.toml"))
        .unwrap()
        .replace(
            r#"judges = ["atlas-pro", "meridian-zdr"]"#,
            r#"judges = ["atlas-pro"]"#,
        );
    std::fs::write(dir.path().join("own.toml"), &own).unwrap();
    std::fs::write(
        dir.path().join("suite.toml"),
        suite("http://127.0.0.1:9/api/v1", "own.toml"),
    )
    .unwrap();
    let out = routeval(dir.path(), &["validate", "suite.toml"], &[KEY]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("own.toml:"), "{err}");
    assert!(err.contains("checks[3].judges"), "{err}");
    assert!(err.contains("no judge for `atlas-pro`"), "{err}");

    std::fs::write(
        dir.path().join("own.toml"),
        own.replace(
            "scale = \"score\"",
            "scale = \"score\"\nallow_self_judge = true",
        ),
    )
    .unwrap();
    let out = routeval(dir.path(), &["validate", "suite.toml"], &[KEY]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}
