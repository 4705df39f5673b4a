//! The scorer specs routeval ships (`scorers/`, and those the bundled suite and the
//! `init` starter name) load; and each refuses an option its first check does not take,
//! at that option's own line: a spec cannot carry an option that does nothing.

use routeval_core::scorer_spec::ScorerSpec;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// `scorers/*.toml`, and every scorer a bundled suite names.
fn bundled_scorers() -> BTreeSet<PathBuf> {
    let root = root();
    let mut files = BTreeSet::new();
    for entry in std::fs::read_dir(root.join("scorers")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            files.insert(path);
        }
    }
    for suite in ["routeval.toml", "crates/cli/starter.toml"] {
        let text = std::fs::read_to_string(root.join(suite)).unwrap();
        let suite: toml::Table = toml::from_str(&text).unwrap();
        let datasets = suite["datasets"].as_table().unwrap();
        for dataset in datasets.values() {
            if let Some(scorer) = dataset.get("scorer").and_then(|s| s.as_str()) {
                // Written out next to the suite, as `quickstart` and `init` do.
                files.insert(
                    root.join("scorers")
                        .join(Path::new(scorer).file_name().unwrap()),
                );
            }
        }
    }
    assert!(files.len() >= 6, "{files:?}");
    files
}

#[test]
fn every_bundled_scorer_loads_and_refuses_a_stray_option_at_its_line() {
    for path in bundled_scorers() {
        let text = std::fs::read_to_string(&path).unwrap();
        let spec = ScorerSpec::parse(&path, &text).unwrap_or_else(|e| panic!("{e}"));
        let kind = spec.checks[0].kind();
        // An option of another kind: `max_usd` is `cost`'s, `negate` is `contains`'s.
        let (key, line) = [("max_usd", "max_usd = 1.0"), ("negate", "negate = true")]
            .into_iter()
            .find(|(key, _)| !kind.options().contains(key))
            .unwrap();
        let mut lines: Vec<&str> = text.lines().collect();
        let header = lines.iter().position(|l| l.trim() == "[[checks]]").unwrap();
        lines.insert(header + 1, line);
        let stray = lines.join("\n");

        let err = ScorerSpec::parse(&path, &stray)
            .err()
            .unwrap_or_else(|| panic!("{}: `{line}` on a `{kind}` check loads", path.display()));
        // 1-based: the header is on line `header + 1`, the stray right after it.
        assert_eq!(err.line, Some(header + 2), "{err}");
        assert_eq!(
            err.key.as_deref(),
            Some(&*format!("checks[0].{key}")),
            "{err}"
        );
        assert!(
            err.message
                .starts_with(&format!("`{kind}` checks take no `{key}` (options: name")),
            "{err}"
        );
        assert!(
            err.to_string().starts_with(&format!(
                "{}:{}: key `checks[0].{key}`: ",
                path.display(),
                header + 2
            )),
            "{err}"
        );
    }
}
