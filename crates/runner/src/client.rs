//! One HTTP exchange with a route: build the request, send it, read the answer
//! (plain or SSE), and sort whatever happened into an [`ErrorClass`].

use crate::catalog::Price;
use crate::limits::RouteLimiter;
use crate::redact::Redactor;
use crate::retry::{parse_rate_limit_reset, parse_retry_after, RetryPolicy};
use crate::sse::{SseBounds, SseError, SseReader};
use crate::wire::{content_text, ApiError, Chunk, Completion, ErrorBody, ToolCallAssembler, Usage};
use bytes::Bytes;
use futures_util::StreamExt;
use reqwest::header::{
    HeaderMap, HeaderName, HeaderValue, AUTHORIZATION, CONTENT_TYPE, LOCATION, RETRY_AFTER,
};
use routeval_core::config::{Endpoint, EndpointKind, ProviderPrefs, Route};
use routeval_core::limits::{cut_text, Limits};
use routeval_core::message::{Message, ToolCall};
use routeval_core::record::CostSource;
use routeval_core::ErrorClass;
use serde::Serialize;
use serde_json::{Map, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::time::timeout;

/// Longest error body kept (HTML error pages can be large).
const MAX_ERROR_BODY: usize = 2_000;

/// Longest served model, provider, generation id or finish reason kept.
const MAX_NAME_BYTES: usize = 512;

/// Most of an oversized body kept (for an error body's message).
const KEPT_OF_OVERSIZED: usize = 1 << 20;

/// Largest generation-stats body read.
const MAX_GENERATION_BODY: u64 = 1 << 20;

/// The app attribution header OpenRouter reads a display name from, under its current
/// name. A suite's own title, under this name or the older [`OLD_TITLE`], replaces
/// [`DEFAULT_TITLE`] and is sent as this one header only, so OpenRouter never sees two
/// titles. `HTTP-Referer` (the app's URL) is sent when the suite sets it.
/// <https://openrouter.ai/docs/app-attribution>
pub const TITLE: &str = "x-openrouter-title";

/// The title header's former name, still accepted by OpenRouter; on an OpenRouter
/// endpoint a suite's `X-Title` is sent as [`TITLE`].
/// <https://openrouter.ai/docs/app-attribution>
pub const OLD_TITLE: &str = "x-title";

/// The title sent to OpenRouter when the suite sets none.
pub const DEFAULT_TITLE: &str = "routeval";

/// A configured endpoint: where to send, with which key and headers.
#[derive(Debug)]
pub struct EndpointClient {
    pub name: String,
    pub kind: EndpointKind,
    pub base_url: String,
    /// `{base_url}/chat/completions`, parsed once rather than for every request.
    completions_url: reqwest::Url,
    headers: HeaderMap,
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error(
        "endpoint `{endpoint}`: environment variable `{var}` is not set (it must hold the API key)"
    )]
    MissingKey { endpoint: String, var: String },
    #[error("endpoint `{endpoint}`: header `{header}` is invalid")]
    BadHeader { endpoint: String, header: String },
    #[error("endpoint `{endpoint}`: base_url `{url}` is not a URL: {message}")]
    BadUrl {
        endpoint: String,
        url: String,
        message: String,
    },
    #[error("route `{route}`: cannot build HTTP client: {message}")]
    Http { route: String, message: String },
}

impl EndpointClient {
    /// Read the key from the environment now; it lives only in this header map.
    pub fn new(name: &str, endpoint: &Endpoint) -> Result<(Self, Option<String>), ClientError> {
        let mut headers = HeaderMap::new();
        let bad = |h: &str| ClientError::BadHeader {
            endpoint: name.into(),
            header: h.into(),
        };
        // Registered as it is read: from here on it is redacted from everything stored,
        // logged, printed or written.
        let key = match &endpoint.api_key_env {
            Some(var) => match crate::redact::register_env(var) {
                None if !endpoint.simulated => {
                    return Err(ClientError::MissingKey {
                        endpoint: name.into(),
                        var: var.clone(),
                    })
                }
                key => key,
            },
            None => None,
        };
        if let Some(key) = &key {
            let mut value = HeaderValue::from_str(&format!("Bearer {key}"))
                .map_err(|_| bad("Authorization"))?;
            value.set_sensitive(true);
            headers.insert(AUTHORIZATION, value);
        }
        let openrouter = endpoint.kind == EndpointKind::Openrouter;
        if openrouter {
            headers.insert(TITLE, HeaderValue::from_static(DEFAULT_TITLE));
        }
        // The suite's `X-OpenRouter-Title` wins over its `X-Title`, whatever the order.
        let mut suite_headers: Vec<_> = endpoint.headers.iter().collect();
        suite_headers.sort_by_key(|(k, _)| k.eq_ignore_ascii_case(TITLE));
        for (k, v) in suite_headers {
            let mut name_h = HeaderName::from_bytes(k.as_bytes()).map_err(|_| bad(k))?;
            if openrouter && name_h == OLD_TITLE {
                name_h = HeaderName::from_static(TITLE);
            }
            headers.insert(name_h, HeaderValue::from_str(v).map_err(|_| bad(k))?);
        }
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        let base_url = endpoint.base_url.trim_end_matches('/').to_string();
        let completions_url = reqwest::Url::parse(&format!("{base_url}/chat/completions"))
            .map_err(|e| ClientError::BadUrl {
                endpoint: name.into(),
                url: endpoint.base_url.clone(),
                message: e.to_string(),
            })?;
        Ok((
            Self {
                name: name.to_string(),
                kind: endpoint.kind,
                base_url,
                completions_url,
                headers,
            },
            key,
        ))
    }
}

