//! The API key is nowhere but in the request header. A hostile endpoint echoes the
//! `Authorization` header back in everything it sends (error bodies, answer content,
//! tool-call arguments, the served provider, generation stats, model descriptions);
//! every command is then run on what it recorded, and the key must appear in no file
//! (database, WAL, reports, exports) and in nothing printed.

#[path = "support/mod.rs"]
mod support;

use std::path::Path;
use std::process::Output;
use support::{repo_root, routeval, stderr};

/// A key no one else uses: found anywhere, it leaked from this test.
fn canary() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("sk-or-canary-{:x}{:x}", nanos, std::process::id())
}

const KEY_ENV: &str = "CANARY_KEY";

fn suite(base_url: &str) -> String {
    let r = repo_root();
    let r = r.display();
    // Few retries, short waits: the echoing failures are retried like any other.
    let route = |name: &str, model: &str, extra: &str| {
        format!(
            "[routes.{name}]\nendpoint = \"hostile\"\nmodel = \"{model}\"\n\
             retry = {{ attempts = 2, base_delay_ms = 1, max_delay_ms = 5 }}\n{extra}\n"
        )
    };
    let routes = [
        route("echo-401", "hostile/echo-401", ""),
        route("echo-500", "hostile/echo-500", "stream = true\n"),
        route("content", "hostile/echo-content", ""),
        route(
            "content-streamed",
            "hostile/echo-content",
            "stream = true\nfetch_generation = true\n",
        ),
        route("tool", "hostile/echo-tool", "fetch_generation = true\n"),
        route("tool-streamed", "hostile/echo-tool", "stream = true\n"),
    ]
    .concat();
    format!(
        r#"name = "keys"
concurrency = 4

[endpoints.hostile]
kind = "openrouter"
base_url = "{base_url}"
api_key_env = "{KEY_ENV}"

{routes}
[chains.failing-then-content]
steps = ["echo-500", "content"]
fallback_on = ["server_error"]

[datasets.support_tools]
path = "{r}/datasets/support_tools/cases.jsonl"
task = "tool_use"
privacy = "public"
scorer = "{r}/scorers/support_tools.toml"
system_prompt = "{r}/datasets/support_tools/system.txt"
tools = "{r}/datasets/support_tools/tools.json"
tool_choice = "auto"

[datasets.ticket_triage]
path = "{r}/datasets/ticket_triage/cases.jsonl"
task = "classification"
privacy = "public"
scorer = "{r}/scorers/ticket_triage.toml"
system_prompt = "{r}/datasets/ticket_triage/system.txt"
schema = "{r}/datasets/ticket_triage/schema.json"
response_format = "json_schema"
"#
    )
}

/// Every file under `dir`, recursively.
fn files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            out.push(path);
        }
    }
    out
}

