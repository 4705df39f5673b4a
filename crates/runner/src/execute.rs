//! One case on one target: transport retries inside validate-and-retry rounds inside
//! chain steps. Every HTTP request becomes an attempt record; the case ends as one
//! result, never as an error.

use crate::client::{Answer, Exchange, RequestSpec, RouteClient};
use crate::judge::{judge_result, Graded, Judges};
use crate::retry::splitmix64;
use crate::PreparedDataset;
use bytes::Bytes;
use routeval_core::config::Chain;
use routeval_core::dataset::ToolScript;
use routeval_core::hash::short_hash;
use routeval_core::message::{FunctionCall, Message, Role, ToolCall};
use routeval_core::record::total_cost;
use routeval_core::scorer_spec::JudgeCheck;
use routeval_core::{
    AttemptRecord, Case, CaseOutcome, ErrorClass, Judging, ResultRecord, ScoreRecord,
};
use routeval_scorer::{Turn, Verdict};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// What a case runs on.
#[derive(Clone)]
pub enum Target {
    Route(Arc<RouteClient>),
    Chain {
        name: String,
        chain: Arc<Chain>,
        steps: Vec<Arc<RouteClient>>,
    },
}

impl Target {
    pub fn name(&self) -> &str {
        match self {
            Target::Route(r) => &r.name,
            Target::Chain { name, .. } => name,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Target::Route(_) => "route",
            Target::Chain { .. } => "chain",
        }
    }

    /// Cases in flight at once on this target: its route's limit, or its first step's.
    pub fn concurrency(&self) -> Option<u32> {
        match self {
            Target::Route(r) => r.route.concurrency,
            Target::Chain { steps, .. } => steps.first().and_then(|r| r.route.concurrency),
        }
    }
}

/// Shared by every case of a run.
pub struct RunContext {
    /// Request ids are this prefix and a counter: the run id and the session (the how
    /// many-th process runs it), so they stay unique within a run across resumes.
    pub request_prefix: String,
    pub request_counter: AtomicU64,
    /// Cancelled on the second Ctrl-C: in-flight waits stop at once.
    pub abort: CancellationToken,
}

impl RunContext {
    fn next_request_id(&self) -> String {
        let n = self.request_counter.fetch_add(1, Ordering::Relaxed);
        format!("{}-{n:07}", self.request_prefix)
    }
}

/// Which (target, dataset, case, repeat) a job is.
pub struct Job {
    pub dataset: Arc<PreparedDataset>,
    pub case: Arc<Case>,
    pub repeat: u32,
    pub target: Target,
}

/// What one route did with a case (one chain step, or the whole of a plain route).
struct StepOutcome {
    attempts: Vec<AttemptRecord>,
    /// Verdict on the last answer, when one came back.
    verdict: Option<Verdict>,
    /// Why this step did not produce a usable answer.
    class: Option<ErrorClass>,
    latency: Duration,
    ttft: Option<Duration>,
    validation_retries: u32,
    transport_retries: u32,
    /// Requests that opened a turn after the first of a multi-turn loop: not retries.
    extra_turns: u32,
}

