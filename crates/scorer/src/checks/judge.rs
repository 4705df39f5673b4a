//! `judge`: a judge route grades the answer against the check's rubric. The verdict
//! comes after the answer is in (see `Scorer::with_judgements`): until then the check
//! fails as not judged.

use super::Row;
use crate::judge::NOT_JUDGED;
use routeval_core::scorer_spec::{JudgeCheck, JudgeScale};
use routeval_core::{JudgeVerdict, ScoreRecord};

/// A judge check with no verdict yet.
pub(super) fn grade(check: &JudgeCheck) -> Row {
    let row = row(check, None);
    (row.pass, row.value, row.detail)
}

/// The score row of a judge check: its verdict, or a failed row saying why there is none.
pub(crate) fn row(check: &JudgeCheck, verdict: Option<&JudgeVerdict>) -> ScoreRecord {
    let Some(v) = verdict else {
        return ScoreRecord {
            check: check.name().to_string(),
            pass: false,
            value: 0.0,
            detail: Some(NOT_JUDGED.into()),
        };
    };
    let value = match (check.scale, v.score) {
        (JudgeScale::Score, Some(s)) => (s - 1.0) / 4.0,
        _ => f64::from(u8::from(v.pass)),
    };
    let score = v.score.map(|s| format!(" {s}/5")).unwrap_or_default();
    let mark = if v.cached {
        routeval_core::record::JUDGE_CACHED_MARK
    } else {
        ":"
    };
    ScoreRecord {
        check: check.name().to_string(),
        pass: v.pass,
        value,
        detail: Some(format!(
            "judge {}: {}{score}{mark} {}",
            v.judge_route,
            if v.pass { "pass" } else { "fail" },
            v.reason
        )),
    }
}
