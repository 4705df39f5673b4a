//! Analysis over synthetic result rows (10 routes, cases x routes = rows): building the
//! frames from rows, metrics and ranking, and a comparison of two such runs, at each size
//! of `BENCH_ROWS` (default 1,000,000 and 10,000,000); then chain searches: K=3 over
//! 20 routes x 10,000 cases (7,240 chains) and K=3 over 10 routes x 100,000 cases
//! (820 chains). Figures are medians of `BENCH_REPS` runs (default 3); the Markdown rows
//! at the end go to docs/PERFORMANCE.md. Loading frames from a SQLite file is measured by
//! `routeval-bench load` (it needs an async runtime).
//!
//! `cargo bench -p routeval-analysis --bench analysis`
//! (`BENCH_ROWS=100000,1000000 BENCH_REPS=1` for a quick pass.)

use routeval_analysis::chains::chain_report;
use routeval_analysis::compare::{compare, CompareOptions};
use routeval_analysis::{compute_metrics, rank, RunData, RunRows};
use routeval_store::{DatasetRow, ResultRow, RunRow};
use std::time::Instant;

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

/// The rows of a run of `routes` routes over `cases` cases.
fn synthetic_rows(routes: usize, cases: usize, seed: u64, quality_shift: f64) -> Vec<ResultRow> {
    let mut rng = Rng(seed);
    let mut results = Vec::with_capacity(routes * cases);
    for r in 0..routes {
        let quality = 0.6 + 0.35 * r as f64 / routes as f64 - quality_shift;
        let fail = 0.02 + 0.1 * (routes - r) as f64 / routes as f64;
        for c in 0..cases {
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
                cost: Some(0.0001 * (1 + r % 10) as f64),
                latency_ms: 200.0 + 2000.0 * rng.next() * (1 + r % 3) as f64,
                ttft_ms: Some(100.0 * rng.next()),
                error_class: class,
                reason: String::new(),
            });
        }
    }
    results
}

fn run_data(id: &str, cases: usize, results: Vec<ResultRow>) -> RunData {
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
        kind: "suite".into(),
    };
    let datasets = vec![DatasetRow {
        name: "d".into(),
        task: "t".into(),
        privacy: "internal".into(),
        min_acceptance: 0.8,
        case_count: cases as i64,
        baseline: None,
    }];
    let rows = RunRows {
        results,
        ..RunRows::default()
    };
    RunData::from_rows(run, datasets, vec![], rows).expect("frames")
}

/// Seconds of `f`, and its output.
fn timed<T>(f: impl FnOnce() -> T) -> (f64, T) {
    let start = Instant::now();
    let out = f();
    (start.elapsed().as_secs_f64(), out)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn env_list(name: &str, default: &[usize]) -> Vec<usize> {
    std::env::var(name).map_or_else(
        |_| default.to_vec(),
        |v| {
            v.split(',')
                .filter_map(|n| n.trim().replace('_', "").parse().ok())
                .collect()
        },
    )
}

/// Peak resident memory of this process so far, in MB (Linux).
fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

const ROUTES: usize = 10;

/// Rows for docs/PERFORMANCE.md (benchmark, figure, ratio), printed at the end.
struct Table(Vec<String>);
impl Table {
    fn row(&mut self, what: String, secs: f64, target: Option<f64>) {
        let ratio = target.map_or(String::new(), |t| {
            format!("{:.2} of the {t:.0} s target", secs / t)
        });
        self.0.push(format!("| {what} | {secs:.2} s | {ratio} |"));
    }
}

fn sizes(table: &mut Table, rows: usize, reps: usize) {
    let cases = rows / ROUTES;
    let n = thousands(cases * ROUTES);
    println!("{n} result rows per run ({ROUTES} routes x {cases} cases)");
    let (mut frames, mut ranking, mut comparing) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..reps {
        let base_rows = synthetic_rows(ROUTES, cases, 7, 0.0);
        let (f_base, base) = timed(|| run_data("base", cases, base_rows));
        let new_rows = synthetic_rows(ROUTES, cases, 11, 0.02);
        let (f_new, new) = timed(|| run_data("new", cases, new_rows));
        let (r, rankings) = timed(|| rank(&base, &compute_metrics(&base).expect("metrics")));
        assert_eq!(
            rankings[0].eligible.len() + rankings[0].ineligible.len(),
            ROUTES
        );
        let (c, cmp) = timed(|| compare(&base, &new, CompareOptions::default()).expect("compare"));
        assert_eq!(cmp.changes.len(), ROUTES);
        println!(
            "  frames {:.2} s + {:.2} s, metrics + ranking {:.2} s, compare {:.2} s (peak RSS {:.0} MB)",
            f_base,
            f_new,
            r,
            c,
            peak_rss_mb()
        );
        frames.push(f_base);
        ranking.push(r);
        comparing.push(c);
    }
    let target = if rows >= 10_000_000 { 40.0 } else { 5.0 };
    let (f, r, c) = (median(frames), median(ranking), median(comparing));
    table.row(
        format!("analysis: frames from rows, {n} result rows (median of {reps})"),
        f,
        None,
    );
    table.row(
        format!("analysis: metrics + ranking, {n} rows, frames included"),
        f + r,
        Some(target),
    );
    table.row(
        format!("analysis: two {n}-row runs compared, both frames included"),
        2.0 * f + c,
        Some(target),
    );
}

fn chains(table: &mut Table, routes: usize, cases: usize, reps: usize) {
    let data = run_data("chains", cases, synthetic_rows(routes, cases, 7, 0.0));
    let mut secs = Vec::new();
    let mut summary = String::new();
    for _ in 0..reps {
        let (s, report) = timed(|| chain_report(&data, 3, None).expect("chains"));
        let d = &report.datasets[0];
        summary = format!(
            "{} candidates, {} on the frontier; best: {} at {:.1}%",
            d.candidates,
            d.chains.iter().filter(|c| c.front == 0).count(),
            d.chains[0].steps.join(" → "),
            d.chains[0].stats.acceptance * 100.0
        );
        secs.push(s);
    }
    let s = median(secs);
    println!(
        "chain search K=3 over {routes} routes x {} cases: {s:.2} s; {summary}",
        thousands(cases)
    );
    let candidates = routes + routes * (routes - 1) + routes * (routes - 1) * (routes - 2);
    table.row(
        format!(
            "analysis: chain search K=3, {routes} routes x {} cases ({} chains)",
            thousands(cases),
            thousands(candidates)
        ),
        s,
        None,
    );
}

fn main() {
    let reps = env_list("BENCH_REPS", &[3])
        .first()
        .copied()
        .unwrap_or(3)
        .max(1);
    let mut table = Table(Vec::new());
    for rows in env_list("BENCH_ROWS", &[1_000_000, 10_000_000]) {
        sizes(&mut table, rows, reps);
    }
    chains(&mut table, 20, 10_000, reps);
    chains(&mut table, 10, 100_000, reps);
    println!("peak RSS {:.0} MB", peak_rss_mb());
    for row in table.0 {
        println!("{row}");
    }
}
