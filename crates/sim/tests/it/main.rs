//! The simulator seen from a client: a real server on loopback, real HTTP.

use routeval_sim::{serve, Profiles, SimConfig, SimServer};
use serde_json::{json, Value};
use std::io::Write;
use std::path::Path;

const PROFILES: &str = r#"
seed = 7

[models."test/perfect"]
name = "Perfect"
context_length = 100000
prompt_price = 1.0
completion_price = 2.0
quality = 1.0
providers = [
  { name = "Alpha", slug = "alpha", zdr = true, data_collection = "deny" },
  { name = "Beta", slug = "beta" },
]

[models."test/limited"]
name = "Scripted 429"
context_length = 100000
prompt_price = 1.0
completion_price = 2.0
quality = 1.0
retry_after_s = 3
script = ["rate_limit", "ok"]

[models."test/down"]
name = "Always 502"
context_length = 100000
prompt_price = 1.0
completion_price = 2.0
script = ["http_502"]
providers = [{ name = "Downhost", slug = "downhost" }]

[models."test/tiny"]
name = "Tiny"
context_length = 10
prompt_price = 1.0
completion_price = 2.0

[models."test/sloppy"]
name = "Sloppy"
context_length = 100000
prompt_price = 0.1
completion_price = 0.2
quality = 0.4
providers = [{ name = "One", slug = "one" }, { name = "Two", slug = "two" }]
[models."test/sloppy".failures]
rate_limit = 0.1
server_error = 0.1

[models."test/swept"]
name = "Swept"
context_length = 100000
prompt_price = 1.0
completion_price = 2.0
quality = 1.0
providers = [
  { name = "Full", slug = "full", quantization = "bf16" },
  { name = "Quant", slug = "quant", quantization = "int4", quality = 0.0, prompt_price = 0.5, completion_price = 1.0 },
  { name = "No Tools", slug = "no-tools", supports_tools = false, ttft_ms = 900 },
]

[models."test/notools"]
name = "No tools"
context_length = 100000
prompt_price = 1.0
completion_price = 2.0
supports_tools = false
supports_response_format = false
reports_cost = false

[models."test/cut"]
name = "Cut"
context_length = 100000
prompt_price = 1.0
completion_price = 2.0
quality = 1.0
script = ["cut_stream", "mid_stream_error", "malformed", "html_502", "empty_choices", "refusal"]
"#;

const TRIAGE_PROMPT: &str = "My invoice charged me twice this month, please fix it.";
const ORDER_PROMPT: &str =
    "Where is my order SO-12345? And refund the $19.99 shipping, it was late.";

fn cases_file(dir: &Path) -> std::path::PathBuf {
    let cases = [
        json!({"id": "t1", "messages": [{"role": "user", "content": TRIAGE_PROMPT}],
               "expected": {"category": "billing", "priority": "high", "escalate": false}}),
        json!({"id": "t2", "messages": [{"role": "user", "content": "The app crashes on start."}],
               "expected": {"category": "technical", "priority": "urgent", "escalate": true}}),
        json!({"id": "t3", "messages": [{"role": "user", "content": "Please add dark mode."}],
               "expected": {"category": "feature_request", "priority": "low", "escalate": false}}),
        json!({"id": "s1", "messages": [{"role": "user", "content": ORDER_PROMPT}],
        "expected": {"tool_calls": [
            {"name": "lookup_order", "arguments": {"order_id": ["SO-12345"]}},
            {"name": "issue_refund", "arguments": {"order_id": ["SO-12345"], "amount": [19.99],
                "reason": ["late"], "notify_customer": ["", true]}}
        ]}}),
        json!({"id": "s2", "messages": [{"role": "user", "content": "What are your opening hours?"}],
               "expected": {"tool_calls": []}}),
    ];
    let path = dir.join("cases.jsonl");
    let mut f = std::fs::File::create(&path).unwrap();
    for c in cases {
        writeln!(f, "{c}").unwrap();
    }
    path
}

