//! Secrets never leave the process. Every API key read from the environment is
//! registered here, once, in a process-wide registry; the store passes every string it
//! writes through it and the command line every byte it prints or writes to a file,
//! so a new code path cannot forget to redact.
//!
//! Redaction runs on every stored string, so the common case is cheap: one substring
//! search per registered secret (and one for `Bearer `), no allocation unless
//! something is found.

use crate::record::{
    AttemptRecord, CaseOutcome, JudgeAttempt, JudgeVerdict, Judging, ResultRecord, ScoreRecord,
};
use std::borrow::Cow;
use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::RwLock;

/// What a secret is replaced with.
pub const REDACTED: &str = "[REDACTED]";

/// Shorter values are not registered: they would redact ordinary words. Keys are long.
pub const MIN_SECRET_LEN: usize = 8;

/// A bearer token shorter than this is left alone (`Bearer token`, `Bearer bonds`).
const MIN_BEARER_TOKEN_LEN: usize = 8;

const BEARER: &str = "Bearer ";

static SECRETS: RwLock<Vec<Box<str>>> = RwLock::new(Vec::new());

/// Bumped by every registration, under the registry's write lock.
static GENERATION: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// This thread's copy of the registry and the generation it was taken at. Redaction
    /// runs on every stored string from every thread: reading a shared lock each time
    /// made the threads fight over its counter; a copy costs one atomic load to check.
    static SNAPSHOT: RefCell<(u64, Vec<Box<str>>)> = const { RefCell::new((0, Vec::new())) };
}

/// `f` over the registered secrets, longest first, as of now.
fn with_secrets<T>(f: impl FnOnce(&[Box<str>]) -> T) -> T {
    let generation = GENERATION.load(Ordering::Acquire);
    SNAPSHOT.with(|snapshot| {
        let mut snapshot = snapshot.borrow_mut();
        if snapshot.0 != generation {
            let secrets = SECRETS.read().unwrap_or_else(|e| e.into_inner());
            *snapshot = (generation, secrets.clone());
        }
        f(&snapshot.1)
    })
}

/// Register a secret: from now on it is redacted from everything stored or printed.
/// Values shorter than [`MIN_SECRET_LEN`] are ignored.
pub fn register(secret: &str) {
    let secret = secret.trim();
    if secret.len() < MIN_SECRET_LEN {
        return;
    }
    let mut secrets = SECRETS.write().unwrap_or_else(|e| e.into_inner());
    if !secrets.iter().any(|s| &**s == secret) {
        secrets.push(secret.into());
        // Longest first, so a secret that contains another is replaced whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        GENERATION.fetch_add(1, Ordering::AcqRel);
    }
}

/// Read an environment variable that holds a key, registering its value when set.
pub fn register_env(var: &str) -> Option<String> {
    let value = std::env::var(var).ok().filter(|v| !v.is_empty())?;
    register(&value);
    Some(value)
}

/// `text` with every registered secret, and every `Bearer <token>`, replaced by
/// [`REDACTED`]. Borrowed (no allocation) when there is nothing to replace.
pub fn redact(text: &str) -> Cow<'_, str> {
    Redactor::GLOBAL.redact(text)
}

/// [`redact`] for bytes that should be text (what a writer is handed).
pub fn redact_bytes(bytes: &[u8]) -> Cow<'_, [u8]> {
    Redactor::GLOBAL.redact_bytes(bytes)
}

/// A handle on the process-wide registry of secrets (see [`register`]).
///
/// [`Redactor::new`] registers the secrets it is given; every redactor redacts every
/// secret registered so far, whoever registered it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Redactor {
    _registry: (),
}

impl Redactor {
    /// The redactor (all of them redact every registered secret).
    pub const GLOBAL: Redactor = Redactor { _registry: () };