/// Run a job to its outcome; `None` only when aborted mid-way.
pub async fn run_job(ctx: &RunContext, job: &Job) -> Option<CaseOutcome> {
    let case = &job.case;
    let target_name = job.target.name().to_string();
    let (steps, chain): (Vec<Arc<RouteClient>>, Option<&Chain>) = match &job.target {
        Target::Route(r) => (vec![r.clone()], None),
        Target::Chain { chain, steps, .. } => (steps.clone(), Some(chain.as_ref())),
    };

    let mut attempts = Vec::new();
    let mut latency = Duration::ZERO;
    let (mut validation_retries, mut transport_retries, mut extra_turns) = (0, 0, 0);
    let mut last = None;
    for (step_index, route) in steps.iter().enumerate() {
        let prior = Prior {
            latency,
            cost: total_cost(attempts.iter().map(|a: &AttemptRecord| a.cost)),
        };
        let mut step = run_step(
            ctx,
            job,
            case,
            route,
            &target_name,
            step_index as u32,
            prior,
        )
        .await?;
        // The served step's attempts are the last ones; moved, not copied.
        let step_attempts = attempts.len();
        attempts.append(&mut step.attempts);
        latency += step.latency;
        validation_retries += step.validation_retries;
        transport_retries += step.transport_retries;
        extra_turns += step.extra_turns;
        let falls_back = match (step.class, chain) {
            (Some(class), Some(chain)) => {
                chain.falls_back_on(class) && step_index + 1 < steps.len()
            }
            _ => false,
        };
        last = Some((step_index as u32, route.name.clone(), step, step_attempts));
        if !falls_back {
            break;
        }
    }
    let (served_step, served_route, mut step, step_attempts) = last?;
    let last_attempt = attempts[step_attempts..].last();
    let mut judging = Judging::default();
    // Judges grade answers that came back whole.
    let judges = job.dataset.judges.get().filter(|_| step.class.is_none());
    if let Some(judges) = judges {
        if let Some(verdict) = step.verdict.take() {
            let route = &steps[served_step as usize];
            let (verdict, spent) = judge_verdict(
                ctx,
                job,
                case,
                &target_name,
                route,
                judges,
                last_attempt,
                verdict,
            )
            .await?;
            step.verdict = Some(verdict);
            judging = spent;
        }
    }
    let answered = step.verdict.is_some();
    let accepted = step.class.is_none() && step.verdict.as_ref().is_some_and(|v| v.accepted);
    let reason = match (&step.class, &step.verdict) {
        // Validation failed on every round: what failed, not only the class.
        (Some(class), Some(v))
            if v.validation_failure
                .as_ref()
                .is_some_and(|(c, _)| c == class) =>
        {
            v.validation_reason().unwrap_or_else(|| class.to_string())
        }
        (Some(class), _) => {
            let message = last_attempt
                .and_then(|a| a.error_message.clone())
                .unwrap_or_default();
            format!("{class}: {message}")
        }
        (None, Some(v)) => v.reason.clone(),
        (None, None) => "no answer".into(),
    };
    let mut scores: Vec<ScoreRecord> = step.verdict.map(|v| v.scores).unwrap_or_default();
    // The requests of later turns are the loop, not retries.
    scores.extend(routeval_scorer::retry_scores(
        attempts.len() as u32 - extra_turns,
        validation_retries,
        transport_retries,
        accepted,
    ));
    let cost = total_cost(attempts.iter().map(|a| a.cost));
    let result = ResultRecord {
        target: target_name,
        target_kind: job.target.kind().to_string(),
        dataset: job.dataset.dataset.name.clone(),
        case_id: case.id.clone(),
        repeat: job.repeat,
        accepted,
        served_step: answered.then_some(served_step),
        served_route: answered.then_some(served_route),
        attempts: attempts.len() as u32,
        validation_retries,
        transport_retries,
        cost,
        latency_ms: latency.as_secs_f64() * 1e3,
        ttft_ms: step.ttft.map(|t| t.as_secs_f64() * 1e3),
        error_class: if accepted { None } else { step.class },
        reason,
        scores,
    };
    Some(CaseOutcome {
        attempts,
        result,
        judging,
    })
}

/// The verdict with its `judge` checks decided. Judges are only asked when they can
/// change the outcome: an answer already rejected by a required check is not sent.
#[allow(clippy::too_many_arguments)]
async fn judge_verdict(
    ctx: &RunContext,
    job: &Job,
    case: &Case,
    target_name: &str,
    route: &RouteClient,
    judges: &Judges,
    answer: Option<&AttemptRecord>,
    verdict: Verdict,
) -> Option<(Verdict, Judging)> {
    let scorer = &job.dataset.scorer;
    if !scorer.worth_judging(&verdict.scores) {
        return Some((verdict, Judging::default()));
    }
    let output = answer
        .and_then(|a| a.content.clone())
        .filter(|c| !c.is_empty())
        .or_else(|| answer.and_then(|a| a.tool_calls.clone()))
        .unwrap_or_default();
    let input = case.user_text();
    let checks: Vec<&JudgeCheck> = scorer.judge_checks().collect();
    let graded = Graded {
        target: target_name,
        dataset: &job.dataset.dataset.name,
        case_id: &case.id,
        repeat: job.repeat,
        route: (&route.name, &route.route.model),
        input: &input,
        output: &output,
    };
    let (verdicts, judging) = judge_result(ctx, judges, &checks, &graded).await?;
    Some((scorer.with_judgements(verdict, &verdicts), judging))
}