fn tools() -> Value {
    json!([
        {"type": "function", "function": {"name": "lookup_order", "parameters": {
            "type": "object", "properties": {"order_id": {"type": "string"}}, "required": ["order_id"]}}},
        {"type": "function", "function": {"name": "issue_refund", "parameters": {
            "type": "object", "properties": {"order_id": {"type": "string"}, "amount": {"type": "number"},
            "reason": {"type": "string"}, "notify_customer": {"type": "boolean"}},
            "required": ["order_id", "amount", "reason"]}}}
    ])
}

struct Harness {
    server: SimServer,
    client: reqwest::Client,
    _dir: tempfile::TempDir,
}

async fn start_with(seed: u64, api_key: Option<&str>) -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let cases = cases_file(dir.path());
    let config = SimConfig {
        profiles: Profiles::parse(Path::new("test-profiles.toml"), PROFILES).unwrap(),
        case_files: vec![cases],
        seed,
        latency_scale: 0.0,
        api_key: api_key.map(String::from),
    };
    let server = serve(config, "127.0.0.1:0".parse().unwrap()).await.unwrap();
    Harness {
        server,
        client: reqwest::Client::new(),
        _dir: dir,
    }
}

async fn start() -> Harness {
    start_with(7, None).await
}

impl Harness {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.base_url())
    }

    async fn chat(&self, body: Value) -> reqwest::Response {
        self.client
            .post(self.url("/chat/completions"))
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        let r = self.client.get(self.url(path)).send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap())
    }
}

fn user(content: &str) -> Value {
    json!([{"role": "system", "content": "Triage the ticket."}, {"role": "user", "content": content}])
}

fn error_type(body: &Value) -> &str {
    body["error"]["metadata"]["error_type"]
        .as_str()
        .unwrap_or("")
}

/// `data:` payloads of an SSE body, and whether it started with the processing comment.
fn sse_events(text: &str) -> (bool, Vec<String>) {
    let blocks: Vec<&str> = text.split("\n\n").filter(|b| !b.is_empty()).collect();
    let comment = blocks
        .first()
        .is_some_and(|b| b.starts_with(": OPENROUTER PROCESSING"));
    let data = blocks
        .iter()
        .filter_map(|b| b.strip_prefix("data: "))
        .map(String::from)
        .collect();
    (comment, data)
}

#[tokio::test]
async fn correct_json_answer_with_usage_and_generation_stats() {
    let h = start().await;
    let r = h
        .chat(json!({"model": "test/perfect", "messages": user(TRIAGE_PROMPT)}))
        .await;
    assert_eq!(r.status(), 200);
    let gen_header = r.headers()["x-generation-id"].to_str().unwrap().to_string();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["id"], gen_header);
    assert!(
        gen_header.starts_with("gen-") && gen_header.len() == 20,
        "{gen_header}"
    );
    assert_eq!(body["object"], "chat.completion");
    assert_eq!(body["model"], "test/perfect");
    let provider = body["provider"].as_str().unwrap();
    assert!(provider == "Alpha" || provider == "Beta");
    let choice = &body["choices"][0];
    assert_eq!(choice["finish_reason"], "stop");
    let content: Value =
        serde_json::from_str(choice["message"]["content"].as_str().unwrap()).unwrap();
    assert_eq!(
        content,
        json!({"category": "billing", "priority": "high", "escalate": false})
    );

    let usage = &body["usage"];
    let prompt_chars = "Triage the ticket.".len() + TRIAGE_PROMPT.len();
    assert_eq!(usage["prompt_tokens"], prompt_chars.div_ceil(4) as u64);
    let completion = usage["completion_tokens"].as_u64().unwrap();
    let expected_cost = (prompt_chars.div_ceil(4) as f64 * 1.0 + completion as f64 * 2.0) / 1e6;
    assert!((usage["cost"].as_f64().unwrap() - expected_cost).abs() < 1e-12);
    assert_eq!(usage["is_byok"], false);

    let (status, stats) = h.get(&format!("/generation?id={gen_header}")).await;
    assert_eq!(status, 200);
    assert_eq!(stats["data"]["model"], "test/perfect");
    assert_eq!(stats["data"]["provider_name"], provider);
    assert_eq!(stats["data"]["tokens_completion"], completion);
    assert_eq!(stats["data"]["provider_responses"][0]["status"], 200);
    let (status, missing) = h.get("/generation?id=gen-0000000000000000").await;
    assert_eq!(status, 404);
    assert_eq!(error_type(&missing), "not_found");
    assert_eq!(h.server.requests(), 1);
    assert_eq!(h.server.requests_for("test/perfect"), 1);
    h.server.shutdown().await;
}

