//! Scorer specs (`scorers/*.toml`): which checks grade a workflow and when a response
//! is accepted.
//!
//! Loaded in steps like the suite: serde types that refuse unknown keys, each check read
//! as its kind's own type (see [`check`]), then [`ScorerSpec::load`]'s own checks (names
//! that exist, options a check needs, ranges), each error naming the file, the line and
//! the key (`checks[2].patterns`).

mod check;

pub use check::{
    CheckError, CheckKind, CheckSpec, ComparesStrings, ContainsCheck, CostCheck, EnumCheck,
    ExactCheck, ExtraRule, FieldsCheck, JsonCheck, JudgeCheck, JudgeScale, LatencyCheck,
    LengthCheck, MissingRule, RecoveryCheck, RefusalCheck, RegexCheck, SchemaCheck, StoppingCheck,
    StringOptions, ToolCallsCheck, ToolCompat, Whitespace,
};

use crate::config::parse_toml;
use crate::error::LoadError;
use crate::locate::toml_key_line;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Serialize)]
pub struct ScorerSpec {
    pub description: Option<String>,
    /// Re-asks with the validation error as feedback, after the first answer.
    pub validation_retries: u32,
    /// Turns of a multi-turn tool loop: while the model answers with tool calls, the
    /// runner sends the case's scripted tool results back and asks again, up to this many
    /// requests (validation rounds aside). 1, the default, is a single answer.
    pub max_turns: u32,
    pub checks: Vec<CheckSpec>,
    pub accept: AcceptRule,
    #[serde(skip)]
    pub path: PathBuf,
    /// The spec's TOML text, so problems found later (a regex that does not compile)
    /// can still be located by line.
    #[serde(skip)]
    pub source: String,
}