/// What earlier chain steps already took, so latency and cost checks see the
/// result's figures, not one step's.
#[derive(Clone, Copy)]
struct Prior {
    latency: Duration,
    /// `None` when an earlier attempt's cost is unknown.
    cost: Option<f64>,
}

/// One route's go at a case: turns of a tool loop (one unless the scorer's `max_turns`
/// says more), each of validate-and-retry rounds, each with transport retries.
async fn run_step(
    ctx: &RunContext,
    job: &Job,
    case: &Case,
    route: &RouteClient,
    target_name: &str,
    chain_step: u32,
    prior: Prior,
) -> Option<StepOutcome> {
    let ds = &job.dataset;
    let max_rounds = ds.scorer.spec().validation_retries + 1;
    let max_turns = ds.scorer.spec().max_turns.max(1);
    let mut messages = ds.dataset.request_messages(case);
    let mut script = ToolScript::new(case);
    // Turns played so far, for multi-turn grading.
    let mut turns: Vec<Turn> = Vec::new();
    let mut out = StepOutcome {
        attempts: Vec::new(),
        verdict: None,
        class: None,
        latency: Duration::ZERO,
        ttft: None,
        validation_retries: 0,
        transport_retries: 0,
        extra_turns: 0,
    };
    for turn in 0..max_turns {
        if turn > 0 {
            out.extra_turns += 1;
        }
        let mut settled = None;
        for try_index in 0..max_rounds {
            let spec = RequestSpec {
                messages: &messages,
                tools: ds.dataset.tools_for(case),
                tool_choice: ds.dataset.tool_choice_for(case),
                response_format: ds.dataset.response_format_for(case),
            };
            let body = route.encode_body(&spec);
            let request_hash = short_hash(&body);

            let (exchange, sent) = send_with_retries(
                ctx,
                route,
                body,
                |http_attempt, request_id, started_at_ms, ex| {
                    let mut record = attempt_record(
                        job,
                        case,
                        target_name,
                        route,
                        chain_step,
                        try_index,
                        http_attempt,
                        request_id,
                        &request_hash,
                        started_at_ms,
                        ex,
                    );
                    record.turn = turn;
                    out.attempts.push(record);
                },
            )
            .await?;
            out.latency += sent.latency;
            out.transport_retries += sent.retries;

            out.ttft = exchange.ttft;
            let answer = exchange.answer.clone().unwrap_or_default();
            let looping = max_turns > 1;
            if let Some(class) = exchange.class {
                // No usable answer; grade what came (a truncated answer, say) for the record.
                if exchange.answer.is_some() {
                    out.verdict = Some(grade(ds, case, &answer, prior, &out, looping, &turns));
                }
                out.class = Some(class);
                return Some(out);
            }
            let verdict = grade(ds, case, &answer, prior, &out, looping, &turns);
            let feedback = match (&verdict.validation_failure, verdict.accepted) {
                (Some((class, feedback)), false) => Some((*class, feedback.clone())),
                _ => None,
            };
            out.verdict = Some(verdict);
            match feedback {
                Some((_, feedback)) if try_index + 1 < max_rounds => {
                    append_feedback(&mut messages, &answer, &feedback);
                    out.validation_retries += 1;
                }
                Some((class, _)) => {
                    out.class = Some(class);
                    return Some(out);
                }
                None => {
                    settled = Some(answer);
                    break;
                }
            }
        }
        // The turn's answer: the loop goes on while it calls tools and turns remain.
        let Some(answer) = settled else {
            return Some(out);
        };
        if answer.tool_calls.is_empty() || turn + 1 >= max_turns {
            return Some(out);
        }
        let mut tool_error = false;
        let mut results = Vec::with_capacity(answer.tool_calls.len());
        for call in &answer.tool_calls {
            let played = script.play(call);
            tool_error |= played.is_error;
            results.push(Message {
                role: Role::Tool,
                content: Some(played.content),
                tool_calls: None,
                tool_call_id: Some(call.id.clone()),
                name: None,
            });
        }
        messages.push(Message::assistant(
            answer.content.clone(),
            Some(answer.tool_calls.clone()),
        ));
        messages.extend(results);
        turns.push(Turn {
            content: answer.content,
            tool_calls: answer.tool_calls,
            tool_error,
        });
    }
    Some(out)
}

