//! What can be wrong with the file `--db` names, found before (or while) SQLite opens
//! it, each said in one sentence: a folder, a file that is not a database, a read-only
//! file for a command that writes, a missing file for one that reads, a schema this
//! build does not know.

use crate::{Pool, Store, StoreError};
use include_dir::{include_dir, Dir};
use sqlx::migrate::{MigrateError, Migration, MigrationType, Migrator};
use std::borrow::Cow;
use std::io::Read;
use std::path::Path;
use std::sync::LazyLock;

/// The schema this build creates and reads, in SQLite.
pub(crate) static MIGRATOR: LazyLock<Migrator> =
    LazyLock::new(|| embedded(&include_dir!("$CARGO_MANIFEST_DIR/../../migrations")));

/// The same schema in PostgreSQL: the same versions, each file written for its dialect.
pub(crate) static PG_MIGRATOR: LazyLock<Migrator> = LazyLock::new(|| {
    embedded(&include_dir!(
        "$CARGO_MANIFEST_DIR/../../migrations/postgres"
    ))
});

/// The migrations of a folder compiled into the binary, read as `sqlx::migrate!` reads
/// them (`<version>_<description>.sql`, checksum of the text), so databases either made
/// stay one schema. Built here rather than by that macro, whose crate compiles both
/// database drivers a second time for the compiler.
fn embedded(folder: &Dir<'static>) -> Migrator {
    let mut migrations: Vec<Migration> = folder
        .files()
        .filter_map(|file| {
            let name = file.path().file_name()?.to_str()?;
            let (version, rest) = name.split_once('_')?;
            let description = rest.strip_suffix(".sql")?.replace('_', " ");
            let sql = file.contents_utf8().expect("migrations are UTF-8");
            Some(Migration::new(
                version
                    .parse()
                    .expect("a migration's name starts with its version"),
                Cow::Owned(description),
                MigrationType::Simple,
                Cow::Borrowed(sql),
                sql.starts_with("-- no-transaction"),
            ))
        })
        .collect();
    migrations.sort_by_key(|m| m.version);
    Migrator {
        migrations: Cow::Owned(migrations),
        ..Migrator::DEFAULT
    }
}

/// The migrations of the store's database.
fn migrator(store: &Store) -> &'static Migrator {
    match store.pool {
        Pool::Sqlite(_) => &MIGRATOR,
        Pool::Postgres(_) => &PG_MIGRATOR,
    }
}

/// `url` with its password, if any, replaced by `***`: how errors name a server.
pub(crate) fn url_without_password(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        Ok(parsed) => parsed.to_string(),
        // Not a URL sqlx could use either; say only its scheme.
        Err(_) => format!("{}://...", url.split("://").next().unwrap_or("database")),
    }
}

/// The first bytes of every SQLite database file.
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

// SQLite's primary result codes for what a user can fix.
const SQLITE_READONLY: i64 = 8;
const SQLITE_CANTOPEN: i64 = 14;
const SQLITE_NOTADB: i64 = 26;

/// Newest schema version this build knows.
pub(crate) fn known_version() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

/// Before opening for writing: a folder, a file that is not SQLite, a read-only file or
/// a missing folder are refused with the path.
pub(crate) fn check_writable(path: &Path) -> Result<(), StoreError> {
    if is_memory(path) {
        return Ok(());
    }
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => Err(StoreError::IsDirectory(path.to_path_buf())),
        Ok(meta) => {
            check_magic(path)?;
            // Write permission as the file's mode says, even for a user (root) whom the
            // mode would not stop: a file made read-only is not written.
            let denied = meta.permissions().readonly()
                || std::fs::OpenOptions::new()
                    .write(true)
                    .open(path)
                    .is_err_and(|e| {
                        matches!(
                            e.kind(),
                            std::io::ErrorKind::PermissionDenied
                                | std::io::ErrorKind::ReadOnlyFilesystem
                        )
                    });
            if denied {
                Err(StoreError::ReadOnly(path.to_path_buf()))
            } else {
                Ok(())
            }
        }
        Err(_) => {
            let folder = path.parent().filter(|p| !p.as_os_str().is_empty());
            match folder {
                Some(folder) if !folder.is_dir() => Err(StoreError::NoFolder(path.to_path_buf())),
                _ => Ok(()),
            }
        }
    }
}