#[tokio::test]
async fn streaming_follows_the_documented_sequence() {
    let h = start().await;
    let r = h
        .chat(json!({"model": "test/perfect", "stream": true, "messages": user(TRIAGE_PROMPT)}))
        .await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    assert!(r.headers().contains_key("x-generation-id"));
    let text = r.text().await.unwrap();
    let (comment, events) = sse_events(&text);
    assert!(comment, "{text}");
    assert_eq!(events.last().map(String::as_str), Some("[DONE]"));
    let chunks: Vec<Value> = events[..events.len() - 1]
        .iter()
        .map(|e| serde_json::from_str(e).unwrap())
        .collect();
    for c in &chunks {
        assert_eq!(c["object"], "chat.completion.chunk");
        assert_eq!(c["model"], "test/perfect");
        assert!(c["provider"].is_string() && c["id"].as_str().unwrap().starts_with("gen-"));
    }
    assert_eq!(chunks[0]["choices"][0]["delta"]["role"], "assistant");
    let usage_chunk = chunks.last().unwrap();
    assert_eq!(usage_chunk["choices"], json!([]));
    assert!(usage_chunk["usage"]["completion_tokens"].as_u64().unwrap() > 0);
    let finish = &chunks[chunks.len() - 2]["choices"][0];
    assert_eq!(finish["finish_reason"], "stop");
    assert_eq!(finish["native_finish_reason"], "stop");
    let content_chunks = &chunks[1..chunks.len() - 2];
    assert!(
        (4..=8).contains(&content_chunks.len()),
        "{} content chunks",
        content_chunks.len()
    );
    let content: String = content_chunks
        .iter()
        .map(|c| {
            assert!(c["choices"][0]["finish_reason"].is_null());
            c["choices"][0]["delta"]["content"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let parsed: Value = serde_json::from_str(&content).unwrap();
    assert_eq!(parsed["category"], "billing");
    h.server.shutdown().await;
}

#[tokio::test]
async fn tool_calls_assemble_from_stream_deltas() {
    let h = start().await;
    let r = h
        .chat(
            json!({"model": "test/perfect", "stream": true, "tools": tools(),
                     "messages": [{"role": "user", "content": ORDER_PROMPT}]}),
        )
        .await;
    let text = r.text().await.unwrap();
    let (_, events) = sse_events(&text);
    let mut calls: Vec<(String, String, String)> = Vec::new();
    let mut finish = None;
    for e in events.iter().filter(|e| *e != "[DONE]") {
        let c: Value = serde_json::from_str(e).unwrap();
        let Some(choice) = c["choices"].get(0) else {
            continue;
        };
        if let Some(f) = choice["finish_reason"].as_str() {
            finish = Some(f.to_string());
        }
        for tc in choice["delta"]["tool_calls"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let i = tc["index"].as_u64().unwrap() as usize;
            if calls.len() <= i {
                calls.resize(i + 1, Default::default());
            }
            if let Some(id) = tc["id"].as_str() {
                calls[i].0 = id.to_string();
            }
            if let Some(name) = tc["function"]["name"].as_str() {
                calls[i].1 = name.to_string();
            }
            calls[i].2 += tc["function"]["arguments"].as_str().unwrap_or("");
        }
    }
    assert_eq!(finish.as_deref(), Some("tool_calls"));
    assert_eq!(calls.len(), 2);
    assert_eq!(
        (calls[0].0.as_str(), calls[0].1.as_str()),
        ("call_1", "lookup_order")
    );
    let a0: Value = serde_json::from_str(&calls[0].2).unwrap();
    assert_eq!(a0, json!({"order_id": "SO-12345"}));
    assert_eq!(calls[1].1, "issue_refund");
    let a1: Value = serde_json::from_str(&calls[1].2).unwrap();
    assert_eq!(
        a1,
        json!({"order_id": "SO-12345", "amount": 19.99, "reason": "late", "notify_customer": true})
    );

    // The same case, not streamed: the message carries the calls and no content.
    let r = h
        .chat(json!({"model": "test/perfect", "tools": tools(),
                     "messages": [{"role": "user", "content": ORDER_PROMPT}]}))
        .await;
    let body: Value = r.json().await.unwrap();
    let msg = &body["choices"][0]["message"];
    assert!(msg["content"].is_null());
    assert_eq!(msg["tool_calls"][1]["function"]["name"], "issue_refund");
    assert_eq!(body["choices"][0]["finish_reason"], "tool_calls");

    // A model without tool support answers in prose.
    let r = h
        .chat(json!({"model": "test/notools", "tools": tools(),
                     "messages": [{"role": "user", "content": ORDER_PROMPT}]}))
        .await;
    let body: Value = r.json().await.unwrap();
    assert!(body["choices"][0]["message"]["content"].is_string());
    assert!(body["choices"][0]["message"].get("tool_calls").is_none());
    assert!(body["usage"].get("cost").is_none(), "reports_cost = false");
    h.server.shutdown().await;
}

#[tokio::test]
async fn scripted_rate_limit_then_success() {
    let h = start().await;
    let body = json!({"model": "test/limited", "messages": user(TRIAGE_PROMPT)});
    let r = h.chat(body.clone()).await;
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "3");
    let err: Value = r.json().await.unwrap();
    assert_eq!(err["error"]["code"], 429);
    assert_eq!(error_type(&err), "rate_limit_exceeded");
    let r = h.chat(body.clone()).await;
    assert_eq!(r.status(), 200);
    assert!(r.headers().contains_key("x-generation-id"));
    // The last script entry repeats.
    assert_eq!(h.chat(body).await.status(), 200);
    assert_eq!(h.server.requests_for("test/limited"), 3);
    h.server.shutdown().await;
}

#[tokio::test]
async fn provider_preferences_filter_endpoints() {
    let h = start().await;
    let r = h
        .chat(
            json!({"model": "test/perfect", "messages": user(TRIAGE_PROMPT),
                     "provider": {"only": ["nosuchprovider"]}}),
        )
        .await;
    assert_eq!(r.status(), 404);
    let err: Value = r.json().await.unwrap();
    assert_eq!(error_type(&err), "no_endpoints");
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("provider.only"),
        "{err}"
    );

    // zdr keeps Alpha only; order picks Beta.
    for (prefs, want) in [
        (json!({"zdr": true}), "Alpha"),
        (json!({"data_collection": "deny"}), "Alpha"),
        (json!({"order": ["beta"], "allow_fallbacks": false}), "Beta"),
        (json!({"ignore": ["alpha"]}), "Beta"),
    ] {
        let r = h
            .chat(json!({"model": "test/perfect", "messages": user(TRIAGE_PROMPT), "provider": prefs}))
            .await;
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["provider"], want, "{prefs}");
    }

    // require_parameters with tools on a model without tool support: no endpoint.
    let r = h
        .chat(
            json!({"model": "test/notools", "messages": user(TRIAGE_PROMPT), "tools": tools(),
                     "provider": {"require_parameters": true}}),
        )
        .await;
    assert_eq!(r.status(), 404);
    h.server.shutdown().await;
}