/// What sending one request took, its transport retries included.
pub(crate) struct Sent {
    /// Retries after the first send.
    pub retries: u32,
    /// Every exchange's time plus the waits between them.
    pub latency: Duration,
}

/// Send one request with the route's transport retries: waits honour Retry-After, and
/// a 429's wait pauses the whole route. Each HTTP attempt is reported to `record`
/// (attempt number, request id, unix ms sent, exchange). `None` when aborted.
pub(crate) async fn send_with_retries(
    ctx: &RunContext,
    route: &RouteClient,
    body: Bytes,
    mut record: impl FnMut(u32, &str, i64, &Exchange),
) -> Option<(Exchange, Sent)> {
    let mut sent = Sent {
        retries: 0,
        latency: Duration::ZERO,
    };
    let mut http_attempt = 0u32;
    loop {
        let request_id = ctx.next_request_id();
        let started_at_ms = now_ms();
        let ex = {
            let _permit = tokio::select! {
                p = route.limiter.acquire() => p,
                _ = ctx.abort.cancelled() => return None,
            };
            tokio::select! {
                ex = route.send(body.clone(), &request_id) => ex,
                _ = ctx.abort.cancelled() => return None,
            }
        };
        sent.latency += ex.latency;
        record(http_attempt, &request_id, started_at_ms, &ex);
        let Some(class) = ex.class else {
            return Some((ex, sent));
        };
        if class == ErrorClass::RateLimited {
            if let Some(wait) = ex.retry_after {
                route.limiter.pause_for(wait);
            }
        }
        let seed =
            splitmix64(ctx.request_counter.load(Ordering::Relaxed) ^ u64::from(http_attempt));
        match route
            .retry
            .delay(class, http_attempt, ex.retry_after, ex.retryable, seed)
        {
            Some(wait) => {
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = ctx.abort.cancelled() => return None,
                }
                sent.latency += wait;
                sent.retries += 1;
                http_attempt += 1;
            }
            None => return Some((ex, sent)),
        }
    }
}

/// Grade an answer with the result's latency and spend so far (earlier chain steps
/// and every attempt of this one included).
///
/// In a multi-turn loop (`looping`), `turns` are the turns played before this answer,
/// and the loop so far is graded with this answer as its last turn.
fn grade(
    ds: &PreparedDataset,
    case: &Case,
    answer: &Answer,
    prior: Prior,
    step: &StepOutcome,
    looping: bool,
    turns: &[Turn],
) -> Verdict {
    let latency = prior.latency + step.latency;
    let cost = total_cost(std::iter::once(prior.cost).chain(step.attempts.iter().map(|a| a.cost)));
    if looping {
        let mut played = turns.to_vec();
        played.push(Turn {
            content: answer.content.clone(),
            tool_calls: answer.tool_calls.clone(),
            tool_error: false,
        });
        return ds.scorer.grade_turns(
            &played,
            Some(latency.as_secs_f64() * 1e3),
            cost,
            case.expected.as_ref(),
        );
    }
    ds.scorer.grade(
        routeval_scorer::Answer {
            content: answer.content.as_deref(),
            tool_calls: Some(&answer.tool_calls),
            latency_ms: Some(latency.as_secs_f64() * 1e3),
            cost,
        },
        case.expected.as_ref(),
    )
}

