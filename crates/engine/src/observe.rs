//! What the engine reports while it works. It prints nothing itself: a command line
//! shows these as a progress bar and lines on stderr, a test collects them.

use routeval_core::CaseOutcome;
use routeval_runner::capability::Exclusion;
use routeval_runner::RunSummary;

/// Receives the engine's events, from any thread, in the order they happen on each.
pub trait Observer: Send + Sync {
    fn event(&self, event: &Event<'_>);
}

/// Something worth telling whoever started the work.
#[derive(Debug)]
pub enum Event<'a> {
    /// A dataset was left out by the route filter: none of its targets is selected.
    DatasetSkipped { dataset: &'a str },
    /// A (dataset, target) pair failed a privacy, capability or budget rule: not sent,
    /// or sent anyway when `exclusion.forced`.
    PairExcluded { exclusion: &'a Exclusion },
    /// A run is taken up again with what it already recorded and spent.
    Resuming {
        run_id: &'a str,
        recorded: usize,
        spent_usd: f64,
    },
    /// Dispatch starts: `jobs` (target, case, repeat) results are left to record, of
    /// `shard` when the run is split across processes.
    RunStarted {
        run_id: &'a str,
        jobs: u64,
        shard: Option<routeval_core::Shard>,
    },
    /// One case finished (recorded next by the writer).
    CaseFinished { outcome: &'a CaseOutcome },
    /// The run ended and is marked with `summary.status`.
    RunFinished {
        run_id: &'a str,
        summary: &'a RunSummary,
    },
    /// The run ended on an error and is marked `failed` with `reason`.
    RunFailed { run_id: &'a str, reason: &'a str },
    /// One dataset re-graded: its results, how many the new verdicts accept, how many
    /// the live ones did, and the judge verdicts reused and asked for.
    DatasetRescored {
        dataset: &'a str,
        results: usize,
        accepted: usize,
        live_accepted: usize,
        judges_cached: usize,
        judges_asked: usize,
    },
    /// Something the user should know that does not stop the work.
    Warning(String),
}

/// An observer that ignores everything.
#[derive(Clone, Copy, Debug, Default)]
pub struct Silent;

impl Observer for Silent {
    fn event(&self, _: &Event<'_>) {}
}