    /// Register `secrets` (see [`register`]) and return a redactor.
    pub fn new(secrets: impl IntoIterator<Item = String>) -> Self {
        for secret in secrets {
            register(&secret);
        }
        Redactor::GLOBAL
    }

    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let out = with_secrets(|secrets| {
            let mut out = Cow::Borrowed(text);
            for secret in secrets {
                if out.contains(&**secret) {
                    out = Cow::Owned(out.replace(&**secret, REDACTED));
                }
            }
            out
        });
        if !out.contains(BEARER) {
            return out;
        }
        match redact_bearer(&out) {
            Some(changed) => Cow::Owned(changed),
            None => out,
        }
    }

    /// Redact bytes: text is redacted as text; bytes that are not UTF-8 have the
    /// registered secrets replaced where they occur.
    pub fn redact_bytes<'a>(&self, bytes: &'a [u8]) -> Cow<'a, [u8]> {
        if let Ok(text) = std::str::from_utf8(bytes) {
            return match self.redact(text) {
                Cow::Borrowed(_) => Cow::Borrowed(bytes),
                Cow::Owned(s) => Cow::Owned(s.into_bytes()),
            };
        }
        with_secrets(|secrets| {
            let mut out = Cow::Borrowed(bytes);
            for secret in secrets {
                if let Some(replaced) = replace_bytes(&out, secret.as_bytes()) {
                    out = Cow::Owned(replaced);
                }
            }
            out
        })
    }

    /// Redact a string in place; it is reallocated only when something is replaced.
    pub fn redact_string(&self, text: &mut String) {
        if let Cow::Owned(redacted) = self.redact(text) {
            *text = redacted;
        }
    }
}

/// `Bearer xyz...` becomes `Bearer [REDACTED]`, whatever the token; None when no token
/// was found. A token is a run of RFC 6750 token characters, at least
/// [`MIN_BEARER_TOKEN_LEN`] long and not all letters (an English word is not a token).
fn redact_bearer(text: &str) -> Option<String> {
    let mut out: Option<String> = None;
    let mut rest = text;
    let mut copied_to = 0;
    let mut scanned = 0;
    while let Some(i) = rest.find(BEARER) {
        let token_start = scanned + i + BEARER.len();
        let after = &text[token_start..];
        let mut token_len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || "-._~+/".contains(c)))
            .unwrap_or(after.len());
        token_len += after[token_len..]
            .bytes()
            .take_while(|b| *b == b'=')
            .count();
        let token = &after[..token_len];
        let is_token = token.len() >= MIN_BEARER_TOKEN_LEN
            && !token.chars().all(|c| c.is_ascii_alphabetic())
            && token != REDACTED;
        if is_token {
            let out = out.get_or_insert_with(|| String::with_capacity(text.len()));
            out.push_str(&text[copied_to..token_start]);
            out.push_str(REDACTED);
            copied_to = token_start + token_len;
        }
        scanned = token_start + token_len;
        rest = &text[scanned..];
    }
    out.map(|mut out| {
        out.push_str(&text[copied_to..]);
        out
    })
}

/// Whether what `reader` yields holds a registered secret anywhere: for output that
/// cannot be redacted without breaking it (binary files), so it is refused instead.
pub fn reader_holds_secret(mut reader: impl std::io::Read) -> std::io::Result<bool> {
    let secrets: Vec<Box<str>> = with_secrets(<[Box<str>]>::to_vec);
    let Some(longest) = secrets.iter().map(|s| s.len()).max() else {
        return Ok(false);
    };
    let mut window: Vec<u8> = Vec::with_capacity(64 * 1024 + longest);
    let mut piece = vec![0u8; 64 * 1024];
    loop {
        let n = reader.read(&mut piece)?;
        if n == 0 {
            return Ok(false);
        }
        window.extend_from_slice(&piece[..n]);
        let found = secrets.iter().any(|s| {
            let needle = s.as_bytes();
            window.windows(needle.len()).any(|w| w == needle)
        });
        if found {
            return Ok(true);
        }
        // Keep what a secret split between two pieces could start with.
        let keep = window.len().min(longest - 1);
        window.drain(..window.len() - keep);
    }
}

/// `haystack` with every `needle` replaced by [`REDACTED`], or None when it has none.
fn replace_bytes(haystack: &[u8], needle: &[u8]) -> Option<Vec<u8>> {
    let find = |from: usize| {
        haystack[from..]
            .windows(needle.len())
            .position(|w| w == needle)
            .map(|i| i + from)
    };
    let mut at = find(0)?;
    let mut out = Vec::with_capacity(haystack.len());
    let mut copied_to = 0;
    loop {
        out.extend_from_slice(&haystack[copied_to..at]);
        out.extend_from_slice(REDACTED.as_bytes());
        copied_to = at + needle.len();
        match find(copied_to) {
            Some(next) => at = next,
            None => break,
        }
    }
    out.extend_from_slice(&haystack[copied_to..]);
    Some(out)
}