impl EndpointClient {
    /// `GET {base_url}{path}` with the endpoint's headers (some catalogs want the key too).
    pub async fn get(&self, path: &str, timeout: Duration) -> Result<reqwest::Response, String> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| e.to_string())?;
        let mut headers = self.headers.clone();
        headers.remove(CONTENT_TYPE);
        client
            .get(format!("{}{path}", self.base_url))
            .headers(headers)
            .send()
            .await
            .map_err(|e| error_chain(&e))
    }
}

/// Everything needed to send requests on one route.
#[derive(Debug)]
pub struct RouteClient {
    pub name: String,
    pub route: Route,
    pub endpoint: Arc<EndpointClient>,
    pub retry: RetryPolicy,
    pub limiter: RouteLimiter,
    /// The route's price (the suite's, else the catalog's), per token, to compute cost
    /// when the endpoint reports none. `None`: no known price, so a cost not reported
    /// is unknown and a budget cannot bound the route.
    pub price: Option<Price>,
    http: reqwest::Client,
    redactor: Arc<Redactor>,
    first_byte: Duration,
    idle: Duration,
    total: Duration,
    /// How much of what the endpoint sends is read and kept.
    limits: Limits,
}

/// What one request is about, besides the route.
pub struct RequestSpec<'a> {
    pub messages: &'a [Message],
    pub tools: Option<&'a Vec<Value>>,
    pub tool_choice: Option<&'a Value>,
    pub response_format: Option<&'a Value>,
}

/// A chat completion request as sent, borrowed from the route and the case: serialized
/// straight to bytes, so no JSON tree (with its own copy of the schema and the tools)
/// is built and dropped for every request. Route `params` cannot name these fields
/// (the suite is refused).
#[derive(Serialize)]
struct ChatBody<'a> {
    model: &'a str,
    messages: &'a [Message],
    #[serde(skip_serializing_if = "Option::is_none")]
    tools: Option<&'a Vec<Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_choice: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    response_format: Option<&'a Value>,
    #[serde(flatten)]
    params: &'a Map<String, Value>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    stream: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    stream_options: Option<StreamOptions>,
    #[serde(skip_serializing_if = "Option::is_none")]
    provider: Option<&'a ProviderPrefs>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    models: &'a [String],
}

/// `{"include_usage": true}`: an OpenAI-compatible stream ends with a usage chunk only
/// when asked. Never sent to OpenRouter, nor is `usage: {include: true}`: both are
/// deprecated there and do nothing, as every response carries its usage and cost.
/// <https://openrouter.ai/docs/guides/administration/usage-accounting>
#[derive(Serialize)]
struct StreamOptions {
    include_usage: bool,
}

/// The answer of a successful exchange.
#[derive(Debug, Clone, Default)]
pub struct Answer {
    pub content: Option<String>,
    pub tool_calls: Vec<ToolCall>,
}

/// What one HTTP exchange produced. `class` is `None` when an answer came back usable.
#[derive(Debug, Default)]
pub struct Exchange {
    pub class: Option<ErrorClass>,
    pub status: Option<u16>,
    pub error_message: Option<String>,
    pub retry_after: Option<Duration>,
    pub answer: Option<Answer>,
    pub served_model: Option<String>,
    pub served_provider: Option<String>,
    pub generation_id: Option<String>,
    pub usage: Option<Usage>,
    /// USD; `None` when billed but neither reported nor priced.
    pub cost: Option<f64>,
    pub cost_source: Option<CostSource>,
    /// Whether the generation ran on the user's own provider key (BYOK).
    pub is_byok: Option<bool>,
    /// A BYOK generation's parts of `cost`: OpenRouter's fee and the upstream cost.
    pub fee_cost: Option<f64>,
    pub upstream_cost: Option<f64>,
    /// The generation stats' `provider_responses`: every provider tried, in order.
    pub provider_responses: Option<Value>,
    /// The response's cost and provider, when the generation stats said otherwise.
    pub response_cost: Option<f64>,
    pub response_provider: Option<String>,
    pub latency: Duration,
    pub ttft: Option<Duration>,
    pub chunks: Option<u32>,
    pub finish_reason: Option<String>,
    pub native_finish_reason: Option<String>,
    /// How big the error was as sent (an HTTP error body's full size when known, at
    /// least what was read otherwise; else the message's length), when the message
    /// had to be cut.
    pub error_bytes: Option<u64>,
    /// What the error said beside its message (see [`ApiError::details`]), redacted.
    pub error_metadata: Option<Value>,
    /// `availability.retryable` of a model-availability error: `Some(false)` is final
    /// whatever the status, `Some(true)` worth another try whatever the status.
    pub retryable: Option<bool>,
}

impl Exchange {
    /// Names the endpoint chose, cut to a sane length.
    fn cut_names(&mut self) {
        for name in [
            &mut self.served_model,
            &mut self.served_provider,
            &mut self.generation_id,
            &mut self.finish_reason,
            &mut self.native_finish_reason,
        ] {
            if let Some(cut) = name.as_deref().and_then(|n| cut_text(n, MAX_NAME_BYTES)) {
                *name = Some(cut);
            }
        }
    }

