//! `POST /chat/completions`: model fallbacks, provider routing, the context check,
//! faults, then the answer, plain or streamed, with usage and generation stats.

use crate::answer::{self, cut_chars, Answer, Ask, CallOut, Format};
use crate::profiles::{Fault, ModelProfile, Provider};
use crate::request::{self, ChatRequest};
use crate::rng::Draws;
use crate::server::{lock, Sim};
use crate::wire::{tokens_for_chars, ApiError};
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const GENERATION_HEADER: &str = "x-generation-id";

pub(crate) async fn chat_completions(
    State(sim): State<Arc<Sim>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    sim.requests.fetch_add(1, Ordering::Relaxed);
    let parsed: Result<Value, _> = serde_json::from_slice(&body);
    if let Some(model) = parsed.as_ref().ok().and_then(request::requested_model) {
        *lock(&sim.per_model).entry(model.to_string()).or_insert(0) += 1;
    }
    if let Err(e) = sim.check_auth(&headers) {
        return e.into_response();
    }
    let value = match parsed {
        Ok(v) => v,
        Err(e) => {
            return ApiError::invalid(format!("request body is not valid JSON: {e}"))
                .into_response()
        }
    };
    let req = match request::parse(&value) {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    match route(&sim, &req).await {
        Ok(response) => response,
        Err(e) => e.into_response(),
    }
}

/// Walk the fallback list: the first model with a usable provider and no
/// retryable upstream fault answers.
async fn route(sim: &Arc<Sim>, req: &ChatRequest) -> Result<Response, ApiError> {
    for id in &req.models {
        if sim.profiles.model(id).is_none() {
            return Err(ApiError::new(
                400,
                "model_not_found",
                format!("{id} is not a valid model ID"),
            ));
        }
    }
    let started = Instant::now();
    let mut attempts: Vec<Value> = Vec::new();
    let mut excluded: Vec<String> = Vec::new();
    let mut last_error: Option<ApiError> = None;
    for (i, id) in req.models.iter().enumerate() {
        let Some(profile) = sim.profiles.model(id) else {
            continue;
        };
        let has_next = i + 1 < req.models.len();
        let lane = match req.provider.only.as_deref() {
            Some([one]) => one.as_str(),
            _ => "",
        };
        let (d, script_pos) = sim.next_draws(id, lane, &req.first_user, req.n_messages);
        let provider = match select_provider(profile, req, d) {
            Ok(p) => p,
            Err(why) => {
                excluded.push(format!("{id} ({why})"));
                continue;
            }
        };
        if req.prompt_tokens > profile.context_length {
            let e = ApiError::new(
                400,
                "context_length_exceeded",
                format!(
                    "This endpoint's maximum context length is {} tokens. However, you requested about {} tokens. \
                     Please reduce the length of the messages.",
                    profile.context_length, req.prompt_tokens
                ),
            );
            // OpenRouter falls back on context-length errors too.
            if has_next {
                attempts.push(attempt(provider, 400, 0));
                last_error = Some(e);
                continue;
            }
            return Err(e);
        }
        let mut fault = pick_fault(profile, d, script_pos);
        let mut provider = provider;
        if fault == Fault::Failover {
            // OpenRouter tries the model's next provider when one fails upstream.
            let ms = fault_latency_ms(profile, fault, d) * sim.latency_scale;
            match failover_to(profile, provider, req) {
                Some(next) => {
                    pause(ms).await;
                    attempts.push(attempt(provider, 502, ms.round() as u64));
                    provider = next;
                    fault = Fault::Ok;
                }
                None => fault = Fault::ServerError,
            }
        }
        if let Some(err) = upstream_error(id, profile, provider, fault, req, d) {
            let ms = fault_latency_ms(profile, fault, d) * sim.latency_scale;
            pause(ms).await;
            attempts.push(attempt(provider, err.status, ms.round() as u64));
            if has_next && (err.status == 429 || err.status >= 500) {
                last_error = Some(err);
                continue;
            }
            return Err(err);
        }
        let served = Served {
            id,
            profile,
            provider,
            fault,
            draws: d,
        };
        return Ok(respond(sim, req, served, attempts, started).await);
    }
    Err(last_error.unwrap_or_else(|| {
        let mut excluded_by: Vec<&str> = excluded.iter().flat_map(|e| excluded_by(e)).collect();
        excluded_by.sort_unstable();
        excluded_by.dedup();
        ApiError::new(
            404,
            "no_endpoints",
            format!(
                "No endpoints found matching your data policy and provider preferences for the requested model(s): {}",
                excluded.join("; ")
            ),
        )
        .with_availability(json!({
            "code": "no_endpoints",
            "retryable": false,
            "requested_models": req.models,
            "excluded_by": excluded_by,
            "docs_url": "https://openrouter.ai/docs/guides/routing/provider-selection",
        }))
    }))
}

/// What excluded a model's providers, in the vocabulary of `availability.excluded_by`
/// (<https://openrouter.ai/docs/api/reference/errors-and-debugging>), from the reasons
/// [`select_provider`] gives.
fn excluded_by(why: &str) -> Vec<&'static str> {
    [
        ("provider.only", "allowed_providers"),
        ("provider.ignore", "allowed_providers"),
        ("provider.order", "allowed_providers"),
        ("data_policy:zdr", "data_policy:zdr"),
        ("data_policy:training", "data_policy:training"),
        ("quantization", "quantization"),
        ("require_parameters", "require_parameters"),
        ("max_price", "max_price"),
    ]
    .into_iter()
    .filter(|(said, _)| why.contains(said))
    .map(|(_, by)| by)
    .collect()
}

