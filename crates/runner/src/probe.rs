//! `routeval probe`: a fixed battery of small requests against one route, each judged
//! on the *shape* of what comes back, giving a compatibility matrix (route x probe:
//! pass, fail, unsupported) with the evidence: status, timing, the offending bytes.
//!
//! Probes build their requests with [`RouteClient::build_body`] and send them with
//! [`RouteClient::send`] (so they meet the same classification as a run), except where
//! they must misbehave on purpose: cancelling a stream drops it after its first chunk,
//! the error probes send an unknown model and a broken body.

use crate::catalog::CatalogModel;
use crate::client::{Exchange, RequestSpec, RouteClient};
use bytes::Bytes;
use futures_util::StreamExt;
use routeval_core::class::FailureFamily;
use routeval_core::config::EndpointKind;
use routeval_core::message::{Message, ToolCall};
use routeval_core::policy::same_provider;
use routeval_core::record::CostSource;
use routeval_core::ErrorClass;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Most of an error page the cancel probe reads.
const PROBE_ERROR_BYTES: usize = 64 << 10;
/// Most the cancel probe reads while waiting for the stream's first chunk.
const PROBE_FIRST_CHUNK_BYTES: usize = 1 << 20;

/// Every probe, in matrix order.
pub const PROBES: [&str; 17] = [
    "auth",
    "chat",
    "stream",
    "cancel",
    "tools",
    "parallel_tools",
    "tool_choice_required",
    "tool_choice_named",
    "json_object",
    "json_schema",
    "context_near",
    "context_over",
    "unknown_model",
    "invalid_request",
    "usage_cost",
    "served",
    "provider_policy",
];

/// Completion budget of a probe request (the route's own, when smaller).
const PROBE_MAX_TOKENS: u64 = 512;
/// No probe waits longer than this, whatever the route's timeouts: a hang is a finding.
const PROBE_DEADLINE: Duration = Duration::from_secs(90);
/// Longest piece of an answer or error kept as evidence.
const EVIDENCE_CHARS: usize = 300;
/// A model id no endpoint serves.
const UNKNOWN_MODEL: &str = "routeval-probe/no-such-model";
/// Filler for context probes: plain English, about 4.4 characters per token.
const FILLER: &str = "The quick brown fox jumps over the lazy dog. ";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    Fail,
    /// The route does not offer this (or it does not apply to the route).
    Unsupported,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Unsupported => "unsupported",
        }
    }

    /// ✓ ✗ – for matrices.
    pub fn symbol(self) -> &'static str {
        match self {
            Verdict::Pass => "✓",
            Verdict::Fail => "✗",
            Verdict::Unsupported => "–",
        }
    }
}

impl std::str::FromStr for Verdict {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "pass" => Ok(Verdict::Pass),
            "fail" => Ok(Verdict::Fail),
            "unsupported" => Ok(Verdict::Unsupported),
            other => Err(format!("unknown probe verdict `{other}`")),
        }
    }
}

/// One cell of the matrix.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProbeResult {
    pub route: String,
    pub model: String,
    pub probe: String,
    pub verdict: Verdict,
    pub status: Option<u16>,
    pub latency_ms: f64,
    pub evidence: String,
}

/// Latest probe verdicts: route -> probe -> verdict. What capability checks read.
pub type ProbeVerdicts = HashMap<String, HashMap<String, Verdict>>;

fn lookup_tool() -> Value {
    json!({"type": "function", "function": {
        "name": "probe_lookup",
        "description": "Look up a record by kind and number.",
        "parameters": {"type": "object", "properties": {
            "kind": {"type": "string", "enum": ["order", "invoice"]},
            "number": {"type": "integer"},
            "label": {"type": "string"}
        }, "required": ["kind", "number", "label"], "additionalProperties": false}
    }})
}

fn note_tool() -> Value {
    json!({"type": "function", "function": {
        "name": "probe_note",
        "description": "Write a short note.",
        "parameters": {"type": "object", "properties": {
            "text": {"type": "string"}
        }, "required": ["text"], "additionalProperties": false}
    }})
}

