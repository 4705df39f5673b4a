//! Bulk reads: the millions of rows behind analysis frames and rescoring.
//!
//! sqlx runs each SQLite connection on a thread of its own and sends every row to the
//! caller across a channel, each cell copied on one thread and freed on the other: about
//! 4 µs a row, which at 10M result rows was nearly all of an analysis. Here a read-only
//! rusqlite connection on the same file (the same SQLite build) steps the statement on a
//! blocking thread and lends each row to the caller, borrowed from SQLite. WAL lets it
//! read while a run writes. Everything else, and every write, stays on sqlx.
//!
//! On PostgreSQL the same reads are one `COPY (SELECT ...) TO STDOUT` in the binary
//! format: the server streams rows as length-prefixed fields with no per-row protocol
//! round, and each row is lent to the caller as slices of the received buffer.

use crate::tables::BinaryError;
use crate::{Result, Store, StoreError};
use bytes::{Buf, BytesMut};
use futures_util::TryStreamExt;
use rusqlite::{Connection, OpenFlags};
use sqlx::PgPool;
use std::time::Duration;

/// The first bytes of a binary COPY stream: its signature, then flags and the length of
/// a header extension (both 32-bit).
const COPY_SIGNATURE: &[u8; 11] = b"PGCOPY\n\xff\r\n\0";

/// `text` as an SQL string literal (COPY takes no parameters). Standard-conforming
/// strings, PostgreSQL's default, make a doubled quote the only escape.
pub(crate) fn quote_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Run `COPY (select) TO STDOUT (FORMAT binary)` and hand each row's fields (`None`:
/// NULL) to `each`, in the order the query gives them.
pub(crate) async fn copy_rows<F>(pool: &PgPool, select: &str, mut each: F) -> Result<()>
where
    F: FnMut(&[Option<&[u8]>]) -> std::result::Result<(), BinaryError>,
{
    let mut conn = pool.acquire().await?;
    let sql = format!("COPY ({select}) TO STDOUT (FORMAT binary)");
    let mut stream = conn.copy_out_raw(&sql).await?;
    let mut buffer = BytesMut::new();
    let mut header_read = false;
    let bad = |what: &str| StoreError::Copy(format!("the COPY stream {what}"));
    let mut ended = false;
    while let Some(chunk) = stream.try_next().await? {
        buffer.extend_from_slice(&chunk);
        if !header_read {
            if buffer.len() < COPY_SIGNATURE.len() + 8 {
                continue;
            }
            if &buffer[..COPY_SIGNATURE.len()] != COPY_SIGNATURE {
                return Err(bad("does not start with the binary signature"));
            }
            let extension = u32::from_be_bytes(buffer[15..19].try_into().unwrap()) as usize;
            if buffer.len() < 19 + extension {
                continue;
            }
            buffer.advance(19 + extension);
            header_read = true;
        }
        // Every complete row in the buffer; a partial one waits for the next chunk.
        let mut fields: Vec<Option<&[u8]>> = Vec::new();
        let mut at = 0;
        loop {
            let rest = &buffer[at..];
            if rest.len() < 2 {
                break;
            }
            let count = i16::from_be_bytes([rest[0], rest[1]]);
            if count == -1 {
                ended = true;
                at = buffer.len();
                break;
            }
            let mut end = 2;
            let mut complete = true;
            fields.clear();
            for _ in 0..count {
                let Some(len) = rest.get(end..end + 4) else {
                    complete = false;
                    break;
                };
                let len = i32::from_be_bytes(len.try_into().unwrap());
                end += 4;
                if len < 0 {
                    fields.push(None);
                    continue;
                }
                let Some(field) = rest.get(end..end + len as usize) else {
                    complete = false;
                    break;
                };
                fields.push(Some(field));
                end += len as usize;
            }
            if !complete {
                break;
            }
            each(&fields).map_err(|e| StoreError::Copy(e.to_string()))?;
            at += end;
        }
        drop(fields);
        buffer.advance(at);
    }
    if !ended {
        return Err(bad("ended before its trailer"));
    }
    Ok(())
}

impl Store {
    /// Run `read` on a fresh read-only connection to the database file, on a blocking
    /// thread; what it returns comes back.
    pub(crate) async fn bulk_read<T, F>(&self, read: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        debug_assert!(!self.is_postgres(), "rusqlite reads SQLite files only");
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || {
            let conn = Connection::open_with_flags(
                &path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?;
            conn.busy_timeout(Duration::from_secs(30))?;
            read(&conn)
        })
        .await
        // A panic in `read` is the caller's: carry it on.
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
        .map_err(StoreError::from)
    }
}