/// Another provider of the model to fail over to, when the request lets OpenRouter
/// use one: allowed fallbacks, and within `only` when it names some.
fn failover_to<'a>(
    m: &'a ModelProfile,
    failed: &Provider,
    req: &ChatRequest,
) -> Option<&'a Provider> {
    let prefs = &req.provider;
    if !prefs.allow_fallbacks {
        return None;
    }
    m.providers.iter().find(|p| {
        p.slug != failed.slug
            && prefs
                .only
                .as_ref()
                .is_none_or(|only| only.iter().any(|s| matches_slug(p, s)))
            && !prefs
                .ignore
                .as_ref()
                .is_some_and(|ignore| ignore.iter().any(|s| matches_slug(p, s)))
    })
}

/// What a provider's own error body looked like: OpenRouter passes it on as
/// `metadata.raw`.
fn raw_upstream(status: u16, message: &str) -> Value {
    json!(
        json!({ "error": { "code": status, "message": message, "type": "upstream_error" } })
            .to_string()
    )
}

fn attempt(provider: &Provider, status: u16, latency_ms: u64) -> Value {
    json!({ "provider_name": provider.name, "status": status, "latency": latency_ms })
}

fn matches_slug(p: &Provider, wanted: &str) -> bool {
    wanted.eq_ignore_ascii_case(&p.slug)
        || wanted.eq_ignore_ascii_case(&p.name)
        || wanted
            .split_once('/')
            .is_some_and(|(base, _)| base.eq_ignore_ascii_case(&p.slug))
}