fn holds(bytes: &[u8], needle: &str) -> bool {
    bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn the_key_reaches_no_file_and_no_output() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt
        .block_on(routeval_sim::serve_hostile("127.0.0.1:0".parse().unwrap()))
        .unwrap();
    let key = canary();
    let env = [(KEY_ENV, key.as_str())];
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("suite.toml"), suite(&server.base_url())).unwrap();
    let db = format!("sqlite://{}", d.join("keys.db").display());

    let mut outputs: Vec<(String, Output)> = Vec::new();
    let mut run = |args: &[&str]| -> Output {
        let out = routeval(d, args, &env);
        outputs.push((args.join(" "), out.clone()));
        out
    };
    let ok = |out: &Output, what: &str| {
        assert!(
            out.status.code().is_some_and(|c| c <= 1),
            "{what}: exit {:?}\n{}",
            out.status.code(),
            stderr(out)
        );
    };

    let run_args = [
        "run",
        "suite.toml",
        "--db",
        &db,
        "--limit",
        "2",
        "--force",
        "--quiet",
        "--verbose",
    ];
    let out = run(&run_args);
    ok(&out, "run");
    assert!(
        server.requests_for("hostile/echo-content") > 0
            && server.requests_for("hostile/echo-tool") > 0,
        "the hostile routes were sent to"
    );
    assert!(
        stderr(&out).contains("routeval::trace"),
        "the --verbose trace was on: {}",
        stderr(&out)
    );
    // A second run, so `compare` has two.
    ok(&run(&run_args), "second run");
    ok(
        &run(&[
            "models",
            "sync",
            "--suite",
            "suite.toml",
            "--db",
            &db,
            "--with-endpoints",
        ]),
        "models sync",
    );
    ok(&run(&["models", "list", "--db", &db]), "models list");
    ok(
        &run(&[
            "probe",
            "--suite",
            "suite.toml",
            "--db",
            &db,
            "--format",
            "json",
        ]),
        "probe",
    );
    ok(
        &run(&["probe", "--suite", "suite.toml", "--db", &db, "--verbose"]),
        "probe (table, traced)",
    );
    ok(
        &run(&["rescore", "latest", "--suite", "suite.toml", "--db", &db]),
        "rescore",
    );
    ok(
        &run(&[
            "report",
            "--db",
            &db,
            "--out",
            "reports",
            "--format",
            "md,html,junit,json,csv,parquet",
        ]),
        "report",
    );
    for format in ["json", "csv", "table"] {
        ok(&run(&["rank", "--db", &db, "--format", format]), "rank");
    }
    for format in ["json", "toml"] {
        let out_file = format!("exports/registry.{format}");
        ok(
            &run(&[
                "export", "registry", "--db", &db, "--format", format, "--out", &out_file,
            ]),
            "export registry",
        );
        ok(
            &run(&["export", "registry", "--db", &db, "--format", format]),
            "export registry to stdout",
        );
    }
    for (what, format) in [
        ("litellm", "yaml"),
        ("litellm", "json"),
        ("openrouter", "json"),
    ] {
        let out_file = format!("exports/{what}.{format}");
        ok(
            &run(&[
                "export", what, "--db", &db, "--format", format, "--out", &out_file,
            ]),
            "export to a file",
        );
        ok(
            &run(&["export", what, "--db", &db, "--format", format]),
            "export to stdout",
        );
    }
    ok(
        &run(&[
            "compare",
            "--baseline",
            "previous",
            "--db",
            &db,
            "--format",
            "json",
        ]),
        "compare",
    );
    ok(&run(&["chains", "--db", &db]), "chains");

    // The endpoint did echo the key: it was recorded, redacted.
    let db_bytes = std::fs::read(d.join("keys.db")).unwrap();
    let wal = std::fs::read(d.join("keys.db-wal")).unwrap_or_default();
    assert!(
        holds(&db_bytes, "[REDACTED]") || holds(&wal, "[REDACTED]"),
        "the echoes were stored, redacted"
    );

    let mut leaks = Vec::new();
    for path in files(d) {
        let bytes = std::fs::read(&path).unwrap();
        if holds(&bytes, &key) {
            leaks.push(path.display().to_string());
        }
    }
    for (command, out) in &outputs {
        if holds(&out.stdout, &key) {
            leaks.push(format!("stdout of `{command}`"));
        }
        if holds(&out.stderr, &key) {
            leaks.push(format!("stderr of `{command}`"));
        }
    }
    assert!(leaks.is_empty(), "the key leaked into: {leaks:#?}");
    let written = files(d);
    for expected in ["keys.db", "exports/registry.json", "exports/registry.toml"] {
        assert!(
            written.iter().any(|p| p.ends_with(expected)),
            "{expected} was written: {written:#?}"
        );
    }
    for ext in ["md", "html", "xml", "json", "csv", "parquet"] {
        assert!(
            written.iter().any(
                |p| p.starts_with(d.join("reports")) && p.extension().is_some_and(|e| e == ext)
            ),
            "a .{ext} report was written: {written:#?}"
        );
    }
}