fn probe_schema() -> Value {
    json!({"type": "object", "properties": {
        "ok": {"type": "boolean"},
        "colour": {"type": "string", "enum": ["red", "green"]},
        "count": {"type": "integer"}
    }, "required": ["ok", "colour", "count"], "additionalProperties": false})
}

/// What a probe run knows about a route besides its client.
struct Ctx<'a> {
    client: &'a RouteClient,
    catalog: Option<&'a CatalogModel>,
    context_length: Option<u64>,
}

/// Run the whole battery against one route. `catalog` is the route's model in its
/// endpoint's catalog (its context length and supported parameters tell `fail` from
/// `unsupported`); `context_length` overrides the catalog's. Never fails: every problem
/// is a verdict.
pub async fn probe_route(
    client: &RouteClient,
    catalog: Option<&CatalogModel>,
    context_length: Option<u64>,
) -> Vec<ProbeResult> {
    let ctx = Ctx {
        client,
        catalog,
        context_length: context_length.or(catalog.and_then(|c| c.context_length)),
    };
    let ctx = &ctx;
    let (basic, stream, cancel, tools, json, context, errors) = tokio::join!(
        ctx.basic(),
        ctx.stream(),
        ctx.cancel(),
        ctx.tools(),
        ctx.json(),
        ctx.context(),
        ctx.errors()
    );
    let mut results: Vec<ProbeResult> = [basic, stream, cancel, tools, json, context, errors]
        .into_iter()
        .flatten()
        .map(|c| c.into_result(client))
        .collect();
    results.sort_by_key(|r| PROBES.iter().position(|p| *p == r.probe));
    results
}

/// A verdict with its evidence, before the route is attached.
struct Cell {
    probe: &'static str,
    verdict: Verdict,
    status: Option<u16>,
    latency: Duration,
    evidence: String,
}

fn cell(probe: &'static str, verdict: Verdict, ex: &Exchange, evidence: String) -> Cell {
    Cell {
        probe,
        verdict,
        status: ex.status,
        latency: ex.latency,
        evidence,
    }
}

fn snippet(s: &str) -> String {
    let mut out: String = s.chars().take(EVIDENCE_CHARS).collect();
    if s.chars().count() > EVIDENCE_CHARS {
        out.push('…');
    }
    out
}

/// What came back, in one line: the class and message, or the answer.
fn describe(ex: &Exchange) -> String {
    match ex.class {
        // Error messages end with their type (`(context_length_exceeded)`): keep it.
        Some(class) => format!(
            "{class}: {}",
            ex.error_message
                .as_deref()
                .map_or("(no message)".into(), |m| m
                    .chars()
                    .take(4 * EVIDENCE_CHARS)
                    .collect::<String>())
        ),
        None => {
            let answer = ex.answer.as_ref();
            let calls = answer.map_or(0, |a| a.tool_calls.len());
            match answer.and_then(|a| a.content.as_deref()) {
                Some(c) if calls == 0 => format!("answered in text: {:?}", snippet(c)),
                _ => format!("{calls} tool call(s)"),
            }
        }
    }
}

/// Classes that mean the route refused the request's shape: a parameter it does not take.
fn refused_shape(class: Option<ErrorClass>) -> bool {
    matches!(
        class,
        Some(ErrorClass::BadRequest | ErrorClass::NotFound | ErrorClass::Unprocessable)
    )
}

fn validate(schema: &Value, instance: &Value) -> Result<(), String> {
    let validator = jsonschema::validator_for(schema).map_err(|e| e.to_string())?;
    let first = validator
        .iter_errors(instance)
        .next()
        .map(|e| format!("{e} (at `{}`)", e.instance_path()));
    match first {
        None => Ok(()),
        Some(e) => Err(e),
    }
}

