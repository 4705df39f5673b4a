//! Everything the command line prints goes through the key registry of
//! `routeval_core::redact` on its way out: stdout and stderr, the log and `--verbose`
//! trace, and the files it writes.
//!
//! The crate's `print!`, `println!`, `eprint!` and `eprintln!` are the ones below: they
//! shadow the standard ones in every module of this crate (declared with
//! `#[macro_use]` before any other), so a new command cannot print a key by forgetting
//! to redact. Writers that bypass the macros (`grade`'s JSONL on stdout, the tracing
//! subscriber's stderr) are wrapped in [`RedactLines`].

use std::borrow::Cow;
use std::io::{self, Write};

/// `text` with every registered key (and bearer token) replaced.
pub fn redact(text: &str) -> Cow<'_, str> {
    routeval_core::redact::redact(text)
}

/// `print!`, redacted.
#[allow(unused_macros)]
macro_rules! print {
    ($($arg:tt)*) => {
        ::std::print!("{}", $crate::output::redact(&::std::format!($($arg)*)))
    };
}

/// `println!`, redacted.
#[allow(unused_macros)]
macro_rules! println {
    () => {
        ::std::println!()
    };
    ($($arg:tt)*) => {
        ::std::println!("{}", $crate::output::redact(&::std::format!($($arg)*)))
    };
}

/// `eprint!`, redacted.
#[allow(unused_macros)]
macro_rules! eprint {
    ($($arg:tt)*) => {
        ::std::eprint!("{}", $crate::output::redact(&::std::format!($($arg)*)))
    };
}

/// `eprintln!`, redacted.
#[allow(unused_macros)]
macro_rules! eprintln {
    () => {
        ::std::eprintln!()
    };
    ($($arg:tt)*) => {
        ::std::eprintln!("{}", $crate::output::redact(&::std::format!($($arg)*)))
    };
}

/// A writer that redacts whole lines: bytes are held until a newline (a key is never
/// split between two writes of a line), then redacted and passed on. What is left
/// without a newline goes out on flush or drop.
pub struct RedactLines<W: Write> {
    inner: W,
    pending: Vec<u8>,
}

impl<W: Write> RedactLines<W> {
    pub fn new(inner: W) -> Self {
        Self {
            inner,
            pending: Vec::new(),
        }
    }

    fn pass_on(&mut self, upto: usize) -> io::Result<()> {
        let redacted = routeval_core::redact::redact_bytes(&self.pending[..upto]);
        self.inner.write_all(&redacted)?;
        self.pending.drain(..upto);
        Ok(())
    }
}

impl<W: Write> Write for RedactLines<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        if let Some(last_newline) = self.pending.iter().rposition(|b| *b == b'\n') {
            self.pass_on(last_newline + 1)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            self.pass_on(self.pending.len())?;
        }
        self.inner.flush()
    }
}

impl<W: Write> Drop for RedactLines<W> {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

/// The tracing subscriber's writer: stderr, redacted (each event is one line or a few).
pub struct RedactedStderr;

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for RedactedStderr {
    type Writer = RedactLines<io::Stderr>;

    fn make_writer(&'a self) -> Self::Writer {
        RedactLines::new(io::stderr())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "sk-cli-output-canary-1234";

    #[test]
    fn lines_are_redacted_even_when_a_key_spans_two_writes() {
        routeval_core::redact::register(KEY);
        let mut out = Vec::new();
        {
            let mut w = RedactLines::new(&mut out);
            w.write_all(b"first sk-cli-output-").unwrap();
            w.write_all(b"canary-1234 line\nsecond ").unwrap();
            w.write_all(KEY.as_bytes()).unwrap();
            // Dropped without a newline or a flush: the rest still goes out, redacted.
        }
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "first [REDACTED] line\nsecond [REDACTED]"
        );
    }

    #[test]
    fn the_print_macros_are_the_redacting_ones() {
        routeval_core::redact::register(KEY);
        // The macros format then redact; check the expansion's text, not the terminal.
        let text = format!("{}", redact(&format!("key={KEY}")));
        assert_eq!(text, "key=[REDACTED]");
        // And this module's `println!` is the one defined here (it compiles to the
        // redacting expansion; printing is not captured, so only exercised).
        println!("exercised: {KEY}");
        eprintln!();
    }
}
