//! Recorded bodies and SSE streams in OpenRouter's documented formats
//! (`tests/fixtures/`), served byte for byte from a loopback socket and read by the
//! real client: what is parsed and how each failure is classed.

use bytes::Bytes;
use routeval_core::config::{Endpoint, EndpointKind, Route, BODY_FIELDS};
use routeval_core::record::CostSource;
use routeval_core::ErrorClass;
use routeval_runner::client::{EndpointClient, Exchange, RouteClient};
use routeval_runner::redact::Redactor;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// How the fake server answers.
struct Reply {
    status: &'static str,
    content_type: &'static str,
    extra_headers: &'static str,
    body: Vec<u8>,
    /// Keep the connection open this long after the body (to trip idle timeouts).
    stall: Duration,
}

/// The directory is read when the test runs (see `cargo test`'s CARGO_MANIFEST_DIR), so a
/// test binary reused from a build cache shared between checkouts reads this one's files.
fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(&std::env::var_os("CARGO_MANIFEST_DIR").expect("run by cargo test"))
            .join("tests/fixtures")
            .join(name),
    )
    .unwrap()
}

fn ok(content_type: &'static str, name: &str) -> Reply {
    Reply {
        status: "200 OK",
        content_type,
        extra_headers: "",
        body: fixture(name),
        stall: Duration::ZERO,
    }
}

/// Serve one reply per connection, forever, on a loopback port.
async fn serve(reply: Reply) -> String {
    serve_recording(reply).await.0
}

/// Every request a loopback server read, head and body, in the order they came.
type Requests = Arc<Mutex<Vec<String>>>;

/// [`serve`], keeping every request it reads.
async fn serve_recording(reply: Reply) -> (String, Requests) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let reply = Arc::new(reply);
    let requests = Requests::default();
    let kept = Arc::clone(&requests);
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let reply = reply.clone();
            let kept = Arc::clone(&kept);
            tokio::spawn(async move {
                let mut buf = vec![0u8; 65536];
                let mut got = Vec::new();
                // Read the head and the body the client announced.
                loop {
                    let n = socket.read(&mut buf).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    got.extend_from_slice(&buf[..n]);
                    // Not HTTP (a TLS handshake, say): answer as a plain HTTP server would.
                    if !got.starts_with(b"POST") && !got.starts_with(b"GET") {
                        let _ = socket
                            .write_all(b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n")
                            .await;
                        return;
                    }
                    let text = String::from_utf8_lossy(&got);
                    if let Some(end) = text.find("\r\n\r\n") {
                        let len = text[..end]
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase()
                                    .strip_prefix("content-length:")
                                    .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                            })
                            .unwrap_or(0);
                        if got.len() >= end + 4 + len {
                            kept.lock().unwrap().push(text.into_owned());
                            break;
                        }
                    }
                }
                let head = format!(
                    "HTTP/1.1 {}\r\nContent-Type: {}\r\n{}Connection: close\r\n\r\n",
                    reply.status, reply.content_type, reply.extra_headers
                );
                let _ = socket.write_all(head.as_bytes()).await;
                let _ = socket.write_all(&reply.body).await;
                let _ = socket.flush().await;
                tokio::time::sleep(reply.stall).await;
            });
        }
    });
    (format!("http://{addr}/api/v1"), requests)
}

/// A recorded request's JSON body.
fn body_of(request: &str) -> serde_json::Value {
    let body = request.split_once("\r\n\r\n").map(|(_, b)| b).unwrap();
    serde_json::from_str(body).unwrap()
}

/// The values of header `name` (any case) in a recorded request.
fn head_values(request: &str, name: &str) -> Vec<String> {
    let head = request.split("\r\n\r\n").next().unwrap_or_default();
    head.lines()
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .filter(|(k, _)| k.trim().eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim().to_string())
        .collect()
}

