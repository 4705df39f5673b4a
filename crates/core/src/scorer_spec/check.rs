//! The checks of a scorer spec, one type per kind: each kind's options and nothing else,
//! so that an option the kind would ignore (`max_usd` on a `contains` check, `negate` on
//! `json`) is refused where it is written instead of loading and doing nothing.
//!
//! A `[[checks]]` table is read in two steps ([`CheckSpec::from_table`]): its `kind`,
//! then every other key against that kind's options, before serde reads them into the
//! kind's struct. Errors name the key inside the table; [`super::ScorerSpec::parse`]
//! adds the file, the line and the check's index.

use crate::error::did_you_mean;
use serde::de::{DeserializeOwned, Deserializer, Error as _, Visitor};
use serde::{Deserialize, Serialize};
use std::fmt;

/// One check of a scorer spec; `kind` picks the variant.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CheckSpec {
    Json(JsonCheck),
    Schema(SchemaCheck),
    Enum(EnumCheck),
    Fields(FieldsCheck),
    ToolCalls(ToolCallsCheck),
    Exact(ExactCheck),
    Contains(ContainsCheck),
    Regex(RegexCheck),
    Refusal(RefusalCheck),
    Length(LengthCheck),
    Latency(LatencyCheck),
    Cost(CostCheck),
    Recovery(RecoveryCheck),
    Stopping(StoppingCheck),
    Judge(JudgeCheck),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
    /// Every kind, in the order the docs list them.
    pub const ALL: [CheckKind; 15] = [
        CheckKind::Json,
        CheckKind::Schema,
        CheckKind::Enum,
        CheckKind::Fields,
        CheckKind::ToolCalls,
        CheckKind::Exact,
        CheckKind::Contains,
        CheckKind::Regex,
        CheckKind::Refusal,
        CheckKind::Length,
        CheckKind::Latency,
        CheckKind::Cost,
        CheckKind::Recovery,
        CheckKind::Stopping,
        CheckKind::Judge,
    ];

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

    /// The keys a check of this kind takes besides `kind`.
    pub fn options(self) -> Vec<&'static str> {
        match self {
            CheckKind::Json => JsonCheck::keys(),
            CheckKind::Schema => SchemaCheck::keys(),
            CheckKind::Enum => EnumCheck::keys(),
            CheckKind::Fields => FieldsCheck::keys(),
            CheckKind::ToolCalls => ToolCallsCheck::keys(),
            CheckKind::Exact => ExactCheck::keys(),
            CheckKind::Contains => ContainsCheck::keys(),
            CheckKind::Regex => RegexCheck::keys(),
            CheckKind::Refusal => RefusalCheck::keys(),
            CheckKind::Length => LengthCheck::keys(),
            CheckKind::Latency => LatencyCheck::keys(),
            CheckKind::Cost => CostCheck::keys(),
            CheckKind::Recovery => RecoveryCheck::keys(),
            CheckKind::Stopping => StoppingCheck::keys(),
            CheckKind::Judge => JudgeCheck::keys(),
        }
    }
}

impl fmt::Display for CheckKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `json`: the content parses as JSON.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonCheck {
    /// Name of the check in results and accept rules; the kind when absent.
    #[serde(default)]
    pub name: Option<String>,
    /// Also try to extract JSON from fenced code or prose, recorded separately.
    #[serde(default)]
    pub lenient: bool,
}

/// `schema`: the parsed content validates against the dataset's JSON Schema.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemaCheck {
    #[serde(default)]
    pub name: Option<String>,
}

/// `enum`: named fields equal the expected values exactly.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnumCheck {
    #[serde(default)]
    pub name: Option<String>,
    /// The fields (dotted paths) to compare; at least one.
    #[serde(default)]
    pub fields: Vec<String>,
}

