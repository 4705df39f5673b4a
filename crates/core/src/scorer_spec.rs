//! Scorer specs (`scorers/*.toml`): which checks grade a workflow and when a response
//! is accepted.
//!
//! Loaded in two steps like the suite: serde types that refuse unknown keys, then
//! [`ScorerSpec::load`]'s own checks (names that exist, options a check needs, ranges),
//! each error naming the file, the line and the key (`checks[2].patterns`).

use crate::config::parse_toml;
use crate::error::LoadError;
use crate::locate::toml_key_line;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScorerSpec {
    #[serde(default)]
    pub description: Option<String>,
    /// Re-asks with the validation error as feedback, after the first answer.
    #[serde(default)]
    pub validation_retries: u32,
    /// Turns of a multi-turn tool loop: while the model answers with tool calls, the
    /// runner sends the case's scripted tool results back and asks again, up to this many
    /// requests (validation rounds aside). 1, the default, is a single answer.
    #[serde(default = "default_max_turns")]
    pub max_turns: u32,
    pub checks: Vec<CheckSpec>,
    #[serde(default)]
    pub accept: AcceptRule,
    #[serde(skip)]
    pub path: PathBuf,
    /// The spec's TOML text, so problems found later (a regex that does not compile)
    /// can still be located by line.
    #[serde(skip)]
    pub source: String,
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
    /// The text equals `value` (or the expected answer's text), after normalisation.
    Exact,
    /// The text contains every one of `patterns` (none of them with `negate`).
    Contains,
    /// The text matches every regex of `patterns` (none of them with `negate`).
    Regex,
    /// The answer is not a refusal (or is one, with `refuse = true`).
    Refusal,
    /// The text has between `min_chars` and `max_chars` characters.
    Length,
    /// The result's latency is at most `max_ms`.
    Latency,
    /// The result's spend is at most `max_usd`.
    Cost,
    /// Multi-turn loops: after a turn whose scripted tool result was an error, the next
    /// turn does what the case's `expected.turns` says (retry, escalate, explain).
    Recovery,
    /// Multi-turn loops: the model ends with an answer in prose before `max_turns`
    /// (fails on a runaway loop that still calls tools at the turn limit).
    Stopping,
    /// A judge route of the suite grades the answer against `rubric` (tone, policy
    /// adherence, escalation, citation use): pass/fail, or a 1 to 5 score.
    Judge,
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
            CheckKind::Exact => "exact",
            CheckKind::Contains => "contains",
            CheckKind::Regex => "regex",
            CheckKind::Refusal => "refusal",
            CheckKind::Length => "length",
            CheckKind::Latency => "latency",
            CheckKind::Cost => "cost",
            CheckKind::Recovery => "recovery",
            CheckKind::Stopping => "stopping",
            CheckKind::Judge => "judge",
        }
    }
}

/// What string comparison does with whitespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Whitespace {
    /// Compare as is.
    Keep,
    /// Trim, and read every run of whitespace as one space.
    Collapse,
    /// Drop spaces (U+0020), as BFCL does; tabs and newlines stay and count.
    Remove,
    /// Drop every whitespace character: spaces, tabs, newlines.
    RemoveAll,
}

/// `fields`: a key the answer lacks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MissingRule {
    /// A missing key is a mismatch, even where `null` was expected.
    #[default]
    Fail,
    /// A missing key reads as `null`: fine where `null` was expected.
    AsNull,
}