/// Before opening for reading: the file must exist, be a file and be SQLite.
pub(crate) fn check_readable(path: &Path) -> Result<(), StoreError> {
    if is_memory(path) {
        return Ok(());
    }
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => Err(StoreError::IsDirectory(path.to_path_buf())),
        Ok(_) => check_magic(path),
        Err(_) => Err(StoreError::Missing(path.to_path_buf())),
    }
}

fn is_memory(path: &Path) -> bool {
    path.as_os_str().is_empty() || path.to_str().is_some_and(|p| p.starts_with(":memory:"))
}

/// A non-empty file must start as SQLite files do (an empty one is a new database).
fn check_magic(path: &Path) -> Result<(), StoreError> {
    let mut head = Vec::with_capacity(SQLITE_MAGIC.len());
    let read = std::fs::File::open(path)
        .and_then(|f| f.take(SQLITE_MAGIC.len() as u64).read_to_end(&mut head));
    match read {
        Ok(0) => Ok(()),
        Ok(_) if head == SQLITE_MAGIC => Ok(()),
        Ok(_) => Err(StoreError::NotADatabase(path.to_path_buf())),
        // Unreadable: SQLite will say why when it opens the file.
        Err(_) => Ok(()),
    }
}

/// SQLite's primary result code of an error, when it is one of SQLite's.
fn sqlite_code(e: &sqlx::Error) -> Option<i64> {
    let code = e.as_database_error()?.code()?;
    code.parse::<i64>().ok().map(|c| c & 0xff)
}

/// An error of SQLite itself about the file, said with the path; `None` for others.
fn file_error(path: &Path, e: &sqlx::Error) -> Option<StoreError> {
    let path = path.to_path_buf();
    match sqlite_code(e)? {
        SQLITE_NOTADB => Some(StoreError::NotADatabase(path)),
        SQLITE_READONLY => Some(StoreError::ReadOnly(path)),
        SQLITE_CANTOPEN => Some(StoreError::CannotOpen(path)),
        _ => None,
    }
}

/// A failed connection, said as what is wrong with the file when SQLite says so.
pub(crate) fn connect_error(url: &str, path: &Path, source: sqlx::Error) -> StoreError {
    file_error(path, &source).unwrap_or_else(|| StoreError::Open {
        url: url.to_string(),
        source,
    })
}

/// A failed migration, likewise.
pub(crate) fn migrate_error(path: &Path, e: MigrateError) -> StoreError {
    let file = match &e {
        MigrateError::Execute(source) | MigrateError::ExecuteMigration(source, _) => {
            file_error(path, source)
        }
        MigrateError::VersionMissing(found) if *found > known_version() => {
            Some(StoreError::NewerSchema {
                path: path.to_path_buf(),
                found: *found,
                known: known_version(),
            })
        }
        _ => None,
    };
    file.unwrap_or(StoreError::Migrate(e))
}