/// `fields`: every field of the expected object matches, after normalisation.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldsCheck {
    #[serde(default)]
    pub name: Option<String>,
    /// The top-level keys of the expected answer to compare (all of them when empty).
    #[serde(default)]
    pub fields: Vec<String>,
    /// Absolute tolerance for numbers.
    #[serde(default = "default_tolerance")]
    pub numeric_tolerance: f64,
    /// Strings that both read as dates compare as dates
    /// ("2025-03-04" = "March 4, 2025" = "4 Mar 2025").
    #[serde(default)]
    pub dates: bool,
    /// A key missing from the answer.
    #[serde(default)]
    pub missing: MissingRule,
    /// Keys of the answer the expected answer does not have. By default they fail the
    /// check, except, on a check limited to some `fields`, the answer's other top-level
    /// keys: those are not compared unless this is set to `fail`.
    #[serde(default)]
    pub extra_keys: Option<ExtraRule>,
    /// A value where the expected answer has `null`.
    #[serde(default)]
    pub invented_values: ExtraRule,
    /// Read from the same table; see [`StringOptions`].
    #[serde(flatten, skip_deserializing)]
    pub strings: StringOptions,
}

impl Default for FieldsCheck {
    fn default() -> Self {
        Self {
            name: None,
            fields: Vec::new(),
            numeric_tolerance: default_tolerance(),
            dates: false,
            missing: MissingRule::default(),
            extra_keys: None,
            invented_values: ExtraRule::default(),
            strings: StringOptions::default(),
        }
    }
}

impl FieldsCheck {
    /// The rule for keys the expected answer does not have inside the compared values
    /// (`fail` unless set).
    pub fn extra_keys(&self) -> ExtraRule {
        self.extra_keys.unwrap_or(ExtraRule::Fail)
    }

    /// The rule for the answer's top-level keys outside a check limited to some
    /// `fields`: not compared (`ignore`) unless `extra_keys` is set.
    pub fn unselected_keys(&self) -> ExtraRule {
        if self.fields.is_empty() {
            self.extra_keys()
        } else {
            self.extra_keys.unwrap_or(ExtraRule::Ignore)
        }
    }
}

/// `tool_calls`: tool calls match the expected calls (name, count, arguments).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolCallsCheck {
    #[serde(default)]
    pub name: Option<String>,
    /// How calls are compared with the expected ones: `principled` (the default) or
    /// `bfcl` (the Berkeley Function Calling Leaderboard's AST checker, quirks included).
    #[serde(default)]
    pub compat: ToolCompat,
    /// Read from the same table; see [`StringOptions`].
    #[serde(flatten, skip_deserializing)]
    pub strings: StringOptions,
}

/// `exact`: the text equals `value` or the expected answer's text, after normalisation.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExactCheck {
    #[serde(default)]
    pub name: Option<String>,
    /// The text to equal; the case's expected answer when absent (a string, or the
    /// `text` field of an object).
    #[serde(default)]
    pub value: Option<String>,
    /// Read from the same table; see [`StringOptions`].
    #[serde(flatten, skip_deserializing)]
    pub strings: StringOptions,
}

/// `contains`: the text contains every one of `patterns` (none of them with `negate`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContainsCheck {
    #[serde(default)]
    pub name: Option<String>,
    /// Substrings, all of which must be found; at least one.
    #[serde(default)]
    pub patterns: Vec<String>,
    /// Pass when none of the patterns is found instead.
    #[serde(default)]
    pub negate: bool,
    /// Read from the same table; see [`StringOptions`].
    #[serde(flatten, skip_deserializing)]
    pub strings: StringOptions,
}

/// `regex`: the text matches every one of `patterns` (none of them with `negate`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegexCheck {
    #[serde(default)]
    pub name: Option<String>,
    /// Regular expressions, all of which must match; at least one.
    #[serde(default)]
    pub patterns: Vec<String>,
    /// Pass when none of the patterns matches instead.
    #[serde(default)]
    pub negate: bool,
    /// The patterns match regardless of case.
    #[serde(default)]
    pub ignore_case: bool,
}

/// `refusal`: the answer is not a refusal (or is one, with `refuse`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefusalCheck {
    #[serde(default)]
    pub name: Option<String>,
    /// Pass only when the answer refuses (a case that should be declined).
    #[serde(default)]
    pub refuse: bool,
}

/// `length`: the text's length in characters is within bounds (one at least).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LengthCheck {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub min_chars: Option<usize>,
    #[serde(default)]
    pub max_chars: Option<usize>,
}

/// `latency`: the result took at most `max_ms`, retries included.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LatencyCheck {
    #[serde(default)]
    pub name: Option<String>,
    /// Milliseconds, at least 0.
    pub max_ms: f64,
}