    /// Set the cost OpenRouter billed (`cost`, from `source`). A BYOK generation's
    /// `cost` is only OpenRouter's fee: the provider bills the upstream inference on
    /// the user's own key, so the spend is fee plus upstream, both parts kept. A BYOK
    /// generation without an upstream figure is billed at its fee alone.
    /// <https://openrouter.ai/docs/guides/administration/usage-accounting>
    fn set_cost(
        &mut self,
        cost: f64,
        byok: Option<bool>,
        upstream: Option<f64>,
        source: CostSource,
    ) {
        if byok.is_some() {
            self.is_byok = byok;
        }
        if byok == Some(true) {
            let upstream = upstream.filter(|u| u.is_finite() && *u >= 0.0);
            self.fee_cost = Some(cost);
            self.upstream_cost = upstream;
            self.cost = Some(cost + upstream.unwrap_or(0.0));
        } else {
            self.fee_cost = None;
            self.upstream_cost = None;
            self.cost = Some(cost);
        }
        self.cost_source = Some(source);
    }

    fn failed(class: ErrorClass, message: impl Into<String>) -> Self {
        Self {
            class: Some(class),
            error_message: Some(message.into()),
            ..Self::default()
        }
    }

    /// Keep what an OpenRouter error says beside its message: its details, whether
    /// asking again can help and when, and the provider that failed, which becomes
    /// the attempt's provider.
    /// <https://openrouter.ai/docs/api/reference/errors-and-debugging>
    fn take_error_details(&mut self, error: &ApiError) {
        self.error_metadata = error.details();
        self.retryable = error.retryable();
        self.retry_after = self.retry_after.or(error.retry_after());
        if let Some(provider) = error.provider_name() {
            self.served_provider = Some(provider.to_string());
        }
    }
}

