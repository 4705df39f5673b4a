//! The bundled suite (`routeval.toml`, its datasets and scorers), built into the binary
//! so `routeval quickstart` works from any folder with an installed binary.

use include_dir::{include_dir, Dir};
use std::path::{Path, PathBuf};

static DATASETS: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/../../datasets");
static SCORERS: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/../../scorers");
const SUITE: &str = include_str!("../../../routeval.toml");
/// `routeval init`'s suite: OpenRouter, two routes and a chain, the bundled triage data.
pub const STARTER: &str = include_str!("../starter.toml");

/// Where the bundled suite is written when the current folder has no suite.
pub const FOLDER: &str = "routeval-quickstart";

/// Write the bundled suite, datasets and scorers into `dir` (kept as they are when a
/// file is already there, so edits survive); the suite file's path.
pub fn write_to(dir: &Path) -> std::io::Result<PathBuf> {
    write_data(dir)?;
    let suite = dir.join("routeval.toml");
    write_new(&suite, SUITE.as_bytes())?;
    Ok(suite)
}

/// Write the bundled datasets and scorers into `dir/datasets` and `dir/scorers`, keeping
/// files already there.
pub fn write_data(dir: &Path) -> std::io::Result<()> {
    for (name, tree) in [("datasets", &DATASETS), ("scorers", &SCORERS)] {
        write_tree(&dir.join(name), tree)?;
    }
    Ok(())
}

fn write_tree(dir: &Path, tree: &Dir<'_>) -> std::io::Result<()> {
    for file in tree.files() {
        write_new(
            &dir.join(file.path().file_name().unwrap_or_default()),
            file.contents(),
        )?;
    }
    for sub in tree.dirs() {
        let name = sub.path().file_name().unwrap_or_default();
        write_tree(&dir.join(name), sub)?;
    }
    Ok(())
}

fn write_new(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    if path.exists() {
        return Ok(());
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, contents)
}