/// A spec as written, its checks still tables: each is read by its kind next
/// ([`CheckSpec::from_table`]), so that an error names the kind and the key's own line.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Written {
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    validation_retries: u32,
    #[serde(default = "default_max_turns")]
    max_turns: u32,
    checks: Vec<toml::Table>,
    #[serde(default)]
    accept: AcceptRule,
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
        let written: Written = parse_toml(path, text)?;
        let mut spec = ScorerSpec {
            description: written.description,
            validation_retries: written.validation_retries,
            max_turns: written.max_turns,
            checks: Vec::with_capacity(written.checks.len()),
            accept: written.accept,
            path: path.to_path_buf(),
            source: text.to_string(),
        };
        for (i, table) in written.checks.into_iter().enumerate() {
            let check =
                CheckSpec::from_table(table).map_err(|e| spec.check_error(i, &e.key, e.message))?;
            spec.checks.push(check);
        }
        spec.validate()?;
        Ok(spec)
    }

    /// An error at a top-level key (`["accept", "weights"]`), located by line.
    pub fn error_at(&self, keys: &[&str], message: impl Into<String>) -> LoadError {
        let mut e = LoadError::new(&self.path, message).with_key(keys.join("."));
        e.line = toml_key_line(&self.source, keys);
        e
    }

    /// An error at a key of the `index`-th `[[checks]]` table (`patterns`, `patterns[1]`,
    /// or none for the table itself), located by line.
    pub fn check_error(&self, index: usize, key: &str, message: impl Into<String>) -> LoadError {
        let full = match key {
            "" => format!("checks[{index}]"),
            key => format!("checks[{index}].{key}"),
        };
        let mut e = LoadError::new(&self.path, message).with_key(full);
        let top = key.split(['.', '[']).next().unwrap_or_default();
        e.line = check_key_line(&self.source, index, top)
            .or_else(|| toml_key_line(&self.source, &["checks"]));
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

    /// What a check's type cannot say: options it needs, and their ranges.
    fn validate_check(&self, i: usize, check: &CheckSpec) -> Result<(), LoadError> {
        let err = |key: &str, message: String| Err(self.check_error(i, key, message));
        let kind = check.kind();
        match check {
            CheckSpec::Enum(c) if c.fields.is_empty() => {
                err("fields", "an `enum` check needs `fields`".into())
            }
            CheckSpec::Contains(ContainsCheck { patterns, .. })
            | CheckSpec::Regex(RegexCheck { patterns, .. })
                if patterns.is_empty() =>
            {
                err("patterns", format!("a `{kind}` check needs `patterns`"))
            }
            CheckSpec::Length(c) => match (c.min_chars, c.max_chars) {
                (None, None) => err(
                    "max_chars",
                    "a `length` check needs `min_chars` or `max_chars`".into(),
                ),
                (Some(lo), Some(hi)) if lo > hi => err(
                    "min_chars",
                    format!("min_chars {lo} is above max_chars {hi}"),
                ),
                _ => Ok(()),
            },
            CheckSpec::Latency(c) if !(c.max_ms.is_finite() && c.max_ms >= 0.0) => err(
                "max_ms",
                "a `latency` check needs `max_ms` (milliseconds, at least 0)".into(),
            ),
            CheckSpec::Cost(c) if !(c.max_usd.is_finite() && c.max_usd >= 0.0) => err(
                "max_usd",
                "a `cost` check needs `max_usd` (at least 0)".into(),
            ),
            CheckSpec::Fields(c)
                if !c.numeric_tolerance.is_finite() || c.numeric_tolerance < 0.0 =>
            {
                err("numeric_tolerance", "must be at least 0".into())
            }
            CheckSpec::Judge(c) if c.rubric.trim().is_empty() => {
                err("rubric", "a `judge` check needs a `rubric`".into())
            }
            CheckSpec::Judge(c) if c.judges.is_empty() => err(
                "judges",
                "a `judge` check needs `judges`: routes of the suite, in order of preference"
                    .into(),
            ),
            CheckSpec::Judge(c) if !(1.0..=5.0).contains(&c.pass_score()) => {
                err("pass_score", "must be between 1 and 5".into())
            }
            CheckSpec::Recovery(_) | CheckSpec::Stopping(_) if self.max_turns < 2 => err(
                "kind",
                format!("a `{kind}` check grades a multi-turn loop: set `max_turns` to 2 or more"),
            ),
            _ => Ok(()),
        }
    }

    fn checks_weight(&self) -> f64 {
        self.checks.iter().map(|c| self.weight(c.name())).sum()
    }

    /// Weight of a check in the accept rule's weighted mean.
    pub fn weight(&self, check: &str) -> f64 {
        self.accept.weights.get(check).copied().unwrap_or(1.0)
    }

    /// The spec's `judge` checks.
    pub fn judge_checks(&self) -> impl Iterator<Item = &JudgeCheck> {
        self.checks.iter().filter_map(CheckSpec::as_judge)
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn parse(text: &str) -> Result<ScorerSpec, LoadError> {
        ScorerSpec::parse(Path::new("s.toml"), text)
    }

    #[test]
    fn defaults_depend_on_the_kind() {
        let s = parse("[[checks]]\nkind = \"fields\"\n[[checks]]\nkind = \"tool_calls\"\n[[checks]]\nkind = \"exact\"\nvalue = \"x\"\n").unwrap();
        let (CheckSpec::Fields(fields), CheckSpec::ToolCalls(tools), CheckSpec::Exact(exact)) =
            (&s.checks[0], &s.checks[1], &s.checks[2])
        else {
            panic!("kinds in order: {:?}", s.checks);
        };
        assert!(fields.ignore_case());
        assert_eq!(fields.whitespace(), Whitespace::Collapse);
        assert!(!fields.punctuation());
        assert_eq!(fields.missing, MissingRule::Fail);
        assert_eq!(fields.extra_keys(), ExtraRule::Fail);
        assert_eq!(fields.unselected_keys(), ExtraRule::Fail);
        assert_eq!(fields.invented_values, ExtraRule::Fail);
        assert!(!fields.dates);
        assert!(tools.ignore_case());
        assert_eq!(tools.whitespace(), Whitespace::Remove);
        assert!(tools.punctuation());
        assert!(!exact.ignore_case());
        assert_eq!(exact.value.as_deref(), Some("x"));
        assert!(s.is_required("fields") && s.is_required("exact"));
    }

    #[test]
    fn string_options_are_read_into_their_kind() {
        let s = parse("[[checks]]\nkind = \"contains\"\npatterns = [\"a\"]\nignore_case = true\nwhitespace = \"keep\"\n").unwrap();
        let CheckSpec::Contains(c) = &s.checks[0] else {
            panic!("{:?}", s.checks[0]);
        };
        assert!(c.ignore_case() && !c.punctuation());
        assert_eq!(c.whitespace(), Whitespace::Keep);
        let err =
            parse("[[checks]]\nkind = \"contains\"\npatterns = [\"a\"]\nwhitespace = \"kep\"\n")
                .unwrap_err();
        assert_eq!(err.key.as_deref(), Some("checks[0].whitespace"), "{err}");
        assert_eq!(err.line, Some(4), "{err}");
        assert!(err.message.contains("unknown variant `kep`"), "{err}");
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
    fn a_typo_of_an_option_suggests_it() {
        // The misspelt key is also a word in the first check: the error is on the second's
        // line all the same.
        let text = "[[checks]]\nkind = \"contains\"\npatterns = [\"patern\"]\n\n\
                    [[checks]]\nkind = \"contains\"\nname = \"second\"\npatern = [\"x\"]\n";
        let err = parse(text).unwrap_err();
        assert_eq!(
            err.to_string(),
            "s.toml:8: key `checks[1].patern`: unknown key `patern`; did you mean `patterns`?"
        );
    }

    #[test]
    fn an_option_of_another_kind_is_refused() {
        let err = parse("[[checks]]\nkind = \"contains\"\npatterns = [\"x\"]\nmax_usd = 0.1\n")
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "s.toml:4: key `checks[0].max_usd`: `contains` checks take no `max_usd` \
             (options: name, patterns, negate, ignore_case, whitespace, punctuation)"
        );
        let err = parse("[[checks]]\nkind = \"json\"\nnegate = true\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "s.toml:3: key `checks[0].negate`: `json` checks take no `negate` (options: name, lenient)"
        );
        // Near an option of its own, but another kind's: not offered as a typo.
        let err = parse("[[checks]]\nkind = \"latency\"\nmax_ms = 10\nmax_usd = 1\n").unwrap_err();
        assert_eq!(err.line, Some(4), "{err}");
        assert!(
            err.message
                .starts_with("`latency` checks take no `max_usd`"),
            "{err}"
        );
        // String options belong to the kinds that compare strings.
        let err =
            parse("[[checks]]\nkind = \"regex\"\npatterns = [\"x\"]\nwhitespace = \"keep\"\n")
                .unwrap_err();
        assert_eq!(err.key.as_deref(), Some("checks[0].whitespace"), "{err}");
    }

    #[test]
    fn an_option_another_option_would_make_useless_is_refused() {
        let err =
            parse("[[checks]]\nkind = \"tool_calls\"\ncompat = \"bfcl\"\nwhitespace = \"keep\"\n")
                .unwrap_err();
        assert_eq!(err.key.as_deref(), Some("checks[0].whitespace"), "{err}");
        assert_eq!(err.line, Some(4), "{err}");
        assert!(
            err.message
                .contains("compares strings as the leaderboard does"),
            "{err}"
        );
        assert!(parse("[[checks]]\nkind = \"tool_calls\"\nwhitespace = \"keep\"\n").is_ok());
        let err =
            parse("[[checks]]\nkind = \"judge\"\nrubric = \"r\"\npass_score = 3\n").unwrap_err();
        assert_eq!(err.key.as_deref(), Some("checks[0].pass_score"), "{err}");
        let ok = parse(
            "[[checks]]\nkind = \"judge\"\nrubric = \"r\"\njudges = [\"j\"]\nscale = \"score\"\npass_score = 3\n",
        );
        assert!(ok.is_ok(), "{:?}", ok.err());
    }

    /// The least check of each kind that loads.
    fn least(kind: CheckKind) -> &'static str {
        match kind {
            CheckKind::Enum => "fields = [\"a\"]\n",
            CheckKind::Contains | CheckKind::Regex => "patterns = [\"a\"]\n",
            CheckKind::Length => "max_chars = 1\n",
            CheckKind::Latency => "max_ms = 1\n",
            CheckKind::Cost => "max_usd = 1\n",
            CheckKind::Judge => "rubric = \"r\"\njudges = [\"j\"]\n",
            _ => "",
        }
    }

    #[test]
    fn every_kind_refuses_every_option_it_does_not_take() {
        let all: BTreeSet<&str> = CheckKind::ALL.iter().flat_map(|k| k.options()).collect();
        for kind in CheckKind::ALL {
            let body = format!(
                "max_turns = 2\n[[checks]]\nkind = \"{kind}\"\n{}",
                least(kind)
            );
            let spec = parse(&body).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(spec.checks[0].kind(), kind);
            let options = kind.options();
            for key in all.iter().filter(|k| !options.contains(k)) {
                let err = parse(&format!("{body}{key} = true\n")).unwrap_err();
                assert_eq!(err.line, Some(body.lines().count() + 1), "{err}");
                assert_eq!(err.key, Some(format!("checks[0].{key}")), "{err}");
                assert!(
                    err.message
                        .starts_with(&format!("`{kind}` checks take no `{key}`")),
                    "{err}"
                );
            }
        }
    }

    #[test]
    fn a_stray_key_is_located_in_its_own_check() {
        let text = concat!(
            "description = \"several checks\"\n",
            "\n",
            "[[checks]]\n",
            "kind = \"contains\"\n",
            "negate = true\n",
            "patterns = [\"x\"]\n",
            "\n",
            "[[checks]]\n",
            "kind = \"regex\"\n",
            "patterns = [\"y\"]\n",
            "\n",
            "[[checks]]\n",
            "kind = \"refusal\"\n",
            "# negate is for contains and regex\n",
            "negate = true\n",
            "\n",
            "[accept]\n",
            "require = [\"refusal\"]\n",
        );
        let err = parse(text).unwrap_err();
        assert_eq!(err.line, Some(15), "{err}");
        assert_eq!(err.key.as_deref(), Some("checks[2].negate"), "{err}");
        assert!(
            err.message
                .starts_with("`refusal` checks take no `negate` (options: name, refuse)"),
            "{err}"
        );

        let bad_item = text.replace("[\"y\"]", "[\"y\", 2]");
        let err = parse(&bad_item).unwrap_err();
        assert_eq!(err.key.as_deref(), Some("checks[1].patterns[1]"), "{err}");
        assert_eq!(err.line, Some(10), "{err}");
    }

    #[test]
    fn an_option_a_kind_needs_is_named() {
        let err =
            parse("[[checks]]\nkind = \"json\"\n[[checks]]\nkind = \"latency\"\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "s.toml:3: key `checks[1].max_ms`: a `latency` check needs `max_ms`"
        );
        let err = parse("[[checks]]\nkind = \"judge\"\njudges = [\"a\"]\n").unwrap_err();
        assert_eq!(err.key.as_deref(), Some("checks[0].rubric"), "{err}");
        let err = parse("[[checks]]\nname = \"x\"\n").unwrap_err();
        assert_eq!(err.key.as_deref(), Some("checks[0].kind"), "{err}");
        assert!(err.message.contains("needs a `kind`"), "{err}");
    }

    #[test]
    fn bad_kind_is_located() {
        let err = parse("[[checks]]\nkind = \"jsn\"\n").unwrap_err();
        assert_eq!(err.line, Some(2), "{err}");
        assert_eq!(err.key.as_deref(), Some("checks[0].kind"), "{err}");
        assert_eq!(err.message, "unknown kind `jsn`; did you mean `json`?");
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