/// `cost`: the result cost at most `max_usd`, retries included.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CostCheck {
    #[serde(default)]
    pub name: Option<String>,
    /// USD, at least 0.
    pub max_usd: f64,
}

/// `recovery`: after a tool error, the next turn does what `expected.turns` says.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecoveryCheck {
    #[serde(default)]
    pub name: Option<String>,
    /// Read from the same table; see [`StringOptions`].
    #[serde(flatten, skip_deserializing)]
    pub strings: StringOptions,
}

/// `stopping`: the loop ends with an answer in prose before `max_turns`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoppingCheck {
    #[serde(default)]
    pub name: Option<String>,
}

/// `judge`: a judge route of the suite grades the answer against `rubric`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JudgeCheck {
    #[serde(default)]
    pub name: Option<String>,
    /// What the judge grades the answer against.
    pub rubric: String,
    /// Judge routes in order of preference. The first that is not the graded answer's
    /// own route (nor the same model) grades it, unless `allow_self_judge`.
    #[serde(default)]
    pub judges: Vec<String>,
    /// `pass_fail` (the default) or `score` (1 to 5).
    #[serde(default)]
    pub scale: JudgeScale,
    /// On the `score` scale: the least score that passes (default 4).
    #[serde(default)]
    pub pass_score: Option<f64>,
    /// A route may grade its own outputs.
    #[serde(default)]
    pub allow_self_judge: bool,
}

impl JudgeCheck {
    pub fn name(&self) -> &str {
        self.name.as_deref().unwrap_or(CheckKind::Judge.as_str())
    }

    /// The least score that passes on the `score` scale.
    pub fn pass_score(&self) -> f64 {
        self.pass_score.unwrap_or(4.0)
    }
}

/// How a check that compares strings treats case, whitespace and punctuation. Written
/// in the check's own table (`ignore_case = true`), taken by the kinds that compare
/// strings with them: `fields`, `tool_calls`, `recovery`, `exact`, `contains`. An
/// option left out takes the kind's default ([`ComparesStrings`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StringOptions {
    /// Strings compare ignoring case. Default: true for `fields`, `tool_calls` and
    /// `recovery`, false for `exact` and `contains`.
    #[serde(default)]
    pub ignore_case: Option<bool>,
    /// Whitespace in compared strings. Default: `collapse` for `fields`, `exact` and
    /// `contains`, `remove` for `tool_calls` and `recovery` (BFCL).
    #[serde(default)]
    pub whitespace: Option<Whitespace>,
    /// Drop `,./-_*^` and read `'` as `"` before comparing (BFCL). Default: true for
    /// `tool_calls` and `recovery`, false otherwise.
    #[serde(default)]
    pub punctuation: Option<bool>,
}

/// A kind that compares strings: its [`StringOptions`], with the kind's defaults for
/// those left out.
pub trait ComparesStrings {
    const IGNORE_CASE: bool;
    const WHITESPACE: Whitespace;
    const PUNCTUATION: bool;

    fn strings(&self) -> &StringOptions;

    fn strings_mut(&mut self) -> &mut StringOptions;

    fn ignore_case(&self) -> bool {
        self.strings().ignore_case.unwrap_or(Self::IGNORE_CASE)
    }

    fn whitespace(&self) -> Whitespace {
        self.strings().whitespace.unwrap_or(Self::WHITESPACE)
    }

    fn punctuation(&self) -> bool {
        self.strings().punctuation.unwrap_or(Self::PUNCTUATION)
    }
}

macro_rules! compares_strings {
    ($($kind:ty: $ignore_case:expr, $whitespace:expr, $punctuation:expr;)*) => {$(
        impl ComparesStrings for $kind {
            const IGNORE_CASE: bool = $ignore_case;
            const WHITESPACE: Whitespace = $whitespace;
            const PUNCTUATION: bool = $punctuation;

            fn strings(&self) -> &StringOptions {
                &self.strings
            }

            fn strings_mut(&mut self) -> &mut StringOptions {
                &mut self.strings
            }
        }

        impl Options for $kind {
            fn keys() -> Vec<&'static str> {
                [struct_fields::<Self>(), struct_fields::<StringOptions>()].concat()
            }

            fn read(mut table: toml::Table) -> Result<Self, CheckError> {
                let strings: toml::Table = struct_fields::<StringOptions>()
                    .iter()
                    .filter_map(|key| Some((key.to_string(), table.remove(*key)?)))
                    .collect();
                let mut check: Self = deserialize(table)?;
                *check.strings_mut() = deserialize(strings)?;
                Ok(check)
            }
        }
    )*};
}

