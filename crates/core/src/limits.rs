//! How much of what an endpoint sends routeval reads and keeps: the suite's `[limits]`.
//!
//! Everything a response controls (its size, the size of one stream event, how many
//! choices and tool calls it carries, the index of a tool call) is bounded, so a broken
//! or hostile endpoint costs a recorded attempt of class `oversized`, never the memory
//! of the run. The defaults are far above what a real answer needs.

use crate::redact::redact;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// The most tool calls or choices a limit may allow: that many are kept while a
/// response is read, the rest only counted.
pub const MAX_COUNT_LIMIT: u32 = 1024;

/// The smallest `max_stored_text_bytes`: room for a cut text's marker and some text.
pub const MIN_STORED_TEXT_BYTES: u64 = 256;

/// `[limits]` of a suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Largest response body read, streamed or not (bytes).
    pub max_body_bytes: u64,
    /// Largest single stream event or line (bytes).
    pub max_event_bytes: u64,
    /// Bytes of an HTTP error body read; the rest is not read, only its size noted.
    pub max_error_body_bytes: u64,
    /// Most tool calls in one answer; a tool call's stream `index` must be below it.
    pub max_tool_calls: u32,
    /// Most choices in one response.
    pub max_choices: u32,
    /// Longest answer content, tool calls or error message stored (bytes); longer ones
    /// are cut, marked, and their full size stored beside them.
    pub max_stored_text_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: 32 << 20,
            max_event_bytes: 8 << 20,
            max_error_body_bytes: 64 << 10,
            max_tool_calls: 128,
            max_choices: 16,
            max_stored_text_bytes: 64 << 10,
        }
    }
}

impl Limits {
    /// The first limit out of its range, as (key, why).
    pub fn check(&self) -> Result<(), (&'static str, String)> {
        let at_least = |key: &'static str, value: u64, min: u64| {
            if value < min {
                Err((key, format!("must be at least {min}")))
            } else {
                Ok(())
            }
        };
        at_least("max_body_bytes", self.max_body_bytes, 1024)?;
        at_least("max_event_bytes", self.max_event_bytes, 1024)?;
        at_least("max_error_body_bytes", self.max_error_body_bytes, 256)?;
        at_least(
            "max_stored_text_bytes",
            self.max_stored_text_bytes,
            MIN_STORED_TEXT_BYTES,
        )?;
        for (key, value) in [
            ("max_tool_calls", self.max_tool_calls),
            ("max_choices", self.max_choices),
        ] {
            if !(1..=MAX_COUNT_LIMIT).contains(&value) {
                return Err((key, format!("must be between 1 and {MAX_COUNT_LIMIT}")));
            }
        }
        Ok(())
    }
}

/// A secret (or bearer token) that a cut would split lies within this many bytes of it.
const SECRET_WINDOW: usize = 4096;

/// How far a cut steps back from a secret it would split.
const STEP: usize = 32;

/// `text` cut to at most `max` bytes (on a character boundary), ending in a marker
/// with the full size, when it is longer; `None` when it fits.
///
/// A cut never keeps part of a secret: the kept part ends where no registered secret
/// or bearer token is near (see [`crate::redact`]), and whatever whole secrets it holds
/// are redacted. So the text can be cut before it is redacted, and a 20 MB message is
/// never copied whole to be redacted.
pub fn cut_text(text: &str, max: usize) -> Option<String> {
    if text.len() <= max {
        return None;
    }
    let marker = format!("…[truncated, {} bytes in all]", text.len());
    let room = max.saturating_sub(marker.len());
    let mut end = floor_boundary(text, room);
    // A secret straddles the cut when the text around it, redacted whole, differs
    // from its two sides redacted apart: step back until none does.
    while end > 0 {
        let lo = floor_boundary(text, end.saturating_sub(SECRET_WINDOW));
        let hi = ceil_boundary(text, (end + SECRET_WINDOW).min(text.len()));
        let whole = redact(&text[lo..hi]);
        if matches!(whole, Cow::Borrowed(_)) {
            break;
        }
        let (left, right) = (redact(&text[lo..end]), redact(&text[end..hi]));
        if whole.len() == left.len() + right.len()
            && whole.starts_with(&*left)
            && whole.ends_with(&*right)
        {
            break;
        }
        end = floor_boundary(text, end.saturating_sub(STEP));
    }
    // Redaction may lengthen what is kept (a short key becomes `[REDACTED]`).
    let kept = redact(&text[..end]);
    let kept = &kept[..floor_boundary(&kept, room)];
    Some(format!("{kept}{marker}"))
}

/// The largest character boundary at or before `at`.
fn floor_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// The smallest character boundary at or after `at`.
fn ceil_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_in_range() {
        assert_eq!(Limits::default().check(), Ok(()));
        let zero = Limits {
            max_tool_calls: 0,
            ..Limits::default()
        };
        assert_eq!(zero.check().unwrap_err().0, "max_tool_calls");
    }

    #[test]
    fn cut_text_stays_within_the_limit_and_says_how_much_there_was() {
        assert_eq!(cut_text("short", 300), None);
        let long = "é".repeat(1000);
        let cut = cut_text(&long, 300).unwrap();
        assert!(cut.len() <= 300, "{}", cut.len());
        assert!(cut.ends_with("…[truncated, 2000 bytes in all]"), "{cut}");
        assert!(cut.starts_with("éé"));
    }

    #[test]
    fn a_cut_never_keeps_part_of_a_secret() {
        let key = "sk-limits-test-secret-0123456789";
        crate::redact::register(key);
        // The key straddles where a plain cut would fall, at every offset.
        for shift in 0..key.len() {
            let text = format!(
                "{}{key} and more{}",
                "a".repeat(200 + shift),
                "b".repeat(500)
            );
            let cut = cut_text(&text, 300).unwrap();
            assert!(cut.len() <= 300);
            for n in 4..=key.len() {
                assert!(!cut.contains(&key[..n]), "{shift}: {cut}");
            }
        }
        // Whole keys in the kept part are redacted, and what is around them kept.
        let text = format!("HTTP 500: {key} {}", "c".repeat(20_000));
        let cut = cut_text(&text, 300).unwrap();
        assert!(!cut.contains("sk-limits"), "{cut}");
        assert!(cut.starts_with("HTTP 500: [REDACTED] ccc"), "{cut}");
    }
}