/// Apply the request's `provider` preferences; Err names what excluded every provider.
fn select_provider<'a>(
    m: &'a ModelProfile,
    req: &ChatRequest,
    d: Draws,
) -> Result<&'a Provider, String> {
    if m.ignores_provider_preferences {
        return m
            .providers
            .last()
            .ok_or_else(|| "the model has no providers".to_string());
    }
    let prefs = &req.provider;
    // Requests with tools go to the providers that can call them, as OpenRouter routes;
    // with `require_parameters`, response formats too. (A model none of whose providers
    // can answers as it can: in prose.)
    let fits = |p: &Provider| {
        let own = p.serving(m);
        (req.tools.is_empty() || own.supports_tools)
            && (!prefs.require_parameters
                || req.response_format.is_none()
                || own.supports_response_format)
    };
    let mut candidates: Vec<&Provider> = m.providers.iter().collect();
    if candidates.iter().any(|p| fits(p)) {
        candidates.retain(|p| fits(p));
    }
    if prefs.require_parameters {
        if !req.tools.is_empty() && !m.supports_tools {
            return Err("require_parameters: the model does not support tools".into());
        }
        if req.response_format.is_some() && !m.supports_response_format {
            return Err("require_parameters: the model does not support response_format".into());
        }
    }
    if prefs
        .max_prompt_price
        .is_some_and(|max| m.prompt_price > max)
        || prefs
            .max_completion_price
            .is_some_and(|max| m.completion_price > max)
    {
        return Err("max_price".into());
    }
    let mut reasons: Vec<String> = Vec::new();
    let mut keep =
        |reason: String, candidates: &mut Vec<&Provider>, pred: &dyn Fn(&Provider) -> bool| {
            let before = candidates.len();
            candidates.retain(|p| pred(p));
            if candidates.len() < before {
                reasons.push(reason);
            }
        };
    if let Some(only) = &prefs.only {
        keep(
            format!("provider.only [{}]", only.join(", ")),
            &mut candidates,
            &|p| only.iter().any(|s| matches_slug(p, s)),
        );
    }
    if let Some(ignore) = &prefs.ignore {
        keep(
            format!("provider.ignore [{}]", ignore.join(", ")),
            &mut candidates,
            &|p| !ignore.iter().any(|s| matches_slug(p, s)),
        );
    }
    if prefs.zdr {
        keep("data_policy:zdr".into(), &mut candidates, &|p| p.zdr);
    }
    if prefs.deny_data_collection {
        keep("data_policy:training".into(), &mut candidates, &|p| {
            p.data_collection == routeval_core::config::DataCollection::Deny
        });
    }
    if let Some(q) = &prefs.quantizations {
        keep("quantization".into(), &mut candidates, &|p| {
            q.iter().any(|s| s.eq_ignore_ascii_case(&p.quantization))
        });
    }
    if let (Some(order), false) = (&prefs.order, prefs.allow_fallbacks) {
        keep(
            format!(
                "provider.order [{}] with allow_fallbacks=false",
                order.join(", ")
            ),
            &mut candidates,
            &|p| order.iter().any(|s| matches_slug(p, s)),
        );
    }
    if candidates.is_empty() {
        return Err(format!("excluded by {}", reasons.join(", ")));
    }
    if let Some(order) = &prefs.order {
        for wanted in order {
            if let Some(p) = candidates.iter().find(|p| matches_slug(p, wanted)) {
                return Ok(p);
            }
        }
    }
    let weights: Vec<f64> = candidates.iter().map(|p| p.weight).collect();
    let i = d.weighted("provider", &weights).unwrap_or(0);
    Ok(candidates[i])
}

/// The scripted fault for this request, else one drawn from the failure rates.
fn pick_fault(m: &ModelProfile, d: Draws, script_pos: u64) -> Fault {
    if let Some(script) = m.script.as_deref().filter(|s| !s.is_empty()) {
        let i = (script_pos as usize).min(script.len() - 1);
        return script[i];
    }
    let f = &m.failures;
    let mut u = d.unit("fault");
    for (p, fault) in [
        (f.rate_limit, Fault::RateLimit),
        (f.server_error, Fault::ServerError),
        (f.timeout, Fault::Timeout),
        (f.cut_stream, Fault::CutStream),
        (f.malformed, Fault::Malformed),
    ] {
        if u < p {
            return fault;
        }
        u -= p;
    }
    Fault::Ok
}

