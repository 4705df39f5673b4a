//! What the engine reports, shown: the progress bar of a run (cases done, accepted so
//! far, spend so far) and the engine's notices as lines on stderr.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use routeval_core::CaseOutcome;
use routeval_engine::{Event, Observer};
use routeval_runner::RunStatus;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

pub struct RunProgress {
    pub bar: ProgressBar,
    tally: Arc<Tally>,
}

/// What the bar's message says, counted as results come and formatted only when the
/// bar is drawn (a few times a second), not once per result.
#[derive(Default)]
struct Tally {
    accepted: AtomicU64,
    spent_micro_usd: AtomicU64,
    /// Cases whose cost is unknown (not in `spent_micro_usd`).
    unknown_cost: AtomicU64,
}

impl Tally {
    fn show(&self, done: u64, w: &mut dyn std::fmt::Write) {
        let accepted = self.accepted.load(Ordering::Relaxed);
        let spent = self.spent_micro_usd.load(Ordering::Relaxed);
        let _ = write!(
            w,
            "{:.1}% accepted · ${:.4} spent",
            accepted as f64 * 100.0 / done.max(1) as f64,
            spent as f64 / 1e6
        );
        let unknown = self.unknown_cost.load(Ordering::Relaxed);
        if unknown > 0 {
            let _ = write!(w, " (+ {unknown} cases of unknown cost)");
        }
    }
}

impl RunProgress {
    pub fn new(total: u64, quiet: bool) -> Arc<Self> {
        let bar = ProgressBar::with_draw_target(
            Some(total),
            if quiet {
                ProgressDrawTarget::hidden()
            } else {
                ProgressDrawTarget::stderr()
            },
        );
        let tally = Arc::new(Tally::default());
        let shown = tally.clone();
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} cases · {tally} · eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .with_key(
                "tally",
                move |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                    shown.show(state.pos(), w)
                },
            ),
        );
        Arc::new(Self { bar, tally })
    }

    pub fn record(&self, outcome: &CaseOutcome) {
        let tally = &self.tally;
        let result = &outcome.result;
        tally
            .accepted
            .fetch_add(u64::from(result.accepted), Ordering::Relaxed);
        match result.cost {
            Some(cost) => tally
                .spent_micro_usd
                .fetch_add((cost * 1e6) as u64, Ordering::Relaxed),
            None => tally.unknown_cost.fetch_add(1, Ordering::Relaxed),
        };
        self.bar.inc(1);
    }
}

/// What the engine reports, shown on stderr: the progress bar of a run while it
/// dispatches, and a line for everything else (skipped datasets, refused pairs, how a
/// run ended). Lines printed while the bar is drawn suspend it.
pub struct Notices {
    /// The suite file, for the `--resume` hint of a run that did not complete.
    suite_path: PathBuf,
    quiet: bool,
    progress: OnceLock<Arc<RunProgress>>,
    /// The shard this process runs, for the hint (a shard resumes as itself).
    shard: OnceLock<routeval_core::Shard>,
}

impl Notices {
    pub fn new(suite_path: &Path, quiet: bool) -> Arc<Self> {
        Arc::new(Self {
            suite_path: suite_path.to_path_buf(),
            quiet,
            progress: OnceLock::new(),
            shard: OnceLock::new(),
        })
    }

    /// Print a line on stderr without tearing the progress bar.
    fn line(&self, text: &str) {
        match self.progress.get() {
            Some(p) if !p.bar.is_finished() => p.bar.suspend(|| eprintln!("{text}")),
            _ => eprintln!("{text}"),
        }
    }

    fn clear_bar(&self) {
        if let Some(p) = self.progress.get() {
            p.bar.finish_and_clear();
        }
    }

    fn resume_hint(&self, run_id: &str) -> String {
        match self.shard.get() {
            Some(shard) => format!(
                "finish it with `routeval run {} --shard {shard} --run-id {run_id}`",
                self.suite_path.display()
            ),
            None => format!(
                "finish it with `routeval run {} --resume {run_id}`",
                self.suite_path.display()
            ),
        }
    }
}

impl Observer for Notices {
    fn event(&self, event: &Event<'_>) {
        match event {
            Event::CaseFinished { outcome } => {
                if let Some(p) = self.progress.get() {
                    p.record(outcome);
                }
            }
            Event::RunStarted { jobs, shard, .. } => {
                if let Some(shard) = shard {
                    let _ = self.shard.set(*shard);
                }
                let _ = self.progress.set(RunProgress::new(*jobs, self.quiet));
            }
            Event::DatasetSkipped { dataset } => self.line(&format!(
                "dataset {dataset}: skipped: none of its targets is in --routes"
            )),
            Event::PairExcluded { exclusion: e } => {
                let verb = if e.forced {
                    "runs anyway (--force)"
                } else {
                    "not sent"
                };
                self.line(&format!(
                    "{} x {}: {verb}: {} ({})",
                    e.dataset, e.target, e.detail, e.rule
                ));
            }
            Event::Resuming {
                run_id,
                recorded,
                spent_usd,
            } => self.line(&format!(
                "resuming run {run_id}: {recorded} results already recorded, ${spent_usd:.4} spent"
            )),
            Event::RunFinished { run_id, summary } => {
                self.clear_bar();
                let hint = match summary.status {
                    RunStatus::Completed => String::new(),
                    _ => format!("; {}", self.resume_hint(run_id)),
                };
                eprintln!(
                    "run {run_id} {}: {} results recorded, ${:.4} spent{hint}",
                    summary.status.as_str(),
                    summary.outcomes,
                    summary.spent_usd,
                );
            }
            Event::RunFailed { run_id, reason } => {
                self.clear_bar();
                eprintln!(
                    "run {run_id} failed: {reason}; {}",
                    self.resume_hint(run_id)
                );
            }
            Event::DatasetRescored {
                dataset,
                results,
                accepted,
                live_accepted,
                judges_cached,
                judges_asked,
            } => {
                let judges = if judges_cached + judges_asked > 0 {
                    format!("; judge verdicts: {judges_cached} cached, {judges_asked} asked for")
                } else {
                    String::new()
                };
                self.line(&format!(
                    "{dataset}: {results} results, accepted {accepted} (live verdicts: {live_accepted}){judges}"
                ));
            }
            Event::Warning(text) => self.line(text),
        }
    }
}