fn client(base_url: String, stream: bool) -> RouteClient {
    let endpoint = Endpoint {
        kind: EndpointKind::Openrouter,
        base_url,
        api_key_env: None,
        headers: Default::default(),
        simulated: false,
    };
    let (endpoint, _) = EndpointClient::new("fixture", &endpoint).unwrap();
    let mut route: Route = toml::from_str("endpoint = \"fixture\"\nmodel = \"a/b\"").unwrap();
    route.stream = stream;
    route.timeouts.idle_s = 0.3;
    route.timeouts.total_s = 5.0;
    RouteClient::new(
        "r",
        &route,
        Arc::new(endpoint),
        None,
        Arc::new(Redactor::default()),
    )
    .unwrap()
}

async fn exchange(reply: Reply, stream: bool) -> Exchange {
    let url = serve(reply).await;
    client(url, stream)
        .send(Bytes::from_static(b"{}"), "req-1")
        .await
}

#[tokio::test]
async fn plain_completion_is_read_in_full() {
    let ex = exchange(ok("application/json", "plain_completion.json"), false).await;
    assert_eq!(ex.class, None, "{:?}", ex.error_message);
    assert_eq!(ex.status, Some(200));
    let answer = ex.answer.unwrap();
    assert_eq!(
        answer.content.as_deref(),
        Some(r#"{"category": "billing", "priority": "high", "escalate": false}"#)
    );
    assert_eq!(
        ex.served_model.as_deref(),
        Some("anthropic/claude-sonnet-4")
    );
    assert_eq!(ex.served_provider.as_deref(), Some("Amazon Bedrock"));
    assert_eq!(
        ex.generation_id.as_deref(),
        Some("gen-1761234567-AbCdEfGhIjKlMnOp")
    );
    assert_eq!(ex.finish_reason.as_deref(), Some("stop"));
    assert_eq!(ex.native_finish_reason.as_deref(), Some("end_turn"));
    let usage = ex.usage.unwrap();
    assert_eq!(usage.prompt_tokens, Some(412));
    assert_eq!(
        usage.prompt_tokens_details.unwrap().cached_tokens,
        Some(256)
    );
    assert_eq!(
        usage.completion_tokens_details.unwrap().reasoning_tokens,
        Some(7)
    );
    assert_eq!(ex.cost, Some(0.001521));
    assert_eq!(ex.cost_source, Some(CostSource::Reported));
    assert_eq!(ex.ttft, None);
}

#[tokio::test]
async fn plain_tool_calls_keep_their_order_and_arguments() {
    let ex = exchange(ok("application/json", "plain_tool_calls.json"), false).await;
    assert_eq!(ex.class, None);
    let calls = ex.answer.unwrap().tool_calls;
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[1].id, "call_b2");
    assert_eq!(
        calls[1].function.arguments,
        r#"{"order_id":"SO-20931","include_history":true}"#
    );
}

#[tokio::test]
async fn stream_with_keepalive_comments_and_usage_chunk() {
    let ex = exchange(ok("text/event-stream", "stream_with_usage.sse"), true).await;
    assert_eq!(ex.class, None, "{:?}", ex.error_message);
    assert_eq!(
        ex.answer.unwrap().content.as_deref(),
        Some(r#"{"category": "refund", "priority": "low", "escalate": true}"#)
    );
    assert_eq!(
        ex.chunks,
        Some(6),
        "comments are not chunks; the usage chunk is"
    );
    assert!(ex.ttft.is_some());
    assert_eq!(ex.served_provider.as_deref(), Some("DeepInfra"));
    assert_eq!(ex.usage.unwrap().completion_tokens, Some(22));
    assert_eq!(ex.cost, Some(0.0000533));
}

#[tokio::test]
async fn streamed_tool_call_deltas_are_assembled_by_index() {
    let ex = exchange(ok("text/event-stream", "stream_tool_calls.sse"), true).await;
    assert_eq!(ex.class, None, "{:?}", ex.error_message);
    let calls = ex.answer.unwrap().tool_calls;
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].id, "toolu_01");
    assert_eq!(calls[0].function.name, "check_inventory");
    assert_eq!(
        calls[0].function.arguments,
        r#"{"sku": "SKU-4410-BLK", "quantity": 2}"#
    );
    assert_eq!(calls[1].function.name, "lookup_order");
    assert_eq!(calls[1].function.arguments, r#"{"order_id": "SO-55210"}"#);
    assert_eq!(ex.finish_reason.as_deref(), Some("tool_calls"));
    assert_eq!(ex.native_finish_reason.as_deref(), Some("tool_use"));
}

