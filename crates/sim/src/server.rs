//! The HTTP side: shared state, routes, the model catalog and generation stats.

use crate::cases::CaseIndex;
use crate::profiles::{ModelProfile, Profiles};
use crate::rng::{fnv1a, mix, Draws};
use crate::wire::{per_token_string, ApiError};
use crate::SimConfig;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use routeval_core::config::DataCollection;
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// Generation stats kept for `/generation`.
const KEPT_GENERATIONS: usize = 100_000;

/// Unix time the simulated models claim to have been released (2025-01-01).
const CATALOG_CREATED: u64 = 1_735_689_600;

pub(crate) struct Sim {
    pub(crate) profiles: Profiles,
    pub(crate) seed: u64,
    pub(crate) latency_scale: f64,
    api_key: Option<String>,
    pub(crate) cases: CaseIndex,
    /// Requests per (model, prompt hash, message count): the draw counter.
    draw_counters: Mutex<HashMap<(String, u64, usize), u64>>,
    /// Requests per (model, prompt hash): the script position.
    script_counters: Mutex<HashMap<(String, u64), u64>>,
    pub(crate) requests: AtomicU64,
    pub(crate) per_model: Mutex<HashMap<String, u64>>,
    generations: Mutex<Generations>,
    gen_seq: AtomicU64,
    /// Per-server salt so two simulators never hand out the same generation id.
    salt: u64,
}

#[derive(Default)]
struct Generations {
    by_id: HashMap<String, Value>,
    order: VecDeque<String>,
}

/// A poisoned lock only means another request panicked; the counters are still usable.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Sim {
    pub(crate) fn new(config: SimConfig, cases: CaseIndex) -> Self {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        Self {
            profiles: config.profiles,
            seed: config.seed,
            latency_scale: config.latency_scale.max(0.0),
            api_key: config.api_key,
            cases,
            draw_counters: Mutex::default(),
            script_counters: Mutex::default(),
            requests: AtomicU64::new(0),
            per_model: Mutex::default(),
            generations: Mutex::default(),
            gen_seq: AtomicU64::new(0),
            salt: mix(now ^ u64::from(std::process::id())),
        }
    }

    pub(crate) fn check_auth(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        let Some(key) = &self.api_key else {
            return Ok(());
        };
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if given == Some(key.as_str()) {
            Ok(())
        } else {
            Err(ApiError::new(
                401,
                "authentication",
                "No auth credentials found or the key is invalid",
            ))
        }
    }

    /// Draws for the next request of this prompt on this model, and the request's
    /// position in the model's script for the prompt.
    /// The draws of the next request of `prompt` on `model`. `lane` keeps its own count
    /// of repeats (a request pinned to one provider): the first request of a case on
    /// each provider draws alike, so providers of one model compare case by case.
    pub(crate) fn next_draws(
        &self,
        model: &str,
        lane: &str,
        prompt: &str,
        messages: usize,
    ) -> (Draws, u64) {
        let prompt_hash = fnv1a(prompt.as_bytes());
        let counter = {
            let mut counters = lock(&self.draw_counters);
            let c = counters
                .entry((format!("{model}\u{0}{lane}"), prompt_hash, messages))
                .or_insert(0);
            *c += 1;
            *c - 1
        };
        let script_pos = {
            let mut counters = lock(&self.script_counters);
            let c = counters
                .entry((model.to_string(), prompt_hash))
                .or_insert(0);
            *c += 1;
            *c - 1
        };
        (
            Draws::new(self.seed, model, prompt, messages, counter),
            script_pos,
        )
    }

    pub(crate) fn new_generation_id(&self) -> String {
        let n = self.gen_seq.fetch_add(1, Ordering::Relaxed);
        format!("gen-{:016x}", mix(self.salt ^ mix(n)))
    }

    pub(crate) fn record_generation(&self, id: &str, stats: Value) {
        let mut g = lock(&self.generations);
        g.by_id.insert(id.to_string(), stats);
        g.order.push_back(id.to_string());
        while g.order.len() > KEPT_GENERATIONS {
            if let Some(old) = g.order.pop_front() {
                g.by_id.remove(&old);
            }
        }
    }
}

pub(crate) fn router(sim: Arc<Sim>) -> Router {
    Router::new()
        .route(
            "/api/v1/chat/completions",
            post(crate::chat::chat_completions),
        )
        .route("/api/v1/models", get(models))
        .route("/api/v1/models/{author}/{slug}/endpoints", get(endpoints))
        .route("/api/v1/generation", get(generation))
        .fallback(not_found)
        // Long conversations with tool definitions exceed axum's 2 MB default.
        .layer(DefaultBodyLimit::max(64 * 1024 * 1024))
        .with_state(sim)
}

async fn not_found() -> Response {
    ApiError::status(404, "Not Found").into_response()
}

