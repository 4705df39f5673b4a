//! A hostile endpoint, for tests: an OpenRouter-shaped server on loopback that
//! misbehaves on purpose, to show that nothing an endpoint sends can crash routeval,
//! exhaust its memory, hang it, or carry its key into what it stores.
//!
//! The behaviour is chosen by the request's `model` ([`MODELS`] lists them), so one
//! suite can hold many hostile routes:
//!
//! | model | what comes back |
//! | --- | --- |
//! | `hostile/echo-401`, `hostile/echo-500` | that status, the body echoing the request's `Authorization` header and full URL |
//! | `hostile/echo-content` | a 200 answer whose content echoes them (plain or streamed) |
//! | `hostile/echo-tool` | a 200 answer whose one tool call's arguments echo them (plain or streamed) |
//! | `hostile/unpriced-echo` | as `echo-content`, listed in `/models` without pricing |
//! | `hostile/giant-index` | a stream whose tool-call delta has `index` 3000000000 |
//! | `hostile/many-tools` | 50,000 distinct tool calls (stream: one index each; plain: one array) |
//! | `hostile/many-choices` | 100,000 choices (plain, or one stream chunk) |
//! | `hostile/huge-event` | a stream whose one event is 50 MB with no line end |
//! | `hostile/huge-body` | a plain 200 body of 50 MB (chunked, no length announced) |
//! | `hostile/giant-error` | a 500 whose body is 20 MB, with its Content-Length |
//! | `hostile/giant-error-chunked` | the same without Content-Length |
//! | `hostile/giant-error-200` | a 200 body whose `error.message` is 20 MB |
//! | `hostile/broken-chunk` | a stream with invalid UTF-8 in one chunk, then a chunk of invalid JSON |
//! | `hostile/broken-json` | a stream with a chunk of invalid JSON |
//! | `hostile/stall-first-event` | 200 and SSE headers at once, then nothing for 60 s, then the end |
//! | `hostile/huge-content` | a valid answer whose content is 5 MB (plain or streamed) |
//! | `hostile/redirect` | a 307 to `/api/v1/redirected/chat/completions`, which answers a valid completion and counts what reaches it |
//!
//! Every answer's `id` is a generation id, and its `provider` (and `model`) contain the
//! `Authorization` value. `GET /generation?id=…` answers stats whose `provider_name`
//! and other strings contain it; `GET /models` lists every model above, descriptions
//! echoing it. Any other path is a 404 echoing it too.
//!
//! Big bodies are generated piece by piece as they are sent, so the server stays
//! light; every loop is bounded, and the server listens where it is told (loopback
//! in tests).

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::Bytes;
use futures_util::StreamExt;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Every hostile model, as `/models` lists them.
pub const MODELS: [&str; 18] = [
    "hostile/echo-401",
    "hostile/echo-500",
    "hostile/echo-content",
    "hostile/echo-tool",
    "hostile/unpriced-echo",
    "hostile/giant-index",
    "hostile/many-tools",
    "hostile/many-choices",
    "hostile/huge-event",
    "hostile/huge-body",
    "hostile/giant-error",
    "hostile/giant-error-chunked",
    "hostile/giant-error-200",
    "hostile/broken-chunk",
    "hostile/broken-json",
    "hostile/stall-first-event",
    "hostile/huge-content",
    "hostile/redirect",
];

/// Where `hostile/redirect` sends its requests on.
pub const REDIRECT_PATH: &str = "/api/v1/redirected/chat/completions";

/// `index` of `hostile/giant-index`'s tool call.
pub const GIANT_INDEX: u64 = 3_000_000_000;
/// Tool calls of `hostile/many-tools`.
pub const MANY_TOOLS: usize = 50_000;
/// Choices of `hostile/many-choices`.
pub const MANY_CHOICES: usize = 100_000;
/// Size of `hostile/huge-event`'s event and `hostile/huge-body`'s body.
pub const HUGE_BYTES: usize = 50 << 20;
/// Size of `hostile/giant-error`'s body (and of the 200 variant's message, about).
pub const GIANT_ERROR_BYTES: usize = 20 << 20;
/// Length of `hostile/huge-content`'s content.
pub const HUGE_CONTENT_BYTES: usize = 5 << 20;
/// How long `hostile/stall-first-event` keeps the stream open without a byte.
pub const STALL: Duration = Duration::from_secs(60);

/// Pieces big bodies are sent in.
const PIECE: usize = 64 << 10;

