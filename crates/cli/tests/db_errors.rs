//! `--db` naming something that is not a usable database exits 2 with one sentence that
//! names the path, whatever the command: a text file, a folder, a read-only file for a
//! command that writes, a database a newer routeval wrote. Commands that only read
//! neither create a missing database nor migrate an old one.

#[path = "support/mod.rs"]
mod support;

use routeval_store::Store;
use std::path::Path;
use std::process::Output;
use support::{repo_root, routeval, stderr};

/// Every command that only reads the database, with the arguments it needs.
const READERS: [&[&str]; 6] = [
    &["rank"],
    &["report", "--out", "out"],
    &["compare", "--baseline", "previous"],
    &["chains"],
    &["export", "registry"],
    &["models", "list"],
];

/// A suite that would run one bundled dataset on a simulated endpoint nobody listens on.
fn write_suite(dir: &Path) {
    let r = repo_root();
    let r = r.display();
    let suite = format!(
        "name = \"t\"\n\n[endpoints.sim]\nkind = \"openrouter\"\nbase_url = \"http://127.0.0.1:1/api/v1\"\nsimulated = true\n\n\
         [routes.fast]\nendpoint = \"sim\"\nmodel = \"sim/atlas-pro\"\nretry = {{ attempts = 1 }}\n\n\
         [datasets.ticket_triage]\npath = \"{r}/datasets/ticket_triage/cases.jsonl\"\ntask = \"t\"\n\
         scorer = \"{r}/scorers/ticket_triage.toml\"\nschema = \"{r}/datasets/ticket_triage/schema.json\"\n"
    );
    std::fs::write(dir.join("suite.toml"), suite).unwrap();
}

fn with_db<'a>(args: &[&'a str], db: &'a str) -> Vec<&'a str> {
    let mut v = args.to_vec();
    v.extend(["--db", db]);
    v
}

/// Exit 2 and one line on stderr: `error: ` and a sentence naming `path` and saying `what`.
fn assert_one_sentence(out: &Output, args: &[&str], path: &str, what: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{args:?}: {err}");
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "{args:?}: one sentence, got {err}");
    assert!(lines[0].starts_with("error: "), "{args:?}: {err}");
    assert!(lines[0].contains(path), "{args:?}: names {path}: {err}");
    assert!(lines[0].contains(what), "{args:?}: says {what}: {err}");
}

/// A database at this build's schema, with nothing in it.
fn make_db(path: &Path) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = Store::open(&path.display().to_string()).await.unwrap();
        store.close().await;
    });
}

fn sql<T>(path: &Path, statement: &str) -> Vec<T>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + Send + Unpin,
{
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
            .await
            .unwrap();
        let rows = sqlx::query_as(statement).fetch_all(&pool).await.unwrap();
        pool.close().await;
        rows
    })
}

fn versions(path: &Path) -> Vec<i64> {
    sql::<(i64,)>(
        path,
        "SELECT version FROM _sqlx_migrations ORDER BY version",
    )
    .into_iter()
    .map(|(v,)| v)
    .collect()
}

#[test]
fn a_text_file_is_not_a_database() {
    let dir = tempfile::tempdir().unwrap();
    write_suite(dir.path());
    std::fs::write(dir.path().join("notes.txt"), "shopping list\n".repeat(100)).unwrap();
    let mut commands: Vec<&[&str]> = READERS.to_vec();
    commands.push(&["run", "suite.toml"]);
    for args in commands {
        let args = with_db(args, "notes.txt");
        let out = routeval(dir.path(), &args, &[]);
        assert_one_sentence(&out, &args, "notes.txt", "not a routeval database");
    }
    let text = std::fs::read_to_string(dir.path().join("notes.txt")).unwrap();
    assert_eq!(text, "shopping list\n".repeat(100), "the file is untouched");
    assert!(!dir.path().join("notes.txt-wal").exists());
}

#[test]
fn a_folder_is_not_a_database() {
    let dir = tempfile::tempdir().unwrap();
    write_suite(dir.path());
    std::fs::create_dir(dir.path().join("results")).unwrap();
    let mut commands: Vec<&[&str]> = READERS.to_vec();
    commands.push(&["run", "suite.toml"]);
    for args in commands {
        let args = with_db(args, "sqlite://results");
        let out = routeval(dir.path(), &args, &[]);
        assert_one_sentence(&out, &args, "results", "is a folder");
    }
}

#[test]
fn a_read_only_database_is_read_but_not_written() {
    let dir = tempfile::tempdir().unwrap();
    write_suite(dir.path());
    let db = dir.path().join("ro.db");
    make_db(&db);
    let mut perms = std::fs::metadata(&db).unwrap().permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(&db, perms).unwrap();

    for args in [&["run", "suite.toml"][..], &["rescore"]] {
        let args = with_db(args, "ro.db");
        let out = routeval(dir.path(), &args, &[]);
        assert_one_sentence(&out, &args, "ro.db", "read-only");
    }
    // Reading it is fine: it just holds no runs.
    let args = with_db(&["rank"], "ro.db");
    let out = routeval(dir.path(), &args, &[]);
    assert_one_sentence(&out, &args, "", "holds no runs");
    let runs: Vec<(i64,)> = sql(&db, "SELECT COUNT(*) FROM runs");
    assert_eq!(runs, [(0,)], "nothing written");
    assert!(std::fs::metadata(&db).unwrap().permissions().readonly());
}