/// A value whose strings can be redacted in place.
///
/// Records implement it by naming every field (no `..`), so a string field added
/// later does not compile until it is redacted or explicitly skipped.
pub trait Redact {
    /// Replace every secret in every string, allocating only where one occurs.
    fn redact_in_place(&mut self, r: &Redactor);
    /// Whether any string holds something [`Redact::redact_in_place`] would replace.
    fn needs_redaction(&self, r: &Redactor) -> bool;
}

impl Redact for String {
    fn redact_in_place(&mut self, r: &Redactor) {
        r.redact_string(self);
    }
    fn needs_redaction(&self, r: &Redactor) -> bool {
        matches!(r.redact(self), Cow::Owned(_))
    }
}

impl<T: Redact> Redact for Option<T> {
    fn redact_in_place(&mut self, r: &Redactor) {
        if let Some(v) = self {
            v.redact_in_place(r);
        }
    }
    fn needs_redaction(&self, r: &Redactor) -> bool {
        self.as_ref().is_some_and(|v| v.needs_redaction(r))
    }
}

impl<T: Redact> Redact for Vec<T> {
    fn redact_in_place(&mut self, r: &Redactor) {
        for v in self {
            v.redact_in_place(r);
        }
    }
    fn needs_redaction(&self, r: &Redactor) -> bool {
        self.iter().any(|v| v.needs_redaction(r))
    }
}

/// `items` as they may be stored: borrowed when nothing in them needs redacting, else
/// a redacted copy.
pub fn redacted<T: Redact + Clone>(items: &[T]) -> Cow<'_, [T]> {
    let r = Redactor::GLOBAL;
    if !items.iter().any(|i| i.needs_redaction(&r)) {
        return Cow::Borrowed(items);
    }
    let mut owned = items.to_vec();
    owned.redact_in_place(&r);
    Cow::Owned(owned)
}

/// One item as it may be stored (see [`redacted`]).
pub fn redacted_one<T: Redact + Clone>(item: &T) -> Cow<'_, T> {
    let r = Redactor::GLOBAL;
    if !item.needs_redaction(&r) {
        return Cow::Borrowed(item);
    }
    let mut owned = item.clone();
    owned.redact_in_place(&r);
    Cow::Owned(owned)
}

/// Implement [`Redact`] for a struct: `fields` are redacted, `skip` are not strings
/// (or not free text). Every field must be named in one list or the other.
#[macro_export]
macro_rules! impl_redact {
    ($ty:ident { $($field:ident),* $(,)? } skip { $($skip:ident),* $(,)? }) => {
        impl $crate::redact::Redact for $ty {
            fn redact_in_place(&mut self, r: &$crate::redact::Redactor) {
                let $ty { $($field,)* $($skip: _,)* } = self;
                $( $crate::redact::Redact::redact_in_place($field, r); )*
            }
            fn needs_redaction(&self, r: &$crate::redact::Redactor) -> bool {
                let $ty { $($field,)* $($skip: _,)* } = self;
                false $( || $crate::redact::Redact::needs_redaction($field, r) )*
            }
        }
    };
}

// What a run produces is redacted once, where the store takes it in. Every field is
// named: a new one must be placed in a list.
crate::impl_redact!(AttemptRecord {
    target, route, dataset, case_id, request_id, request_hash, error_message, error_metadata,
    served_model,
    served_provider, generation_id, finish_reason, native_finish_reason, content, tool_calls,
    policy_violation, provider_responses, response_provider,
} skip {
    chain_step, repeat, try_index, turn, http_attempt, status, error_class, prompt_tokens,
    completion_tokens, cached_tokens, reasoning_tokens, cost, cost_source, latency_ms, ttft_ms,
    chunks, retry_after_s, started_at_ms, error_bytes, content_bytes, tool_calls_bytes, is_byok,
    fee_cost, upstream_cost, cache_write_tokens, response_cost,
});
crate::impl_redact!(ScoreRecord { check, detail } skip { pass, value });
crate::impl_redact!(ResultRecord {
    target, target_kind, dataset, case_id, served_route, reason, scores,
} skip {
    repeat, accepted, served_step, attempts, validation_retries, transport_retries, cost,
    latency_ms, ttft_ms, error_class,
});
crate::impl_redact!(CaseOutcome { attempts, result, judging } skip {});
crate::impl_redact!(Judging { attempts, verdicts } skip {});
crate::impl_redact!(JudgeAttempt { check, cache_key, attempt } skip {});
crate::impl_redact!(JudgeVerdict { cache_key, check, judge_route, reason } skip { pass, score, cached });

