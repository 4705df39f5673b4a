//! Scorer specs (`scorers/*.toml`): which checks grade a workflow and when a response
//! is accepted.

use crate::config::parse_toml;
use crate::error::LoadError;
use crate::locate::toml_key_line;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScorerSpec {
    #[serde(default)]
    pub description: Option<String>,
    /// Re-asks with the validation error as feedback, after the first answer.
    #[serde(default)]
    pub validation_retries: u32,
    pub checks: Vec<CheckSpec>,
    #[serde(default)]
    pub accept: AcceptRule,
    #[serde(skip)]
    pub path: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    /// The content parses as JSON (strictly, or after cleanup when `lenient`).
    Json,
    /// The parsed content validates against the dataset's JSON Schema.
    Schema,
    /// Named fields equal the expected values exactly (enum accuracy).
    Enum,
    /// Every field of the expected object matches, after normalisation.
    Fields,
    /// Tool calls match the expected calls (name, count, arguments).
    ToolCalls,
}

impl CheckKind {
    /// Reference-free checks: they can be told to the model as feedback, and a
    /// chain can fall back on them, because they need no expected answer.
    pub fn is_validation(self) -> bool {
        matches!(self, CheckKind::Json | CheckKind::Schema)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CheckKind::Json => "json",
            CheckKind::Schema => "schema",
            CheckKind::Enum => "enum",
            CheckKind::Fields => "fields",
            CheckKind::ToolCalls => "tool_calls",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckSpec {
    pub kind: CheckKind,
    /// Name of the check in results and accept rules; the kind when absent.
    #[serde(default)]
    pub name: Option<String>,
    /// `json`: also try to extract JSON from fenced code or prose, recorded separately.
    #[serde(default)]
    pub lenient: bool,
    /// `enum`: the fields (dotted paths) to compare.
    #[serde(default)]
    pub fields: Vec<String>,
    /// `fields`: compare strings ignoring case and surrounding whitespace.
    #[serde(default = "yes")]
    pub ignore_case: bool,
    /// `fields`: absolute tolerance for numbers.
    #[serde(default = "default_tolerance")]
    pub numeric_tolerance: f64,
}

impl CheckSpec {
    pub fn name(&self) -> &str {
        self.name.as_deref().unwrap_or(self.kind.as_str())
    }
}

/// When a response is accepted: every check passes, or the named ones do.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcceptRule {
    /// Check names that must pass; all checks when empty.
    #[serde(default)]
    pub require: Vec<String>,
}

impl ScorerSpec {
    pub fn load(path: &Path) -> Result<Self, LoadError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| LoadError::new(path, format!("cannot read scorer spec: {e}")))?;
        let mut spec: ScorerSpec = parse_toml(path, &text)?;
        spec.path = path.to_path_buf();
        let err = |keys: &[&str], msg: String| {
            let mut e = LoadError::new(path, msg).with_key(keys.join("."));
            e.line = toml_key_line(&text, keys);
            e
        };
        if spec.checks.is_empty() {
            return Err(err(&["checks"], "a scorer needs at least one check".into()));
        }
        for name in &spec.accept.require {
            if !spec.checks.iter().any(|c| c.name() == name) {
                let names: Vec<&str> = spec.checks.iter().map(CheckSpec::name).collect();
                return Err(err(
                    &["accept", "require"],
                    format!("no check named `{name}`; checks: {}", names.join(", ")),
                ));
            }
        }
        for check in &spec.checks {
            if check.kind == CheckKind::Enum && check.fields.is_empty() {
                return Err(err(
                    &["checks", "fields"],
                    "an `enum` check needs `fields`".into(),
                ));
            }
        }
        Ok(spec)
    }

    /// Whether a check's outcome decides acceptance.
    pub fn is_required(&self, check: &str) -> bool {
        self.accept.require.is_empty() || self.accept.require.iter().any(|r| r == check)
    }
}

fn yes() -> bool {
    true
}

fn default_tolerance() -> f64 {
    0.005
}