/// The schema versions applied to the database, oldest first; `None` when it has no
/// migrations table (a new or foreign database).
async fn applied_versions(store: &Store) -> Result<Option<Vec<i64>>, StoreError> {
    let path = &store.path;
    let has_table: Option<(i64,)> = match &store.pool {
        Pool::Sqlite(pool) => sqlx::query_as(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
        )
        .fetch_optional(pool)
        .await
        .map_err(|e| file_error(path, &e).unwrap_or(StoreError::Sql(e)))?,
        Pool::Postgres(pool) => {
            sqlx::query_as("SELECT 1::BIGINT WHERE to_regclass('_sqlx_migrations') IS NOT NULL")
                .fetch_optional(pool)
                .await?
        }
    };
    if has_table.is_none() {
        return Ok(None);
    }
    let rows: Vec<(i64, bool)> = with_pool!(store, |pool| sqlx::query_as(
        "SELECT version, success FROM _sqlx_migrations ORDER BY version"
    )
    .fetch_all(pool)
    .await)?;
    // A migration that did not finish counts as not applied.
    Ok(Some(
        rows.into_iter()
            .filter(|(_, ok)| *ok)
            .map(|(v, _)| v)
            .collect(),
    ))
}

/// Before migrating: a database a newer routeval wrote is left as it is.
pub(crate) async fn refuse_newer(store: &Store) -> Result<(), StoreError> {
    let path = &store.path;
    let known = known_version();
    let newest = applied_versions(store)
        .await?
        .and_then(|v| v.last().copied());
    match newest {
        Some(found) if found > known => Err(StoreError::NewerSchema {
            path: path.to_path_buf(),
            found,
            known,
        }),
        _ => Ok(()),
    }
}

/// For reading without migrating: the schema must be exactly the one this build knows.
pub(crate) async fn require_current(store: &Store) -> Result<(), StoreError> {
    let path = &store.path;
    let known = known_version();
    let Some(applied) = applied_versions(store).await? else {
        return Err(StoreError::NoSchema(path.to_path_buf()));
    };
    let found = applied.last().copied().unwrap_or(0);
    if found > known {
        return Err(StoreError::NewerSchema {
            path: path.to_path_buf(),
            found,
            known,
        });
    }
    let complete = migrator(store)
        .iter()
        .all(|m| applied.binary_search(&m.version).is_ok());
    if !complete {
        return Err(StoreError::OlderSchema {
            path: path.to_path_buf(),
            found,
            known,
        });
    }
    Ok(())
}

/// Bring an SQLite file's schema up to date. sqlx takes no lock on SQLite, so processes
/// opening a new file at once (the shards of a run) would each apply the first migration
/// and all but one fail. Those that find migrations pending migrate inside one
/// `BEGIN IMMEDIATE` transaction (each migration a savepoint in it): the second waits for
/// the first's write lock, then finds nothing left to do.
pub(crate) async fn migrate_sqlite(
    store: &Store,
    pool: &sqlx::SqlitePool,
) -> Result<(), StoreError> {
    let path = &store.path;
    let applied = applied_versions(store).await?.unwrap_or_default();
    if MIGRATOR
        .iter()
        .all(|m| applied.binary_search(&m.version).is_ok())
    {
        return Ok(());
    }
    let sql_error = |e: sqlx::Error| file_error(path, &e).unwrap_or(StoreError::Sql(e));
    let mut tx = pool
        .begin_with("BEGIN IMMEDIATE")
        .await
        .map_err(sql_error)?;
    MIGRATOR
        .run(&mut *tx)
        .await
        .map_err(|e| migrate_error(path, e))?;
    tx.commit().await.map_err(sql_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The embedded migrations are those sqlx reads from the folders (same versions,
    /// descriptions and checksums), so a database made by any build opens in this one.
    #[tokio::test]
    async fn embedded_migrations_are_what_sqlx_reads_from_the_folders() {
        for (embedded, folder) in [
            (&*MIGRATOR, "migrations"),
            (&*PG_MIGRATOR, "migrations/postgres"),
        ] {
            let path = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../..")
                .join(folder);
            let read = Migrator::new(path).await.unwrap();
            let key = |m: &Migration| (m.version, m.description.to_string(), m.checksum.to_vec());
            assert_eq!(
                embedded.iter().map(key).collect::<Vec<_>>(),
                read.iter().map(key).collect::<Vec<_>>(),
                "{folder}"
            );
            assert!(embedded.iter().count() >= 18, "{folder}");
        }
    }
}
