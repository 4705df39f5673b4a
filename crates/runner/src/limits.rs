//! Per-route limits: requests in flight, requests per minute, and a pause after a
//! 429 so a rate-limit storm slows the route down instead of hammering it.

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// Requests in flight on a route that sets no limit of its own.
const DEFAULT_ROUTE_CONCURRENCY: u32 = 64;

#[derive(Debug)]
pub struct RouteLimiter {
    permits: std::sync::Arc<Semaphore>,
    rate: Option<DefaultDirectRateLimiter>,
    paused_until: Mutex<Option<Instant>>,
}

impl RouteLimiter {
    pub fn new(concurrency: Option<u32>, rpm: Option<u32>) -> Self {
        let rate = rpm.and_then(NonZeroU32::new).map(|rpm| {
            // A burst of a tenth of a minute's allowance, then a steady pace.
            let burst = NonZeroU32::new((rpm.get() / 10).max(1)).unwrap_or(NonZeroU32::MIN);
            RateLimiter::direct(Quota::per_minute(rpm).allow_burst(burst))
        });
        Self {
            permits: std::sync::Arc::new(Semaphore::new(
                concurrency.unwrap_or(DEFAULT_ROUTE_CONCURRENCY) as usize,
            )),
            rate,
            paused_until: Mutex::new(None),
        }
    }

    /// Wait for a slot on this route: a concurrency permit, the end of any pause,
    /// and the rate limiter's go.
    pub async fn acquire(&self) -> OwnedSemaphorePermit {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .expect("route semaphore is never closed");
        loop {
            let until = *self.paused_until.lock().unwrap_or_else(|p| p.into_inner());
            match until {
                Some(t) if t > Instant::now() => tokio::time::sleep_until(t).await,
                _ => break,
            }
        }
        if let Some(rate) = &self.rate {
            rate.until_ready().await;
        }
        permit
    }

    /// Hold every request on this route for `wait` (from a 429's Retry-After).
    pub fn pause_for(&self, wait: Duration) {
        let until = Instant::now() + wait;
        let mut guard = self.paused_until.lock().unwrap_or_else(|p| p.into_inner());
        if guard.is_none_or(|t| t < until) {
            *guard = Some(until);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn pause_holds_new_requests() {
        let limiter = RouteLimiter::new(Some(2), None);
        limiter.pause_for(Duration::from_secs(5));
        let start = Instant::now();
        let _p = limiter.acquire().await;
        assert!(start.elapsed() >= Duration::from_secs(5));
    }

    #[tokio::test]
    async fn concurrency_is_bounded() {
        let limiter = std::sync::Arc::new(RouteLimiter::new(Some(1), None));
        let first = limiter.acquire().await;
        let l2 = limiter.clone();
        let waiter = tokio::spawn(async move { l2.acquire().await });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiter.is_finished());
        drop(first);
        drop(waiter.await.unwrap());
    }
}
