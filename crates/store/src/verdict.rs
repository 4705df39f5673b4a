//! A verdict's fingerprint (`results.verdict_digest`): what grading decided about a
//! result, hashed, so a rescore can tell an unchanged verdict from a changed one without
//! reading the live one's scores back.

use routeval_core::record::without_cache_marks;
use routeval_core::redact::{Redact, Redactor};
use routeval_core::{ErrorClass, ResultRecord};
use std::cell::RefCell;
use xxhash_rust::xxh3::xxh3_64;

/// Redact a new verdict as the store writes it and tell whether it is the live one (the
/// same fingerprint as `live`; `None`, a verdict stored before fingerprints, never is).
/// A rescore calls it where it grades, on every core, so only changed verdicts travel on.
pub fn keeps_live(verdict: &mut ResultRecord, live: Option<i64>) -> bool {
    verdict.redact_in_place(&Redactor::GLOBAL);
    live.is_some_and(|d| d == digest(verdict))
}

/// The fingerprint of a verdict as stored (after redaction): whether it was accepted, its
/// reason and error class, and each score's check, pass, value and detail, in order.
/// A judge verdict reused from the cache fingerprints as the same verdict asked for.
/// XXH3 is a fixed algorithm, so a fingerprint stored by one build is compared by a later
/// one. Every field is length- or tag-prefixed: no two verdicts hash the same bytes.
pub(crate) fn digest(r: &ResultRecord) -> i64 {
    thread_local! {
        /// The bytes hashed, kept between calls: a verdict is a few hundred bytes in
        /// many small pieces, hashed in one go (streaming them piece by piece cost
        /// more than the hash); XXH3 gives the same value either way.
        static BYTES: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    }
    BYTES.with(|bytes| {
        let mut b = bytes.borrow_mut();
        b.clear();
        b.push(u8::from(r.accepted));
        text(&mut b, &without_cache_marks(&r.reason));
        optional_text(&mut b, r.error_class.map(ErrorClass::as_str));
        b.extend_from_slice(&(r.scores.len() as u64).to_le_bytes());
        for s in &r.scores {
            text(&mut b, &s.check);
            b.push(u8::from(s.pass));
            b.extend_from_slice(&s.value.to_bits().to_le_bytes());
            optional_text(
                &mut b,
                s.detail.as_deref().map(without_cache_marks).as_deref(),
            );
        }
        // The database keeps 64 signed bits; the bits are what count.
        xxh3_64(&b) as i64
    })
}

fn text(b: &mut Vec<u8>, s: &str) {
    b.extend_from_slice(&(s.len() as u64).to_le_bytes());
    b.extend_from_slice(s.as_bytes());
}

fn optional_text(b: &mut Vec<u8>, s: Option<&str>) {
    match s {
        None => b.push(0),
        Some(s) => {
            b.push(1);
            text(b, s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use routeval_core::ScoreRecord;

    fn verdict() -> ResultRecord {
        ResultRecord {
            target: "t".into(),
            target_kind: "route".into(),
            dataset: "d".into(),
            case_id: "c1".into(),
            repeat: 0,
            accepted: true,
            served_step: Some(0),
            served_route: Some("r".into()),
            attempts: 1,
            validation_retries: 0,
            transport_retries: 0,
            cost: Some(0.001),
            latency_ms: 12.0,
            ttft_ms: None,
            error_class: None,
            reason: "accepted".into(),
            scores: vec![
                ScoreRecord {
                    check: "json".into(),
                    pass: true,
                    value: 1.0,
                    detail: None,
                },
                ScoreRecord {
                    check: "enum.priority".into(),
                    pass: true,
                    value: 1.0,
                    detail: Some("high".into()),
                },
            ],
        }
    }

    #[test]
    fn every_part_of_a_verdict_changes_its_fingerprint_and_nothing_else_does() {
        let base = verdict();
        let same = ResultRecord {
            latency_ms: 99.0,
            cost: Some(3.0),
            attempts: 7,
            ..verdict()
        };
        assert_eq!(digest(&base), digest(&same), "only the verdict counts");
        let changes: Vec<fn(&mut ResultRecord)> = vec![
            |r| r.accepted = false,
            |r| r.reason = "accepted ".into(),
            |r| r.error_class = Some(ErrorClass::SchemaInvalid),
            |r| r.scores[1].pass = false,
            |r| r.scores[1].value = 0.5,
            |r| r.scores[1].detail = None,
            |r| r.scores[1].detail = Some("".into()),
            |r| r.scores[0].check = "json.strict".into(),
            |r| r.scores.swap(0, 1),
            |r| {
                r.scores.pop();
            },
            // Bytes moved from one field to the next must not hash alike.
            |r| {
                r.scores[1].check = "enum.priorityh".into();
                r.scores[1].detail = Some("igh".into());
            },
        ];
        for (i, change) in changes.iter().enumerate() {
            let mut r = verdict();
            change(&mut r);
            assert_ne!(digest(&base), digest(&r), "change {i} went unseen");
        }
    }

    #[test]
    fn a_cached_judge_verdict_is_the_verdict_asked_for() {
        let judged = |mark: &str| ResultRecord {
            accepted: false,
            reason: format!("failed policy: judge j: fail 1/5{mark} rude"),
            scores: vec![ScoreRecord {
                check: "policy".into(),
                pass: false,
                value: 0.0,
                detail: Some(format!("judge j: fail 1/5{mark} rude")),
            }],
            ..verdict()
        };
        assert_eq!(digest(&judged(":")), digest(&judged(", cached:")));
        assert_ne!(digest(&judged(":")), digest(&judged(": ")));
    }

    /// The fingerprint of `verdict()` when fingerprints were first stored.
    const GOLDEN: i64 = -4_507_273_419_924_492_304;

    #[test]
    fn the_fingerprint_is_the_same_in_every_build() {
        // Stored fingerprints outlive the binary that wrote them.
        assert_eq!(digest(&verdict()), GOLDEN);
    }
}