#[test]
fn a_database_from_a_newer_routeval_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    write_suite(dir.path());
    let db = dir.path().join("new.db");
    make_db(&db);
    let known = *versions(&db).last().unwrap();
    let newer = known + 90_000;
    sql::<(i64,)>(
        &db,
        &format!(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
             VALUES ({newer}, 'from the future', 1, x'00', 0) RETURNING version"
        ),
    );
    let before = versions(&db);
    let said = format!(
        "written by a newer routeval: schema version {newer}, this build knows up to {known}"
    );
    let mut commands: Vec<&[&str]> = READERS.to_vec();
    commands.push(&["run", "suite.toml"]);
    for args in commands {
        let args = with_db(args, "new.db");
        let out = routeval(dir.path(), &args, &[]);
        assert_one_sentence(&out, &args, "new.db", &said);
    }
    assert_eq!(versions(&db), before, "nothing migrated");
}

#[test]
fn readers_do_not_create_a_missing_database() {
    let dir = tempfile::tempdir().unwrap();
    for args in READERS {
        let args = with_db(args, "sqlite://missing.db");
        let out = routeval(dir.path(), &args, &[]);
        assert_one_sentence(
            &out,
            &args,
            "no database at missing.db",
            "(run `routeval run` first)",
        );
    }
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "nothing created: {left:?}");
}

#[test]
fn readers_do_not_migrate_an_old_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("old.db");
    let current = {
        make_db(&dir.path().join("current.db"));
        versions(&dir.path().join("current.db"))
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&db)
            .create_if_missing(true);
        let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
        let mut old = sqlx::migrate::Migrator::new(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../migrations"
        )))
        .await
        .unwrap();
        let n = old.migrations.len();
        old.migrations = std::borrow::Cow::Owned(old.migrations[..n - 1].to_vec());
        old.run(&pool).await.unwrap();
        pool.close().await;
    });
    let before = versions(&db);
    assert_eq!(before.len() + 1, current.len());
    let said = format!(
        "is at schema version {} and this build reads version {}",
        before.last().unwrap(),
        current.last().unwrap()
    );
    for args in READERS {
        let args = with_db(args, "old.db");
        let out = routeval(dir.path(), &args, &[]);
        assert_one_sentence(&out, &args, "old.db", &said);
    }
    assert_eq!(versions(&db), before, "nothing migrated");
}

/// A PostgreSQL server that is not there: exit 2, one sentence naming the server without
/// its password, for a command that writes and for one that reads.
#[test]
fn an_unreachable_postgres_server_is_named_without_its_password() {
    let dir = tempfile::tempdir().unwrap();
    write_suite(dir.path());
    let url = "postgres://routeval:hunter2@127.0.0.1:1/nightly";
    for args in [&["run", "suite.toml"][..], &["rank"]] {
        let args = with_db(args, url);
        let out = routeval(dir.path(), &args, &[]);
        assert_one_sentence(
            &out,
            &args,
            "postgres://routeval:***@127.0.0.1:1/nightly",
            "",
        );
        assert!(!stderr(&out).contains("hunter2"), "{}", stderr(&out));
        assert!(!String::from_utf8_lossy(&out.stdout).contains("hunter2"));
    }
}

/// Logs written to a file or a CI log carry no colour codes, and `RUST_LOG` sets what is
/// logged (here: an endpoint whose catalog cannot be read is a warning).
#[test]
fn a_redirected_log_is_plain_text_and_follows_rust_log() {
    let dir = tempfile::tempdir().unwrap();
    write_suite(dir.path());
    let run = [
        "run",
        "suite.toml",
        "--limit",
        "1",
        "--quiet",
        "--db",
        "sqlite://x.db",
    ];
    let out = routeval(dir.path(), &run, &[("RUST_LOG", "")]);
    let err = stderr(&out);
    assert!(
        err.contains("WARN") && err.contains("model catalog"),
        "{err}"
    );
    assert!(!err.contains('\u{1b}'), "no escape codes: {err:?}");
    let out = routeval(dir.path(), &run, &[("RUST_LOG", "error")]);
    assert!(!stderr(&out).contains("model catalog"), "{}", stderr(&out));
    // At debug, each case's line names its run, target and case.
    let out = routeval(
        dir.path(),
        &run,
        &[("RUST_LOG", "routeval_engine=info,routeval_runner=debug")],
    );
    let err = stderr(&out);
    let case_line = err.lines().find(|l| l.contains("case finished"));
    let case_line = case_line.unwrap_or_else(|| panic!("no case line: {err}"));
    for part in [
        "run{run_id=",
        "target{target=fast}",
        "case{dataset=ticket_triage",
    ] {
        assert!(case_line.contains(part), "{part} in {case_line}");
    }
}