/// `fields`: something the answer has that the expected answer does not.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExtraRule {
    /// A mismatch.
    #[default]
    Fail,
    /// Not counted.
    Ignore,
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
    /// `enum`: the fields (dotted paths) to compare. `fields`: the top-level keys of the
    /// expected answer to compare (all of them when empty).
    #[serde(default)]
    pub fields: Vec<String>,
    /// Strings compare ignoring case. Default: true for `fields`, `tool_calls` and
    /// `recovery`, false for the text checks.
    #[serde(default)]
    pub ignore_case: Option<bool>,
    /// Whitespace in compared strings. Default: `collapse` for `fields` and the text
    /// checks, `remove` for `tool_calls` and `recovery` (BFCL).
    #[serde(default)]
    pub whitespace: Option<Whitespace>,
    /// Drop `,./-_*^` and read `'` as `"` before comparing (BFCL). Default: true for
    /// `tool_calls` and `recovery`, false otherwise.
    #[serde(default)]
    pub punctuation: Option<bool>,
    /// `fields`: absolute tolerance for numbers.
    #[serde(default = "default_tolerance")]
    pub numeric_tolerance: f64,
    /// `fields`: strings that both read as dates compare as dates
    /// ("2025-03-04" = "March 4, 2025" = "4 Mar 2025").
    #[serde(default)]
    pub dates: bool,
    /// `fields`: a key missing from the answer.
    #[serde(default)]
    pub missing: MissingRule,
    /// `fields`: keys of the answer the expected answer does not have. By default they
    /// fail the check, except, on a check limited to some `fields`, the answer's other
    /// top-level keys: those are not compared unless this is set to `fail`.
    #[serde(default)]
    pub extra_keys: Option<ExtraRule>,
    /// `fields`: a value where the expected answer has `null`.
    #[serde(default)]
    pub invented_values: ExtraRule,
    /// `exact`: the text to equal; the case's expected answer when absent (a string,
    /// or the `text` field of an object).
    #[serde(default)]
    pub value: Option<String>,
    /// `contains`: substrings; `regex`: regular expressions. All must match.
    #[serde(default)]
    pub patterns: Vec<String>,
    /// `contains`, `regex`: pass when none of the patterns matches instead.
    #[serde(default)]
    pub negate: bool,
    /// `refusal`: pass only when the answer refuses (a case that should be declined).
    #[serde(default)]
    pub refuse: bool,
    /// `length`: bounds on the text's length in characters.
    #[serde(default)]
    pub min_chars: Option<usize>,
    #[serde(default)]
    pub max_chars: Option<usize>,
    /// `latency`: the most a result may take, retries included.
    #[serde(default)]
    pub max_ms: Option<f64>,
    /// `cost`: the most a result may cost, retries included.
    #[serde(default)]
    pub max_usd: Option<f64>,
    /// `judge`: what the judge grades the answer against.
    #[serde(default)]
    pub rubric: Option<String>,
    /// `judge`: judge routes in order of preference. The first that is not the graded
    /// answer's own route (nor the same model) grades it, unless `allow_self_judge`.
    #[serde(default)]
    pub judges: Vec<String>,
    /// `judge`: `pass_fail` (the default) or `score` (1 to 5).
    #[serde(default)]
    pub scale: JudgeScale,
    /// `judge` on the `score` scale: the least score that passes (default 4).
    #[serde(default)]
    pub pass_score: Option<f64>,
    /// `judge`: a route may grade its own outputs.
    #[serde(default)]
    pub allow_self_judge: bool,
    /// `tool_calls`: how calls are compared with the expected ones: `principled` (the
    /// default) or `bfcl` (the Berkeley Function Calling Leaderboard's AST checker,
    /// quirks included).
    #[serde(default)]
    pub compat: ToolCompat,
}

/// `tool_calls`: which rules compare calls with the expected ones.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToolCompat {
    /// Parallel calls paired optimally, strict types inside arrays too, `""` only marks
    /// an argument that may be omitted.
    #[default]
    Principled,
    /// The Berkeley Function Calling Leaderboard's AST checker, verdict for verdict.
    Bfcl,
}

/// What a judge answers with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JudgeScale {
    /// A pass or a fail, with a reason.
    #[default]
    PassFail,
    /// A score from 1 (bad) to 5 (excellent), with a reason; passes at `pass_score`.
    Score,
}

impl CheckSpec {
    pub fn name(&self) -> &str {
        self.name.as_deref().unwrap_or(self.kind.as_str())
    }

    pub fn ignore_case(&self) -> bool {
        self.ignore_case.unwrap_or(matches!(
            self.kind,
            CheckKind::Fields | CheckKind::ToolCalls | CheckKind::Recovery
        ))
    }