#[derive(Default)]
struct Hostile {
    requests: AtomicU64,
    per_model: Mutex<HashMap<String, u64>>,
    generations: AtomicU64,
    redirected: AtomicU64,
}

/// A running hostile server; dropping it stops it in the background.
pub struct HostileServer {
    addr: SocketAddr,
    state: Arc<Hostile>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

/// Start a hostile server on `addr` (port 0 picks a free port).
pub async fn serve_hostile(addr: SocketAddr) -> std::io::Result<HostileServer> {
    let state = Arc::new(Hostile::default());
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = oneshot::channel::<()>();
    let app = Router::new()
        .route("/api/v1/chat/completions", post(chat))
        .route("/api/v1/models", get(models))
        .route("/api/v1/generation", get(generation))
        .route(REDIRECT_PATH, post(redirected))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(16 << 20))
        .with_state(state.clone());
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
    });
    Ok(HostileServer {
        addr,
        state,
        stop: Some(stop),
        task: Some(task),
    })
}

impl HostileServer {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT/api/v1`.
    pub fn base_url(&self) -> String {
        crate::base_url(self.addr)
    }

    /// Chat-completion requests received.
    pub fn requests(&self) -> u64 {
        self.state.requests.load(Ordering::Relaxed)
    }

    /// Chat-completion requests whose `model` was `model`.
    pub fn requests_for(&self, model: &str) -> u64 {
        let counts = self
            .state
            .per_model
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        counts.get(model).copied().unwrap_or(0)
    }

    /// Requests that reached [`REDIRECT_PATH`]: followed redirects.
    pub fn redirected(&self) -> u64 {
        self.state.redirected.load(Ordering::Relaxed)
    }

    /// Stop accepting and wait (at most a second: stalled streams are cut).
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut task) = self.task.take() {
            if tokio::time::timeout(Duration::from_secs(1), &mut task)
                .await
                .is_err()
            {
                task.abort();
            }
        }
    }
}

impl Drop for HostileServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        // Stalled streams would keep a graceful shutdown waiting: stop at once.
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

impl std::fmt::Debug for HostileServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostileServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

/// What a request said about itself, to echo back.
struct Echo {
    auth: String,
    url: String,
}

impl Echo {
    fn of(headers: &HeaderMap, uri: &Uri) -> Self {
        let text = |name: header::HeaderName| {
            headers
                .get(name)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .unwrap_or_default()
        };
        let host = text(header::HOST);
        Self {
            auth: text(header::AUTHORIZATION),
            url: format!("http://{host}{uri}"),
        }
    }

    /// One line carrying both.
    fn line(&self) -> String {
        format!("Authorization: {} URL: {}", self.auth, self.url)
    }
}

async fn not_found(headers: HeaderMap, uri: Uri) -> Response {
    let echo = Echo::of(&headers, &uri);
    error_json(StatusCode::NOT_FOUND, &format!("no route; {}", echo.line()))
}

fn error_json(status: StatusCode, message: &str) -> Response {
    let body = json!({"error": {"code": status.as_u16(), "message": message,
        "metadata": {"raw": message}}});
    (status, Json(body)).into_response()
}

fn sse_headers(body: Body) -> Response {
    let mut response = Response::new(body);
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// One SSE event of a JSON value.
fn event(value: &Value) -> Bytes {
    Bytes::from(format!("data: {value}\n\n"))
}

/// `n` pieces of `x`, `PIECE` bytes each but the last, `len` bytes in all.
fn filler(len: usize) -> impl futures_util::Stream<Item = Bytes> + Send {
    let piece = Bytes::from(vec![b'x'; PIECE]);
    let pieces = len.div_ceil(PIECE);
    futures_util::stream::iter(0..pieces).map(move |i| {
        let size = if i + 1 == pieces {
            len - i * PIECE
        } else {
            PIECE
        };
        piece.slice(..size)
    })
}

/// A body of `head`, `len` bytes of filler, then `tail`.
fn sandwich(head: String, len: usize, tail: &'static str) -> Body {
    let stream = futures_util::stream::once(async move { Bytes::from(head) })
        .chain(filler(len))
        .chain(futures_util::stream::once(async move {
            Bytes::from_static(tail.as_bytes())
        }))
        .map(Ok::<_, std::io::Error>);
    Body::from_stream(stream)
}

fn stream_body(events: Vec<Bytes>) -> Body {
    Body::from_stream(futures_util::stream::iter(
        events.into_iter().map(Ok::<_, std::io::Error>),
    ))
}

/// The target of `hostile/redirect`: a valid answer, so a followed redirect would pass
/// for a success.
async fn redirected(State(state): State<Arc<Hostile>>) -> Response {
    state.redirected.fetch_add(1, Ordering::Relaxed);
    Json(json!({
        "id": "gen-redirected",
        "object": "chat.completion",
        "model": "hostile/redirect",
        "choices": [{"index": 0, "finish_reason": "stop",
            "message": {"role": "assistant", "content": "Answered after a redirect."}}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }))
    .into_response()
}

async fn chat(
    State(state): State<Arc<Hostile>>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Response {
    state.requests.fetch_add(1, Ordering::Relaxed);
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let model = request["model"].as_str().unwrap_or("").to_string();
    let stream = request["stream"].as_bool().unwrap_or(false);
    *state
        .per_model
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .entry(model.clone())
        .or_insert(0) += 1;
    let echo = Echo::of(&headers, &uri);
    let id = format!(
        "gen-hostile-{}",
        state.generations.fetch_add(1, Ordering::Relaxed)
    );
    let head = json!({
        "id": id,
        "object": "chat.completion",
        "model": format!("{model} {}", echo.auth),
        "provider": format!("Hostile {}", echo.auth),
    });
    let with = |mut value: Value, extra: Value| {
        if let (Some(v), Some(e)) = (value.as_object_mut(), extra.as_object()) {
            v.extend(e.clone());
        }
        value
    };
    let usage = json!({"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15});
    let done = Bytes::from_static(b"data: [DONE]\n\n");
    match model.as_str() {
        "hostile/echo-401" => error_json(StatusCode::UNAUTHORIZED, &echo.line()),
        "hostile/redirect" => Response::builder()
            .status(StatusCode::TEMPORARY_REDIRECT)
            .header(header::LOCATION, REDIRECT_PATH)
            .body(Body::empty())
            .unwrap_or_default(),
        "hostile/echo-500" => error_json(StatusCode::INTERNAL_SERVER_ERROR, &echo.line()),
        "hostile/echo-content" | "hostile/unpriced-echo" | "hostile/echo-tool" => {
            let tool = model == "hostile/echo-tool";
            let text = format!("Here is what you sent. {}", echo.line());
            let call = json!({"id": format!("call {}", echo.auth), "type": "function",
                "function": {"name": "lookup_order",
                    "arguments": json!({"order_id": echo.auth, "url": echo.url}).to_string()}});
            if stream {
                let delta = if tool {
                    json!({"role": "assistant", "tool_calls": [with(call, json!({"index": 0}))]})
                } else {
                    json!({"role": "assistant", "content": text})
                };
                let finish = if tool { "tool_calls" } else { "stop" };
                stream_response(vec![
                    event(&with(
                        head.clone(),
                        json!({"object": "chat.completion.chunk",
                            "choices": [{"index": 0, "delta": delta, "finish_reason": null}]}),
                    )),
                    event(&with(
                        head,
                        json!({"object": "chat.completion.chunk",
                            "choices": [{"index": 0, "delta": {}, "finish_reason": finish}],
                            "usage": usage}),
                    )),
                    done,
                ])
            } else {
                let message = if tool {
                    json!({"role": "assistant", "content": null, "tool_calls": [call]})
                } else {
                    json!({"role": "assistant", "content": text})
                };
                let finish = if tool { "tool_calls" } else { "stop" };
                Json(with(
                    head,
                    json!({"choices": [{"index": 0, "message": message, "finish_reason": finish}],
                        "usage": usage}),
                ))
                .into_response()
            }
        }
        "hostile/giant-index" => {
            let delta = json!({"role": "assistant", "tool_calls": [{"index": GIANT_INDEX,
                "id": "call_1", "type": "function",
                "function": {"name": "lookup_order", "arguments": "{}"}}]});
            stream_response(vec![
                event(&with(
                    head.clone(),
                    json!({"choices": [{"index": 0, "delta": delta}]}),
                )),
                event(&with(
                    head,
                    json!({"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]}),
                )),
                done,
            ])
        }
        "hostile/many-tools" => many_tools(head, stream),
        "hostile/many-choices" => many_choices(head, stream),
        "hostile/huge-event" => {
            // One event that never ends its line: `data: {"id":...,"x":"xxxx…`.
            let head = format!("data: {{\"id\":\"{id}\",\"choices\":[],\"x\":\"");
            sse_headers(sandwich(head, HUGE_BYTES, "\"}\n\ndata: [DONE]\n\n"))
        }
        "hostile/huge-body" => {
            let head = format!(
                "{{\"id\":\"{id}\",\"choices\":[{{\"index\":0,\"finish_reason\":\"stop\",\
                 \"message\":{{\"role\":\"assistant\",\"content\":\""
            );
            let mut response = Response::new(sandwich(head, HUGE_BYTES, "\"}}]}"));
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            response
        }
        "hostile/giant-error" | "hostile/giant-error-chunked" | "hostile/giant-error-200" => {
            let head = format!(
                "{{\"error\":{{\"code\":500,\"message\":\"{} ",
                json_escape(&echo.line())
            );
            let tail = "\"}}";
            let total = head.len() + GIANT_ERROR_BYTES + tail.len();
            let status = if model == "hostile/giant-error-200" {
                StatusCode::OK
            } else {
                StatusCode::INTERNAL_SERVER_ERROR
            };
            let mut response = Response::new(sandwich(head, GIANT_ERROR_BYTES, tail));
            *response.status_mut() = status;
            let h = response.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            if model != "hostile/giant-error-chunked" {
                h.insert(header::CONTENT_LENGTH, HeaderValue::from(total as u64));
            }
            response
        }
        "hostile/broken-chunk" | "hostile/broken-json" => {
            let first = event(&with(
                head,
                json!({"choices": [{"index": 0, "delta": {"role": "assistant", "content": "Hel"}}]}),
            ));
            let mut events = vec![first];
            if model == "hostile/broken-chunk" {
                events.push(Bytes::from_static(
                    b"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo \xff\xfe\xc3\"}}]}\n\n",
                ));
            }
            events.push(Bytes::from_static(b"data: {\"choices\": [{\"delta\": \n\n"));
            events.push(done);
            stream_response(events)
        }
        "hostile/stall-first-event" => {
            let stall = futures_util::stream::once(async {
                tokio::time::sleep(STALL).await;
                Ok::<_, std::io::Error>(Bytes::from_static(b"data: [DONE]\n\n"))
            });
            sse_headers(Body::from_stream(stall))
        }
        "hostile/huge-content" => huge_content(head, stream),
        _ => error_json(
            StatusCode::NOT_FOUND,
            &format!("no hostile model `{model}`; {}", echo.line()),
        ),
    }
}