impl RouteClient {
    pub fn new(
        name: &str,
        route: &Route,
        endpoint: Arc<EndpointClient>,
        price: Option<Price>,
        redactor: Arc<Redactor>,
    ) -> Result<Self, ClientError> {
        let t = &route.timeouts;
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs_f64(t.connect_s))
            // A redirect would send the prompt where the suite never said, outside the
            // provider policy and unrecorded: it is an answer like any other, not followed.
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(route.concurrency.unwrap_or(64) as usize)
            .tcp_nodelay(true)
            .build()
            .map_err(|e| ClientError::Http {
                route: name.into(),
                message: e.to_string(),
            })?;
        Ok(Self {
            name: name.to_string(),
            route: route.clone(),
            endpoint,
            retry: RetryPolicy::from(&route.retry),
            limiter: RouteLimiter::new(route.concurrency, route.rpm),
            price,
            http,
            redactor,
            first_byte: Duration::from_secs_f64(t.first_byte_s),
            idle: Duration::from_secs_f64(t.idle_s),
            total: Duration::from_secs_f64(t.total_s),
            limits: Limits::default(),
        })
    }

    /// The suite's `[limits]` instead of the defaults.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// What this route reads and keeps of a response.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The JSON body for a request on this route. OpenRouter's extensions go only to
    /// OpenRouter endpoints.
    pub fn build_body(&self, spec: &RequestSpec<'_>) -> Value {
        serde_json::to_value(self.chat_body(spec)).unwrap_or_default()
    }

    /// The request body as sent: [`RouteClient::build_body`] without the JSON tree.
    pub fn encode_body(&self, spec: &RequestSpec<'_>) -> Bytes {
        Bytes::from(serde_json::to_vec(&self.chat_body(spec)).unwrap_or_default())
    }

    fn chat_body<'a>(&'a self, spec: &RequestSpec<'a>) -> ChatBody<'a> {
        let route = &self.route;
        let openrouter = self.endpoint.kind == EndpointKind::Openrouter;
        ChatBody {
            model: &route.model,
            messages: spec.messages,
            tools: spec.tools,
            tool_choice: spec.tools.and(spec.tool_choice),
            response_format: spec.response_format,
            params: &route.params,
            stream: route.stream,
            stream_options: (route.stream && !openrouter).then_some(StreamOptions {
                include_usage: true,
            }),
            provider: route.provider.as_ref().filter(|_| openrouter),
            models: if openrouter { &route.models } else { &[] },
        }
    }

    /// A bare `POST /chat/completions` with the route's headers, for probes that must
    /// misbehave on purpose (drop a stream mid-way). Nothing is read or classified.
    pub fn raw_post(&self, body: Bytes) -> reqwest::RequestBuilder {
        self.http
            .post(self.endpoint.completions_url.clone())
            .headers(self.endpoint.headers.clone())
            .timeout(self.total)
            .body(body)
    }

    /// Send one request and read its answer; never fails, every problem is a class.
    pub async fn send(&self, body: Bytes, request_id: &str) -> Exchange {
        let started = Instant::now();
        let mut ex = match timeout(self.total, self.exchange(body, request_id, started)).await {
            Ok(ex) => ex,
            Err(_) => Exchange::failed(
                ErrorClass::TimeoutTotal,
                format!("no complete answer within {:?}", self.total),
            ),
        };
        ex.latency = started.elapsed();
        if let Some(msg) = ex.error_message.take() {
            // Cut (never inside a key, and what is kept redacted), else redacted whole.
            let max = self.limits.max_stored_text_bytes as usize;
            ex.error_message = Some(match cut_text(&msg, max) {
                Some(cut) => {
                    ex.error_bytes = Some(ex.error_bytes.unwrap_or(0).max(msg.len() as u64));
                    cut
                }
                None => {
                    let redacted = self.redactor.redact(&msg).into_owned();
                    cut_text(&redacted, max).unwrap_or(redacted)
                }
            });
        }
        if let Some(details) = ex.error_metadata.as_mut() {
            redact_json(&self.redactor, details);
        }
        self.fill_cost(&mut ex);
        ex.cut_names();
        // A generation that started (a 200 with a generation id) is billed even when it
        // failed: an error inside the body or the stream, a stream cut short.
        let started_generation = ex.status == Some(200) && ex.generation_id.is_some();
        if self.route.fetch_generation && (ex.class.is_none() || started_generation) {
            let found = self.enrich_from_generation(&mut ex).await;
            if !found && ex.class.is_some() && ex.cost_source.is_none() {
                // Billed for what it generated, and nothing says how much: unknown, not 0.
                ex.cost = None;
                ex.cost_source = Some(CostSource::Unknown);
            }
            ex.cut_names();
        }
        tracing::trace!(target: "routeval::trace", route = %self.name, request_id, status = ?ex.status,
            class = ?ex.class, error = ?ex.error_message, served_model = ?ex.served_model,
            served_provider = ?ex.served_provider, latency_ms = ex.latency.as_millis() as u64,
            content = ?ex.answer.as_ref().and_then(|a| a.content.as_deref()),
            tool_calls = ?ex.answer.as_ref().map(|a| &a.tool_calls), "response");
        ex
    }

    async fn exchange(&self, body: Bytes, request_id: &str, started: Instant) -> Exchange {
        if tracing::enabled!(target: "routeval::trace", tracing::Level::TRACE) {
            let headers: Vec<String> = self
                .endpoint
                .headers
                .iter()
                .map(|(k, v)| {
                    if v.is_sensitive() {
                        format!("{k}: [REDACTED]")
                    } else {
                        format!("{k}: {}", v.to_str().unwrap_or("?"))
                    }
                })
                .collect();
            tracing::trace!(target: "routeval::trace", route = %self.name, request_id, headers = ?headers,
                body = %self.redactor.redact(&String::from_utf8_lossy(&body)), "request");
        }
        let request = self
            .http
            .post(self.endpoint.completions_url.clone())
            .headers(self.endpoint.headers.clone())
            .header("X-Request-Id", request_id)
            .body(body);
        let response = match timeout(self.first_byte, request.send()).await {
            Err(_) => {
                return Exchange::failed(
                    ErrorClass::TimeoutFirstByte,
                    format!("no response head within {:?}", self.first_byte),
                )
            }
            Ok(Err(e)) => return Exchange::failed(classify_reqwest(&e), error_chain(&e)),
            Ok(Ok(r)) => r,
        };
        let status = response.status().as_u16();
        let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok());
        // Retry-After first; OpenRouter's own 429s may carry only X-RateLimit-Reset.
        let retry_after = header(RETRY_AFTER.as_str())
            .and_then(parse_retry_after)
            .or_else(|| {
                (status == 429)
                    .then(|| header("x-ratelimit-reset").and_then(parse_rate_limit_reset))
                    .flatten()
            });
        let generation_header = response
            .headers()
            .get("x-generation-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        // Whatever the header holds is told (cut and redacted with the message in `send`).
        let redirect =
            response
                .status()
                .is_redirection()
                .then(|| match response.headers().get(LOCATION) {
                    Some(to) => format!("redirect to {}", String::from_utf8_lossy(to.as_bytes())),
                    None => "redirect without a Location".to_string(),
                });
        let is_sse = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("text/event-stream"));

        let content_length = response.content_length();
        let mut ex = if !response.status().is_success() {
            let max = self.limits.max_error_body_bytes;
            let mut ex = match self.read_body(response, max).await {
                Ok(Body::Whole(bytes)) => error_exchange(status, &bytes),
                // The rest is not read: the connection is dropped with it.
                Ok(Body::Over(bytes, read)) => {
                    let size = content_length.filter(|n| *n >= read);
                    let mut ex = error_exchange(status, &bytes);
                    let about = match size {
                        Some(n) => format!("error body of {n} bytes, first {} read", bytes.len()),
                        None => format!(
                            "error body of at least {read} bytes, first {} read",
                            bytes.len()
                        ),
                    };
                    ex.error_message = Some(format!(
                        "{} [{about}]",
                        ex.error_message.unwrap_or_default()
                    ));
                    ex.error_bytes = Some(size.unwrap_or(read));
                    ex
                }
                Err(e) => e,
            };
            if let Some(redirect) = redirect {
                ex.error_message = Some(format!(
                    "{} [{redirect} not followed: requests go only to the endpoint the suite names]",
                    ex.error_message.unwrap_or_default()
                ));
            }
            ex.status = Some(status);
            ex
        } else if is_sse {
            self.read_stream(response, started).await
        } else {
            let max = self.limits.max_body_bytes;
            match content_length.filter(|n| *n > max) {
                Some(n) => Exchange::failed(
                    ErrorClass::Oversized,
                    format!("body of {n} bytes, over the limit of {max}; not read"),
                ),
                None => match self.read_body(response, max).await {
                    Ok(Body::Whole(bytes)) => parse_completion(&bytes, &self.limits),
                    Ok(Body::Over(_, read)) => Exchange::failed(
                        ErrorClass::Oversized,
                        format!(
                            "body passed the limit of {max} bytes ({read} read); reading stopped"
                        ),
                    ),
                    Err(e) => e,
                },
            }
        };
        ex.status = Some(status);
        // The header first; `availability.retry_after` mirrors it in the body.
        ex.retry_after = retry_after.or(ex.retry_after);
        if ex.generation_id.is_none() {
            ex.generation_id = generation_header;
        }
        ex
    }

    /// Read a body up to `max` bytes, with the idle timeout between pieces. A longer
    /// body is left unread past the piece that crossed `max`: its first bytes (up to
    /// [`KEPT_OF_OVERSIZED`]) and how many were read come back.
    async fn read_body(&self, response: reqwest::Response, max: u64) -> Result<Body, Exchange> {
        // Room for the announced length at once (within the limit), so a large body is
        // not copied from buffer to buffer as it grows.
        let announced = response.content_length().unwrap_or(0).min(max);
        let mut stream = response.bytes_stream();
        let mut buf = Vec::with_capacity(announced as usize);
        let mut read = 0u64;
        loop {
            match timeout(self.idle, stream.next()).await {
                Err(_) => {
                    return Err(Exchange::failed(
                        ErrorClass::TimeoutIdle,
                        format!("body stalled for {:?}", self.idle),
                    ))
                }
                Ok(None) => return Ok(Body::Whole(Bytes::from(buf))),
                Ok(Some(Ok(piece))) => {
                    read += piece.len() as u64;
                    if read > max {
                        let keep = KEPT_OF_OVERSIZED.min(max as usize);
                        buf.truncate(keep);
                        let room = keep - buf.len();
                        buf.extend_from_slice(&piece[..piece.len().min(room)]);
                        return Ok(Body::Over(Bytes::from(buf), read));
                    }
                    buf.extend_from_slice(&piece);
                }
                Ok(Some(Err(e))) => {
                    let mut ex = Exchange::failed(
                        ErrorClass::StreamCut,
                        format!("body cut: {}", error_chain(&e)),
                    );
                    if read > 0 {
                        ex.error_message = Some(format!(
                            "{} after {read} bytes",
                            ex.error_message.unwrap_or_default()
                        ));
                    }
                    return Err(ex);
                }
            }
        }
    }

    /// Read an SSE stream: comments skipped, deltas assembled, usage from the last
    /// chunk, an error event mid-stream recorded as such, `[DONE]` required. The first
    /// bytes must come within the first-byte timeout of sending; the stream, each event,
    /// the choices and the tool calls within the limits.
    async fn read_stream(&self, response: reqwest::Response, started: Instant) -> Exchange {
        let limits = &self.limits;
        let mut events = SseReader::new(
            response.bytes_stream(),
            SseBounds {
                first_byte_deadline: tokio::time::Instant::from_std(started + self.first_byte),
                idle: self.idle,
                max_event_bytes: usize::try_from(limits.max_event_bytes).unwrap_or(usize::MAX),
                max_total_bytes: limits.max_body_bytes,
            },
        );
        let mut ex = Exchange::default();
        let mut content = String::new();
        let mut saw_content = false;
        let mut refusal = String::new();
        let mut tools = ToolCallAssembler::new(limits.max_tool_calls as usize);
        let mut chunks = 0u32;
        // Whether any chunk carried a choice: a usage-only stream has chunks but no answer.
        let mut saw_choice = false;
        let mut done = false;
        let fail = |ex: &mut Exchange, class: ErrorClass, message: String| {
            ex.class = Some(class);
            ex.error_message = Some(message);
        };
        loop {
            let data = match events.next_event().await {
                Err(SseError::FirstByte) => {
                    fail(
                        &mut ex,
                        ErrorClass::TimeoutFirstByte,
                        format!("no stream event within {:?} of sending", self.first_byte),
                    );
                    break;
                }
                Err(SseError::Idle) => {
                    fail(
                        &mut ex,
                        ErrorClass::TimeoutIdle,
                        format!("stream stalled for {:?} after {chunks} chunks", self.idle),
                    );
                    break;
                }
                Err(SseError::Cut(e)) => {
                    fail(
                        &mut ex,
                        ErrorClass::StreamCut,
                        format!("stream cut after {chunks} chunks: {e}"),
                    );
                    break;
                }
                Err(SseError::Oversized(e)) => {
                    fail(
                        &mut ex,
                        ErrorClass::Oversized,
                        format!("{e} after {chunks} chunks; reading stopped"),
                    );
                    break;
                }
                Err(SseError::Utf8(e)) => {
                    fail(
                        &mut ex,
                        ErrorClass::Malformed,
                        format!("chunk {}: {e}", chunks + 1),
                    );
                    break;
                }
                Ok(None) => break,
                Ok(Some(data)) => data,
            };
            let data = data.trim();
            if data.is_empty() {
                continue;
            }
            if data == "[DONE]" {
                done = true;
                break;
            }
            chunks += 1;
            let chunk: Chunk = match serde_json::from_str(data) {
                Ok(c) => c,
                Err(e) => {
                    fail(
                        &mut ex,
                        ErrorClass::Malformed,
                        format!("chunk {chunks} is not valid JSON: {e}"),
                    );
                    break;
                }
            };
            ex.generation_id = ex.generation_id.take().or(chunk.id);
            ex.served_model = chunk.model.or(ex.served_model.take());
            ex.served_provider = chunk.provider.or(ex.served_provider.take());
            if let Some(usage) = chunk.usage {
                ex.usage = Some(usage);
            }
            if chunk.choices.total > limits.max_choices as usize {
                fail(
                    &mut ex,
                    ErrorClass::Oversized,
                    format!(
                        "chunk {chunks} has {} choices, over the limit of {}",
                        chunk.choices.total, limits.max_choices
                    ),
                );
                break;
            }
            saw_choice |= !chunk.choices.is_empty();
            let mut refused = None;
            for choice in &chunk.choices.items {
                if let Some(delta) = &choice.delta {
                    let has_token = delta.content.as_deref().is_some_and(|c| !c.is_empty())
                        || !delta.tool_calls.is_empty()
                        || delta.reasoning.as_deref().is_some_and(|r| !r.is_empty());
                    if has_token && ex.ttft.is_none() {
                        ex.ttft = Some(started.elapsed());
                    }
                    if let Some(c) = &delta.content {
                        content.push_str(c);
                        saw_content = true;
                    }
                    if let Some(r) = &delta.refusal {
                        refusal.push_str(r);
                    }
                    if delta.tool_calls.total > limits.max_tool_calls as usize {
                        refused = Some(format!(
                            "chunk {chunks} has {} tool calls, over the limit of {}",
                            delta.tool_calls.total, limits.max_tool_calls
                        ));
                        break;
                    }
                    for t in &delta.tool_calls.items {
                        if let Err(e) = tools.push(t) {
                            refused = Some(format!("chunk {chunks}: {e}"));
                            break;
                        }
                    }
                }
                if choice.finish_reason.is_some() {
                    ex.finish_reason = choice.finish_reason.clone();
                    ex.native_finish_reason = choice.native_finish_reason.clone();
                }
            }
            if let Some(message) = refused {
                fail(&mut ex, ErrorClass::Oversized, message);
                break;
            }
            if let Some(error) = chunk.error {
                // An error after a 200: the stream ends here, partial output is kept.
                ex.take_error_details(&error);
                ex.class = Some(match error.code_number() {
                    Some(429) => ErrorClass::RateLimited,
                    _ => ErrorClass::StreamError,
                });
                ex.error_message = Some(format!("error mid-stream: {}", error.describe()));
                break;
            }
        }
        ex.chunks = Some(chunks);
        if ex.class == Some(ErrorClass::Oversized) {
            // Nothing of an answer that broke a limit is kept.
            return ex;
        }
        let tool_calls = tools.finish();
        let answer = Answer {
            content: saw_content.then_some(content),
            tool_calls,
        };
        if ex.class.is_none() {
            if !done {
                ex.class = Some(ErrorClass::StreamCut);
                ex.error_message =
                    Some(format!("stream ended without [DONE] after {chunks} chunks"));
            } else if let Some(class) = finish_class(
                ex.finish_reason.as_deref(),
                (!refusal.is_empty()).then_some(&refusal),
            ) {
                ex.class = Some(class);
                ex.error_message = Some(format!(
                    "finish_reason {}",
                    ex.finish_reason.as_deref().unwrap_or("refusal")
                ));
            } else if !saw_choice {
                ex.class = Some(ErrorClass::EmptyChoices);
                ex.error_message = Some(format!("stream carried no choices in {chunks} chunks"));
            }
        }
        ex.answer = Some(answer);
        ex
    }

    /// Replace cost and provider with the generation stats, which OpenRouter may publish
    /// a moment after the answer: a 404 is retried briefly, then the reported figures stand.
    /// Whether the stats gave a cost.
    ///
    /// Their `provider_responses` (each provider tried: name, status, latency) are kept;
    /// when they disagree with the response's cost or provider, the response's figures
    /// are kept beside them.
    ///
    /// The stats are what OpenRouter bills (`total_cost`), for failed generations too:
    /// <https://openrouter.ai/docs/api/reference/overview> ("Querying cost and stats"),
    /// <https://openrouter.ai/docs/guides/administration/usage-accounting>.
    async fn enrich_from_generation(&self, ex: &mut Exchange) -> bool {
        let Some(id) = ex.generation_id.clone() else {
            return false;
        };
        for wait_ms in [0u64, 200, 500, 1000] {
            tokio::time::sleep(Duration::from_millis(wait_ms)).await;
            let Ok(response) = self
                .endpoint
                .get(&format!("/generation?id={id}"), Duration::from_secs(10))
                .await
            else {
                return false;
            };
            if response.status().as_u16() == 404 {
                continue;
            }
            let Ok(Body::Whole(bytes)) = self.read_body(response, MAX_GENERATION_BODY).await else {
                return false;
            };
            let Ok(body) = serde_json::from_slice::<Value>(&bytes) else {
                return false;
            };
            let data = &body["data"];
            if data["provider_responses"].is_array() {
                ex.provider_responses = Some(data["provider_responses"].clone());
            }
            // What the response said, before the stats replace it.
            let (said_cost, said_provider) = (ex.cost, ex.served_provider.clone());
            let cost = data["total_cost"].as_f64();
            if let Some(cost) = cost {
                let byok = data["is_byok"].as_bool();
                ex.set_cost(
                    cost,
                    byok,
                    data["upstream_inference_cost"].as_f64(),
                    CostSource::Generation,
                );
            }
            if let Some(provider) = data["provider_name"].as_str() {
                ex.served_provider = Some(provider.to_string());
            }
            // Both figures are kept when they disagree: the stats' as the attempt's,
            // the response's beside them. A response that reported no cost has none.
            let reported = ex.cost_source == Some(CostSource::Generation)
                && said_cost.is_some()
                && ex.usage.as_ref().is_some_and(|u| u.cost.is_some());
            if reported
                && said_cost
                    .zip(ex.cost)
                    .is_some_and(|(a, b)| (a - b).abs() > 1e-12)
            {
                ex.response_cost = said_cost;
            }
            if said_provider.is_some() && said_provider != ex.served_provider {
                ex.response_provider = said_provider;
            }
            return cost.is_some();
        }
        false
    }

    /// The cost of an exchange, by the rule of [`CostSource`]: reported, else usage
    /// times the route's price; else unknown (`None`) if it was billed (usage came back,
    /// or a usable answer did); else 0, nothing having been billed (a connection
    /// refused, an HTTP error or a timeout with no usage).
    fn fill_cost(&self, ex: &mut Exchange) {
        let usage = ex.usage.as_ref();
        ex.is_byok = usage.and_then(|u| u.is_byok);
        if let Some(u) = usage.filter(|u| u.cost.is_some()) {
            let upstream = u
                .cost_details
                .as_ref()
                .and_then(|d| d.upstream_inference_cost);
            let (cost, byok) = (u.cost.unwrap_or(0.0), u.is_byok);
            ex.set_cost(cost, byok, upstream, CostSource::Reported);
        } else if let (Some(u), Some(price)) = (usage, &self.price) {
            ex.cost = Some(price.estimate(u));
            ex.cost_source = Some(CostSource::Catalog);
        } else if usage.is_some() || ex.class.is_none() {
            ex.cost = None;
            ex.cost_source = Some(CostSource::Unknown);
        } else {
            ex.cost = Some(0.0);
            ex.cost_source = None;
        }
    }
}