    pub fn whitespace(&self) -> Whitespace {
        self.whitespace.unwrap_or(match self.kind {
            CheckKind::ToolCalls | CheckKind::Recovery => Whitespace::Remove,
            _ => Whitespace::Collapse,
        })
    }

    /// `fields`: the rule for keys the expected answer does not have inside the compared
    /// values (`fail` unless set).
    pub fn extra_keys(&self) -> ExtraRule {
        self.extra_keys.unwrap_or(ExtraRule::Fail)
    }

    /// `fields`: the rule for the answer's top-level keys outside a check limited to
    /// some `fields`: not compared (`ignore`) unless `extra_keys` is set.
    pub fn unselected_keys(&self) -> ExtraRule {
        if self.fields.is_empty() {
            self.extra_keys()
        } else {
            self.extra_keys.unwrap_or(ExtraRule::Ignore)
        }
    }

    /// `judge`: the least score that passes on the `score` scale.
    pub fn pass_score(&self) -> f64 {
        self.pass_score.unwrap_or(4.0)
    }

    pub fn punctuation(&self) -> bool {
        self.punctuation.unwrap_or(matches!(
            self.kind,
            CheckKind::ToolCalls | CheckKind::Recovery
        ))
    }
}

/// When a response is accepted: every check passes (the default); or, with a
/// `threshold`, the `require`d checks pass and the weighted mean of all check values
/// reaches the threshold.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcceptRule {
    /// Check names that must pass; all checks when empty and no threshold is set.
    #[serde(default)]
    pub require: Vec<String>,
    /// Weight of each check in the weighted mean; 1 for checks not named.
    #[serde(default)]
    pub weights: BTreeMap<String, f64>,
    /// Least weighted mean of check values (0 to 1) that accepts.
    #[serde(default)]
    pub threshold: Option<f64>,
}