// Names and values are compared as BFCL does for tool calls; field values ignore case
// but keep punctuation; text is compared as written, runs of whitespace aside.
compares_strings! {
    FieldsCheck: true, Whitespace::Collapse, false;
    ToolCallsCheck: true, Whitespace::Remove, true;
    RecoveryCheck: true, Whitespace::Remove, true;
    ExactCheck: false, Whitespace::Collapse, false;
    ContainsCheck: false, Whitespace::Collapse, false;
}

impl Options for JsonCheck {}
impl Options for SchemaCheck {}
impl Options for EnumCheck {}
impl Options for RegexCheck {}
impl Options for RefusalCheck {}
impl Options for LengthCheck {}
impl Options for LatencyCheck {}
impl Options for CostCheck {}
impl Options for StoppingCheck {}
impl Options for JudgeCheck {}

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

/// A problem in one check's table: the key inside it (`max_usd`, `patterns[1]`) and
/// what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckError {
    pub key: String,
    pub message: String,
}

impl CheckError {
    fn new(key: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for CheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "key `{}`: {}", self.key, self.message)
    }
}

impl std::error::Error for CheckError {}

impl CheckSpec {
    /// Read one check's table: `kind`, then the other keys, each of which must be an
    /// option of that kind.
    pub fn from_table(mut table: toml::Table) -> Result<Self, CheckError> {
        let kind = take_kind(&mut table)?;
        let options = kind.options();
        if let Some(key) = table.keys().find(|k| !options.contains(&k.as_str())) {
            return Err(unknown_option(kind, key, &options));
        }
        if let Some(key) = ignored_with_another_option(kind, &table) {
            return Err(key);
        }
        let check = match kind {
            CheckKind::Json => JsonCheck::read(table).map(Self::Json),
            CheckKind::Schema => SchemaCheck::read(table).map(Self::Schema),
            CheckKind::Enum => EnumCheck::read(table).map(Self::Enum),
            CheckKind::Fields => FieldsCheck::read(table).map(Self::Fields),
            CheckKind::ToolCalls => ToolCallsCheck::read(table).map(Self::ToolCalls),
            CheckKind::Exact => ExactCheck::read(table).map(Self::Exact),
            CheckKind::Contains => ContainsCheck::read(table).map(Self::Contains),
            CheckKind::Regex => RegexCheck::read(table).map(Self::Regex),
            CheckKind::Refusal => RefusalCheck::read(table).map(Self::Refusal),
            CheckKind::Length => LengthCheck::read(table).map(Self::Length),
            CheckKind::Latency => LatencyCheck::read(table).map(Self::Latency),
            CheckKind::Cost => CostCheck::read(table).map(Self::Cost),
            CheckKind::Recovery => RecoveryCheck::read(table).map(Self::Recovery),
            CheckKind::Stopping => StoppingCheck::read(table).map(Self::Stopping),
            CheckKind::Judge => JudgeCheck::read(table).map(Self::Judge),
        };
        check.map_err(|e| match e.message.strip_prefix("missing field `") {
            Some(rest) => {
                let key = rest.split('`').next().unwrap_or_default();
                CheckError::new(key, format!("a `{kind}` check needs `{key}`"))
            }
            None => e,
        })
    }

    pub fn kind(&self) -> CheckKind {
        match self {
            Self::Json(_) => CheckKind::Json,
            Self::Schema(_) => CheckKind::Schema,
            Self::Enum(_) => CheckKind::Enum,
            Self::Fields(_) => CheckKind::Fields,
            Self::ToolCalls(_) => CheckKind::ToolCalls,
            Self::Exact(_) => CheckKind::Exact,
            Self::Contains(_) => CheckKind::Contains,
            Self::Regex(_) => CheckKind::Regex,
            Self::Refusal(_) => CheckKind::Refusal,
            Self::Length(_) => CheckKind::Length,
            Self::Latency(_) => CheckKind::Latency,
            Self::Cost(_) => CheckKind::Cost,
            Self::Recovery(_) => CheckKind::Recovery,
            Self::Stopping(_) => CheckKind::Stopping,
            Self::Judge(_) => CheckKind::Judge,
        }
    }