fn stream_response(events: Vec<Bytes>) -> Response {
    sse_headers(stream_body(events))
}

fn json_escape(text: &str) -> String {
    let quoted = Value::String(text.to_string()).to_string();
    quoted[1..quoted.len() - 1].to_string()
}

/// 50,000 tool calls: one stream chunk per index, or one array.
fn many_tools(head: Value, stream: bool) -> Response {
    let call = |i: usize| {
        format!(
            "{{\"index\":{i},\"id\":\"call_{i}\",\"type\":\"function\",\
             \"function\":{{\"name\":\"lookup_order\",\"arguments\":\"{{}}\"}}}}"
        )
    };
    if stream {
        let id = head["id"].as_str().unwrap_or_default().to_string();
        let chunks = futures_util::stream::iter(0..MANY_TOOLS)
            .map(move |i| {
                Bytes::from(format!(
                    "data: {{\"id\":\"{id}\",\"choices\":[{{\"index\":0,\"delta\":{{\"tool_calls\":[{}]}}}}]}}\n\n",
                    call(i)
                ))
            })
            .chain(futures_util::stream::once(async {
                Bytes::from_static(
                    b"data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\ndata: [DONE]\n\n",
                )
            }))
            .map(Ok::<_, std::io::Error>);
        return sse_headers(Body::from_stream(chunks));
    }
    let calls = futures_util::stream::iter(0..MANY_TOOLS).map(move |i| {
        let sep = if i == 0 { "" } else { "," };
        Bytes::from(format!("{sep}{}", call(i)))
    });
    let head = format!(
        "{{\"id\":\"{}\",\"choices\":[{{\"index\":0,\"finish_reason\":\"tool_calls\",\
         \"message\":{{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[",
        head["id"].as_str().unwrap_or_default()
    );
    json_stream(head, calls, "]}}]}")
}