/// Faults answered with an HTTP error before any token, with the metadata OpenRouter
/// documents for each (<https://openrouter.ai/docs/api/reference/errors-and-debugging>):
/// a provider's error names it and carries its `raw` body; a moderation 403 its
/// `reasons`, the `flagged_input` (100 characters at most), the provider and the model;
/// a 503 its `availability` (`retryable`, `retry_after`).
fn upstream_error(
    id: &str,
    m: &ModelProfile,
    p: &Provider,
    fault: Fault,
    req: &ChatRequest,
    d: Draws,
) -> Option<ApiError> {
    let stream = req.stream;
    let mut e = match fault {
        Fault::RateLimit | Fault::Http(429) => {
            let mut e = ApiError::new(
                429,
                "rate_limit_exceeded",
                format!(
                    "{} is temporarily rate-limited upstream. Please retry shortly.",
                    p.name
                ),
            );
            e.retry_after = Some(m.retry_after_s);
            e
        }
        Fault::ServerError => match d.below("server_error", 3) {
            0 => ApiError::new(500, "server", "Internal Server Error"),
            1 => ApiError::new(
                502,
                "provider_unavailable",
                format!("{} returned an invalid response", p.name),
            ),
            _ => ApiError::new(
                503,
                "provider_overloaded",
                format!("{} is overloaded", p.name),
            ),
        },
        Fault::MidStreamError if !stream => ApiError::new(
            502,
            "provider_unavailable",
            format!("{} returned an invalid response", p.name),
        ),
        Fault::Http(403) => {
            return Some(
                ApiError::new(
                    403,
                    "content_policy_violation",
                    format!(
                        "{id} requires moderation on {}. Your input was flagged for \"harassment\"",
                        p.name
                    ),
                )
                .with("reasons", json!(["harassment"]))
                .with(
                    "flagged_input",
                    json!(req.first_user.chars().take(100).collect::<String>()),
                )
                .with("provider_name", json!(p.name))
                .with("model_slug", json!(id)),
            )
        }
        Fault::Http(503) => {
            return Some(
                ApiError::status(503, "Simulated upstream error 503").with_availability(json!({
                    "code": "temporarily_unavailable",
                    "retryable": true,
                    "retry_after": m.retry_after_s,
                    "requested_models": req.models,
                    "affected_providers": [p.name],
                })),
            )
        }
        Fault::NoEndpoints => {
            return Some(
                ApiError::new(
                    503,
                    "provider_overloaded",
                    format!("No endpoint of {id} meets your routing requirements"),
                )
                .with_availability(json!({
                    "code": "constraint_filtered",
                    "retryable": false,
                    "requested_models": req.models,
                    "excluded_by": ["max_price", "context_length"],
                })),
            )
        }
        Fault::Http(code) => ApiError::status(code, format!("Simulated upstream error {code}")),
        Fault::Html502 => {
            let mut e = ApiError::status(502, "Bad Gateway");
            e.html = true;
            e
        }
        _ => return None,
    };
    // 500s are masked: no provider, no upstream body.
    if e.status >= 429 && e.status != 500 && !e.html {
        e.provider = Some(p.name.clone());
        let raw = raw_upstream(e.status, &e.message);
        e = e.with("raw", raw);
    }
    Some(e)
}

/// Unscaled time a failed attempt takes: rate limits come back fast, 5xx after a while.
fn fault_latency_ms(m: &ModelProfile, fault: Fault, d: Draws) -> f64 {
    match fault {
        Fault::RateLimit | Fault::Http(429) => 40.0 * d.jitter("fault_latency"),
        _ => m.ttft_ms as f64 * 0.6 * d.jitter("fault_latency"),
    }
}

async fn pause(ms: f64) {
    if ms >= 0.5 {
        tokio::time::sleep(Duration::from_secs_f64(ms / 1000.0)).await;
    }
}

/// The model and provider that answer, and how.
struct Served<'a> {
    id: &'a str,
    profile: &'a ModelProfile,
    provider: &'a Provider,
    fault: Fault,
    draws: Draws,
}

/// What the assistant message carries.
struct Output {
    content: Option<String>,
    calls: Vec<CallOut>,
    refusal: Option<String>,
    finish_reason: &'static str,
}

impl Output {
    fn chars(&self) -> usize {
        self.content.as_deref().map_or(0, |c| c.chars().count())
            + self.refusal.as_deref().map_or(0, |r| r.chars().count())
            + self
                .calls
                .iter()
                .map(|c| c.name.chars().count() + c.arguments.chars().count())
                .sum::<usize>()
    }