/// A body read up to a limit.
enum Body {
    Whole(Bytes),
    /// Past the limit: its first bytes, up to the limit, and how many were read.
    Over(Bytes, u64),
}

/// Classify a 200 body that is not SSE.
fn parse_completion(bytes: &[u8], limits: &Limits) -> Exchange {
    let completion: Completion = match serde_json::from_slice(bytes) {
        Ok(c) => c,
        Err(e) => {
            return Exchange::failed(
                ErrorClass::Malformed,
                format!(
                    "body is not a valid completion: {e}; starts {}",
                    snippet(bytes)
                ),
            )
        }
    };
    let mut ex = Exchange {
        served_model: completion.model,
        served_provider: completion.provider,
        generation_id: completion.id,
        usage: completion.usage,
        ..Exchange::default()
    };
    if let Some(error) = completion.error {
        ex.take_error_details(&error);
        ex.class = Some(
            error
                .code_number()
                .map_or(ErrorClass::ServerError, ErrorClass::from_status),
        );
        // The message may be as large as the body: moved, not copied again.
        let mut message = error.into_description();
        message.insert_str(0, "error in a 200 body: ");
        ex.error_message = Some(message);
        return ex;
    }
    let choices = completion.choices.unwrap_or_default();
    if choices.total > limits.max_choices as usize {
        ex.class = Some(ErrorClass::Oversized);
        ex.error_message = Some(format!(
            "response has {} choices, over the limit of {}",
            choices.total, limits.max_choices
        ));
        return ex;
    }
    let Some(choice) = choices.items.into_iter().next() else {
        ex.class = Some(ErrorClass::EmptyChoices);
        ex.error_message = Some("response has no choices".into());
        return ex;
    };
    ex.finish_reason = choice.finish_reason;
    ex.native_finish_reason = choice.native_finish_reason;
    let message = choice.message;
    let calls = message.as_ref().map_or(0, |m| m.tool_calls.total);
    if calls > limits.max_tool_calls as usize {
        ex.class = Some(ErrorClass::Oversized);
        ex.error_message = Some(format!(
            "answer has {calls} tool calls, over the limit of {}",
            limits.max_tool_calls
        ));
        return ex;
    }
    let refusal = message
        .as_ref()
        .and_then(|m| m.refusal.clone())
        .filter(|r| !r.is_empty());
    ex.answer = message.map(|m| Answer {
        content: content_text(&m.content),
        tool_calls: m.tool_calls.items,
    });
    if let Some(error) = choice.error {
        ex.take_error_details(&error);
        ex.class = Some(ErrorClass::StreamError);
        ex.error_message = Some(format!("generation interrupted: {}", error.describe()));
    } else if let Some(class) = finish_class(ex.finish_reason.as_deref(), refusal.as_ref()) {
        ex.class = Some(class);
        ex.error_message = Some(match refusal {
            Some(r) => format!("refusal: {r}"),
            None => format!(
                "finish_reason {}",
                ex.finish_reason.as_deref().unwrap_or("?")
            ),
        });
    }
    ex
}