#[cfg(test)]
mod tests {
    use super::*;

    // The registry is process-wide: each test registers its own secrets.

    #[test]
    fn redacts_registered_keys_and_bearer_tokens() {
        let r = Redactor::new(["sk-or-canary-123456".to_string(), "x".to_string()]);
        assert_eq!(
            r.redact("key sk-or-canary-123456 leaked, sk-or-canary-123456 again"),
            "key [REDACTED] leaked, [REDACTED] again"
        );
        assert_eq!(
            r.redact("Authorization: Bearer abc.def-42, next"),
            "Authorization: Bearer [REDACTED], next"
        );
        assert_eq!(r.redact("x marks"), "x marks");
        assert_eq!(
            r.redact("{\"auth\":\"Bearer Zm9vYmFyYmF6==\"}"),
            "{\"auth\":\"Bearer [REDACTED]\"}"
        );
        // A JSON-escaped quote ends the token without losing its backslash.
        assert_eq!(
            r.redact(r#""{\"h\":\"Bearer tok_12345678\"}""#),
            r#""{\"h\":\"Bearer [REDACTED]\"}""#
        );
    }

    #[test]
    fn nothing_to_redact_borrows() {
        register("sk-or-borrow-test-000");
        for text in [
            "plain answer",
            "",
            "Bearer bonds are sold to the bearer",
            "Bearer short1",
            "Bearer [REDACTED]",
        ] {
            assert!(
                matches!(redact(text), Cow::Borrowed(_)),
                "{text:?} is left as is"
            );
        }
    }

    #[test]
    fn every_registered_secret_is_redacted_wherever_it_was_registered() {
        register("first-secret-aaaa");
        let _ = Redactor::new(["second-secret-bbbb".to_string()]);
        assert_eq!(
            redact("first-secret-aaaa / second-secret-bbbb"),
            "[REDACTED] / [REDACTED]"
        );
        // A secret inside a longer one: the longer is replaced whole.
        register("outer-secret-cccc-and-more");
        register("secret-cccc");
        assert_eq!(redact("<outer-secret-cccc-and-more>"), "<[REDACTED]>");
    }

    #[test]
    fn a_secret_registered_later_is_redacted_on_a_thread_that_redacted_before() {
        // The other thread redacts first (taking its copy of the registry), then again
        // after this one registers a new secret: its copy must not be stale.
        let (registered, wait) = std::sync::mpsc::channel::<()>();
        let (copied, ready) = std::sync::mpsc::channel::<()>();
        let other = std::thread::spawn(move || {
            assert_eq!(redact("late-secret-eeee"), "late-secret-eeee");
            copied.send(()).unwrap();
            wait.recv().unwrap();
            redact("late-secret-eeee").into_owned()
        });
        ready.recv().unwrap();
        register("late-secret-eeee");
        registered.send(()).unwrap();
        assert_eq!(other.join().unwrap(), "[REDACTED]");
    }

    #[test]
    fn bytes_are_redacted_even_when_not_utf8() {
        register("byte-secret-dddd");
        assert_eq!(
            &*redact_bytes(b"log byte-secret-dddd\n"),
            b"log [REDACTED]\n"
        );
        let mut bytes = b"\xff byte-secret-dddd \xfe".to_vec();
        bytes = redact_bytes(&bytes).into_owned();
        assert_eq!(bytes, b"\xff [REDACTED] \xfe");
        assert!(matches!(redact_bytes(b"\xff nothing"), Cow::Borrowed(_)));
    }

    #[test]
    fn env_keys_register_themselves() {
        // A variable only this test uses.
        std::env::set_var("ROUTEVAL_REDACT_TEST_KEY", "env-secret-eeee-1234");
        assert_eq!(
            register_env("ROUTEVAL_REDACT_TEST_KEY").as_deref(),
            Some("env-secret-eeee-1234")
        );
        assert_eq!(redact("got env-secret-eeee-1234"), "got [REDACTED]");
        assert_eq!(register_env("ROUTEVAL_REDACT_TEST_UNSET_VAR"), None);
    }

    #[test]
    fn a_secret_is_found_across_pieces_of_a_reader() {
        register("reader-secret-hhhh");
        let mut bytes = vec![0u8; 64 * 1024 - 5];
        bytes.extend_from_slice(b"reader-secret-hhhh");
        bytes.extend_from_slice(&[1, 2, 3]);
        assert!(reader_holds_secret(&bytes[..]).unwrap());
        assert!(!reader_holds_secret(&bytes[..64 * 1024]).unwrap());
    }

    #[derive(Clone)]
    struct Sample {
        text: String,
        maybe: Option<String>,
        list: Vec<String>,
        count: u32,
    }
    impl_redact!(Sample { text, maybe, list } skip { count });

    #[test]
    fn records_are_redacted_field_by_field() {
        register("field-secret-ffff");
        let clean = Sample {
            text: "a".into(),
            maybe: None,
            list: vec!["b".into()],
            count: 1,
        };
        assert!(matches!(redacted_one(&clean), Cow::Borrowed(_)));
        let dirty = Sample {
            text: "a".into(),
            maybe: Some("k=field-secret-ffff".into()),
            list: vec!["b".into(), "field-secret-ffff".into()],
            count: 2,
        };
        let items = [clean.clone(), dirty];
        let Cow::Owned(out) = redacted(&items) else {
            panic!("a secret was there")
        };
        assert_eq!(out[1].maybe.as_deref(), Some("k=[REDACTED]"));
        assert_eq!(out[1].list, ["b", "[REDACTED]"]);
        assert_eq!(out[1].count, 2);
        assert_eq!(out[0].text, "a");
    }

    #[test]
    fn a_case_outcome_is_redacted_whole() {
        register("outcome-secret-gggg");
        let key = "outcome-secret-gggg";
        let attempt = AttemptRecord {
            error_message: Some(format!("401: bad key {key}")),
            served_provider: Some(format!("provider-{key}")),
            content: Some(format!("the header was Bearer {key}")),
            tool_calls: Some(format!(r#"[{{"arguments":"{{\"k\":\"{key}\"}}"}}]"#)),
            ..AttemptRecord::default()
        };
        let mut outcome = CaseOutcome {
            attempts: vec![attempt.clone()],
            result: ResultRecord {
                target: "t".into(),
                target_kind: "route".into(),
                dataset: "d".into(),
                case_id: "c".into(),
                repeat: 0,
                accepted: false,
                served_step: None,
                served_route: None,
                attempts: 1,
                validation_retries: 0,
                transport_retries: 0,
                cost: Default::default(),
                latency_ms: 1.0,
                ttft_ms: None,
                error_class: None,
                reason: format!("failed: {key}"),
                scores: vec![ScoreRecord {
                    check: "json".into(),
                    pass: false,
                    value: 0.0,
                    detail: Some(format!("expected no {key}")),
                }],
            },
            judging: Judging {
                attempts: vec![JudgeAttempt {
                    check: "judge".into(),
                    cache_key: "k".into(),
                    attempt,
                }],
                verdicts: vec![JudgeVerdict {
                    cache_key: "k".into(),
                    check: "judge".into(),
                    judge_route: "j".into(),
                    pass: false,
                    score: None,
                    reason: format!("saw {key}"),
                    cached: false,
                }],
            },
        };
        assert!(outcome.needs_redaction(&Redactor::GLOBAL));
        outcome.redact_in_place(&Redactor::GLOBAL);
        assert!(!outcome.needs_redaction(&Redactor::GLOBAL));
        let json = serde_json::to_string(&outcome).unwrap();
        assert!(!json.contains(key), "{json}");
        assert_eq!(
            outcome.attempts[0].tool_calls.as_deref(),
            Some(r#"[{"arguments":"{\"k\":\"[REDACTED]\"}"}]"#)
        );
    }
}
