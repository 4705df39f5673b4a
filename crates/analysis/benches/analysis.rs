//! One million synthetic result rows (10 routes x 100,000 cases): metrics and ranking,
//! a comparison of two such runs, and a K=3 chain search over the 10 routes.
//!
//! `cargo bench -p routeval-analysis --bench analysis`

use routeval_analysis::chains::chain_report;
use routeval_analysis::compare::{compare, CompareOptions};
use routeval_analysis::{compute_metrics, rank, RunData, RunRows};
use routeval_store::{DatasetRow, ResultRow, RunRow};
use std::time::Instant;

const ROUTES: usize = 10;
const CASES: usize = 100_000;
const CLASSES: [&str; 4] = [
    "rate_limited",
    "server_error",
    "timeout_total",
    "schema_invalid",
];

/// A small deterministic generator (xorshift), so runs are comparable.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn synthetic(id: &str, seed: u64, quality_shift: f64) -> RunData {
    let mut rng = Rng(seed);
    let mut results = Vec::with_capacity(ROUTES * CASES);
    for r in 0..ROUTES {
        let quality = 0.6 + 0.035 * r as f64 - quality_shift;
        let fail = 0.02 + 0.01 * (ROUTES - r) as f64;
        for c in 0..CASES {
            let failed = rng.next() < fail;
            let class = failed.then(|| CLASSES[c % CLASSES.len()].to_string());
            results.push(ResultRow {
                target: format!("route-{r}"),
                target_kind: "route".into(),
                dataset: "d".into(),
                case_id: format!("c{c}"),
                repeat: 0,
                accepted: !failed && rng.next() < quality,
                served_step: (!failed).then_some(0),
                served_route: None,
                attempts: 1,
                validation_retries: 0,
                transport_retries: i64::from(rng.next() < 0.05),
                cost: 0.0001 * (1 + r) as f64,
                latency_ms: 200.0 + 2000.0 * rng.next() * (1 + r % 3) as f64,
                ttft_ms: Some(100.0 * rng.next()),
                error_class: class,
                reason: String::new(),
            });
        }
    }
    let run = RunRow {
        id: id.into(),
        suite: "bench".into(),
        suite_path: String::new(),
        started_at: 0,
        finished_at: None,
        status: "completed".into(),
        config_hash: String::new(),
        git_rev: None,
        simulated: true,
    };
    let datasets = vec![DatasetRow {
        name: "d".into(),
        task: "t".into(),
        privacy: "internal".into(),
        min_acceptance: 0.8,
        case_count: CASES as i64,
        baseline: None,
    }];
    let rows = RunRows {
        results,
        ..RunRows::default()
    };
    RunData::from_rows(run, datasets, vec![], rows).expect("frames")
}

fn timed<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    println!(
        "{what:<44} {:>9.1} ms",
        start.elapsed().as_secs_f64() * 1000.0
    );
    out
}

fn main() {
    println!("{} result rows per run", ROUTES * CASES);
    let base = timed("build frames (base run)", || synthetic("base", 7, 0.0));
    let new = timed("build frames (new run)", || synthetic("new", 11, 0.02));
    let rankings = timed("metrics + ranking", || {
        rank(&base, &compute_metrics(&base).expect("metrics"))
    });
    assert_eq!(
        rankings[0].eligible.len() + rankings[0].ineligible.len(),
        ROUTES
    );
    let cmp = timed("compare (metrics x2 + paired McNemar)", || {
        compare(&base, &new, CompareOptions::default()).expect("compare")
    });
    assert_eq!(cmp.changes.len(), ROUTES);
    let chains = timed("chain search K=3 over 10 routes (820 chains)", || {
        chain_report(&base, 3, None).expect("chains")
    });
    let d = &chains.datasets[0];
    println!(
        "{} candidates, {} on the frontier; best: {} at {:.1}%",
        d.candidates,
        d.chains.iter().filter(|c| c.front == 0).count(),
        d.chains[0].steps.join(" → "),
        d.chains[0].stats.acceptance * 100.0
    );
}
