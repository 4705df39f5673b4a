//! Server-sent events read with bounds: no line or event longer than the event limit,
//! no stream longer than the body limit, the first bytes within the first-byte timeout
//! and none of the later ones further apart than the idle timeout. What an endpoint
//! sends can cost a failed attempt, never unbounded memory or an endless wait.

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use std::time::Duration;
use tokio::time::{timeout_at, Instant};

/// Why a stream stopped before its end.
#[derive(Debug, PartialEq, Eq)]
pub enum SseError {
    /// Nothing came before the first-byte deadline.
    FirstByte,
    /// Nothing came for the idle timeout after something had.
    Idle,
    /// The connection failed.
    Cut(String),
    /// A line, an event or the whole stream passed its limit.
    Oversized(String),
    /// An event whose data is not UTF-8.
    Utf8(String),
}

/// Bounds of one stream.
#[derive(Debug, Clone, Copy)]
pub struct SseBounds {
    /// The first bytes must come by then.
    pub first_byte_deadline: Instant,
    pub idle: Duration,
    pub max_event_bytes: usize,
    pub max_total_bytes: u64,
}

/// Events' `data` off a byte stream, one at a time.
pub struct SseReader<S> {
    stream: S,
    bounds: SseBounds,
    /// Bytes received and not yet split into lines: `buf[start..]`.
    buf: Vec<u8>,
    start: usize,
    /// How far past `start` is known to hold no line end.
    scanned: usize,
    /// The current event's data lines, joined by `\n`.
    data: Vec<u8>,
    has_data: bool,
    total: u64,
    ended: bool,
}

