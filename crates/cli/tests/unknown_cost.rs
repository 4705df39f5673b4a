//! Unknown price is unknown, not free, end to end: a route whose model has no price
//! anywhere is stored with NULL costs, shows as unknown in the ranking, is never the
//! cheapest nor recommended for it, `validate` warns about it, a route's own `price`
//! prices it, and a budgeted run refuses it and sends it nothing.

mod support;

use support::{query, repo_root, routeval, start_sim, stderr};

const PROFILES: &str = r#"
[models."test/priced"]
name = "Priced"
context_length = 100000
prompt_price = 1.0
completion_price = 2.0
quality = 1.0

[models."test/unpriced"]
name = "Unpriced"
context_length = 100000
prompt_price = 0.5
completion_price = 1.0
quality = 1.0
unpriced = true
"#;

const DATASETS: &[&str] = &["ticket_triage/cases.jsonl"];

/// Three routes: one priced by the catalog, one with no price anywhere, and one on the
/// same unpriced model with its own `price` (USD per million tokens).
fn suite(base_url: &str, extra: &str) -> String {
    let r = repo_root();
    let r = r.display();
    format!(
        "name = \"unknown-cost\"\nconcurrency = 4\nmin_acceptance = 0.3\n{extra}\n\
         [endpoints.sim]\nkind = \"openrouter\"\nbase_url = \"{base_url}\"\nsimulated = true\n\n\
         [routes.priced]\nendpoint = \"sim\"\nmodel = \"test/priced\"\n\n\
         [routes.unpriced]\nendpoint = \"sim\"\nmodel = \"test/unpriced\"\n\n\
         [routes.own-price]\nendpoint = \"sim\"\nmodel = \"test/unpriced\"\n\
         price = {{ prompt = 4.0, completion = 8.0 }}\n\n\
         [datasets.ticket_triage]\npath = \"{r}/datasets/ticket_triage/cases.jsonl\"\ntask = \"t\"\n\
         privacy = \"internal\"\nscorer = \"{r}/scorers/ticket_triage.toml\"\n\
         system_prompt = \"{r}/datasets/ticket_triage/system.txt\"\n\
         schema = \"{r}/datasets/ticket_triage/schema.json\"\nresponse_format = \"json_schema\"\n"
    )
}

#[test]
fn an_unpriced_route_is_unknown_never_cheapest_and_warned_about() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = start_sim(&rt, Some(PROFILES), DATASETS, None);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("suite.toml"), suite(&sim.base_url(), "")).unwrap();
    let db = format!("sqlite://{}", dir.path().join("u.db").display());

    let out = routeval(dir.path(), &["validate", "suite.toml", "--db", &db], &[]);
    assert_eq!(out.status.code(), Some(0), "a warning is no failure");
    let text = String::from_utf8_lossy(&out.stdout);
    let warnings: Vec<&str> = text.lines().filter(|l| l.starts_with("warn")).collect();
    assert_eq!(warnings.len(), 1, "{text}");
    assert!(
        warnings[0].contains("route `unpriced` has no known price")
            && warnings[0].contains("set price = { prompt = ..., completion = ... }"),
        "{text}"
    );

    let out = routeval(
        dir.path(),
        &["run", "suite.toml", "--db", &db, "--limit", "5", "--quiet"],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // Stored as NULL, not 0: every attempt and result of the unpriced route.
    let rows: Vec<(String, i64, i64, i64)> = query(
        &rt,
        &db,
        "SELECT route, COUNT(*), SUM(cost IS NULL), SUM(cost_source = 'unknown')
         FROM attempts GROUP BY route ORDER BY route",
    );
    assert_eq!(rows.len(), 3, "{rows:?}");
    for (route, n, null, unknown) in &rows {
        let want = if route == "unpriced" { *n } else { 0 };
        assert_eq!((*null, *unknown), (want, want), "{route}: {rows:?}");
    }
    let (null_results,): (i64,) = query(
        &rt,
        &db,
        "SELECT COUNT(*) FROM results WHERE target = 'unpriced' AND cost IS NULL",
    )[0];
    assert_eq!(null_results, 5);
    // The route's own price: tokens times USD per million.
    let priced: Vec<(i64, i64, f64, String)> = query(
        &rt,
        &db,
        "SELECT prompt_tokens, completion_tokens, cost, cost_source FROM attempts
         WHERE route = 'own-price'",
    );
    for (prompt, completion, cost, source) in &priced {
        let want = *prompt as f64 * 4e-6 + *completion as f64 * 8e-6;
        assert!(
            (cost - want).abs() < 1e-12 && *cost > 0.0,
            "{cost} vs {want}"
        );
        assert_eq!(source, "catalog");
    }

    let out = routeval(dir.path(), &["rank", "--db", &db, "--format", "json"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ranking = &json["datasets"][0];
    let eligible = ranking["eligible"].as_array().unwrap();
    let names: Vec<&str> = eligible
        .iter()
        .map(|m| m["target"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 3, "{ranking:#}");
    assert_eq!(
        names[2], "unpriced",
        "unknown cost ranks after known: {names:?}"
    );
    let unpriced = &eligible[2];
    assert!(unpriced["cost_per_accepted"].is_null(), "{unpriced:#}");
    assert!(unpriced["total_cost"].is_null());
    assert_eq!(unpriced["cost_known"], false);
    assert_eq!(unpriced["pareto"], false);
    assert!(eligible[..2].iter().all(|m| m["cost_known"] == true));
    assert!(ranking["note"]
        .as_str()
        .is_some_and(|n| n.contains("cost unknown for unpriced")));

    let out = routeval(dir.path(), &["rank", "--db", &db], &[]);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("unknown"), "{table}");
    let out = routeval(dir.path(), &["rank", "--db", &db, "--format", "csv"], &[]);
    let csv = String::from_utf8_lossy(&out.stdout);
    let row = csv.lines().find(|l| l.contains(",unpriced,")).unwrap();
    assert!(row.contains(",,,"), "empty cost cells: {row}");

    let out = routeval(
        dir.path(),
        &["export", "registry", "--db", &db, "--out", "registry.json"],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let registry: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("registry.json")).unwrap()).unwrap();
    let workflow = &registry["workflows"][0];
    assert_ne!(workflow["recommended"], "unpriced", "{workflow:#}");
    assert!(workflow["recommended"].is_string());
    let approved = workflow["approved"].as_array().unwrap();
    let entry = approved.iter().find(|a| a["name"] == "unpriced").unwrap();
    assert_eq!(entry["evaluation"]["cost_known"], false);
    assert!(entry["evaluation"]["cost_per_accepted_usd"].is_null());
}

#[test]
fn a_budgeted_run_refuses_the_unpriced_route_and_sends_it_nothing() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = start_sim(&rt, Some(PROFILES), DATASETS, None);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("suite.toml"), suite(&sim.base_url(), "")).unwrap();
    let db = format!("sqlite://{}", dir.path().join("b.db").display());

    let out = routeval(
        dir.path(),
        &[
            "run",
            "suite.toml",
            "--db",
            &db,
            "--limit",
            "3",
            "--quiet",
            "--budget",
            "5",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("route `unpriced` has no known price")
            && err.contains("budget cannot bound it"),
        "{err}"
    );
    let refused: Vec<(String, String, bool)> =
        query(&rt, &db, "SELECT target, rule, forced FROM exclusions");
    assert_eq!(
        refused,
        [(
            "unpriced".to_string(),
            "budget.unknown_price".to_string(),
            false
        )]
    );
    let ran: Vec<(String, i64)> = query(
        &rt,
        &db,
        "SELECT target, COUNT(*) FROM results GROUP BY target ORDER BY target",
    );
    assert_eq!(
        ran,
        [("own-price".to_string(), 3), ("priced".to_string(), 3)],
        "the priced routes ran, the unpriced one did not"
    );
    // Only the route with its own price reached the unpriced model.
    let (own,): (i64,) = query(
        &rt,
        &db,
        "SELECT COUNT(*) FROM attempts WHERE route = 'own-price'",
    )[0];
    assert_eq!(sim.requests_for("test/unpriced") as i64, own);

    // A budget in the suite refuses it just the same.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("suite.toml"),
        suite(&sim.base_url(), "budget_usd = 5"),
    )
    .unwrap();
    let out = routeval(dir.path(), &["validate", "suite.toml"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.lines()
            .any(|l| l.contains("x unpriced") && l.contains("budget.unknown_price")),
        "{text}"
    );
}

