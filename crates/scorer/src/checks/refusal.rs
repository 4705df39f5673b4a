//! `refusal`: the answer is not a refusal, or is one with `refuse = true`; refusals
//! are common ways models decline, looked for near the start of the text.

use super::{quote, Input, Row};
use regex::RegexSet;
use routeval_core::scorer_spec::RefusalCheck;
use std::sync::LazyLock;

/// How far into an answer refusal phrasings are looked for: refusals come first, and
/// an answer that quotes "I can't" deep inside is not declining.
const REFUSAL_WINDOW: usize = 400;

/// Common ways models decline, matched case-insensitively near the start.
static REFUSALS: LazyLock<RegexSet> = LazyLock::new(|| {
    RegexSet::new([
        r"(?i)\bi(?: am|'m)? (?:so |very |really )?sorry,? (?:but )?i (?:can(?:'t|not)|won't|am unable|'m unable|am not able|'m not able)",
        r"(?i)\bi (?:can(?:'t|not)|won't|will not|am unable to|'m unable to|am not able to|'m not able to) (?:help|assist|comply|provide|do that|fulfil|fulfill|support|answer|share|create|generate|write|complete)",
        r"(?i)\bi(?: must|'d have to|'ll have to| have to) (?:respectfully )?decline\b",
        r"(?i)\b(?:unable|not able) to (?:help|assist|comply) with (?:that|this|your request)",
        r"(?i)\bas an ai(?: language model| assistant)?,? i (?:can(?:'t|not)|don't|am not|'m not)",
        r"(?i)\b(?:this|that|your) request (?:goes against|violates|is against) (?:my|our|the) (?:guidelines|policies|policy|usage policies)",
        r"(?i)\bi(?:'m| am) not (?:comfortable|permitted|allowed) (?:to |with )",
    ])
    .expect("refusal patterns compile")
});

/// Whether a text reads as a refusal (OpenAI's `refusal` field aside).
pub fn is_refusal(text: &str) -> bool {
    let head: String = text
        .chars()
        .take(REFUSAL_WINDOW)
        .map(|c| if c == '\u{2019}' { '\'' } else { c })
        .collect();
    REFUSALS.is_match(&head)
}

pub(super) fn grade(check: &RefusalCheck, input: &Input<'_>) -> Row {
    // An answer that calls tools is acting, not declining.
    let answer = &input.answer;
    let refused = answer.tool_calls.is_none_or(<[_]>::is_empty) && is_refusal(input.content());
    match (refused, check.refuse) {
        (false, false) | (true, true) => (true, 1.0, None),
        (true, false) => (
            false,
            0.0,
            Some(format!("answer is a refusal: {}", quote(input.content()))),
        ),
        (false, true) => (false, 0.0, Some("expected a refusal, got an answer".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::is_refusal;

    #[test]
    fn common_refusals_are_detected() {
        for text in [
            "I'm sorry, but I can't help with that.",
            "I’m sorry, I cannot assist with this request.",
            "I can't provide that information.",
            "I cannot comply with this request.",
            "I am unable to help with that.",
            "I must decline this request.",
            "Sorry, I won't do that. I won't help with this.",
            "As an AI language model, I cannot browse the internet.",
            "This request violates my guidelines.",
            "I'm not comfortable with writing that.",
            "Unfortunately I'm not able to assist with that.",
        ] {
            assert!(is_refusal(text), "{text}");
        }
    }

    #[test]
    fn answers_are_not_refusals() {
        for text in [
            "{\"category\": \"billing\"}",
            "Sure! Here is the summary you asked for.",
            "I can help with that: your order ships Monday.",
            "The customer wrote: I can't log in.",
            "",
        ] {
            assert!(!is_refusal(text), "{text}");
        }
        let long = format!("{} I can't help with that.", "word ".repeat(200));
        assert!(
            !is_refusal(&long),
            "a phrase far from the start is quoted, not a refusal"
        );
    }
}
