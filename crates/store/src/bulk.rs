//! Bulk reads: the millions of rows behind analysis frames and rescoring.
//!
//! sqlx runs each SQLite connection on a thread of its own and sends every row to the
//! caller across a channel, each cell copied on one thread and freed on the other: about
//! 4 µs a row, which at 10M result rows was nearly all of an analysis. Here a read-only
//! rusqlite connection on the same file (the same SQLite build) steps the statement on a
//! blocking thread and lends each row to the caller, borrowed from SQLite. WAL lets it
//! read while a run writes. Everything else, and every write, stays on sqlx.

use crate::{Result, Store, StoreError};
use rusqlite::{Connection, OpenFlags};
use std::time::Duration;

impl Store {
    /// Run `read` on a fresh read-only connection to the database file, on a blocking
    /// thread; what it returns comes back.
    pub(crate) async fn bulk_read<T, F>(&self, read: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    {
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