#[tokio::test]
async fn multi_line_data_fields_are_joined() {
    let ex = exchange(ok("text/event-stream", "stream_multiline_data.sse"), true).await;
    assert_eq!(ex.class, None, "{:?}", ex.error_message);
    assert_eq!(
        ex.answer.unwrap().content.as_deref(),
        Some(r#"{"ok": true}"#)
    );
}

#[tokio::test]
async fn error_event_after_200_keeps_partial_output() {
    let ex = exchange(ok("text/event-stream", "stream_mid_error.sse"), true).await;
    assert_eq!(ex.class, Some(ErrorClass::StreamError));
    assert_eq!(ex.status, Some(200));
    assert!(ex
        .error_message
        .unwrap()
        .contains("Provider disconnected (provider_unavailable)"));
    assert_eq!(
        ex.answer.unwrap().content.as_deref(),
        Some(r#"{"category": "tech"#)
    );
}

#[tokio::test]
async fn stream_without_done_is_cut() {
    let ex = exchange(ok("text/event-stream", "stream_no_done.sse"), true).await;
    assert_eq!(ex.class, Some(ErrorClass::StreamCut));
}

#[tokio::test]
async fn stalled_stream_trips_the_idle_timeout() {
    let mut reply = ok("text/event-stream", "stream_no_done.sse");
    reply.stall = Duration::from_secs(3);
    let ex = exchange(reply, true).await;
    assert_eq!(
        ex.class,
        Some(ErrorClass::TimeoutIdle),
        "{:?}",
        ex.error_message
    );
    assert!(ex.latency < Duration::from_secs(2), "{:?}", ex.latency);
}

#[tokio::test]
async fn error_bodies_are_classed_with_their_message() {
    let mut reply = ok("application/json", "error_429.json");
    reply.status = "429 Too Many Requests";
    reply.extra_headers = "Retry-After: 7\r\n";
    let ex = exchange(reply, false).await;
    assert_eq!(ex.class, Some(ErrorClass::RateLimited));
    assert_eq!(ex.retry_after, Some(Duration::from_secs(7)));
    assert_eq!(
        ex.error_message.as_deref(),
        Some("HTTP 429: Rate limit exceeded: free-models-per-min (rate_limit_exceeded)")
    );

    let mut reply = ok("application/json", "error_404_availability.json");
    reply.status = "404 Not Found";
    let ex = exchange(reply, false).await;
    assert_eq!(ex.class, Some(ErrorClass::NotFound));
    assert!(ex.error_message.unwrap().ends_with("(not_found)"));

    let mut reply = ok("text/html", "error_502.html");
    reply.status = "502 Bad Gateway";
    let ex = exchange(reply, true).await;
    assert_eq!(ex.class, Some(ErrorClass::BadGateway));
    assert!(ex
        .error_message
        .unwrap()
        .starts_with("HTTP 502: <!DOCTYPE html> <html> <head><title>502 Bad Gateway"));
}

#[tokio::test]
async fn rate_limit_reset_header_is_honoured_without_retry_after() {
    let mut reply = ok("application/json", "error_429.json");
    reply.status = "429 Too Many Requests";
    let reset_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
        + 4_000;
    reply.extra_headers = Box::leak(format!("X-RateLimit-Reset: {reset_ms}\r\n").into_boxed_str());
    let ex = exchange(reply, false).await;
    let wait = ex.retry_after.unwrap();
    assert!(
        wait > Duration::from_secs(2) && wait <= Duration::from_secs(4),
        "{wait:?}"
    );
}

#[tokio::test]
async fn https_to_a_plain_http_server_is_a_tls_failure() {
    let url = serve(ok("application/json", "plain_completion.json"))
        .await
        .replace("http://", "https://");
    let ex = client(url, false)
        .send(Bytes::from_static(b"{}"), "req-1")
        .await;
    assert_eq!(ex.class, Some(ErrorClass::Tls), "{:?}", ex.error_message);
    assert!(ex.latency < Duration::from_secs(2));
}

#[tokio::test]
async fn openai_endpoints_get_no_openrouter_extensions() {
    const ROUTE: &str = "endpoint = \"e\"\nmodel = \"gpt-x\"\nmodels = [\"a\", \"b\"]\nprovider = { only = [\"p\"], new_pref = { x = 1 } }\nparams = { seed = 4, stop = [\"END\"], parallel_tool_calls = false }";
    let route: Route = toml::from_str(ROUTE).unwrap();
    let spec = routeval_runner::client::RequestSpec {
        messages: &[],
        tools: None,
        tool_choice: None,
        response_format: None,
    };
    for (kind, expect_extensions) in [
        (EndpointKind::Openai, false),
        (EndpointKind::Openrouter, true),
    ] {
        let endpoint = Endpoint {
            kind,
            base_url: "http://127.0.0.1:9/v1".into(),
            api_key_env: None,
            headers: Default::default(),
            simulated: false,
        };
        let (endpoint, _) = EndpointClient::new("e", &endpoint).unwrap();
        let client = RouteClient::new(
            "r",
            &route,
            Arc::new(endpoint),
            None,
            Arc::new(Redactor::default()),
        )
        .unwrap();
        let body = client.build_body(&spec);
        assert_eq!(body["seed"], 4);
        assert_eq!(body["stop"][0], "END");
        assert_eq!(body["parallel_tool_calls"], false);
        assert_eq!(
            body.get("provider").is_some(),
            expect_extensions,
            "{kind:?}"
        );
        assert_eq!(body.get("models").is_some(), expect_extensions, "{kind:?}");
        if expect_extensions {
            // A preference routeval does not know is sent as written.
            assert_eq!(
                body["provider"],
                serde_json::json!({"only": ["p"], "new_pref": {"x": 1}})
            );
        }
        assert_eq!(body.get("usage"), None, "{kind:?}");

        // Every field routeval fills in is one a route's params may not name.
        let streamed: Route = toml::from_str(&format!("{ROUTE}\nstream = true")).unwrap();
        let tools = vec![serde_json::json!({"type": "function", "function": {"name": "f"}})];
        let format = serde_json::json!({"type": "json_object"});
        let full = RouteClient::new(
            "r",
            &streamed,
            Arc::clone(&client.endpoint),
            None,
            Arc::new(Redactor::default()),
        )
        .unwrap()
        .build_body(&routeval_runner::client::RequestSpec {
            messages: &[],
            tools: Some(&tools),
            tool_choice: Some(&serde_json::json!("auto")),
            response_format: Some(&format),
        });
        for key in full.as_object().unwrap().keys() {
            assert!(
                streamed.params.contains_key(key) || BODY_FIELDS.contains(&key.as_str()),
                "`{key}` is sent but a route's params could also set it"
            );
        }
    }
}

/// Attribution on an OpenRouter endpoint: `X-OpenRouter-Title` (routeval's unless the
/// suite names its own under either header name), never two titles, and the suite's
/// `HTTP-Referer` as written; an OpenAI-compatible endpoint gets only the suite's headers.
#[tokio::test]
async fn attribution_headers_send_one_title() {
    // (kind, the suite's headers, the one title expected)
    type Case<'a> = (EndpointKind, &'a [(&'a str, &'a str)], Option<&'a str>);
    let cases: [Case; 6] = [
        (EndpointKind::Openrouter, &[], Some("routeval")),
        (
            EndpointKind::Openrouter,
            &[("x-title", "Mine")],
            Some("Mine"),
        ),
        (
            EndpointKind::Openrouter,
            &[("X-Title", "Mine")],
            Some("Mine"),
        ),
        (
            EndpointKind::Openrouter,
            &[
                ("X-OpenRouter-Title", "Mine"),
                ("HTTP-Referer", "https://app.test"),
            ],
            Some("Mine"),
        ),
        (
            EndpointKind::Openrouter,
            &[("X-Title", "Old"), ("x-openrouter-title", "New")],
            Some("New"),
        ),
        (EndpointKind::Openai, &[], None),
    ];
    for (kind, headers, title) in cases {
        let (url, requests) =
            serve_recording(ok("application/json", "plain_completion.json")).await;
        let endpoint = Endpoint {
            kind,
            base_url: url,
            api_key_env: None,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            simulated: false,
        };
        let (endpoint, _) = EndpointClient::new("e", &endpoint).unwrap();
        let route: Route = toml::from_str("endpoint = \"e\"\nmodel = \"a/b\"").unwrap();
        let client = RouteClient::new(
            "r",
            &route,
            Arc::new(endpoint),
            None,
            Arc::new(Redactor::default()),
        )
        .unwrap();
        let ex = client.send(Bytes::from_static(b"{}"), "req-1").await;
        assert_eq!(ex.class, None, "{:?}", ex.error_message);
        let request = requests.lock().unwrap()[0].clone();
        let titles = head_values(&request, "X-OpenRouter-Title");
        assert_eq!(
            titles,
            title.map(String::from).into_iter().collect::<Vec<_>>(),
            "{kind:?} {headers:?}"
        );
        assert!(
            head_values(&request, "X-Title").is_empty(),
            "{kind:?} {headers:?}: {request}"
        );
        let referer = headers
            .iter()
            .find(|(k, _)| *k == "HTTP-Referer")
            .map(|(_, v)| v.to_string());
        assert_eq!(
            head_values(&request, "HTTP-Referer"),
            referer.into_iter().collect::<Vec<_>>()
        );
    }
}

/// OpenRouter returns usage and cost on every response, so routeval sends neither of
/// the deprecated opt-ins (`usage.include`, `stream_options.include_usage`) there, and
/// a stream still ends with its usage and cost recorded. An OpenAI-compatible endpoint
/// is still asked for the usage chunk of a stream.
#[tokio::test]
async fn openrouter_gets_no_deprecated_usage_options_and_still_reports_usage() {
    let messages = [routeval_core::message::Message::user("hi")];
    let spec = routeval_runner::client::RequestSpec {
        messages: &messages,
        tools: None,
        tool_choice: None,
        response_format: None,
    };
    for (kind, stream) in [
        (EndpointKind::Openrouter, true),
        (EndpointKind::Openrouter, false),
        (EndpointKind::Openai, true),
    ] {
        let reply = if stream {
            ok("text/event-stream", "stream_with_usage.sse")
        } else {
            ok("application/json", "plain_completion.json")
        };
        let (url, requests) = serve_recording(reply).await;
        let mut client = client(url, stream);
        if kind == EndpointKind::Openai {
            let endpoint = Endpoint {
                kind,
                base_url: client.endpoint.base_url.clone(),
                api_key_env: None,
                headers: Default::default(),
                simulated: false,
            };
            client = RouteClient::new(
                "r",
                &client.route,
                Arc::new(EndpointClient::new("e", &endpoint).unwrap().0),
                None,
                Arc::new(Redactor::default()),
            )
            .unwrap();
        }
        let ex = client.send(client.encode_body(&spec), "req-1").await;
        assert_eq!(ex.class, None, "{:?}", ex.error_message);
        let body = body_of(&requests.lock().unwrap()[0]);
        assert_eq!(body["stream"].as_bool().unwrap_or(false), stream);
        assert_eq!(body.get("usage"), None, "{kind:?} stream={stream}: {body}");
        let include_usage = body.pointer("/stream_options/include_usage");
        if kind == EndpointKind::Openai {
            assert_eq!(include_usage, Some(&serde_json::json!(true)), "{body}");
        } else {
            assert_eq!(body.get("stream_options"), None, "stream={stream}: {body}");
        }
        let usage = ex.usage.expect("usage recorded");
        assert!(usage.completion_tokens.is_some_and(|n| n > 0));
        assert!(ex.cost.is_some_and(|c| c > 0.0), "{kind:?}: {:?}", ex.cost);
        assert_eq!(ex.cost_source, Some(CostSource::Reported));
    }
}
