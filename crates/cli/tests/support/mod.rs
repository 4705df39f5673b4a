//! What the CLI's end-to-end tests share: the repository root, a simulator on a
//! loopback port, the real binary, and plain SQL over the database it wrote.
#![allow(dead_code)]

use routeval_sim::{Profiles, SimConfig, SimServer};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Read when the test runs, not when it is built: a test binary reused by a build cache
/// shared between checkouts must read this checkout's files.
pub fn repo_root() -> PathBuf {
    Path::new(&std::env::var_os("CARGO_MANIFEST_DIR").expect("run by cargo test"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// A simulator with `profiles` (TOML; the bundled ones when `None`) that knows the
/// reference answers of the bundled `datasets` (files under `datasets/`).
/// The bundled ticket-triage dataset as a suite's `[datasets.ticket_triage]` table
/// (JSON Schema structured output), its files named by absolute path.
#[allow(dead_code)]
pub fn triage_dataset() -> String {
    let r = repo_root();
    let r = r.display();
    format!(
        r#"[datasets.ticket_triage]
path = "{r}/datasets/ticket_triage/cases.jsonl"
task = "classification"
scorer = "{r}/scorers/ticket_triage.toml"
system_prompt = "{r}/datasets/ticket_triage/system.txt"
schema = "{r}/datasets/ticket_triage/schema.json"
response_format = "json_schema"
"#
    )
}

pub fn start_sim(
    rt: &tokio::runtime::Runtime,
    profiles: Option<&str>,
    datasets: &[&str],
    api_key: Option<&str>,
) -> SimServer {
    start_sim_with(rt, profiles, datasets, api_key, SimOptions::default())
}

/// What [`start_sim`] leaves at its defaults: seed 5, no simulated delays.
#[derive(Clone, Copy, Debug)]
pub struct SimOptions {
    pub seed: u64,
    /// Multiplies every simulated delay (0.0 = instant, 1.0 = realistic).
    pub latency_scale: f64,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            seed: 5,
            latency_scale: 0.0,
        }
    }
}

/// [`start_sim`] with another seed or latency scale.
pub fn start_sim_with(
    rt: &tokio::runtime::Runtime,
    profiles: Option<&str>,
    datasets: &[&str],
    api_key: Option<&str>,
    options: SimOptions,
) -> SimServer {
    let root = repo_root();
    let profiles = match profiles {
        Some(text) => Profiles::parse(Path::new("test-profiles.toml"), text).unwrap(),
        None => Profiles::bundled(),
    };
    let config = SimConfig {
        profiles,
        case_files: datasets
            .iter()
            .map(|d| root.join("datasets").join(d))
            .collect(),
        seed: options.seed,
        latency_scale: options.latency_scale,
        api_key: api_key.map(String::from),
    };
    rt.block_on(routeval_sim::serve(config, "127.0.0.1:0".parse().unwrap()))
        .unwrap()
}

/// The real binary, to be run in `dir` (with no database from the environment).
pub fn routeval_cmd(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_routeval"));
    cmd.current_dir(dir).env_remove("ROUTEVAL_DB");
    cmd
}

/// Run the real binary in `dir` with `env` set (and no database from the environment).
pub fn routeval(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    routeval_cmd(dir)
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn query<T>(rt: &tokio::runtime::Runtime, db: &str, sql: &str) -> Vec<T>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + Send + Unpin,
{
    rt.block_on(async {
        let pool = sqlx::SqlitePool::connect(db).await.unwrap();
        let rows = sqlx::query_as(sql).fetch_all(&pool).await.unwrap();
        pool.close().await;
        rows
    })
}