/// Finish reasons that leave no usable answer.
fn finish_class(finish_reason: Option<&str>, refusal: Option<&String>) -> Option<ErrorClass> {
    if refusal.is_some() || finish_reason == Some("refusal") {
        return Some(ErrorClass::Refusal);
    }
    match finish_reason {
        Some("content_filter") => Some(ErrorClass::ContentFilter),
        Some("length") => Some(ErrorClass::Length),
        Some("error") => Some(ErrorClass::StreamError),
        _ => None,
    }
}

/// An HTTP error status with its body: OpenRouter's envelope or anything else.
fn error_exchange(status: u16, bytes: &[u8]) -> Exchange {
    let class = ErrorClass::from_status(status);
    match serde_json::from_slice::<ErrorBody>(bytes)
        .ok()
        .and_then(|b| b.error)
    {
        Some(error) => {
            let mut ex = Exchange::failed(class, format!("HTTP {status}: {}", error.describe()));
            ex.take_error_details(&error);
            ex
        }
        None => Exchange::failed(class, format!("HTTP {status}: {}", snippet(bytes))),
    }
}

/// Every string in `value` (keys included) with secrets redacted.
fn redact_json(redactor: &Redactor, value: &mut Value) {
    match value {
        Value::String(s) => redactor.redact_string(s),
        Value::Array(items) => items.iter_mut().for_each(|v| redact_json(redactor, v)),
        Value::Object(map) => {
            let needs = map
                .keys()
                .any(|k| matches!(redactor.redact(k), std::borrow::Cow::Owned(_)));
            if needs {
                *map = std::mem::take(map)
                    .into_iter()
                    .map(|(k, v)| (redactor.redact(&k).into_owned(), v))
                    .collect();
            }
            map.values_mut().for_each(|v| redact_json(redactor, v));
        }
        _ => {}
    }
}