    /// Name of the check in results and accept rules: its `name`, else its kind.
    pub fn name(&self) -> &str {
        let name = match self {
            Self::Json(c) => &c.name,
            Self::Schema(c) => &c.name,
            Self::Enum(c) => &c.name,
            Self::Fields(c) => &c.name,
            Self::ToolCalls(c) => &c.name,
            Self::Exact(c) => &c.name,
            Self::Contains(c) => &c.name,
            Self::Regex(c) => &c.name,
            Self::Refusal(c) => &c.name,
            Self::Length(c) => &c.name,
            Self::Latency(c) => &c.name,
            Self::Cost(c) => &c.name,
            Self::Recovery(c) => &c.name,
            Self::Stopping(c) => &c.name,
            Self::Judge(c) => &c.name,
        };
        name.as_deref().unwrap_or(self.kind().as_str())
    }

    pub fn as_judge(&self) -> Option<&JudgeCheck> {
        match self {
            Self::Judge(c) => Some(c),
            _ => None,
        }
    }
}

/// Read the same way as in a scorer spec, so a check can be written alone
/// (`toml::from_str::<CheckSpec>`).
impl<'de> Deserialize<'de> for CheckSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let table = toml::Table::deserialize(deserializer)?;
        Self::from_table(table).map_err(D::Error::custom)
    }
}

/// A kind's options struct, read from its table once `kind` is taken out and every key
/// is known to be one of [`Options::keys`].
trait Options: DeserializeOwned {
    fn keys() -> Vec<&'static str> {
        struct_fields::<Self>().to_vec()
    }

    fn read(table: toml::Table) -> Result<Self, CheckError> {
        deserialize(table)
    }
}

/// An option its kind takes but another option set beside it would make it ignore:
/// string options under `compat = "bfcl"` (the leaderboard's own standardisation
/// applies), `pass_score` on the `pass_fail` scale.
fn ignored_with_another_option(kind: CheckKind, table: &toml::Table) -> Option<CheckError> {
    let set_to = |key: &str| table.get(key).and_then(toml::Value::as_str);
    match kind {
        CheckKind::ToolCalls if set_to("compat") == Some("bfcl") => struct_fields::<StringOptions>()
            .iter()
            .find(|key| table.contains_key(**key))
            .map(|key| {
                CheckError::new(
                    *key,
                    format!(
                        "`compat = \"bfcl\"` compares strings as the leaderboard does (spaces and `,./-_*^` dropped, case ignored), so `{key}` would do nothing; drop it or the compat"
                    ),
                )
            }),
        CheckKind::Judge if table.contains_key("pass_score") && set_to("scale") != Some("score") => {
            Some(CheckError::new(
                "pass_score",
                "`pass_score` applies to `scale = \"score\"`; a pass_fail judge passes or fails",
            ))
        }
        _ => None,
    }
}

