//! Retry policy: which failures are worth another try, and how long to wait first.

use routeval_core::config::RetryConfig;
use routeval_core::ErrorClass;
use std::time::{Duration, SystemTime};

/// Longest wait a server's Retry-After may impose before we give up on it.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(300);

#[derive(Debug, Clone)]
pub struct RetryPolicy {
    pub attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl From<&RetryConfig> for RetryPolicy {
    fn from(c: &RetryConfig) -> Self {
        Self {
            attempts: c.attempts,
            base_delay: Duration::from_millis(c.base_delay_ms),
            max_delay: Duration::from_millis(c.max_delay_ms),
        }
    }
}

impl RetryPolicy {
    /// The wait before attempt `next_attempt` (1-based count of retries so far), or
    /// `None` when the failure is final or the attempts are spent.
    ///
    /// A server's Retry-After wins over our own backoff: it knows its limits. Our
    /// backoff is exponential with "equal jitter" (half fixed, half random), so a burst
    /// of failures does not come back as a burst of retries.
    ///
    /// `retryable` is a model-availability error's `availability.retryable`, and it
    /// decides over the class: OpenRouter's errors page says to always branch on it,
    /// and its retry guidance never retries 404 unless it says so
    /// (<https://openrouter.ai/docs/api/reference/errors-and-debugging>). Its
    /// `retry_after` arrives here as `retry_after` when no header gave one.
    pub fn delay(
        &self,
        class: ErrorClass,
        retries_so_far: u32,
        retry_after: Option<Duration>,
        retryable: Option<bool>,
        jitter_seed: u64,
    ) -> Option<Duration> {
        // A 402 with Retry-After is OpenRouter's in-flight budget limit: wait and retry.
        // Without the header it means no credits, and retrying only repeats the refusal.
        let retryable = retryable.unwrap_or_else(|| {
            class.is_transient() || (class == ErrorClass::PaymentRequired && retry_after.is_some())
        });
        if !retryable || retries_so_far + 1 >= self.attempts {
            return None;
        }
        if let Some(wait) = retry_after {
            if wait > MAX_RETRY_AFTER {
                return None;
            }
            return Some(wait);
        }
        let exp = self
            .base_delay
            .saturating_mul(1u32 << retries_so_far.min(16));
        let capped = exp.min(self.max_delay);
        let half = capped / 2;
        let jitter = (splitmix64(jitter_seed) % 1_000) as u32;
        Some(half + half.mul_f64(f64::from(jitter) / 1_000.0))
    }
}

/// Parse a Retry-After header value: delta-seconds or an HTTP date.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// Parse `X-RateLimit-Reset`: an epoch timestamp in milliseconds (OpenRouter) or
/// seconds, or a number of seconds to wait.
pub fn parse_rate_limit_reset(value: &str) -> Option<Duration> {
    let v: f64 = value
        .trim()
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite() && *v >= 0.0)?;
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .ok()?
        .as_secs_f64();
    let wait = if v > 1e12 {
        v / 1e3 - now
    } else if v > 1e9 {
        v - now
    } else {
        v
    };
    Some(Duration::from_secs_f64(wait.max(0.0)))
}

/// A well-mixed 64-bit hash step, for jitter and ids without a RNG dependency.
pub fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            attempts: 4,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
        }
    }

    #[test]
    fn final_classes_are_not_retried() {
        assert_eq!(
            policy().delay(ErrorClass::BadRequest, 0, None, None, 1),
            None
        );
        assert_eq!(
            policy().delay(ErrorClass::Unauthorized, 0, None, None, 1),
            None
        );
    }

    #[test]
    fn attempts_are_bounded() {
        assert!(policy()
            .delay(ErrorClass::ServerError, 2, None, None, 1)
            .is_some());
        assert_eq!(
            policy().delay(ErrorClass::ServerError, 3, None, None, 1),
            None
        );
    }

    #[test]
    fn backoff_grows_with_jitter_and_cap() {
        for seed in 0..50 {
            let d0 = policy()
                .delay(ErrorClass::BadGateway, 0, None, None, seed)
                .unwrap();
            assert!(
                d0 >= Duration::from_millis(50) && d0 <= Duration::from_millis(100),
                "{d0:?}"
            );
            let d2 = policy()
                .delay(ErrorClass::BadGateway, 2, None, None, seed)
                .unwrap();
            assert!(
                d2 >= Duration::from_millis(200) && d2 <= Duration::from_millis(400),
                "{d2:?}"
            );
        }
        let big = RetryPolicy {
            attempts: 40,
            ..policy()
        };
        assert!(
            big.delay(ErrorClass::BadGateway, 30, None, None, 3)
                .unwrap()
                <= Duration::from_millis(1000)
        );
    }

    #[test]
    fn retry_after_wins() {
        let d = policy().delay(
            ErrorClass::RateLimited,
            0,
            Some(Duration::from_secs(3)),
            None,
            1,
        );
        assert_eq!(d, Some(Duration::from_secs(3)));
    }

    #[test]
    fn availability_decides_over_the_status() {
        // 503 is worth another try, unless OpenRouter says it is not.
        assert_eq!(
            policy().delay(ErrorClass::Unavailable, 0, None, Some(false), 1),
            None
        );
        // 404 is final, unless OpenRouter says it is worth another try.
        let wait = Some(Duration::from_secs(2));
        assert_eq!(
            policy().delay(ErrorClass::NotFound, 0, wait, Some(true), 1),
            wait
        );
    }

    #[test]
    fn payment_required_is_retried_only_when_told_when() {
        assert_eq!(
            policy().delay(ErrorClass::PaymentRequired, 0, None, None, 1),
            None
        );
        let wait = Some(Duration::from_secs(2));
        assert_eq!(
            policy().delay(ErrorClass::PaymentRequired, 0, wait, None, 1),
            wait
        );
    }

    #[test]
    fn parses_rate_limit_reset() {
        let now_ms = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_millis() as f64;
        let d = parse_rate_limit_reset(&format!("{}", now_ms + 5_000.0)).unwrap();
        assert!(
            d > Duration::from_secs(4) && d <= Duration::from_secs(5),
            "{d:?}"
        );
        assert_eq!(parse_rate_limit_reset("3"), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_rate_limit_reset("1000"),
            Some(Duration::from_secs(1000))
        );
        assert_eq!(parse_rate_limit_reset("x"), None);
    }

    #[test]
    fn parses_seconds_and_dates() {
        assert_eq!(parse_retry_after("2"), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after(" 0.5 "), Some(Duration::from_millis(500)));
        let future = SystemTime::now() + Duration::from_secs(30);
        let d = parse_retry_after(&httpdate::fmt_http_date(future)).unwrap();
        assert!(
            d > Duration::from_secs(27) && d <= Duration::from_secs(30),
            "{d:?}"
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }
}