fn snippet(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(MAX_ERROR_BODY)]);
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if bytes.len() > MAX_ERROR_BODY {
        format!("{one_line}…")
    } else {
        one_line
    }
}

/// Sort a transport error into a class by what reqwest and its sources say.
fn classify_reqwest(e: &reqwest::Error) -> ErrorClass {
    let chain = error_chain(e).to_lowercase();
    if e.is_timeout() {
        return if e.is_connect() {
            ErrorClass::TimeoutConnect
        } else {
            ErrorClass::TimeoutFirstByte
        };
    }
    if chain.contains("dns")
        || chain.contains("failed to lookup")
        || chain.contains("name or service not known")
    {
        return ErrorClass::Dns;
    }
    // rustls speaks of certificates, handshakes, alerts and corrupt (non-TLS) messages.
    let tls_words = [
        "certificate",
        "tls",
        "handshake",
        "corrupt message",
        "alert",
        "ssl",
    ];
    if tls_words.iter().any(|w| chain.contains(w)) {
        return ErrorClass::Tls;
    }
    if e.is_connect() {
        return ErrorClass::Connect;
    }
    ErrorClass::Transport
}

/// The error with all its sources, which is where reqwest puts the useful part.
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        source = inner.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(bytes: &[u8]) -> Exchange {
        parse_completion(bytes, &Limits::default())
    }

    #[test]
    fn classifies_error_bodies() {
        let ex = error_exchange(429, br#"{"error":{"code":429,"message":"slow down","metadata":{"error_type":"rate_limit_exceeded"}}}"#);
        assert_eq!(ex.class, Some(ErrorClass::RateLimited));
        assert_eq!(
            ex.error_message.as_deref(),
            Some("HTTP 429: slow down (rate_limit_exceeded)")
        );
        let ex = error_exchange(502, b"<html>\n<body>Bad   gateway</body></html>");
        assert_eq!(ex.class, Some(ErrorClass::BadGateway));
        assert_eq!(
            ex.error_message.as_deref(),
            Some("HTTP 502: <html> <body>Bad gateway</body></html>")
        );
    }

    #[test]
    fn classifies_completion_bodies() {
        assert_eq!(parse(b"{\"choices\": [").class, Some(ErrorClass::Malformed));
        assert_eq!(
            parse(br#"{"choices": []}"#).class,
            Some(ErrorClass::EmptyChoices)
        );
        let filtered = parse(
            br#"{"choices":[{"message":{"content":null},"finish_reason":"content_filter"}]}"#,
        );
        assert_eq!(filtered.class, Some(ErrorClass::ContentFilter));
        let refused = parse(
            br#"{"choices":[{"message":{"content":null,"refusal":"no"},"finish_reason":"stop"}]}"#,
        );
        assert_eq!(refused.class, Some(ErrorClass::Refusal));
        let ok = parse(
            br#"{"id":"gen-1","model":"a/b","provider":"P","choices":[{"message":{"content":"hi"},"finish_reason":"stop","native_finish_reason":"end_turn"}],"usage":{"prompt_tokens":3,"completion_tokens":1,"cost":0.5}}"#,
        );
        assert_eq!(ok.class, None);
        assert_eq!(ok.answer.unwrap().content.as_deref(), Some("hi"));
        assert_eq!(ok.served_provider.as_deref(), Some("P"));
        assert_eq!(ok.native_finish_reason.as_deref(), Some("end_turn"));
    }
}