/// 100,000 choices in one body or one stream chunk.
fn many_choices(head: Value, stream: bool) -> Response {
    let id = head["id"].as_str().unwrap_or_default().to_string();
    let choices = futures_util::stream::iter(0..MANY_CHOICES).map(move |i| {
        let sep = if i == 0 { "" } else { "," };
        Bytes::from(if stream {
            format!("{sep}{{\"index\":{i},\"delta\":{{\"content\":\"a\"}}}}")
        } else {
            format!(
                "{sep}{{\"index\":{i},\"finish_reason\":\"stop\",\
                 \"message\":{{\"role\":\"assistant\",\"content\":\"a\"}}}}"
            )
        })
    });
    if stream {
        let head = format!("data: {{\"id\":\"{id}\",\"choices\":[");
        let stream = futures_util::stream::once(async move { Bytes::from(head) })
            .chain(choices)
            .chain(futures_util::stream::once(async {
                Bytes::from_static(b"]}\n\ndata: [DONE]\n\n")
            }))
            .map(Ok::<_, std::io::Error>);
        return sse_headers(Body::from_stream(stream));
    }
    json_stream(format!("{{\"id\":\"{id}\",\"choices\":["), choices, "]}")
}

/// A JSON body sent as `head`, the pieces, `tail`.
fn json_stream(
    head: String,
    pieces: impl futures_util::Stream<Item = Bytes> + Send + 'static,
    tail: &'static str,
) -> Response {
    let body = futures_util::stream::once(async move { Bytes::from(head) })
        .chain(pieces)
        .chain(futures_util::stream::once(async move {
            Bytes::from_static(tail.as_bytes())
        }))
        .map(Ok::<_, std::io::Error>);
    let mut response = Response::new(Body::from_stream(body));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// A valid answer of 5 MB of content: one body, or content deltas of 64 KiB.
fn huge_content(head: Value, stream: bool) -> Response {
    let id = head["id"].as_str().unwrap_or_default().to_string();
    if stream {
        let piece = "x".repeat(PIECE);
        let pieces = HUGE_CONTENT_BYTES.div_ceil(PIECE);
        let chunks = futures_util::stream::iter(0..pieces)
            .map(move |i| {
                let len = (HUGE_CONTENT_BYTES - i * PIECE).min(PIECE);
                Bytes::from(format!(
                    "data: {{\"id\":\"{id}\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"{}\"}}}}]}}\n\n",
                    &piece[..len]
                ))
            })
            .chain(futures_util::stream::once(async {
                Bytes::from_static(
                    b"data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":5}}\n\ndata: [DONE]\n\n",
                )
            }))
            .map(Ok::<_, std::io::Error>);
        return sse_headers(Body::from_stream(chunks));
    }
    let head = format!(
        "{{\"id\":\"{id}\",\"usage\":{{\"prompt_tokens\":10,\"completion_tokens\":5}},\
         \"choices\":[{{\"index\":0,\"finish_reason\":\"stop\",\
         \"message\":{{\"role\":\"assistant\",\"content\":\""
    );
    let mut response = Response::new(sandwich(head, HUGE_CONTENT_BYTES, "\"}}]}"));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

