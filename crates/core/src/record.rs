//! What a run produces: one [`AttemptRecord`] per HTTP request, one [`ResultRecord`]
//! per (target, case, repeat) with its [`ScoreRecord`]s. The runner makes them, the
//! store writes them, the analysis reads them back.

use crate::class::ErrorClass;
use serde::{Deserialize, Serialize};

/// Where an attempt's cost figure came from.
///
/// The rule, applied to every HTTP exchange (candidates' and judges' alike):
///
/// - the cost the endpoint reports (`usage.cost`, or its generation stats) stands;
/// - else token counts times the route's price (the suite's `price`, else the catalog's);
/// - else, if the exchange was billed — an answer came back, or usage was reported for a
///   failure — its cost is **unknown** (`None`): it was not free, and no figure exists;
/// - else nothing was billed (connection refused, an HTTP error with no usage, a timeout
///   before any answer): the cost is 0 and there is no source.
///
/// Any sum with an unknown part is unknown: a result's cost is unknown when one of its
/// attempts' is, and so are the spend and cost per accepted response of its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CostSource {
    /// `usage.cost` in the response.
    Reported,
    /// Token counts times catalog prices.
    Catalog,
    /// `total_cost` from the endpoint's generation stats.
    Generation,
    /// Billed, but neither reported nor priced: the cost is unknown (`None`).
    Unknown,
}

impl CostSource {
    pub fn as_str(self) -> &'static str {
        match self {
            CostSource::Reported => "reported",
            CostSource::Catalog => "catalog",
            CostSource::Generation => "generation",
            CostSource::Unknown => "unknown",
        }
    }
}

/// One HTTP request and what came back.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AttemptRecord {
    /// Route or chain the result belongs to.
    pub target: String,
    /// Route this request went to (a chain step's route for chains).
    pub route: String,
    pub chain_step: u32,
    pub dataset: String,
    pub case_id: String,
    pub repeat: u32,
    /// Validate-and-retry round within the turn: 0 for the turn's first answer.
    pub try_index: u32,
    /// Turn of a multi-turn tool loop: 0 for the first request (and for single-turn cases).
    #[serde(default)]
    pub turn: u32,
    /// Transport retry within the round: 0 for the first send.
    pub http_attempt: u32,
    pub request_id: String,
    pub request_hash: String,
    pub status: Option<u16>,
    pub error_class: Option<ErrorClass>,
    /// Error message with secrets redacted, cut to the suite's `max_stored_text_bytes`.
    pub error_message: Option<String>,
    /// How big the error was as the endpoint sent it: an HTTP error body's full size
    /// (its Content-Length, else at least the bytes read), else the message's length.
    #[serde(default)]
    pub error_bytes: Option<u64>,
    /// What the endpoint said about the error beside its message, as a JSON object:
    /// OpenRouter's `error.metadata` (moderation reasons, the failing provider and its
    /// raw answer...) with `error.availability` under `availability`. Redacted, and cut
    /// to the suite's `max_stored_text_bytes` (long strings shortened, still JSON).
    #[serde(default)]
    pub error_metadata: Option<String>,
    /// Whether the generation ran on the user's own provider key (OpenRouter's
    /// `usage.is_byok`); `None` when the endpoint did not say.
    #[serde(default)]
    pub is_byok: Option<bool>,
    /// A BYOK generation's parts of `cost`: OpenRouter's fee (`usage.cost`) and what the
    /// provider billed on the user's key (`usage.cost_details.upstream_inference_cost`).
    #[serde(default)]
    pub fee_cost: Option<f64>,
    #[serde(default)]
    pub upstream_cost: Option<f64>,
    /// Prompt tokens written to the provider's prompt cache
    /// (`usage.prompt_tokens_details.cache_write_tokens`).
    #[serde(default)]
    pub cache_write_tokens: Option<i64>,
    /// Every provider OpenRouter tried, as the generation stats' `provider_responses`
    /// (a JSON array: each attempt's provider, status and latency), redacted and cut.
    #[serde(default)]
    pub provider_responses: Option<String>,
    /// The response's own cost and provider, kept when the generation stats (which
    /// `cost` and `served_provider` then hold) disagreed with them.
    #[serde(default)]
    pub response_cost: Option<f64>,
    #[serde(default)]
    pub response_provider: Option<String>,
    pub served_model: Option<String>,
    pub served_provider: Option<String>,
    pub generation_id: Option<String>,
    pub prompt_tokens: Option<i64>,
    pub completion_tokens: Option<i64>,
    pub cached_tokens: Option<i64>,
    pub reasoning_tokens: Option<i64>,
    /// USD; `None` when unknown (see [`CostSource`] for the rule).
    pub cost: Option<f64>,
    pub cost_source: Option<CostSource>,
    pub latency_ms: f64,
    pub ttft_ms: Option<f64>,
    pub chunks: Option<u32>,
    pub finish_reason: Option<String>,
    pub native_finish_reason: Option<String>,
    /// The answer's text, cut to the suite's `max_stored_text_bytes` (with a marker).
    pub content: Option<String>,
    /// Length in bytes of the whole content as received (more than `content` holds
    /// when it was cut).
    #[serde(default)]
    pub content_bytes: Option<u64>,
    /// Tool calls as a JSON array string, as received; when longer than the stored
    /// limit, names and arguments are cut (with a marker) so it stays a JSON array.
    pub tool_calls: Option<String>,
    /// Length in bytes of the whole tool-calls JSON.
    #[serde(default)]
    pub tool_calls_bytes: Option<u64>,
    /// Seconds the server asked us to wait (Retry-After), if it did.
    pub retry_after_s: Option<f64>,
    /// Unix milliseconds when the request was sent.
    pub started_at_ms: i64,
    /// Set when the provider that served is outside what the dataset's privacy policy allows.
    pub policy_violation: Option<String>,
}

