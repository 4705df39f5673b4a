//! Secrets out of every stored or logged string: the process-wide registry lives in
//! `routeval_core::redact`; this is where the runner has always found it.

pub use routeval_core::redact::*;