impl<S> SseReader<S>
where
    S: Stream<Item = reqwest::Result<Bytes>> + Unpin,
{
    pub fn new(stream: S, bounds: SseBounds) -> Self {
        Self {
            stream,
            bounds,
            buf: Vec::new(),
            start: 0,
            scanned: 0,
            data: Vec::new(),
            has_data: false,
            total: 0,
            ended: false,
        }
    }

    /// The next event's data; `None` at the end of the stream (an event left without
    /// its blank line at the end is dropped, as the SSE standard says).
    pub async fn next_event(&mut self) -> Result<Option<String>, SseError> {
        loop {
            while let Some(line) = self.take_line() {
                if let Some(event) = self.on_line(line)? {
                    return Ok(Some(event));
                }
            }
            if self.ended {
                return Ok(None);
            }
            let pending = self.buf.len() - self.start;
            if pending > self.bounds.max_event_bytes {
                return Err(SseError::Oversized(format!(
                    "a stream line passed {} bytes without ending",
                    self.bounds.max_event_bytes
                )));
            }
            self.fill().await?;
        }
    }

    /// Read one more piece of the stream into the buffer.
    async fn fill(&mut self) -> Result<(), SseError> {
        let deadline = if self.total == 0 {
            self.bounds.first_byte_deadline
        } else {
            Instant::now() + self.bounds.idle
        };
        let piece = match timeout_at(deadline, self.stream.next()).await {
            Err(_) if self.total == 0 => return Err(SseError::FirstByte),
            Err(_) => return Err(SseError::Idle),
            Ok(None) => {
                self.ended = true;
                return Ok(());
            }
            Ok(Some(Err(e))) => return Err(SseError::Cut(crate::client::error_chain(&e))),
            Ok(Some(Ok(piece))) => piece,
        };
        self.total += piece.len() as u64;
        if self.total > self.bounds.max_total_bytes {
            return Err(SseError::Oversized(format!(
                "the stream passed {} bytes",
                self.bounds.max_total_bytes
            )));
        }
        if self.start > 0 && self.start >= self.buf.len() / 2 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        self.buf.extend_from_slice(&piece);
        Ok(())
    }

    /// The next whole line (without its end), as a range of the buffer.
    fn take_line(&mut self) -> Option<(usize, usize)> {
        let from = self.start + self.scanned;
        let rest = &self.buf[from..];
        let Some(at) = rest.iter().position(|b| *b == b'\n' || *b == b'\r') else {
            self.scanned = self.buf.len() - self.start;
            return None;
        };
        let end = from + at;
        let next = if self.buf[end] == b'\r' {
            match self.buf.get(end + 1) {
                Some(b'\n') => end + 2,
                Some(_) => end + 1,
                // A `\r` last: its `\n` may be in the next piece.
                None if !self.ended => {
                    self.scanned = end - self.start;
                    return None;
                }
                None => end + 1,
            }
        } else {
            end + 1
        };
        let line = (self.start, end);
        self.start = next;
        self.scanned = 0;
        Some(line)
    }

    /// Act on one line; an event when it was the blank line that ends one.
    fn on_line(&mut self, (from, to): (usize, usize)) -> Result<Option<String>, SseError> {
        let line = &self.buf[from..to];
        if line.is_empty() {
            if !self.has_data {
                return Ok(None);
            }
            self.has_data = false;
            let data = std::mem::take(&mut self.data);
            return String::from_utf8(data).map(Some).map_err(|e| {
                SseError::Utf8(format!(
                    "event data is not UTF-8 (at byte {})",
                    e.utf8_error().valid_up_to()
                ))
            });
        }
        if line[0] == b':' {
            return Ok(None);
        }
        let (field, value) = match line.iter().position(|b| *b == b':') {
            Some(i) => {
                let value = &line[i + 1..];
                (&line[..i], value.strip_prefix(b" ").unwrap_or(value))
            }
            None => (line, &line[line.len()..]),
        };
        if field != b"data" {
            return Ok(None);
        }
        if self.data.len() + value.len() + 1 > self.bounds.max_event_bytes {
            return Err(SseError::Oversized(format!(
                "a stream event passed {} bytes",
                self.bounds.max_event_bytes
            )));
        }
        if self.has_data {
            self.data.push(b'\n');
        }
        self.data.extend_from_slice(value);
        self.has_data = true;
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bounds(max_event_bytes: usize) -> SseBounds {
        SseBounds {
            first_byte_deadline: Instant::now() + Duration::from_secs(5),
            idle: Duration::from_secs(5),
            max_event_bytes,
            max_total_bytes: 1 << 20,
        }
    }

    fn reader(
        pieces: &[&'static [u8]],
        max_event_bytes: usize,
    ) -> SseReader<impl Stream<Item = reqwest::Result<Bytes>> + Unpin> {
        let pieces: Vec<reqwest::Result<Bytes>> =
            pieces.iter().map(|p| Ok(Bytes::from_static(p))).collect();
        SseReader::new(futures_util::stream::iter(pieces), bounds(max_event_bytes))
    }

    async fn all(
        mut r: SseReader<impl Stream<Item = reqwest::Result<Bytes>> + Unpin>,
    ) -> Vec<String> {
        let mut out = Vec::new();
        while let Some(e) = r.next_event().await.unwrap() {
            out.push(e);
        }
        out
    }

    #[tokio::test]
    async fn events_split_anywhere_and_every_line_ending() {
        let r = reader(
            &[
                b": comment\n\nda",
                b"ta: {\"a\":1}\r",
                b"\n\r\ndata:x\rdata: y\r\r",
                b"event: e\nid: 1\ndata: [DONE]\n\ndata: lost",
            ],
            1024,
        );
        assert_eq!(all(r).await, ["{\"a\":1}", "x\ny", "[DONE]"]);
    }

    #[tokio::test]
    async fn long_lines_and_events_are_refused() {
        let mut r = reader(&[b"data: ", &[b'x'; 600], &[b'x'; 600]], 1000);
        assert!(matches!(r.next_event().await, Err(SseError::Oversized(_))));
        let mut r = reader(&[b"data: aaaaaaaaaa\ndata: bbbbbbbbbb\n\n"], 15);
        assert!(matches!(r.next_event().await, Err(SseError::Oversized(_))));
    }

    #[tokio::test]
    async fn invalid_utf8_is_an_error() {
        let mut r = reader(&[b"data: \xff\xfe\n\n"], 1024);
        assert!(matches!(r.next_event().await, Err(SseError::Utf8(_))));
    }

    #[tokio::test]
    async fn the_first_bytes_must_come_before_the_deadline() {
        let mut r = SseReader::new(
            futures_util::stream::pending::<reqwest::Result<Bytes>>(),
            SseBounds {
                first_byte_deadline: Instant::now() + Duration::from_millis(20),
                ..bounds(1024)
            },
        );
        assert_eq!(r.next_event().await, Err(SseError::FirstByte));
    }
}