/// Judges spend too: with a budget, a dataset graded by a judge of no known price is not
/// sent at all (every answer may go to that judge), and `validate` lists it so.
#[test]
fn a_budgeted_run_refuses_a_dataset_whose_judge_has_no_price() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = start_sim(&rt, Some(PROFILES), &["support_bot/cases.jsonl"], None);
    let dir = tempfile::tempdir().unwrap();
    let r = repo_root();
    let r = r.display();
    std::fs::write(
        dir.path().join("judged.toml"),
        "[[checks]]\nkind = \"refusal\"\n\n[[checks]]\nkind = \"judge\"\nname = \"polite\"\n\
         judges = [\"unpriced\"]\nrubric = \"The reply is polite.\"\n",
    )
    .unwrap();
    let suite = format!(
        "name = \"judged\"\nconcurrency = 4\nbudget_usd = 5\n\n\
         [endpoints.sim]\nkind = \"openrouter\"\nbase_url = \"{}\"\nsimulated = true\n\n\
         [routes.priced]\nendpoint = \"sim\"\nmodel = \"test/priced\"\n\n\
         [routes.unpriced]\nendpoint = \"sim\"\nmodel = \"test/unpriced\"\n\n\
         [datasets.support_bot]\npath = \"{r}/datasets/support_bot/cases.jsonl\"\ntask = \"t\"\n\
         scorer = \"judged.toml\"\ntargets = [\"priced\"]\n",
        sim.base_url()
    );
    std::fs::write(dir.path().join("suite.toml"), suite).unwrap();
    let db = format!("sqlite://{}", dir.path().join("j.db").display());

    let out = routeval(dir.path(), &["validate", "suite.toml", "--db", &db], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.lines().any(|l| l.contains("support_bot x priced")
            && l.contains("its judge route `unpriced` has no known price")),
        "{text}"
    );
    assert!(!text.lines().any(|l| l.starts_with("send ")), "{text}");

    let out = routeval(
        dir.path(),
        &["run", "suite.toml", "--db", &db, "--limit", "3", "--quiet"],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        sim.requests(),
        0,
        "nothing sent: neither answers nor grading"
    );
    let refused: Vec<(String, String)> = query(&rt, &db, "SELECT target, rule FROM exclusions");
    assert_eq!(
        refused,
        [("priced".to_string(), "budget.unknown_price".to_string())]
    );
}
