//! The progress bar of a run: cases done, accepted so far, spend so far.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use routeval_core::CaseOutcome;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

pub struct RunProgress {
    pub bar: ProgressBar,
    accepted: AtomicU64,
    spent_micro_usd: AtomicU64,
    /// Cases whose cost is unknown (not in `spent_micro_usd`).
    unknown_cost: AtomicU64,
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
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} cases · {msg} · eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        Arc::new(Self {
            bar,
            accepted: AtomicU64::new(0),
            spent_micro_usd: AtomicU64::new(0),
            unknown_cost: AtomicU64::new(0),
        })
    }

    pub fn record(&self, outcome: &CaseOutcome) {
        let accepted = self
            .accepted
            .fetch_add(u64::from(outcome.result.accepted), Ordering::Relaxed)
            + u64::from(outcome.result.accepted);
        let micro_usd = outcome.result.cost.map_or(0, |c| (c * 1e6) as u64);
        let spent = self.spent_micro_usd.fetch_add(micro_usd, Ordering::Relaxed) + micro_usd;
        let unknown_case = u64::from(outcome.result.cost.is_none());
        let unknown = self.unknown_cost.fetch_add(unknown_case, Ordering::Relaxed) + unknown_case;
        self.bar.inc(1);
        let done = self.bar.position().max(1);
        let unknown = if unknown > 0 {
            format!(" (+ {unknown} cases of unknown cost)")
        } else {
            String::new()
        };
        self.bar.set_message(format!(
            "{:.1}% accepted · ${:.4} spent{unknown}",
            accepted as f64 * 100.0 / done as f64,
            spent as f64 / 1e6
        ));
    }
}