    /// Keep the first `keep` characters of output (content, or tool calls in order).
    fn truncate(&mut self, keep: usize) {
        if let Some(c) = &self.content {
            self.content = Some(c.chars().take(keep).collect());
        }
        let mut budget = keep;
        let mut kept = Vec::new();
        for call in self.calls.drain(..) {
            let size = call.name.chars().count() + call.arguments.chars().count();
            if size <= budget {
                budget -= size;
                kept.push(call);
            } else {
                let args = budget.saturating_sub(call.name.chars().count());
                kept.push(CallOut {
                    arguments: call.arguments.chars().take(args).collect(),
                    name: call.name,
                });
                break;
            }
        }
        self.calls = kept;
    }
}

fn shape(answer: Answer, fault: Fault, max_tokens: Option<u64>, m: &ModelProfile) -> Output {
    let mut out = match answer {
        Answer::Text(t) => Output {
            content: Some(t),
            calls: Vec::new(),
            refusal: None,
            finish_reason: "stop",
        },
        Answer::Calls(calls) => Output {
            content: None,
            calls,
            refusal: None,
            finish_reason: "tool_calls",
        },
    };
    match fault {
        Fault::Refusal => {
            out = Output {
                content: None,
                calls: Vec::new(),
                refusal: Some(answer::refusal_text().to_string()),
                finish_reason: "stop",
            };
        }
        Fault::ContentFilter => {
            out.calls.clear();
            out.content = out.content.map(|c| cut_chars(&c, 0.33));
            out.finish_reason = "content_filter";
        }
        Fault::Length => {
            let half = out.chars() / 2;
            out.truncate(half);
            out.finish_reason = "length";
        }
        _ => {}
    }
    let limit = max_tokens.unwrap_or(u64::MAX).min(m.max_completion_tokens);
    if tokens_for_chars(out.chars()) > limit {
        out.truncate(usize::try_from(limit.saturating_mul(4)).unwrap_or(usize::MAX));
        out.finish_reason = "length";
    }
    out
}

fn format_of(rf: Option<&Value>) -> Format<'_> {
    let Some(rf) = rf else { return Format::Free };
    match rf.get("type").and_then(Value::as_str) {
        Some("json_object") => Format::JsonObject,
        Some("json_schema") => {
            let js = rf.get("json_schema");
            Format::JsonSchema(
                js.and_then(|j| j.get("schema")),
                js.and_then(|j| j.get("strict")).and_then(Value::as_bool) == Some(true),
            )
        }
        _ => Format::Free,
    }
}

/// Fields every response and chunk of one generation share.
struct Head {
    id: String,
    created: u64,
    model: String,
    provider: String,
}

impl Head {
    fn chunk(&self, choices: Value) -> Value {
        json!({
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "provider": self.provider,
            "choices": choices,
        })
    }

    fn delta(&self, delta: Value, finish: Option<&str>) -> Value {
        self.chunk(json!([{
            "index": 0,
            "delta": delta,
            "finish_reason": finish,
            "native_finish_reason": finish,
        }]))
    }
}