impl ScorerSpec {
    pub fn load(path: &Path) -> Result<Self, LoadError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| LoadError::new(path, format!("cannot read scorer spec: {e}")))?;
        Self::parse(path, &text)
    }

    /// Parse and check a spec's text; `path` is only for messages.
    pub fn parse(path: &Path, text: &str) -> Result<Self, LoadError> {
        let mut spec: ScorerSpec = parse_toml(path, text)?;
        spec.path = path.to_path_buf();
        spec.source = text.to_string();
        spec.validate()?;
        Ok(spec)
    }

    /// An error at a top-level key (`["accept", "weights"]`), located by line.
    pub fn error_at(&self, keys: &[&str], message: impl Into<String>) -> LoadError {
        let mut e = LoadError::new(&self.path, message).with_key(keys.join("."));
        e.line = toml_key_line(&self.source, keys);
        e
    }

    /// An error at a key of the `index`-th `[[checks]]` table, located by line.
    pub fn check_error(&self, index: usize, key: &str, message: impl Into<String>) -> LoadError {
        let mut e = LoadError::new(&self.path, message).with_key(format!("checks[{index}].{key}"));
        e.line = check_key_line(&self.source, index, key);
        e
    }

    fn validate(&self) -> Result<(), LoadError> {
        if self.checks.is_empty() {
            return Err(self.error_at(&["checks"], "a scorer needs at least one check"));
        }
        if self.max_turns == 0 {
            return Err(self.error_at(&["max_turns"], "must be at least 1"));
        }
        let names: Vec<&str> = self.checks.iter().map(CheckSpec::name).collect();
        let mut seen = HashSet::new();
        for (i, name) in names.iter().enumerate() {
            if !seen.insert(*name) {
                return Err(self.check_error(
                    i,
                    "name",
                    format!("two checks are named `{name}`; give one a `name`"),
                ));
            }
        }
        let unknown = |name: &str| format!("no check named `{name}`; checks: {}", names.join(", "));
        for name in &self.accept.require {
            if !names.contains(&name.as_str()) {
                return Err(self.error_at(&["accept", "require"], unknown(name)));
            }
        }
        for (name, weight) in &self.accept.weights {
            if !names.contains(&name.as_str()) {
                return Err(self.error_at(&["accept", "weights"], unknown(name)));
            }
            if !weight.is_finite() || *weight < 0.0 {
                return Err(self.error_at(
                    &["accept", "weights"],
                    format!("weight of `{name}` must be a number of at least 0"),
                ));
            }
        }
        match self.accept.threshold {
            Some(t) if !(0.0..=1.0).contains(&t) => {
                return Err(self.error_at(&["accept", "threshold"], "must be between 0 and 1"));
            }
            None if !self.accept.weights.is_empty() => {
                return Err(self.error_at(
                    &["accept", "weights"],
                    "weights only count with a `threshold`",
                ));
            }
            Some(_) if self.checks_weight() <= 0.0 => {
                return Err(self.error_at(&["accept", "weights"], "the weights add up to 0"));
            }
            _ => {}
        }
        for (i, check) in self.checks.iter().enumerate() {
            self.validate_check(i, check)?;
        }
        Ok(())
    }

    fn validate_check(&self, i: usize, check: &CheckSpec) -> Result<(), LoadError> {
        let kind = check.kind.as_str();
        match check.kind {
            CheckKind::Enum if check.fields.is_empty() => {
                return Err(self.check_error(i, "fields", "an `enum` check needs `fields`"));
            }
            CheckKind::Contains | CheckKind::Regex if check.patterns.is_empty() => {
                return Err(self.check_error(
                    i,
                    "patterns",
                    format!("a `{kind}` check needs `patterns`"),
                ));
            }
            CheckKind::Length => match (check.min_chars, check.max_chars) {
                (None, None) => {
                    return Err(self.check_error(
                        i,
                        "max_chars",
                        "a `length` check needs `min_chars` or `max_chars`",
                    ));
                }
                (Some(lo), Some(hi)) if lo > hi => {
                    return Err(self.check_error(
                        i,
                        "min_chars",
                        format!("min_chars {lo} is above max_chars {hi}"),
                    ));
                }
                _ => {}
            },
            CheckKind::Latency if !check.max_ms.is_some_and(|v| v.is_finite() && v >= 0.0) => {
                return Err(self.check_error(
                    i,
                    "max_ms",
                    "a `latency` check needs `max_ms` (milliseconds, at least 0)",
                ));
            }
            CheckKind::Cost if !check.max_usd.is_some_and(|v| v.is_finite() && v >= 0.0) => {
                return Err(self.check_error(
                    i,
                    "max_usd",
                    "a `cost` check needs `max_usd` (at least 0)",
                ));
            }
            CheckKind::Judge if check.rubric.as_deref().is_none_or(|r| r.trim().is_empty()) => {
                return Err(self.check_error(i, "rubric", "a `judge` check needs a `rubric`"));
            }
            CheckKind::Judge if check.judges.is_empty() => {
                return Err(self.check_error(
                    i,
                    "judges",
                    "a `judge` check needs `judges`: routes of the suite, in order of preference",
                ));
            }
            CheckKind::Judge if !(1.0..=5.0).contains(&check.pass_score()) => {
                return Err(self.check_error(i, "pass_score", "must be between 1 and 5"));
            }
            CheckKind::Recovery | CheckKind::Stopping if self.max_turns < 2 => {
                return Err(self.check_error(
                    i,
                    "kind",
                    format!(
                        "a `{kind}` check grades a multi-turn loop: set `max_turns` to 2 or more"
                    ),
                ));
            }
            _ => {}
        }
        if !check.numeric_tolerance.is_finite() || check.numeric_tolerance < 0.0 {
            return Err(self.check_error(i, "numeric_tolerance", "must be at least 0"));
        }
        if check.lenient && check.kind != CheckKind::Json {
            return Err(self.check_error(i, "lenient", "only a `json` check is lenient"));
        }
        if check.kind != CheckKind::Judge
            && (check.rubric.is_some() || !check.judges.is_empty() || check.pass_score.is_some())
        {
            return Err(self.check_error(
                i,
                "rubric",
                "only a `judge` check takes `rubric`, `judges` or `pass_score`",
            ));
        }
        if check.value.is_some() && check.kind != CheckKind::Exact {
            return Err(self.check_error(i, "value", format!("a `{kind}` check takes no `value`")));
        }
        Ok(())
    }

    fn checks_weight(&self) -> f64 {
        self.checks.iter().map(|c| self.weight(c.name())).sum()
    }

    /// Weight of a check in the accept rule's weighted mean.
    pub fn weight(&self, check: &str) -> f64 {
        self.accept.weights.get(check).copied().unwrap_or(1.0)
    }

    /// The spec's `judge` checks, with their index in `checks`.
    pub fn judge_checks(&self) -> impl Iterator<Item = &CheckSpec> {
        self.checks.iter().filter(|c| c.kind == CheckKind::Judge)
    }

    /// Whether a check's outcome decides acceptance on its own.
    pub fn is_required(&self, check: &str) -> bool {
        if self.accept.require.is_empty() {
            self.accept.threshold.is_none()
        } else {
            self.accept.require.iter().any(|r| r == check)
        }
    }
}