fn take_kind(table: &mut toml::Table) -> Result<CheckKind, CheckError> {
    let kinds = || {
        CheckKind::ALL
            .iter()
            .map(|k| k.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let Some(value) = table.remove("kind") else {
        return Err(CheckError::new(
            "kind",
            format!("a check needs a `kind`: {}", kinds()),
        ));
    };
    let Some(name) = value.as_str() else {
        return Err(CheckError::new(
            "kind",
            format!("must be a string, one of: {}", kinds()),
        ));
    };
    if let Some(kind) = CheckKind::ALL.into_iter().find(|k| k.as_str() == name) {
        return Ok(kind);
    }
    let message = match did_you_mean(name, CheckKind::ALL.iter().map(|k| k.as_str())) {
        Some(near) => format!("unknown kind `{name}`; did you mean `{near}`?"),
        None => format!("unknown kind `{name}`; kinds: {}", kinds()),
    };
    Err(CheckError::new("kind", message))
}

/// A key that is not an option of `kind`: one of another kind's options, a typo of one
/// of this kind's, or neither.
fn unknown_option(kind: CheckKind, key: &str, options: &[&'static str]) -> CheckError {
    let other_kinds_option = CheckKind::ALL.iter().any(|k| k.options().contains(&key));
    let near = did_you_mean(key, options.iter().copied());
    let message = match near {
        Some(near) if !other_kinds_option => {
            format!("unknown key `{key}`; did you mean `{near}`?")
        }
        _ => format!(
            "`{kind}` checks take no `{key}` (options: {})",
            options.join(", ")
        ),
    };
    CheckError::new(key, message)
}

/// Deserialize a table with the path of a bad value (`patterns[1]`) kept as the key.
fn deserialize<T: DeserializeOwned>(table: toml::Table) -> Result<T, CheckError> {
    serde_path_to_error::deserialize(toml::Value::Table(table)).map_err(|e| {
        let path = e.path().to_string();
        let key = if path == "." { String::new() } else { path };
        CheckError::new(key, e.into_inner().message().trim())
    })
}

/// The keys a struct's derived `Deserialize` reads (skipped fields left out).
fn struct_fields<T: DeserializeOwned>() -> &'static [&'static str] {
    declared_names::<T>()
}

/// The names a derived `Deserialize` declares: a struct's fields, an enum's variants.
/// serde hands them to `deserialize_struct` or `deserialize_enum`, the two calls this
/// deserializer answers.
fn declared_names<T: DeserializeOwned>() -> &'static [&'static str] {
    struct Names<'a>(&'a mut &'static [&'static str]);

    impl<'de> Deserializer<'de> for Names<'_> {
        type Error = serde::de::value::Error;

        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(Self::Error::custom("neither a struct nor an enum"))
        }

        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            *self.0 = fields;
            Err(Self::Error::custom("names read"))
        }

        fn deserialize_enum<V: Visitor<'de>>(
            self,
            _: &'static str,
            variants: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            *self.0 = variants;
            Err(Self::Error::custom("names read"))
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map
            identifier ignored_any
        }
    }

    let mut names: &'static [&'static str] = &[];
    let _ = T::deserialize(Names(&mut names));
    names
}

fn default_tolerance() -> f64 {
    0.005
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_listed_under_its_name() {
        let names: Vec<&str> = CheckKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(declared_names::<CheckKind>(), names);
    }

    #[test]
    fn options_are_the_struct_fields() {
        assert_eq!(CheckKind::Json.options(), ["name", "lenient"]);
        assert_eq!(
            CheckKind::Contains.options(),
            [
                "name",
                "patterns",
                "negate",
                "ignore_case",
                "whitespace",
                "punctuation"
            ]
        );
        assert_eq!(
            CheckKind::Regex.options(),
            ["name", "patterns", "negate", "ignore_case"]
        );
        for kind in CheckKind::ALL {
            assert_eq!(kind.options()[0], "name", "{kind}");
        }
    }

    #[test]
    fn a_check_written_out_reads_back_the_same() {
        for text in [
            "kind = \"contains\"\npatterns = [\"a\"]\nnegate = true\nignore_case = true\n",
            "kind = \"fields\"\nname = \"answer\"\nwhitespace = \"remove_all\"\n",
            "kind = \"judge\"\nrubric = \"r\"\njudges = [\"j\"]\nscale = \"score\"\npass_score = 3\n",
        ] {
            let check: CheckSpec = toml::from_str(text).unwrap();
            let written = toml::to_string(&check).unwrap();
            let again: CheckSpec = toml::from_str(&written).unwrap();
            assert_eq!(format!("{again:?}"), format!("{check:?}"), "{written}");
        }
    }

    #[test]
    fn a_check_reads_alone() {
        let check: CheckSpec = toml::from_str("kind = \"cost\"\nmax_usd = 1").unwrap();
        assert!(matches!(&check, CheckSpec::Cost(c) if c.max_usd == 1.0));
        assert_eq!(check.name(), "cost");
        let err =
            toml::from_str::<CheckSpec>("kind = \"cost\"\nmax_usd = 1\nnegate = true").unwrap_err();
        assert!(
            err.message()
                .contains("key `negate`: `cost` checks take no `negate` (options: name, max_usd)"),
            "{err}"
        );
    }
}