async fn respond(
    sim: &Arc<Sim>,
    req: &ChatRequest,
    s: Served<'_>,
    mut attempts: Vec<Value>,
    started: Instant,
) -> Response {
    let served_as = s.provider.serving(s.profile);
    let m: &ModelProfile = &served_as;
    let d = s.draws;
    let tools: &[Value] = if m.supports_tools && !req.tool_choice_none {
        &req.tools
    } else {
        &[]
    };
    let format = if m.supports_response_format {
        format_of(req.response_format.as_ref())
    } else {
        Format::Free
    };
    let ask = Ask {
        profile: m,
        case: sim.cases.get(&req.first_user),
        tools,
        format,
        reask: req.reask || req.tool_feedback,
        after_tool: req.after_tool,
        tool_rounds: req.tool_rounds,
    };
    let judged = crate::judge::is_judge_request(req.response_format.as_ref())
        .then(|| Answer::Text(crate::judge::verdict(&sim.cases, &req.first_user, m, d)));
    // Unknown prompts that ask for a tool call or a format get one (`routeval probe`).
    let said = judged
        .or_else(|| {
            ask.case
                .is_none()
                .then(|| {
                    crate::probe::probe_answer(
                        tools,
                        req.tool_choice.as_ref(),
                        req.parallel_tool_calls,
                        format,
                    )
                })
                .flatten()
        })
        .unwrap_or_else(|| answer::answer(&ask, d));
    let out = shape(said, s.fault, req.max_tokens, m);

    let completion_tokens = if s.fault == Fault::EmptyChoices {
        0
    } else {
        tokens_for_chars(out.chars()).max(1)
    };
    let inference = req.prompt_tokens as f64 * m.prompt_price_per_token()
        + completion_tokens as f64 * m.completion_price_per_token();
    // On the user's own key OpenRouter bills its fee; the provider bills the inference.
    let (cost, upstream) = if m.byok {
        (inference * crate::profiles::BYOK_FEE, Some(inference))
    } else {
        (inference, None)
    };
    let mut usage = json!({
        "prompt_tokens": req.prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": req.prompt_tokens + completion_tokens,
        "prompt_tokens_details": { "cached_tokens": 0 },
        "completion_tokens_details": { "reasoning_tokens": 0 },
        "is_byok": m.byok,
    });
    if m.reports_cost && !m.unpriced {
        usage["cost"] = json!(cost);
        usage["cost_details"] = json!({ "upstream_inference_cost": upstream });
    }

    let scale = sim.latency_scale;
    let ttft_ms = m.ttft_ms as f64 * d.jitter("ttft") * scale;
    let gen_ms =
        completion_tokens as f64 / m.tokens_per_s * 1000.0 * d.jitter("throughput") * scale;
    let head = Head {
        id: sim.new_generation_id(),
        created: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |t| t.as_secs()),
        model: s.id.to_string(),
        provider: s.provider.name.clone(),
    };

    if s.fault == Fault::Timeout {
        // Deliberately unscaled: the client's timeout must fire first.
        tokio::time::sleep(Duration::from_millis(m.hang_ms)).await;
    }

    let finish_reason: Value = match (s.fault, req.stream) {
        (Fault::EmptyChoices, _) | (Fault::CutStream, _) => Value::Null,
        (Fault::MidStreamError, true) => json!("error"),
        _ => json!(out.finish_reason),
    };
    let own_ms = (ttft_ms + gen_ms).round() as u64;
    attempts.push(attempt(s.provider, 200, own_ms));
    sim.record_generation(
        &head.id,
        json!({
            "id": head.id,
            "model": s.id,
            "provider_name": m.stats_provider.as_deref().unwrap_or(&s.provider.name),
            "total_cost": if m.unpriced { Value::Null } else { json!(cost * m.stats_cost_factor) },
            "tokens_prompt": req.prompt_tokens,
            "tokens_completion": completion_tokens,
            "native_tokens_prompt": req.prompt_tokens,
            "native_tokens_completion": completion_tokens,
            "native_tokens_reasoning": 0,
            "native_tokens_cached": 0,
            "latency": started.elapsed().as_millis() as u64 + own_ms,
            "generation_time": gen_ms.round() as u64,
            "finish_reason": finish_reason,
            "native_finish_reason": finish_reason,
            "streamed": req.stream,
            "cancelled": false,
            "is_byok": m.byok,
            "upstream_inference_cost": upstream,
            "provider_responses": attempts,
        }),
    );

    let mut response = if s.fault == Fault::Malformed {
        pause(ttft_ms + gen_ms).await;
        let full = full_body(&head, &out, &usage).to_string();
        let cut = cut_chars(&full, 0.3 + 0.5 * d.unit("malformed_cut"));
        ([(header::CONTENT_TYPE, "application/json")], cut).into_response()
    } else if req.stream {
        stream_response(&head, &out, &usage, s.fault, ttft_ms, gen_ms, d)
    } else {
        plain_response(&head, &out, &usage, s.fault, ttft_ms, gen_ms, d).await
    };
    if let Ok(v) = HeaderValue::from_str(&head.id) {
        response.headers_mut().insert(GENERATION_HEADER, v);
    }
    response
}