async fn generation(
    headers: HeaderMap,
    uri: Uri,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let echo = Echo::of(&headers, &uri);
    let id = query.get("id").cloned().unwrap_or_default();
    Json(json!({"data": {
        "id": id,
        "model": format!("hostile {}", echo.auth),
        "provider_name": format!("Hostile {}", echo.auth),
        "origin": echo.url,
        "app_id": echo.auth,
        "finish_reason": format!("stop {}", echo.auth),
        "native_finish_reason": format!("stop {}", echo.auth),
        "total_cost": 0.001,
        "tokens_prompt": 10,
        "tokens_completion": 5,
    }}))
    .into_response()
}

async fn models(headers: HeaderMap, uri: Uri) -> Response {
    let echo = Echo::of(&headers, &uri);
    let data: Vec<Value> = MODELS
        .iter()
        .map(|id| {
            let mut model = json!({
                "id": id,
                "canonical_slug": id,
                "name": format!("Hostile {id}"),
                "created": 1_735_689_600u64,
                "description": format!("A model that misbehaves. {}", echo.line()),
                "context_length": 100_000,
                "architecture": {"modality": "text->text", "input_modalities": ["text"],
                    "output_modalities": ["text"], "tokenizer": "Other", "instruct_type": null},
                "top_provider": {"context_length": 100_000, "max_completion_tokens": 4096,
                    "is_moderated": false},
                "per_request_limits": null,
                "supported_parameters": ["temperature", "max_tokens", "tools", "tool_choice",
                    "response_format", "structured_outputs"],
            });
            if !id.starts_with("hostile/unpriced-") {
                model["pricing"] = json!({"prompt": "0.000001", "completion": "0.000002",
                    "request": "0", "image": "0"});
            }
            model
        })
        .collect();
    Json(json!({ "data": data })).into_response()
}