/// `supported_parameters` of a model.
fn supported_parameters(m: &ModelProfile) -> Vec<&'static str> {
    let mut params = vec!["temperature", "top_p", "max_tokens", "seed", "stop"];
    if m.supports_tools {
        params.extend(["tools", "tool_choice", "parallel_tool_calls"]);
    }
    if m.supports_response_format {
        params.extend(["response_format", "structured_outputs"]);
    }
    params
}

/// The catalog's `pricing`: null for an unpriced model.
fn pricing(m: &ModelProfile) -> Value {
    if m.unpriced {
        return Value::Null;
    }
    json!({
        "prompt": per_token_string(m.prompt_price),
        "completion": per_token_string(m.completion_price),
        "request": "0",
        "image": "0",
        "web_search": "0",
        "internal_reasoning": "0",
    })
}

fn architecture() -> Value {
    json!({
        "modality": "text->text",
        "input_modalities": ["text"],
        "output_modalities": ["text"],
        "tokenizer": "Other",
        "instruct_type": null,
    })
}

async fn models(State(sim): State<Arc<Sim>>, headers: HeaderMap) -> Response {
    if let Err(e) = sim.check_auth(&headers) {
        return e.into_response();
    }
    let data: Vec<Value> = sim
        .profiles
        .models
        .iter()
        .enumerate()
        .map(|(i, (id, m))| {
            json!({
                "id": id,
                "canonical_slug": id,
                "name": m.name,
                "created": CATALOG_CREATED + i as u64 * 86_400,
                "description": m.description,
                "context_length": m.context_length,
                "architecture": architecture(),
                "pricing": pricing(m),
                "top_provider": {
                    "context_length": m.context_length,
                    "max_completion_tokens": m.max_completion_tokens,
                    "is_moderated": false,
                },
                "per_request_limits": null,
                "supported_parameters": supported_parameters(m),
                "default_parameters": {},
                "links": { "details": format!("/api/v1/models/{id}/endpoints") },
            })
        })
        .collect();
    Json(json!({ "data": data })).into_response()
}

/// Uptime a provider would show: the share of requests that do not fail upstream.
fn uptime_percent(m: &ModelProfile) -> f64 {
    let f = &m.failures;
    let failing = f.server_error + f.timeout + f.cut_stream + f.malformed;
    ((1.0 - failing) * 10_000.0).round() / 100.0
}

async fn endpoints(
    State(sim): State<Arc<Sim>>,
    headers: HeaderMap,
    Path((author, slug)): Path<(String, String)>,
) -> Response {
    if let Err(e) = sim.check_auth(&headers) {
        return e.into_response();
    }
    let id = format!("{author}/{slug}");
    let Some(m) = sim.profiles.model(&id) else {
        return ApiError::new(404, "not_found", format!("No model named `{id}`")).into_response();
    };
    let endpoints: Vec<Value> = m
        .providers
        .iter()
        .map(|p| {
            let m = p.serving(m);
            let m: &ModelProfile = &m;
            let ttft = m.ttft_ms as f64 / 1000.0;
            json!({
                "name": format!("{}: {}", p.name, m.name),
                "model_id": id,
                "model_name": m.name,
                "provider_name": p.name,
                "tag": p.slug,
                "quantization": p.quantization,
                "context_length": m.context_length,
                "max_prompt_tokens": m.context_length,
                "max_completion_tokens": m.max_completion_tokens,
                "pricing": pricing(m),
                "supported_parameters": supported_parameters(m),
                "supports_implicit_caching": false,
                "status": 0,
                "uptime_last_30m": uptime_percent(m),
                "latency_last_30m": { "p50": ttft, "p75": ttft * 1.15, "p90": ttft * 1.3, "p99": ttft * 1.8 },
                "throughput_last_30m": {
                    "p50": m.tokens_per_s,
                    "p75": m.tokens_per_s * 0.9,
                    "p90": m.tokens_per_s * 0.8,
                    "p99": m.tokens_per_s * 0.6,
                },
                "data_policy": {
                    "zdr": p.zdr,
                    "data_collection": match p.data_collection {
                        DataCollection::Allow => "allow",
                        DataCollection::Deny => "deny",
                    },
                },
            })
        })
        .collect();
    Json(json!({
        "data": {
            "id": id,
            "name": m.name,
            "created": CATALOG_CREATED,
            "description": m.description,
            "architecture": architecture(),
            "endpoints": endpoints,
        }
    }))
    .into_response()
}

async fn generation(
    State(sim): State<Arc<Sim>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Err(e) = sim.check_auth(&headers) {
        return e.into_response();
    }
    let Some(id) = query.get("id") else {
        return ApiError::invalid("query parameter `id` is required").into_response();
    };
    let stats = lock(&sim.generations).by_id.get(id).cloned();
    match stats {
        Some(data) => Json(json!({ "data": data })).into_response(),
        None => {
            ApiError::new(404, "not_found", format!("Generation {id} not found")).into_response()
        }
    }
}
