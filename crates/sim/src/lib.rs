//! The built-in OpenRouter-shaped simulator: a real HTTP server on loopback that
//! stands in for the network, so routeval can be tried, tested and demonstrated
//! without an API key or spend.
//!
//! This crate owns the simulated models (`profiles.toml`), the OpenRouter wire
//! format on the server side (`/chat/completions` plain and streamed, `/models`,
//! `/models/{author}/{slug}/endpoints`, `/generation`, the error envelope), and how
//! simulated models behave: provider routing and model fallbacks, latency, faults
//! (rate limits, 5xx, cut streams, malformed bodies, hangs) and answers that are
//! right with the model's `quality` and otherwise wrong in realistic ways.
//!
//! Answers come from the datasets' reference answers, looked up by each case's
//! first user message. Every random choice is a hash of the seed and the request,
//! so the same seed and the same request sequence give the same responses.

mod answer;
mod cases;
mod chat;
pub mod hostile;
mod judge;
mod probe;
mod profiles;
mod request;
mod rng;
mod server;
mod wire;

pub use hostile::{serve_hostile, HostileServer};
pub use profiles::{Failures, Fault, Mistakes, ModelProfile, Profiles, Provider};

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// How to run a simulator.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Model profiles.
    pub profiles: Profiles,
    /// JSONL datasets whose reference answers the simulated models know.
    pub case_files: Vec<PathBuf>,
    pub seed: u64,
    /// Multiplies every simulated delay (0.0 = instant, 1.0 = realistic).
    pub latency_scale: f64,
    /// When set, requests without `Authorization: Bearer <key>` get 401.
    pub api_key: Option<String>,
}

/// A running simulator. Dropping it stops the server in the background;
/// [`SimServer::shutdown`] stops it and waits.
pub struct SimServer {
    addr: SocketAddr,
    sim: Arc<server::Sim>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

/// Start a simulator on `addr` (port 0 picks a free port).
pub async fn serve(config: SimConfig, addr: SocketAddr) -> std::io::Result<SimServer> {
    let cases = cases::CaseIndex::load(&config.case_files)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()))?;
    tracing::debug!(
        cases = cases.len(),
        models = config.profiles.models.len(),
        "simulator loaded"
    );
    let sim = Arc::new(server::Sim::new(config, cases));
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = oneshot::channel::<()>();
    let app = server::router(sim.clone());
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                // A dropped sender stops the server as well.
                let _ = stopped.await;
            })
            .await
    });
    Ok(SimServer {
        addr,
        sim,
        stop: Some(stop),
        task: Some(task),
    })
}

impl SimServer {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT/api/v1`.
    pub fn base_url(&self) -> String {
        base_url(self.addr)
    }

    /// Chat-completion requests received, whatever their outcome.
    pub fn requests(&self) -> u64 {
        self.sim.requests.load(Ordering::Relaxed)
    }

    /// Chat-completion requests whose `model` field named `model`.
    pub fn requests_for(&self, model: &str) -> u64 {
        server::lock(&self.sim.per_model)
            .get(model)
            .copied()
            .unwrap_or(0)
    }

    /// Stop accepting, let in-flight responses finish (for up to five seconds), stop.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut task) = self.task.take() {
            // A hanging `timeout` fault must not hold shutdown for its full duration.
            if tokio::time::timeout(Duration::from_secs(5), &mut task)
                .await
                .is_err()
            {
                task.abort();
            }
        }
    }
}

impl Drop for SimServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl std::fmt::Debug for SimServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

/// The OpenRouter-shaped base URL of a server bound to `addr` (loopback when bound to
/// every address).
pub(crate) fn base_url(mut addr: SocketAddr) -> String {
    if addr.ip().is_unspecified() {
        addr.set_ip(Ipv4Addr::LOCALHOST.into());
    }
    format!("http://{addr}/api/v1")
}