fn tool_calls_json(calls: &[CallOut]) -> Value {
    calls
        .iter()
        .enumerate()
        .map(|(i, c)| {
            json!({
                "id": format!("call_{}", i + 1),
                "type": "function",
                "function": { "name": c.name, "arguments": c.arguments },
            })
        })
        .collect()
}

fn full_body(head: &Head, out: &Output, usage: &Value) -> Value {
    let mut message = json!({ "role": "assistant", "content": out.content });
    if !out.calls.is_empty() {
        message["tool_calls"] = tool_calls_json(&out.calls);
    }
    if let Some(r) = &out.refusal {
        message["refusal"] = json!(r);
    }
    json!({
        "id": head.id,
        "object": "chat.completion",
        "created": head.created,
        "model": head.model,
        "provider": head.provider,
        "choices": [{
            "index": 0,
            "message": message,
            "finish_reason": out.finish_reason,
            "native_finish_reason": out.finish_reason,
            "logprobs": null,
        }],
        "usage": usage,
    })
}

async fn plain_response(
    head: &Head,
    out: &Output,
    usage: &Value,
    fault: Fault,
    ttft_ms: f64,
    gen_ms: f64,
    d: Draws,
) -> Response {
    match fault {
        Fault::EmptyChoices => {
            pause(ttft_ms).await;
            let mut body = full_body(head, out, usage);
            body["choices"] = json!([]);
            axum::Json(body).into_response()
        }
        Fault::CutStream => {
            // Part of the document, then a body error: hyper drops the connection.
            pause(ttft_ms + gen_ms).await;
            let full = full_body(head, out, usage).to_string();
            let part = cut_chars(&full, 0.3 + 0.5 * d.unit("cut_at"));
            let events = vec![Event {
                delay_ms: 0.0,
                data: Bytes::from(part),
            }];
            let mut r = Response::new(body_of(events, true));
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            r
        }
        _ => {
            pause(ttft_ms + gen_ms).await;
            axum::Json(full_body(head, out, usage)).into_response()
        }
    }
}

/// One SSE write and the wait before it.
struct Event {
    delay_ms: f64,
    data: Bytes,
}

fn sse(v: &Value) -> Bytes {
    Bytes::from(format!("data: {v}\n\n"))
}

/// Content deltas: the text (or refusal) in 4-8 pieces, or per tool call a header
/// delta then argument fragments.
fn deltas(out: &Output, d: Draws) -> Vec<Value> {
    let pieces = 4 + d.below("pieces", 5);
    let mut v = Vec::new();
    if let Some(r) = &out.refusal {
        v.push(json!({ "refusal": r }));
    }
    if let Some(c) = &out.content {
        v.extend(
            split(c, pieces)
                .into_iter()
                .map(|p| json!({ "content": p })),
        );
    }
    let per_call = (pieces / out.calls.len().max(1)).max(1);
    for (i, call) in out.calls.iter().enumerate() {
        v.push(json!({ "tool_calls": [{
            "index": i,
            "id": format!("call_{}", i + 1),
            "type": "function",
            "function": { "name": call.name, "arguments": "" },
        }]}));
        for frag in split(&call.arguments, per_call) {
            v.push(json!({ "tool_calls": [{ "index": i, "function": { "arguments": frag } }] }));
        }
    }
    v
}

/// A string in at most `n` non-empty pieces of about the same length.
fn split(s: &str, n: usize) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    if chars.is_empty() {
        return Vec::new();
    }
    let size = chars.len().div_ceil(n.max(1));
    chars.chunks(size).map(|c| c.iter().collect()).collect()
}