/// 1-based line of `key` inside the `index`-th `[[checks]]` table, else the table's
/// header line.
pub fn check_key_line(src: &str, index: usize, key: &str) -> Option<usize> {
    let lines: Vec<&str> = src.lines().collect();
    let header = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.trim() == "[[checks]]")
        .nth(index)
        .map(|(i, _)| i)?;
    for (i, line) in lines.iter().enumerate().skip(header + 1) {
        let t = line.trim_start();
        if t.starts_with('[') {
            break;
        }
        if let Some(rest) = t.strip_prefix(key) {
            if rest.trim_start().starts_with('=') {
                return Some(i + 1);
            }
        }
    }
    Some(header + 1)
}

fn default_max_turns() -> u32 {
    1
}

fn default_tolerance() -> f64 {
    0.005
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ScorerSpec, LoadError> {
        ScorerSpec::parse(Path::new("s.toml"), text)
    }

    #[test]
    fn defaults_depend_on_the_kind() {
        let s = parse("[[checks]]\nkind = \"fields\"\n[[checks]]\nkind = \"tool_calls\"\n[[checks]]\nkind = \"exact\"\nvalue = \"x\"\n").unwrap();
        assert!(s.checks[0].ignore_case());
        assert_eq!(s.checks[0].whitespace(), Whitespace::Collapse);
        assert!(!s.checks[0].punctuation());
        assert_eq!(s.checks[0].missing, MissingRule::Fail);
        assert_eq!(s.checks[0].extra_keys(), ExtraRule::Fail);
        assert_eq!(s.checks[0].unselected_keys(), ExtraRule::Fail);
        assert_eq!(s.checks[0].invented_values, ExtraRule::Fail);
        assert!(!s.checks[0].dates);
        assert!(s.checks[1].ignore_case());
        assert_eq!(s.checks[1].whitespace(), Whitespace::Remove);
        assert!(s.checks[1].punctuation());
        assert!(!s.checks[2].ignore_case());
        assert!(s.is_required("fields") && s.is_required("exact"));
    }

    #[test]
    fn unknown_key_names_line_key_and_suggestion() {
        let err = parse(
            "[[checks]]\nkind = \"json\"\n\n[[checks]]\nkind = \"fields\"\nignore_cse = true\n",
        )
        .unwrap_err();
        assert_eq!(err.line, Some(6), "{err}");
        assert_eq!(err.key.as_deref(), Some("checks[1].ignore_cse"), "{err}");
        assert!(err.message.contains("did you mean `ignore_case`"), "{err}");
    }

    #[test]
    fn bad_kind_is_located() {
        let err = parse("[[checks]]\nkind = \"jsn\"\n").unwrap_err();
        assert_eq!(err.line, Some(2), "{err}");
        assert!(err.message.contains("jsn"), "{err}");
    }

    #[test]
    fn check_options_are_checked_with_line_and_key() {
        let err = parse("[[checks]]\nkind = \"json\"\n[[checks]]\nkind = \"enum\"\n").unwrap_err();
        assert_eq!(err.key.as_deref(), Some("checks[1].fields"));
        assert_eq!(
            err.line,
            Some(3),
            "header line when the key is absent: {err}"
        );

        let err =
            parse("[[checks]]\nkind = \"length\"\nmin_chars = 10\nmax_chars = 5\n").unwrap_err();
        assert_eq!(err.key.as_deref(), Some("checks[0].min_chars"));
        assert_eq!(err.line, Some(3));

        let err = parse("[[checks]]\nkind = \"regex\"\n").unwrap_err();
        assert_eq!(err.key.as_deref(), Some("checks[0].patterns"));

        let err = parse("[[checks]]\nkind = \"latency\"\n").unwrap_err();
        assert_eq!(err.key.as_deref(), Some("checks[0].max_ms"));

        let err = parse("[[checks]]\nkind = \"cost\"\nmax_usd = -1\n").unwrap_err();
        assert_eq!(err.line, Some(3));

        let err = parse("[[checks]]\nkind = \"schema\"\nlenient = true\n").unwrap_err();
        assert_eq!(err.key.as_deref(), Some("checks[0].lenient"));

        let err = parse("[[checks]]\nkind = \"json\"\n[[checks]]\nkind = \"json\"\n").unwrap_err();
        assert!(err.message.contains("two checks are named `json`"), "{err}");
        assert_eq!(err.line, Some(3));
    }

    #[test]
    fn accept_rule_is_checked() {
        let base = "[[checks]]\nkind = \"json\"\n[[checks]]\nkind = \"schema\"\n\n[accept]\n";
        let err = parse(&format!("{base}require = [\"jsn\"]\n")).unwrap_err();
        assert_eq!(err.key.as_deref(), Some("accept.require"));
        assert_eq!(err.line, Some(7));
        assert!(err.message.contains("checks: json, schema"), "{err}");

        let err = parse(&format!("{base}threshold = 1.5\n")).unwrap_err();
        assert_eq!(err.key.as_deref(), Some("accept.threshold"));
        assert_eq!(err.line, Some(7));

        let err = parse(&format!("{base}weights = {{ json = 2 }}\n")).unwrap_err();
        assert!(err.message.contains("threshold"), "{err}");

        let err = parse(&format!(
            "{base}threshold = 0.5\nweights = {{ shema = 2 }}\n"
        ))
        .unwrap_err();
        assert_eq!(err.key.as_deref(), Some("accept.weights"));
        assert_eq!(err.line, Some(8));

        let ok = parse(&format!(
            "{base}require = [\"json\"]\nthreshold = 0.8\nweights = {{ schema = 3 }}\n"
        ))
        .unwrap();
        assert!(ok.is_required("json"));
        assert!(!ok.is_required("schema"));
        assert_eq!(ok.weight("schema"), 3.0);
        assert_eq!(ok.weight("json"), 1.0);
    }

    #[test]
    fn max_turns_defaults_to_one_and_loop_checks_need_more() {
        let s = parse("[[checks]]\nkind = \"tool_calls\"\n").unwrap();
        assert_eq!(s.max_turns, 1);
        let err = parse("[[checks]]\nkind = \"tool_calls\"\n[[checks]]\nkind = \"stopping\"\n")
            .unwrap_err();
        assert_eq!(err.key.as_deref(), Some("checks[1].kind"), "{err}");
        assert_eq!(err.line, Some(4), "{err}");
        assert!(err.message.contains("max_turns"), "{err}");
        let err = parse("max_turns = 0\n[[checks]]\nkind = \"tool_calls\"\n").unwrap_err();
        assert_eq!(err.line, Some(1), "{err}");
        let s = parse("max_turns = 4\n[[checks]]\nkind = \"tool_calls\"\n[[checks]]\nkind = \"recovery\"\n[[checks]]\nkind = \"stopping\"\n[accept]\nrequire = [\"stopping\"]\n").unwrap();
        assert_eq!(s.max_turns, 4);
        assert!(s.is_required("stopping") && !s.is_required("recovery"));
    }

    #[test]
    fn threshold_without_require_requires_nothing_on_its_own() {
        let s = parse("[[checks]]\nkind = \"json\"\n[accept]\nthreshold = 0.5\n").unwrap();
        assert!(!s.is_required("json"));
    }
}