/// Re-ask with the validation error. Tool calls are answered with tool messages
/// carrying the error, as the chat-completions protocol requires.
fn append_feedback(messages: &mut Vec<Message>, answer: &Answer, feedback: &str) {
    let instruction = format!(
        "Your previous answer was rejected by validation: {feedback}. Answer again, following the required format exactly."
    );
    if answer.tool_calls.is_empty() {
        messages.push(Message::assistant(answer.content.clone(), None));
        messages.push(Message::user(instruction));
    } else {
        messages.push(Message::assistant(
            answer.content.clone(),
            Some(answer.tool_calls.clone()),
        ));
        for call in &answer.tool_calls {
            messages.push(Message {
                role: Role::Tool,
                content: Some(format!("Error: {instruction}")),
                tool_calls: None,
                tool_call_id: Some(call.id.clone()),
                name: None,
            });
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn attempt_record(
    job: &Job,
    case: &Case,
    target: &str,
    route: &RouteClient,
    chain_step: u32,
    try_index: u32,
    http_attempt: u32,
    request_id: &str,
    request_hash: &str,
    started_at_ms: i64,
    ex: &Exchange,
) -> AttemptRecord {
    AttemptRecord {
        target: target.to_string(),
        chain_step,
        dataset: job.dataset.dataset.name.clone(),
        case_id: case.id.clone(),
        repeat: job.repeat,
        try_index,
        // Set by the turn loop.
        turn: 0,
        http_attempt,
        request_hash: request_hash.to_string(),
        started_at_ms,
        policy_violation: policy_violation(job, route, ex),
        ..exchange_record(route, request_id, ex)
    }
}

/// What one exchange with a route says, as an attempt record; the caller fills in
/// which result it belongs to.
pub(crate) fn exchange_record(
    route: &RouteClient,
    request_id: &str,
    ex: &Exchange,
) -> AttemptRecord {
    let usage = ex.usage.as_ref();
    // What is scored is the whole answer; what is stored is cut to the limit.
    let max_stored = route.limits().max_stored_text_bytes as usize;
    let content = ex.answer.as_ref().and_then(|a| a.content.as_deref());
    let tool_calls = ex
        .answer
        .as_ref()
        .filter(|a| !a.tool_calls.is_empty())
        .and_then(|a| stored_tool_calls(&a.tool_calls, max_stored));
    AttemptRecord {
        route: route.name.clone(),
        request_id: request_id.to_string(),
        status: ex.status,
        error_class: ex.class,
        error_message: ex.error_message.clone(),
        error_bytes: ex
            .error_bytes
            .or_else(|| ex.error_message.as_ref().map(|m| m.len() as u64)),
        served_model: ex.served_model.clone(),
        served_provider: ex.served_provider.clone(),
        generation_id: ex.generation_id.clone(),
        prompt_tokens: usage.and_then(|u| u.prompt_tokens),
        completion_tokens: usage.and_then(|u| u.completion_tokens),
        cached_tokens: usage
            .and_then(|u| u.prompt_tokens_details.as_ref())
            .and_then(|d| d.cached_tokens),
        cache_write_tokens: usage
            .and_then(|u| u.prompt_tokens_details.as_ref())
            .and_then(|d| d.cache_write_tokens),
        reasoning_tokens: usage
            .and_then(|u| u.completion_tokens_details.as_ref())
            .and_then(|d| d.reasoning_tokens),
        cost: ex.cost,
        cost_source: ex.cost_source,
        latency_ms: ex.latency.as_secs_f64() * 1e3,
        ttft_ms: ex.ttft.map(|t| t.as_secs_f64() * 1e3),
        chunks: ex.chunks,
        finish_reason: ex.finish_reason.clone(),
        native_finish_reason: ex.native_finish_reason.clone(),
        content: content.map(|c| stored_text(c, max_stored)),
        content_bytes: content.map(|c| c.len() as u64),
        tool_calls: tool_calls.as_ref().map(|(json, _)| json.clone()),
        tool_calls_bytes: tool_calls.map(|(_, bytes)| bytes),
        retry_after_s: ex.retry_after.map(|d| d.as_secs_f64()),
        error_metadata: ex
            .error_metadata
            .as_ref()
            .map(|m| stored_json(m, max_stored)),
        is_byok: ex.is_byok,
        fee_cost: ex.fee_cost,
        upstream_cost: ex.upstream_cost,
        provider_responses: ex
            .provider_responses
            .as_ref()
            .map(|p| stored_json(p, max_stored)),
        response_cost: ex.response_cost,
        response_provider: ex.response_provider.clone(),
        ..AttemptRecord::default()
    }
}

/// A JSON value as stored: whole when it fits `max` bytes; else with its strings cut
/// (each with a marker), shorter and shorter, until it does. What is stored is still
/// JSON of the same shape; one too large even so (thousands of keys) is stored as
/// `{"cut": "<its text, cut>"}`.
///
/// The marker of a cut string holds the whole length, so a cut string may come out a
/// little longer than `share`: the loop checks the result, not the arithmetic.
pub(crate) fn stored_json(value: &serde_json::Value, max: usize) -> String {
    use serde_json::Value;
    fn cut_strings(v: &Value, share: usize) -> Value {
        match v {
            Value::String(s) => Value::String(stored_text(s, share)),
            Value::Array(items) => {
                Value::Array(items.iter().map(|i| cut_strings(i, share)).collect())
            }
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (stored_text(k, share.max(64)), cut_strings(v, share)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
    let json = value.to_string();
    if json.len() <= max {
        return json;
    }
    let mut share = max / 2;
    while share >= 64 {
        let json = cut_strings(value, share).to_string();
        if json.len() <= max {
            return json;
        }
        share /= 2;
    }
    // Escaped as a string, the text at most doubles (a quote or backslash gains one).
    let room = (max / 2).saturating_sub(16);
    serde_json::json!({ "cut": stored_text(&json, room) }).to_string()
}

/// `text` as stored: whole when it fits the limit, else cut with a marker.
pub fn stored_text(text: &str, max: usize) -> String {
    routeval_core::limits::cut_text(text, max).unwrap_or_else(|| text.to_string())
}

/// Tool calls as stored: their JSON array and its full length. When the array is
/// longer than the limit, ids, names and arguments are cut (each with a marker), and
/// if need be the last calls dropped, until it fits: what is stored is still an array
/// of tool calls.
pub fn stored_tool_calls(calls: &[ToolCall], max: usize) -> Option<(String, u64)> {
    let json = serde_json::to_string(calls).ok()?;
    let full = json.len() as u64;
    if json.len() <= max {
        return Some((json, full));
    }
    let mut keep = calls.len().min(max / 256 + 1);
    let mut share = max / keep.max(1);
    loop {
        let cut = |text: &str, max: usize| stored_text(text, max);
        let kept: Vec<ToolCall> = calls[..keep]
            .iter()
            .map(|c| ToolCall {
                id: cut(&c.id, share / 4),
                kind: cut(&c.kind, share / 4),
                function: FunctionCall {
                    name: cut(&c.function.name, share / 4),
                    arguments: cut(&c.function.arguments, share / 2),
                },
            })
            .collect();
        let json = serde_json::to_string(&kept).ok()?;
        if json.len() <= max || keep == 0 {
            return Some((json, full));
        }
        if share > 512 {
            share /= 2;
        } else {
            keep /= 2;
            share = max / keep.max(1);
        }
    }
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// The served provider checked against the dataset's privacy policy: a provider
/// outside what the policy (or the route's pinned `only` list) allows is a violation.
fn policy_violation(job: &Job, route: &RouteClient, ex: &Exchange) -> Option<String> {
    let policy = job.dataset.policy.as_ref()?;
    let served = ex.served_provider.as_deref()?;
    let allowed = routeval_core::policy::allowed_serving_providers(policy, &route.route)?;
    if allowed
        .iter()
        .any(|a| routeval_core::policy::same_provider(a, served))
    {
        return None;
    }
    Some(format!(
        "served by `{served}`, outside the providers the `{}` data may reach ({})",
        job.dataset.dataset.config.privacy,
        allowed.join(", ")
    ))
}