/// The sum of some costs: unknown when any part is (and 0 when there are none).
pub fn total_cost(costs: impl IntoIterator<Item = Option<f64>>) -> Option<f64> {
    costs.into_iter().sum()
}

/// One check's verdict on one result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreRecord {
    pub check: String,
    pub pass: bool,
    /// A fraction for partial credit (share of enum fields right), else 1 or 0.
    pub value: f64,
    /// Why it failed (or the per-field detail), human-readable.
    pub detail: Option<String>,
}

/// The verdict on one (target, case, repeat).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultRecord {
    pub target: String,
    /// `route` or `chain`.
    pub target_kind: String,
    pub dataset: String,
    pub case_id: String,
    pub repeat: u32,
    pub accepted: bool,
    /// Chain step whose answer was used (0 for a plain route), if any answered.
    pub served_step: Option<u32>,
    pub served_route: Option<String>,
    /// HTTP requests made for this result, every retry and chain step included.
    pub attempts: u32,
    /// Validate-and-retry rounds after the first answer.
    pub validation_retries: u32,
    /// Transport retries (429, 5xx, timeouts...) across all rounds.
    pub transport_retries: u32,
    /// Spend across every attempt of this result; `None` when any attempt's is unknown.
    pub cost: Option<f64>,
    /// Wall time from the first request to the final answer, retries and waits included.
    pub latency_ms: f64,
    /// Time to first token of the answer that was used (streamed routes).
    pub ttft_ms: Option<f64>,
    /// Why no answer was used, when none was.
    pub error_class: Option<ErrorClass>,
    /// Short human-readable verdict.
    pub reason: String,
    pub scores: Vec<ScoreRecord>,
}

/// Everything one case produced on one target: written in one transaction, so a
/// crash leaves either all of it or none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseOutcome {
    pub attempts: Vec<AttemptRecord>,
    pub result: ResultRecord,
    /// What grading the result with `judge` checks took: kept apart from `attempts`.
    #[serde(default)]
    pub judging: Judging,
}

/// The requests `judge` checks sent for one result, and the verdicts they brought back.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Judging {
    pub attempts: Vec<JudgeAttempt>,
    /// Verdicts new to the cache (a cached verdict costs no request and is not repeated).
    pub verdicts: Vec<JudgeVerdict>,
}

/// One request of a judge check to its judge route: an attempt like any other, its
/// `route` the judge's, its target, dataset, case and repeat the graded result's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JudgeAttempt {
    pub check: String,
    pub cache_key: String,
    pub attempt: AttemptRecord,
}

/// A judge's verdict on one answer. The cache key covers the rubric, the case input,
/// the judge route and the answer: the same four never need a second request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JudgeVerdict {
    pub cache_key: String,
    pub check: String,
    pub judge_route: String,
    pub pass: bool,
    /// 1 to 5 on the `score` scale.
    pub score: Option<f64>,
    pub reason: String,
    /// Reused from the cache rather than asked for.
    #[serde(default)]
    pub cached: bool,
}

/// How a judge check's detail (and a reason quoting it) says its verdict was reused from
/// the cache rather than asked for: `judge R: pass 4/5, cached: why` (asked for: `4/5:`).
pub const JUDGE_CACHED_MARK: &str = ", cached:";

/// `text` without the marks of cached judge verdicts: whether a verdict was asked for or
/// reused says where it came from, not what it is.
pub fn without_cache_marks(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains(JUDGE_CACHED_MARK) {
        std::borrow::Cow::Owned(text.replace(JUDGE_CACHED_MARK, ":"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::total_cost;

    #[test]
    fn a_sum_with_an_unknown_part_is_unknown() {
        assert_eq!(total_cost([Some(0.5), Some(0.25)]), Some(0.75));
        assert_eq!(total_cost([Some(0.5), None, Some(0.25)]), None);
        assert_eq!(total_cost([]), Some(0.0));
    }
}
