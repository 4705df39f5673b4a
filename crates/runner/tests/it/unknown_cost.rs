//! Unknown price is unknown, not free: a model with no price anywhere gives attempts of
//! unknown cost, a route's own `price` prices it as a catalog would, and with a budget
//! a route of no known price is refused before anything is sent.

use super::*;
use routeval_core::record::CostSource;

/// A model the simulator lists with no `pricing` and answers with no `usage.cost`.
fn unpriced(id: &str) -> String {
    format!(
        "[models.\"{id}\"]\nname = \"{id}\"\ncontext_length = 100000\nprompt_price = 3.0\n\
         completion_price = 15.0\nquality = 1.0\nunpriced = true\n\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_model_with_no_price_has_an_unknown_cost_not_a_zero_one() {
    let profiles = unpriced("t/unpriced") + &model("t/priced", &[]);
    let routes = route("free-looking", "t/unpriced", false)
        + &route("free-looking-s", "t/unpriced", true)
        + &route("priced", "t/priced", false);
    let e = env(&profiles, &routes, None).await;
    let catalogs = routeval_runner::fetch_catalogs(&e.suite).await;
    assert!(
        catalogs["sim"]["t/unpriced"].price.is_none(),
        "no pricing listed is no price, not a price of 0"
    );
    assert!(catalogs["sim"]["t/priced"].price.is_some());
    let outcomes = e.run_with(&catalogs).await;
    for target in ["free-looking", "free-looking-s"] {
        for o in of(&outcomes, target) {
            check_consistent(o);
            assert!(o.result.accepted, "{o:#?}");
            let a = &o.attempts[0];
            assert!(a.prompt_tokens.is_some(), "usage came back: {a:?}");
            assert_eq!((a.cost, a.cost_source), (None, Some(CostSource::Unknown)));
            assert_eq!(o.result.cost, None);
        }
    }
    for o in of(&outcomes, "priced") {
        assert!(o.result.cost.is_some_and(|c| c > 0.0));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_route_price_gives_catalog_like_costs_and_overrides_the_catalog() {
    let silent = "[models.\"t/silent\"]\nname = \"t/silent\"\ncontext_length = 100000\n\
                  prompt_price = 3.0\ncompletion_price = 15.0\nquality = 1.0\n\
                  reports_cost = false\n\n";
    let profiles = unpriced("t/unpriced") + silent;
    // USD per million tokens, as the suite writes it; a dollar a request on `own`.
    let routes = route_with(
        "own",
        "t/unpriced",
        false,
        "price = { prompt = 2.0, completion = 8.0, request = 1.0 }",
    ) + &route_with(
        "negotiated",
        "t/silent",
        false,
        "price = { prompt = 1.0, completion = 4.0 }",
    );
    let e = env(&profiles, &routes, None).await;
    let outcomes = e.run().await;
    for (target, prompt, completion, request) in
        [("own", 2e-6, 8e-6, 1.0), ("negotiated", 1e-6, 4e-6, 0.0)]
    {
        for o in of(&outcomes, target) {
            check_consistent(o);
            let a = &o.attempts[0];
            assert_eq!(a.cost_source, Some(CostSource::Catalog), "{a:?}");
            let want = a.prompt_tokens.unwrap() as f64 * prompt
                + a.completion_tokens.unwrap() as f64 * completion
                + request;
            let got = a.cost.expect("priced by the route");
            assert!((got - want).abs() < 1e-12, "{target}: {got} vs {want}");
        }
    }
}

#[tokio::test]
async fn with_a_budget_a_route_of_no_known_price_is_refused() {
    let profiles = unpriced("t/unpriced") + &model("t/priced", &[]);
    let routes = route("unbounded", "t/unpriced", false)
        + &route("bounded", "t/priced", false)
        + &route_with(
            "own-price",
            "t/unpriced",
            false,
            "price = { prompt = 2.0, completion = 8.0 }",
        )
        + "[chains.through-unbounded]\nsteps = [\"bounded\", \"unbounded\"]\nfallback_on = [\"server_error\"]\n";
    let e = env(&profiles, &routes, None).await;
    let catalogs = routeval_runner::fetch_catalogs(&e.suite).await;
    let probes = Default::default();
    let ds = &e.datasets[0].dataset;
    let names = |t: &[routeval_core::TargetRef]| -> Vec<String> {
        let mut v: Vec<String> = t.iter().map(|t| t.name().to_string()).collect();
        v.sort();
        v
    };

    // No budget: nothing to bound, every target runs.
    let (eligible, excluded) =
        routeval_runner::capability::eligibility(&e.suite, ds, &catalogs, &probes, false, None);
    assert!(excluded.is_empty(), "{excluded:?}");
    assert_eq!(eligible.len(), 4);

    // A budget (even with --force): the unpriced route and the chain through it are refused.
    for force in [false, true] {
        let (eligible, excluded) = routeval_runner::capability::eligibility(
            &e.suite,
            ds,
            &catalogs,
            &probes,
            force,
            Some(1.0),
        );
        assert_eq!(names(&eligible), ["bounded", "own-price"]);
        let mut refused: Vec<(&str, &str, bool)> = excluded
            .iter()
            .map(|x| (x.target.as_str(), x.rule.as_str(), x.forced))
            .collect();
        refused.sort();
        assert_eq!(
            refused,
            [
                ("through-unbounded", "budget.unknown_price", false),
                ("unbounded", "budget.unknown_price", false)
            ]
        );
        let detail = &excluded[0].detail;
        assert!(
            detail.contains("route `unbounded` has no known price")
                && detail.contains("set price = { prompt = ..., completion = ... }"),
            "{detail}"
        );
    }
    assert_eq!(e.sim.requests_for("t/unpriced"), 0);
}
