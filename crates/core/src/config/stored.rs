//! The suite a run was started with, stored beside it as its TOML source and the schema
//! version that source was written for, and read back with this build's parser.
//!
//! A config key renamed in a later release would make an old run's suite fail to parse
//! (unknown keys are refused). So each rename is listed here with the schema version
//! that introduced it, and a stored source older than [`SUITE_SCHEMA`] has its old keys
//! renamed before it is parsed: every run stays rescorable and reportable.

use super::{LoadError, Suite};
use std::path::Path;

/// The shape of suite files this build reads and writes. Raise it when a key is renamed
/// or moved, and list the change in [`UPGRADES`].
pub const SUITE_SCHEMA: i64 = 1;

/// One key renamed in schema `to`: a dotted path where `*` stands for any table name
/// (a route's, an endpoint's...), and the new last component.
#[derive(Debug, Clone, Copy)]
pub struct Rename {
    pub to: i64,
    pub path: &'static str,
    pub new_name: &'static str,
}

/// Every key rename since schema 1, oldest first.
pub const UPGRADES: &[Rename] = &[];

impl Suite {
    /// A suite stored with a run: `text` written for schema `schema`, read as if it were
    /// the file at `path` (relative paths resolve against its folder).
    pub fn from_stored(path: &Path, text: &str, schema: i64) -> Result<Self, LoadError> {
        Self::from_stored_with(path, text, schema, UPGRADES)
    }

    pub(crate) fn from_stored_with(
        path: &Path,
        text: &str,
        schema: i64,
        upgrades: &[Rename],
    ) -> Result<Self, LoadError> {
        let current = upgrades.iter().map(|u| u.to).max().unwrap_or(SUITE_SCHEMA);
        let current = current.max(SUITE_SCHEMA);
        if schema > current {
            return Err(LoadError::new(
                path,
                format!(
                    "the stored suite is schema {schema}, written by a newer routeval; \
                     this one reads up to schema {current}"
                ),
            ));
        }
        let pending: Vec<&Rename> = upgrades.iter().filter(|u| u.to > schema).collect();
        if pending.is_empty() {
            return Self::parse(path, text);
        }
        let mut doc: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            LoadError::new(
                path,
                format!("the stored suite is not TOML: {}", e.message()),
            )
        })?;
        for rename in pending {
            let parts: Vec<&str> = rename.path.split('.').collect();
            rename_in(&mut doc, &parts, rename.new_name);
        }
        let upgraded = toml::to_string(&doc).map_err(|e| {
            LoadError::new(path, format!("the upgraded suite cannot be written: {e}"))
        })?;
        Self::parse(path, &upgraded)
    }
}

/// Rename the key at `path` (with `*` matching every key) to `new_name`, wherever it is.
fn rename_in(table: &mut toml::Table, path: &[&str], new_name: &str) {
    match path {
        [] => {}
        [last] => {
            if let Some(value) = table.remove(*last) {
                table.entry(new_name.to_string()).or_insert(value);
            }
        }
        [first, rest @ ..] => {
            let children: Vec<&mut toml::Value> = if *first == "*" {
                table.iter_mut().map(|(_, v)| v).collect()
            } else {
                table.get_mut(*first).into_iter().collect()
            };
            for child in children {
                if let toml::Value::Table(t) = child {
                    rename_in(t, rest, new_name);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD: &str = r#"name = "t"

[endpoints.e]
kind = "openrouter"
base_url = "http://127.0.0.1:1/api/v1"

[routes.fast]
endpoint = "e"
modle = "a/b"
"#;

    /// A key renamed after a run was stored: the old source no longer parses as it is,
    /// and reads back whole once its schema's renames are applied.
    #[test]
    fn an_old_source_is_upgraded_before_it_is_parsed() {
        let path = Path::new("suite.toml");
        let renames = [Rename {
            to: SUITE_SCHEMA + 1,
            path: "routes.*.modle",
            new_name: "model",
        }];
        assert!(
            Suite::parse(path, OLD).is_err(),
            "the old key is refused today"
        );
        let suite = Suite::from_stored_with(path, OLD, SUITE_SCHEMA, &renames).unwrap();
        assert_eq!(suite.routes["fast"].model, "a/b");
        // Already at the new schema: nothing to rename, the parser's own error.
        let err = Suite::from_stored_with(path, OLD, SUITE_SCHEMA + 1, &renames).unwrap_err();
        assert!(err.to_string().contains("modle"), "{err}");
    }

    #[test]
    fn a_source_from_a_newer_build_is_refused_by_name() {
        let err = Suite::from_stored(Path::new("s.toml"), OLD, SUITE_SCHEMA + 1).unwrap_err();
        assert!(err.to_string().contains("newer routeval"), "{err}");
    }

    #[test]
    fn the_current_source_parses_as_a_file_would() {
        let text = OLD.replace("modle", "model");
        let stored = Suite::from_stored(Path::new("s.toml"), &text, SUITE_SCHEMA).unwrap();
        let loaded = Suite::parse(Path::new("s.toml"), &text).unwrap();
        assert_eq!(stored.hash, loaded.hash);
        assert_eq!(stored.source, text);
    }
}