fn stream_response(
    head: &Head,
    out: &Output,
    usage: &Value,
    fault: Fault,
    ttft_ms: f64,
    gen_ms: f64,
    d: Draws,
) -> Response {
    let mut events = vec![Event {
        delay_ms: 0.0,
        data: Bytes::from_static(b": OPENROUTER PROCESSING\n\n"),
    }];
    let done = Event {
        delay_ms: 0.0,
        data: Bytes::from_static(b"data: [DONE]\n\n"),
    };
    let usage_chunk = || {
        let mut c = head.chunk(json!([]));
        c["usage"] = usage.clone();
        c
    };
    if fault == Fault::EmptyChoices {
        events.push(Event {
            delay_ms: ttft_ms,
            data: sse(&usage_chunk()),
        });
        events.push(done);
        return sse_response(events);
    }
    events.push(Event {
        delay_ms: ttft_ms,
        data: sse(&head.delta(json!({ "role": "assistant", "content": "" }), None)),
    });
    let all = deltas(out, d);
    let step = gen_ms / all.len().max(1) as f64;
    let sent = match fault {
        Fault::CutStream => all.len().div_ceil(2),
        Fault::MidStreamError => all.len().div_ceil(3),
        _ => all.len(),
    };
    for delta in all.into_iter().take(sent) {
        events.push(Event {
            delay_ms: step,
            data: sse(&head.delta(delta, None)),
        });
    }
    match fault {
        Fault::CutStream => {}
        Fault::MidStreamError => {
            let mut c = head.chunk(
                json!([{ "index": 0, "delta": { "content": "" }, "finish_reason": "error" }]),
            );
            c["error"] = json!({
                "code": 502,
                "message": format!("{} stopped responding mid-stream", head.provider),
                "metadata": {
                    "error_type": "provider_unavailable",
                    "provider_name": head.provider,
                    "raw": raw_upstream(502, "upstream connection reset"),
                },
            });
            events.push(Event {
                delay_ms: step,
                data: sse(&c),
            });
        }
        _ => {
            events.push(Event {
                delay_ms: 0.0,
                data: sse(&head.delta(json!({}), Some(out.finish_reason))),
            });
            events.push(Event {
                delay_ms: 0.0,
                data: sse(&usage_chunk()),
            });
            events.push(done);
        }
    }
    sse_response(events)
}

fn sse_response(events: Vec<Event>) -> Response {
    let mut r = Response::new(body_of(events, false));
    *r.status_mut() = StatusCode::OK;
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    r
}

/// A body that writes each event after its delay; `cut` ends it with an error so
/// the connection drops instead of finishing cleanly.
fn body_of(events: Vec<Event>, cut: bool) -> Body {
    let stream =
        futures_util::stream::unfold((events.into_iter(), cut), |(mut it, cut)| async move {
            match it.next() {
                Some(ev) => {
                    pause(ev.delay_ms).await;
                    Some((Ok(ev.data), (it, cut)))
                }
                None if cut => {
                    // Wait a moment first: hyper flushes what it has while the body is
                    // pending, so the client sees a truncated body, not a refused request.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    Some((
                        Err(std::io::Error::new(
                            std::io::ErrorKind::ConnectionAborted,
                            "simulated cut",
                        )),
                        (it, false),
                    ))
                }
                None => None,
            }
        });
    Body::from_stream(stream)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_keeps_every_character() {
        assert_eq!(split("abcdefghij", 4).concat(), "abcdefghij");
        assert!(split("abcdefghij", 4).len() <= 4);
        assert_eq!(split("ab", 8), ["a", "b"]);
        assert!(split("", 3).is_empty());
    }

    #[test]
    fn truncation_cuts_tool_arguments() {
        let mut out = Output {
            content: None,
            calls: vec![
                CallOut {
                    name: "ab".into(),
                    arguments: "{\"x\":1}".into(),
                },
                CallOut {
                    name: "cd".into(),
                    arguments: "{}".into(),
                },
            ],
            refusal: None,
            finish_reason: "tool_calls",
        };
        out.truncate(5);
        assert_eq!(out.calls.len(), 1);
        assert_eq!(out.calls[0].arguments, "{\"x");
    }
}