#[tokio::test]
async fn model_fallback_serves_the_second_model() {
    let h = start().await;
    let r = h
        .chat(json!({"model": "test/down", "models": ["test/perfect"], "messages": user(TRIAGE_PROMPT)}))
        .await;
    assert_eq!(r.status(), 200);
    let id = r.headers()["x-generation-id"].to_str().unwrap().to_string();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["model"], "test/perfect");
    let (_, stats) = h.get(&format!("/generation?id={id}")).await;
    let attempts = stats["data"]["provider_responses"].as_array().unwrap();
    assert_eq!(attempts.len(), 2);
    assert_eq!(attempts[0]["provider_name"], "Downhost");
    assert_eq!(attempts[0]["status"], 502);
    assert_eq!(attempts[1]["status"], 200);
    assert_eq!(h.server.requests_for("test/down"), 1);

    // Without a fallback the 502 reaches the client.
    let r = h
        .chat(json!({"model": "test/down", "messages": user(TRIAGE_PROMPT)}))
        .await;
    assert_eq!(r.status(), 502);
    let err: Value = r.json().await.unwrap();
    assert_eq!(error_type(&err), "provider_unavailable");
    h.server.shutdown().await;
}

#[tokio::test]
async fn catalog_lists_prices_as_strings_and_parameters() {
    let h = start().await;
    let (status, models) = h.get("/models").await;
    assert_eq!(status, 200);
    let data = models["data"].as_array().unwrap();
    let perfect = data.iter().find(|m| m["id"] == "test/perfect").unwrap();
    assert_eq!(perfect["pricing"]["prompt"], "0.000001");
    assert_eq!(perfect["pricing"]["completion"], "0.000002");
    assert_eq!(perfect["pricing"]["request"], "0");
    assert_eq!(perfect["context_length"], 100000);
    assert_eq!(perfect["architecture"]["modality"], "text->text");
    assert_eq!(perfect["top_provider"]["is_moderated"], false);
    let params = |m: &Value| -> Vec<String> {
        m["supported_parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap().to_string())
            .collect()
    };
    let p = params(perfect);
    for want in [
        "tools",
        "tool_choice",
        "response_format",
        "structured_outputs",
        "temperature",
        "seed",
    ] {
        assert!(p.iter().any(|x| x == want), "missing {want}");
    }
    let notools = data.iter().find(|m| m["id"] == "test/notools").unwrap();
    let p = params(notools);
    assert!(
        !p.iter().any(|x| x == "tools" || x == "response_format"),
        "{p:?}"
    );
    assert!(p.iter().any(|x| x == "max_tokens"));

    let (status, eps) = h.get("/models/test/perfect/endpoints").await;
    assert_eq!(status, 200);
    let endpoints = eps["data"]["endpoints"].as_array().unwrap();
    assert_eq!(endpoints.len(), 2);
    assert_eq!(endpoints[0]["tag"], "alpha");
    assert_eq!(
        endpoints[0]["data_policy"],
        json!({"zdr": true, "data_collection": "deny"})
    );
    assert_eq!(
        endpoints[1]["data_policy"],
        json!({"zdr": false, "data_collection": "allow"})
    );
    assert_eq!(endpoints[0]["pricing"]["prompt"], "0.000001");
    let (status, err) = h.get("/models/test/nothing/endpoints").await;
    assert_eq!(status, 404);
    assert_eq!(error_type(&err), "not_found");
    h.server.shutdown().await;
}

#[tokio::test]
async fn bad_requests_get_openrouter_errors() {
    let h = start().await;
    let r = h
        .chat(json!({"model": "test/tiny", "messages": user(TRIAGE_PROMPT)}))
        .await;
    assert_eq!(r.status(), 400);
    let err: Value = r.json().await.unwrap();
    assert_eq!(error_type(&err), "context_length_exceeded");
    assert_eq!(err["error"]["code"], 400);

    let r = h
        .chat(json!({"model": "nobody/nothing", "messages": user("hi")}))
        .await;
    assert_eq!(r.status(), 400);
    assert_eq!(error_type(&r.json().await.unwrap()), "model_not_found");

    let r = h
        .client
        .post(h.url("/chat/completions"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(error_type(&r.json().await.unwrap()), "invalid_request");

    let r = h
        .chat(json!({"model": "test/perfect", "messages": "hello"}))
        .await;
    assert_eq!(r.status(), 400);
    assert_eq!(h.server.requests(), 4);
    h.server.shutdown().await;

    let h = start_with(7, Some("sk-test")).await;
    let r = h
        .chat(json!({"model": "test/perfect", "messages": user("hi")}))
        .await;
    assert_eq!(r.status(), 401);
    assert_eq!(error_type(&r.json().await.unwrap()), "authentication");
    let r = h
        .client
        .post(h.url("/chat/completions"))
        .bearer_auth("sk-test")
        .json(&json!({"model": "test/perfect", "messages": user("hi")}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    h.server.shutdown().await;
}

#[tokio::test]
async fn scripted_faults_break_responses_as_documented() {
    let h = start().await;
    let stream = json!({"model": "test/cut", "stream": true, "messages": user(TRIAGE_PROMPT)});
    // cut_stream: content chunks, then the body ends without usage or [DONE].
    let text = h.chat(stream.clone()).await.text().await.unwrap();
    let (_, events) = sse_events(&text);
    assert!(events.len() >= 2);
    assert!(
        !events
            .iter()
            .any(|e| e == "[DONE]" || e.contains("\"usage\"")),
        "{text}"
    );
    // mid_stream_error: a final chunk with a top-level error and finish_reason "error".
    let text = h.chat(stream.clone()).await.text().await.unwrap();
    let (_, events) = sse_events(&text);
    let last: Value = serde_json::from_str(events.last().unwrap()).unwrap();
    assert_eq!(last["error"]["code"], 502);
    assert_eq!(
        last["error"]["metadata"]["error_type"],
        "provider_unavailable"
    );
    assert_eq!(last["choices"][0]["finish_reason"], "error");
    // malformed: 200, JSON content type, truncated document.
    let r = h.chat(stream.clone()).await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    assert!(serde_json::from_str::<Value>(&r.text().await.unwrap()).is_err());
    // html_502: an HTML page.
    let r = h.chat(stream.clone()).await;
    assert_eq!(r.status(), 502);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));

    let plain = json!({"model": "test/cut", "messages": user("What are your opening hours?")});
    // cut_stream, not streamed: the connection drops mid-body.
    let r = h.chat(plain.clone()).await;
    assert_eq!(r.status(), 200);
    assert!(r.bytes().await.is_err());
    // mid_stream_error, not streamed: a 502.
    assert_eq!(h.chat(plain.clone()).await.status(), 502);
    // malformed, html_502, then empty_choices.
    assert!(
        serde_json::from_str::<Value>(&h.chat(plain.clone()).await.text().await.unwrap()).is_err()
    );
    assert_eq!(h.chat(plain.clone()).await.status(), 502);
    let body: Value = h.chat(plain.clone()).await.json().await.unwrap();
    assert_eq!(body["choices"], json!([]));
    assert!(body["usage"]["prompt_tokens"].as_u64().unwrap() > 0);
    // refusal, repeated from here on.
    let body: Value = h.chat(plain).await.json().await.unwrap();
    let msg = &body["choices"][0]["message"];
    assert!(msg["content"].is_null());
    assert_eq!(msg["refusal"], "I can't help with that.");
    assert_eq!(body["choices"][0]["finish_reason"], "stop");
    h.server.shutdown().await;
}

/// A body with the per-response fields (id, created) blanked.
fn normalize(mut v: Value) -> Value {
    if let Some(obj) = v.as_object_mut() {
        obj.remove("id");
        obj.remove("created");
    }
    v
}

async fn transcript(h: &Harness) -> Vec<(u16, Value)> {
    let prompts = [
        TRIAGE_PROMPT,
        "The app crashes on start.",
        "Please add dark mode.",
        ORDER_PROMPT,
    ];
    let mut out = Vec::new();
    for round in 0..6 {
        for p in prompts {
            let mut body = json!({"model": "test/sloppy", "messages": user(p), "tools": tools()});
            if round % 2 == 1 {
                body["models"] = json!(["test/perfect"]);
            }
            let r = h.chat(body).await;
            let status = r.status().as_u16();
            let text = r.text().await.unwrap();
            out.push((
                status,
                normalize(serde_json::from_str(&text).unwrap_or(Value::String(text))),
            ));
        }
    }
    out
}

#[tokio::test]
async fn same_seed_same_sequence_same_bodies() {
    let a = start_with(11, None).await;
    let b = start_with(11, None).await;
    let ta = transcript(&a).await;
    let tb = transcript(&b).await;
    assert_eq!(ta, tb);
    // The sloppy model gets things wrong sometimes, so the transcript is not trivial.
    let distinct: std::collections::HashSet<String> =
        ta.iter().map(|(_, v)| v.to_string()).collect();
    assert!(distinct.len() > 4, "{distinct:?}");
    let c = start_with(12, None).await;
    assert_ne!(
        ta,
        transcript(&c).await,
        "another seed should change something"
    );
    a.server.shutdown().await;
    b.server.shutdown().await;
    c.server.shutdown().await;
}

#[tokio::test]
async fn providers_of_one_model_differ_as_their_endpoints_say() {
    let h = start().await;
    let (status, eps) = h.get("/models/test/swept/endpoints").await;
    assert_eq!(status, 200);
    let endpoints = eps["data"]["endpoints"].as_array().unwrap();
    let tags: Vec<&str> = endpoints
        .iter()
        .map(|e| e["tag"].as_str().unwrap())
        .collect();
    assert_eq!(tags, ["full", "quant", "no-tools"]);
    assert_eq!(endpoints[1]["quantization"], "int4");
    assert_eq!(endpoints[1]["pricing"]["prompt"], "0.0000005");
    assert_eq!(endpoints[0]["pricing"]["prompt"], "0.000001");
    let params = |i: usize| endpoints[i]["supported_parameters"].to_string();
    assert!(params(0).contains("\"tools\""));
    assert!(!params(2).contains("\"tools\""));

    let pinned = |slug: &str| {
        json!({"model": "test/swept", "tools": tools(),
               "provider": {"only": [slug], "allow_fallbacks": false},
               "messages": [{"role": "user", "content": ORDER_PROMPT}]})
    };
    let full: Value = h.chat(pinned("full")).await.json().await.unwrap();
    let quant: Value = h.chat(pinned("quant")).await.json().await.unwrap();
    assert_eq!(full["provider"], "Full");
    assert_eq!(quant["provider"], "Quant");
    // The quantized endpoint gets the case wrong where the full-precision one is right,
    // and bills at its own price.
    assert_ne!(
        full["choices"][0]["message"]["tool_calls"],
        quant["choices"][0]["message"]["tool_calls"]
    );
    let billed = |v: &Value, prompt: f64, completion: f64| {
        let u = &v["usage"];
        let want = u["prompt_tokens"].as_f64().unwrap() * prompt / 1e6
            + u["completion_tokens"].as_f64().unwrap() * completion / 1e6;
        (u["cost"].as_f64().unwrap() - want).abs() < 1e-12
    };
    assert!(billed(&full, 1.0, 2.0), "{}", full["usage"]);
    assert!(billed(&quant, 0.5, 1.0), "{}", quant["usage"]);
    // A request with tools is not served by the endpoint without them.
    let r = h.chat(pinned("no-tools")).await;
    assert_eq!(r.status().as_u16(), 404);
    let err: Value = r.json().await.unwrap();
    assert_eq!(error_type(&err), "no_endpoints");
    h.server.shutdown().await;
}
