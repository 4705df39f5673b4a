//! Located loading errors: every problem with an input names its file, line and key.

use std::fmt;
use std::path::{Path, PathBuf};

/// A problem in an input file, with enough location to fix it without searching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub path: PathBuf,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// Dotted key path inside the document (`routes.fast.provider.only`).
    pub key: Option<String>,
    pub message: String,
}

impl LoadError {
    pub fn new(path: &Path, message: impl Into<String>) -> Self {
        Self {
            path: path.to_path_buf(),
            line: None,
            key: None,
            message: message.into(),
        }
    }

    pub fn at_line(mut self, line: usize) -> Self {
        self.line = Some(line);
        self
    }

    pub fn with_key(mut self, key: impl Into<String>) -> Self {
        let key = key.into();
        if !key.is_empty() && key != "." {
            self.key = Some(key);
        }
        self
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(key) = &self.key {
            write!(f, ": key `{key}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for LoadError {}

/// Turn serde's "unknown field `x`, expected one of `a`, `b`" into a message
/// that suggests the nearest valid key.
pub fn suggest_unknown_field(message: &str) -> String {
    let Some(rest) = message.strip_prefix("unknown field `") else {
        return message.to_string();
    };
    let Some((unknown, expected)) = rest.split_once('`') else {
        return message.to_string();
    };
    let candidates: Vec<&str> = expected
        .split('`')
        .enumerate()
        .filter(|(i, _)| i % 2 == 1)
        .map(|(_, s)| s)
        .collect();
    match did_you_mean(unknown, candidates.iter().copied()) {
        Some(candidate) => format!("unknown key `{unknown}`; did you mean `{candidate}`?"),
        _ if !candidates.is_empty() => format!(
            "unknown key `{unknown}`; valid keys here: {}",
            candidates.join(", ")
        ),
        _ => format!("unknown key `{unknown}`"),
    }
}

/// The candidate `unknown` was most likely meant to be: the nearest by edit distance,
/// when it is near enough (or starts with `unknown`).
pub fn did_you_mean<'a>(
    unknown: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(unknown, c), c))
        .min()
        .filter(|(distance, candidate)| *distance <= 3 || candidate.starts_with(unknown))
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_nearest_key() {
        let msg = "unknown field `concurency`, expected one of `endpoint`, `model`, `concurrency`";
        assert_eq!(
            suggest_unknown_field(msg),
            "unknown key `concurency`; did you mean `concurrency`?"
        );
    }

    #[test]
    fn lists_keys_when_nothing_is_close() {
        let msg = "unknown field `zzzzzzzz`, expected `path` or `task`";
        assert_eq!(
            suggest_unknown_field(msg),
            "unknown key `zzzzzzzz`; valid keys here: path, task"
        );
    }

    #[test]
    fn display_names_file_line_and_key() {
        let err = LoadError::new(Path::new("suite.toml"), "boom")
            .at_line(7)
            .with_key("routes.a.model");
        assert_eq!(err.to_string(), "suite.toml:7: key `routes.a.model`: boom");
    }
}