impl Ctx<'_> {
    fn route(&self) -> &routeval_core::config::Route {
        &self.client.route
    }

    /// Whether the catalog lists `parameter` for the model; `None` when it cannot say.
    fn catalog_supports(&self, parameter: &str) -> Option<bool> {
        let model = self.catalog?;
        (!model.supported_parameters.is_empty())
            .then(|| model.supported_parameters.iter().any(|p| p == parameter))
    }

    /// A 200 that ignored the feature: `unsupported` when the catalog agrees the model
    /// lacks it, `fail` when the catalog claims it (or cannot say).
    fn ignored(&self, parameter: &str) -> Verdict {
        match self.catalog_supports(parameter) {
            Some(false) => Verdict::Unsupported,
            _ => Verdict::Fail,
        }
    }

    fn max_tokens(&self) -> u64 {
        crate::capability::max_tokens(self.route()).min(PROBE_MAX_TOKENS)
    }

    /// The route's request body for a probe, small and with streaming as asked.
    fn body(
        &self,
        messages: &[Message],
        tools: Option<&Vec<Value>>,
        tool_choice: Option<&Value>,
        response_format: Option<Value>,
        stream: bool,
    ) -> Value {
        let mut body = self.client.build_body(&RequestSpec {
            messages,
            tools,
            tool_choice,
            response_format: response_format.as_ref(),
        });
        if let Some(o) = body.as_object_mut() {
            o.remove("max_completion_tokens");
            o.insert("max_tokens".into(), json!(self.max_tokens()));
            if stream {
                o.insert("stream".into(), json!(true));
                // OpenRouter always ends a stream with usage; the option is deprecated there.
                // <https://openrouter.ai/docs/guides/administration/usage-accounting>
                if self.client.endpoint.kind != EndpointKind::Openrouter {
                    o.insert("stream_options".into(), json!({"include_usage": true}));
                }
            } else {
                o.remove("stream");
                o.remove("stream_options");
            }
        }
        body
    }

    /// Send a probe request; rate limits and 5xx are retried twice (a probe is about
    /// the route's shape, not a passing hiccup). Hangs are not retried.
    async fn send(&self, probe: &str, body: &Value) -> Exchange {
        let started = Instant::now();
        let mut ex = Exchange::default();
        for attempt in 0..3 {
            let id = format!("probe-{}-{probe}-{attempt}", self.client.name);
            let sent = tokio::time::timeout(
                PROBE_DEADLINE,
                self.client.send(Bytes::from(body.to_string()), &id),
            )
            .await;
            ex = match sent {
                Ok(ex) => ex,
                Err(_) => Exchange {
                    class: Some(ErrorClass::TimeoutTotal),
                    error_message: Some(format!("no answer within {PROBE_DEADLINE:?}")),
                    ..Exchange::default()
                },
            };
            let family = ex.class.map(ErrorClass::family);
            if attempt == 2
                || !matches!(
                    family,
                    Some(FailureFamily::RateLimited | FailureFamily::ServerError)
                )
            {
                break;
            }
            let wait = ex
                .retry_after
                .unwrap_or(Duration::from_millis(300))
                .min(Duration::from_secs(3));
            tokio::time::sleep(wait).await;
        }
        ex.latency = started.elapsed();
        ex
    }

    /// One plain request judged five ways: the key is accepted, an answer comes back,
    /// with usage and cost, naming the served model and provider, and that provider is
    /// one the route's provider policy allows.
    async fn basic(&self) -> Vec<Cell> {
        let messages = [Message::user(
            "routeval probe: reply with one short sentence saying hello.",
        )];
        let ex = self
            .send("chat", &self.body(&messages, None, None, None, false))
            .await;
        let auth = match ex.class {
            Some(ErrorClass::Unauthorized | ErrorClass::Forbidden) => {
                cell("auth", Verdict::Fail, &ex, describe(&ex))
            }
            _ if ex.status.is_some() => cell(
                "auth",
                Verdict::Pass,
                &ex,
                format!("key accepted (HTTP {})", ex.status.unwrap_or_default()),
            ),
            _ => cell(
                "auth",
                Verdict::Fail,
                &ex,
                format!("no HTTP answer: {}", describe(&ex)),
            ),
        };
        let answered = ex.class.is_none()
            && ex
                .answer
                .as_ref()
                .and_then(|a| a.content.as_deref())
                .is_some_and(|c| !c.trim().is_empty());
        let chat = if answered {
            cell("chat", Verdict::Pass, &ex, describe(&ex))
        } else {
            let why = match ex.class {
                None => "an empty answer".to_string(),
                Some(_) => describe(&ex),
            };
            cell("chat", Verdict::Fail, &ex, why)
        };
        let usage = match (&ex.usage, ex.cost_source) {
            _ if ex.class.is_some() => cell(
                "usage_cost",
                Verdict::Fail,
                &ex,
                "no answer to read usage from".into(),
            ),
            (None, _) => cell(
                "usage_cost",
                Verdict::Fail,
                &ex,
                "the answer carries no usage".into(),
            ),
            (Some(u), source) => {
                let tokens = format!(
                    "{} prompt + {} completion tokens",
                    u.prompt_tokens.map_or("?".into(), |t| t.to_string()),
                    u.completion_tokens.map_or("?".into(), |t| t.to_string())
                );
                match source {
                    Some(
                        s @ (CostSource::Reported | CostSource::Generation | CostSource::Catalog),
                    ) if u.prompt_tokens.is_some() && u.completion_tokens.is_some() => cell(
                        "usage_cost",
                        Verdict::Pass,
                        &ex,
                        format!(
                            "{tokens}, cost ${:.6} ({})",
                            ex.cost.unwrap_or_default(),
                            s.as_str()
                        ),
                    ),
                    _ => cell(
                        "usage_cost",
                        Verdict::Fail,
                        &ex,
                        format!("{tokens}, no cost reported and no known price (set `price` on the route)"),
                    ),
                }
            }
        };
        let openrouter = self.client.endpoint.kind == EndpointKind::Openrouter;
        let served = match (&ex.served_model, &ex.served_provider) {
            _ if ex.class.is_some() => cell("served", Verdict::Fail, &ex, "no answer".into()),
            (Some(m), Some(p)) => cell(
                "served",
                Verdict::Pass,
                &ex,
                format!("model {m}, provider {p}"),
            ),
            (Some(m), None) if !openrouter => cell(
                "served",
                Verdict::Unsupported,
                &ex,
                format!("model {m}; this endpoint reports no provider"),
            ),
            (m, p) => cell(
                "served",
                Verdict::Fail,
                &ex,
                format!(
                    "served model {}, provider {}",
                    m.as_deref().unwrap_or("not reported"),
                    p.as_deref().unwrap_or("not reported")
                ),
            ),
        };
        let policy = self.provider_policy(&ex, openrouter);
        vec![auth, chat, usage, served, policy]
    }

    /// The served provider against the route's `provider` only / ignore / strict order.
    fn provider_policy(&self, ex: &Exchange, openrouter: bool) -> Cell {
        let prefs = self.route().provider.as_ref();
        let only = prefs.and_then(|p| p.only.clone());
        let ignore = prefs.and_then(|p| p.ignore.clone());
        let strict_order = prefs
            .filter(|p| p.allow_fallbacks == Some(false))
            .and_then(|p| p.order.clone());
        let na = |why: &str| cell("provider_policy", Verdict::Unsupported, ex, why.to_string());
        if !openrouter {
            return na("not an OpenRouter route");
        }
        if only.is_none() && ignore.is_none() && strict_order.is_none() {
            return na("the route's provider policy names no providers to check");
        }
        if ex.class.is_some() {
            return cell(
                "provider_policy",
                Verdict::Fail,
                ex,
                format!("no answer: {}", describe(ex)),
            );
        }
        let Some(served) = ex.served_provider.as_deref() else {
            return cell(
                "provider_policy",
                Verdict::Fail,
                ex,
                "no served provider reported".into(),
            );
        };
        let within = |list: &Option<Vec<String>>| {
            list.as_ref()
                .is_none_or(|l| l.iter().any(|p| same_provider(p, served)))
        };
        let ignored = ignore
            .as_ref()
            .is_some_and(|l| l.iter().any(|p| same_provider(p, served)));
        if within(&only) && within(&strict_order) && !ignored {
            cell(
                "provider_policy",
                Verdict::Pass,
                ex,
                format!("served by {served}, allowed"),
            )
        } else {
            cell(
                "provider_policy",
                Verdict::Fail,
                ex,
                format!(
                    "served by {served}, outside the policy (only {:?}, ignore {:?}, order {:?} without fallbacks)",
                    only.unwrap_or_default(),
                    ignore.unwrap_or_default(),
                    strict_order.unwrap_or_default()
                ),
            )
        }
    }

    /// Streaming: chunks arrive, a first token, a finish reason and `[DONE]`.
    async fn stream(&self) -> Vec<Cell> {
        let messages = [Message::user(
            "routeval probe: reply with two short sentences about the sea.",
        )];
        let ex = self
            .send("stream", &self.body(&messages, None, None, None, true))
            .await;
        let c = match (ex.class, ex.chunks) {
            (Some(_), _) => cell("stream", Verdict::Fail, &ex, describe(&ex)),
            (None, None) => cell(
                "stream",
                Verdict::Unsupported,
                &ex,
                "answered with a plain body, not an event stream".into(),
            ),
            (None, Some(chunks)) => match ex.ttft {
                Some(ttft) if chunks > 0 => cell(
                    "stream",
                    Verdict::Pass,
                    &ex,
                    format!(
                        "{chunks} chunks, first token after {} ms, finish {}, [DONE]",
                        ttft.as_millis(),
                        ex.finish_reason.as_deref().unwrap_or("(none)")
                    ),
                ),
                _ => cell(
                    "stream",
                    Verdict::Fail,
                    &ex,
                    format!("{chunks} chunks but no token"),
                ),
            },
        };
        vec![c]
    }

    /// Cancelling: read a stream up to its first data event, then drop it. The client
    /// must stop there, promptly, without waiting for the rest.
    async fn cancel(&self) -> Vec<Cell> {
        let messages = [Message::user(
            "routeval probe: count slowly from one to fifty in words.",
        )];
        let body = self.body(&messages, None, None, None, true);
        let started = Instant::now();
        let outcome = tokio::time::timeout(PROBE_DEADLINE, async {
            let response = self
                .client
                .raw_post(Bytes::from(body.to_string()))
                .send()
                .await
                .map_err(|e| (None, format!("request failed: {e}")))?;
            let status = response.status().as_u16();
            if !response.status().is_success() {
                // An error page is read only as far as a snippet needs.
                let text = crate::catalog::read_at_most(response, PROBE_ERROR_BYTES)
                    .await
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .unwrap_or_default();
                return Err((Some(status), format!("HTTP {status}: {}", snippet(&text))));
            }
            let mut bytes = response.bytes_stream();
            let mut seen = Vec::new();
            while let Some(piece) = bytes.next().await {
                let piece =
                    piece.map_err(|e| (Some(status), format!("stream cut before a chunk: {e}")))?;
                seen.extend_from_slice(&piece);
                if seen.len() > PROBE_FIRST_CHUNK_BYTES {
                    return Err((
                        Some(status),
                        format!("no complete first chunk in {} bytes", seen.len()),
                    ));
                }
                let text = String::from_utf8_lossy(&seen);
                if text
                    .lines()
                    .any(|l| l.starts_with("data:") && !l.contains("[DONE]"))
                {
                    let first = started.elapsed();
                    drop(bytes);
                    return Ok((status, first, seen.len()));
                }
            }
            Err((
                Some(status),
                "the stream ended before its first chunk".to_string(),
            ))
        })
        .await;
        let c = match outcome {
            Ok(Ok((status, first, read))) => Cell {
                probe: "cancel",
                verdict: Verdict::Pass,
                status: Some(status),
                latency: started.elapsed(),
                evidence: format!(
                    "dropped the stream after its first chunk ({} ms, {read} bytes read); stopped after {} ms",
                    first.as_millis(),
                    started.elapsed().as_millis()
                ),
            },
            Ok(Err((status, why))) => Cell {
                probe: "cancel",
                verdict: Verdict::Fail,
                status,
                latency: started.elapsed(),
                evidence: why,
            },
            Err(_) => Cell {
                probe: "cancel",
                verdict: Verdict::Fail,
                status: None,
                latency: started.elapsed(),
                evidence: format!("no first chunk within {PROBE_DEADLINE:?}"),
            },
        };
        vec![c]
    }

    async fn tools(&self) -> Vec<Cell> {
        let one = vec![lookup_tool()];
        let two = vec![lookup_tool(), note_tool()];
        let required = json!("required");
        let named = json!({"type": "function", "function": {"name": "probe_note"}});
        let single = async {
            let messages = [Message::user(
                "routeval probe: look up invoice number 7 labelled test, using the tool.",
            )];
            let ex = self
                .send(
                    "tools",
                    &self.body(&messages, Some(&one), Some(&required), None, false),
                )
                .await;
            self.judge_calls("tools", "tools", &ex, &one, |calls| match calls.len() {
                1 => Ok(()),
                n => Err(format!("{n} calls where one was asked")),
            })
        };
        let parallel = async {
            let messages = [Message::user(
                "routeval probe: in one turn, call probe_lookup for order 1 labelled a AND probe_note with text hi, in parallel.",
            )];
            let mut body = self.body(&messages, Some(&two), Some(&required), None, false);
            body["parallel_tool_calls"] = json!(true);
            let ex = self.send("parallel_tools", &body).await;
            let parameter = "parallel_tool_calls";
            let ignored = self.ignored(parameter);
            self.judge_calls("parallel_tools", "tools", &ex, &two, |calls| {
                if calls.len() >= 2 {
                    Ok(())
                } else {
                    Err(format!(
                        "{} call where two in parallel were asked{}",
                        calls.len(),
                        if ignored == Verdict::Unsupported {
                            " (the catalog lists no parallel_tool_calls)"
                        } else {
                            ""
                        }
                    ))
                }
            })
        };
        let any_required = async {
            let messages = [Message::user("routeval probe: say hello.")];
            let ex = self
                .send(
                    "tool_choice_required",
                    &self.body(&messages, Some(&two), Some(&required), None, false),
                )
                .await;
            self.judge_calls("tool_choice_required", "tool_choice", &ex, &two, |calls| {
                if calls.is_empty() {
                    Err("no call although tool_choice is required".into())
                } else {
                    Ok(())
                }
            })
        };
        let by_name = async {
            let messages = [Message::user(
                "routeval probe: look up order number 42 labelled urgent.",
            )];
            let ex = self
                .send(
                    "tool_choice_named",
                    &self.body(&messages, Some(&two), Some(&named), None, false),
                )
                .await;
            self.judge_calls(
                "tool_choice_named",
                "tool_choice",
                &ex,
                &two,
                |calls| match calls.iter().find(|c| c.function.name != "probe_note") {
                    Some(c) => Err(format!(
                        "called `{}` although tool_choice names probe_note",
                        c.function.name
                    )),
                    None => Ok(()),
                },
            )
        };
        let (a, b, c, d) = tokio::join!(single, parallel, any_required, by_name);
        vec![a, b, c, d]
    }

    /// Judge an answer that should be tool calls: each of an offered tool, with
    /// arguments valid for its schema, then `shape` on the calls as a whole.
    fn judge_calls(
        &self,
        probe: &'static str,
        parameter: &str,
        ex: &Exchange,
        offered: &[Value],
        shape: impl Fn(&[ToolCall]) -> Result<(), String>,
    ) -> Cell {
        if refused_shape(ex.class) {
            return cell(
                probe,
                Verdict::Unsupported,
                ex,
                format!("refused: {}", describe(ex)),
            );
        }
        if ex.class.is_some() {
            return cell(probe, Verdict::Fail, ex, describe(ex));
        }
        let calls = ex.answer.as_ref().map_or(&[][..], |a| &a.tool_calls[..]);
        if calls.is_empty() {
            return cell(
                probe,
                self.ignored(parameter),
                ex,
                format!("no tool call; {}", describe(ex)),
            );
        }
        for call in calls {
            let Some(tool) = offered
                .iter()
                .find(|t| t["function"]["name"].as_str() == Some(&call.function.name))
            else {
                return cell(
                    probe,
                    Verdict::Fail,
                    ex,
                    format!("called unknown tool `{}`", snippet(&call.function.name)),
                );
            };
            let args: Value = match serde_json::from_str(&call.function.arguments) {
                Ok(v) => v,
                Err(e) => {
                    return cell(
                        probe,
                        Verdict::Fail,
                        ex,
                        format!(
                            "`{}` arguments are not JSON ({e}): {}",
                            call.function.name,
                            snippet(&call.function.arguments)
                        ),
                    )
                }
            };
            if let Err(e) = validate(&tool["function"]["parameters"], &args) {
                return cell(
                    probe,
                    Verdict::Fail,
                    ex,
                    format!(
                        "`{}` arguments break the schema: {e}: {}",
                        call.function.name,
                        snippet(&call.function.arguments)
                    ),
                );
            }
        }
        let names: Vec<&str> = calls.iter().map(|c| c.function.name.as_str()).collect();
        match shape(calls) {
            Ok(()) => cell(
                probe,
                Verdict::Pass,
                ex,
                format!("called {} with valid arguments", names.join(", ")),
            ),
            Err(why) => cell(probe, Verdict::Fail, ex, why),
        }
    }

    async fn json(&self) -> Vec<Cell> {
        let object = async {
            let messages = [Message::user(
                "routeval probe: reply with a JSON object with one key, ok, set to true.",
            )];
            let rf = json!({"type": "json_object"});
            let ex = self
                .send(
                    "json_object",
                    &self.body(&messages, None, None, Some(rf), false),
                )
                .await;
            self.judge_json("json_object", "response_format", &ex, None)
        };
        let schema = async {
            let messages = [Message::user(
                "routeval probe: describe a green light as JSON with ok, colour and count.",
            )];
            let rf = json!({"type": "json_schema", "json_schema": {
                "name": "routeval_probe", "strict": true, "schema": probe_schema()}});
            let ex = self
                .send(
                    "json_schema",
                    &self.body(&messages, None, None, Some(rf), false),
                )
                .await;
            self.judge_json(
                "json_schema",
                "structured_outputs",
                &ex,
                Some(&probe_schema()),
            )
        };
        let (a, b) = tokio::join!(object, schema);
        vec![a, b]
    }

    fn judge_json(
        &self,
        probe: &'static str,
        parameter: &str,
        ex: &Exchange,
        schema: Option<&Value>,
    ) -> Cell {
        if refused_shape(ex.class) {
            return cell(
                probe,
                Verdict::Unsupported,
                ex,
                format!("refused: {}", describe(ex)),
            );
        }
        if ex.class.is_some() {
            return cell(probe, Verdict::Fail, ex, describe(ex));
        }
        let content = ex
            .answer
            .as_ref()
            .and_then(|a| a.content.as_deref())
            .unwrap_or("");
        let value: Value = match serde_json::from_str(content.trim()) {
            Ok(v @ Value::Object(_)) => v,
            Ok(_) | Err(_) => {
                return cell(
                    probe,
                    self.ignored(parameter),
                    ex,
                    format!("not a JSON object: {:?}", snippet(content)),
                )
            }
        };
        match schema.map(|s| validate(s, &value)) {
            Some(Err(e)) => cell(
                probe,
                Verdict::Fail,
                ex,
                format!("breaks the schema: {e}: {}", snippet(content)),
            ),
            _ => cell(
                probe,
                Verdict::Pass,
                ex,
                format!("valid: {}", snippet(content)),
            ),
        }
    }

    /// A prompt near the context length is answered; one over it is refused with the
    /// documented class (400 / 413 / 422), promptly, not accepted and not left hanging.
    async fn context(&self) -> Vec<Cell> {
        let Some(ctx) = self.context_length else {
            let na = |probe| Cell {
                probe,
                verdict: Verdict::Unsupported,
                status: None,
                latency: Duration::ZERO,
                evidence: "context length unknown (not in the catalog)".into(),
            };
            return vec![na("context_near"), na("context_over")];
        };
        let prompt = |tokens: u64| {
            let chars = usize::try_from(tokens.saturating_mul(4)).unwrap_or(usize::MAX);
            let mut text = String::from(
                "routeval probe: ignore the filler below and reply with the word ok.\n",
            );
            while text.len() < chars {
                text.push_str(FILLER);
            }
            text
        };
        // Fallback models would hide the model's own limit.
        let body = |text: String| {
            let mut b = self.body(&[Message::user(text)], None, None, None, false);
            if let Some(o) = b.as_object_mut() {
                o.remove("models");
            }
            b
        };
        let near_tokens = ctx.saturating_sub(self.max_tokens()) * 4 / 5;
        let over_tokens = ctx + ctx / 4 + 16;
        let near = async {
            let ex = self.send("context_near", &body(prompt(near_tokens))).await;
            let about = format!("~{near_tokens} of {ctx} tokens");
            match ex.class {
                None => cell(
                    "context_near",
                    Verdict::Pass,
                    &ex,
                    format!("{about}: answered"),
                ),
                Some(_) => cell(
                    "context_near",
                    Verdict::Fail,
                    &ex,
                    format!("{about}: {}", describe(&ex)),
                ),
            }
        };
        let over = async {
            let ex = self.send("context_over", &body(prompt(over_tokens))).await;
            let about = format!("~{over_tokens} of {ctx} tokens");
            match ex.class {
                Some(
                    ErrorClass::BadRequest
                    | ErrorClass::PayloadTooLarge
                    | ErrorClass::Unprocessable,
                ) => cell(
                    "context_over",
                    Verdict::Pass,
                    &ex,
                    format!("{about}: {}", describe(&ex)),
                ),
                None => cell(
                    "context_over",
                    Verdict::Fail,
                    &ex,
                    format!("{about}: accepted (silently truncated?): {}", describe(&ex)),
                ),
                Some(_) => cell(
                    "context_over",
                    Verdict::Fail,
                    &ex,
                    format!("{about}: {}", describe(&ex)),
                ),
            }
        };
        let (a, b) = tokio::join!(near, over);
        vec![a, b]
    }

    /// Error surfaces: an unknown model and a malformed request each come back as their
    /// documented class.
    async fn errors(&self) -> Vec<Cell> {
        let unknown = async {
            let messages = [Message::user("routeval probe: hello.")];
            let mut body = self.body(&messages, None, None, None, false);
            body["model"] = json!(UNKNOWN_MODEL);
            if let Some(o) = body.as_object_mut() {
                o.remove("models");
            }
            let ex = self.send("unknown_model", &body).await;
            let verdict = match ex.class {
                Some(ErrorClass::BadRequest | ErrorClass::NotFound) => Verdict::Pass,
                _ => Verdict::Fail,
            };
            cell(
                "unknown_model",
                verdict,
                &ex,
                format!("`{UNKNOWN_MODEL}`: {}", describe(&ex)),
            )
        };
        let invalid = async {
            let messages = [Message::user("routeval probe: hello.")];
            let mut body = self.body(&messages, None, None, None, false);
            body["messages"] = json!("not a list of messages");
            let ex = self.send("invalid_request", &body).await;
            let verdict = match ex.class {
                Some(ErrorClass::BadRequest | ErrorClass::Unprocessable) => Verdict::Pass,
                _ => Verdict::Fail,
            };
            cell(
                "invalid_request",
                verdict,
                &ex,
                format!("`messages` as a string: {}", describe(&ex)),
            )
        };
        let (a, b) = tokio::join!(unknown, invalid);
        vec![a, b]
    }
}

impl Cell {
    fn into_result(self, client: &RouteClient) -> ProbeResult {
        ProbeResult {
            route: client.name.clone(),
            model: client.route.model.clone(),
            probe: self.probe.to_string(),
            verdict: self.verdict,
            status: self.status,
            latency_ms: self.latency.as_secs_f64() * 1000.0,
            evidence: self.evidence,
        }
    }
}
