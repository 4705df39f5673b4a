//! OpenRouter's wire shapes that are not tied to one endpoint: the error envelope,
//! pricing strings, token estimates.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

/// An error answered with OpenRouter's envelope
/// `{"error":{"code","message","metadata":{"error_type", ...}}}`, with the metadata
/// shapes <https://openrouter.ai/docs/api/reference/errors-and-debugging> documents:
/// `provider_name` and `raw` on a provider's error, `reasons`, `flagged_input`,
/// `provider_name` and `model_slug` on a moderation 403 (both in `metadata`), and a
/// model-availability error's `availability` next to `error_type` and `http_status` in
/// `error` itself.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub(crate) status: u16,
    pub(crate) error_type: &'static str,
    pub(crate) message: String,
    /// Seconds, sent as `Retry-After`.
    pub(crate) retry_after: Option<u64>,
    /// Upstream provider that failed, when it was one.
    pub(crate) provider: Option<String>,
    /// A proxy's HTML error page instead of JSON.
    pub(crate) html: bool,
    /// More `metadata` fields (`raw`, `reasons`, `flagged_input`, `model_slug`...).
    pub(crate) metadata: Box<serde_json::Map<String, Value>>,
    /// `availability` of a model-availability error.
    pub(crate) availability: Option<Box<Value>>,
}

impl ApiError {
    pub(crate) fn new(status: u16, error_type: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            error_type,
            message: message.into(),
            retry_after: None,
            provider: None,
            html: false,
            metadata: Box::default(),
            availability: None,
        }
    }

    /// `metadata.<key> = value`.
    pub(crate) fn with(mut self, key: &str, value: Value) -> Self {
        self.metadata.insert(key.to_string(), value);
        self
    }

    /// A model-availability error's `availability` object.
    pub(crate) fn with_availability(mut self, availability: Value) -> Self {
        self.availability = Some(Box::new(availability));
        self
    }

    /// An error for a status, with the error_type OpenRouter uses for it.
    pub(crate) fn status(status: u16, message: impl Into<String>) -> Self {
        Self::new(status, error_type_for(status), message)
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::new(400, "invalid_request", message)
    }

    pub(crate) fn body(&self) -> Value {
        let mut metadata = json!({ "error_type": self.error_type });
        if let Some(p) = &self.provider {
            metadata["provider_name"] = json!(p);
        }
        for (k, v) in self.metadata.iter() {
            metadata[k] = v.clone();
        }
        let mut error =
            json!({ "code": self.status, "message": self.message, "metadata": metadata });
        if let Some(a) = &self.availability {
            error["availability"] = (**a).clone();
            error["error_type"] = json!(self.error_type);
            error["http_status"] = json!(self.status);
        }
        json!({ "error": error })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = if self.html {
            let page = format!(
                "<html>\r\n<head><title>{0} Bad Gateway</title></head>\r\n<body>\r\n<center><h1>{0} Bad Gateway</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n",
                self.status
            );
            (
                status,
                [(header::CONTENT_TYPE, "text/html; charset=UTF-8")],
                page,
            )
                .into_response()
        } else {
            (status, axum::Json(self.body())).into_response()
        };
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

/// OpenRouter's `error_type` for an HTTP status.
pub(crate) fn error_type_for(status: u16) -> &'static str {
    match status {
        400 => "invalid_request",
        401 => "authentication",
        402 => "payment_required",
        403 => "permission_denied",
        404 => "not_found",
        408 | 504 | 524 => "timeout",
        412 => "precondition_failed",
        413 => "payload_too_large",
        422 => "unprocessable",
        429 => "rate_limit_exceeded",
        500 => "server",
        502 => "provider_unavailable",
        503 | 529 => "provider_overloaded",
        _ => "unmapped",
    }
}

/// USD per million tokens → OpenRouter's per-token decimal string ("2.5" → "0.0000025"),
/// shifted as text so no float noise ends up in the catalog.
pub(crate) fn per_token_string(per_million: f64) -> String {
    let s = format!("{per_million}");
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    let digits = format!("{int}{frac}");
    let point = int.len() as i64 - 6;
    let (int, frac) = if point <= 0 {
        (
            "0".to_string(),
            format!("{}{digits}", "0".repeat((-point) as usize)),
        )
    } else {
        let point = point as usize;
        (digits[..point].to_string(), digits[point..].to_string())
    };
    let int = int.trim_start_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        int.to_string()
    } else {
        format!("{int}.{frac}")
    }
}

/// Tokens for a number of characters: one per four, rounded up.
pub(crate) fn tokens_for_chars(chars: usize) -> u64 {
    chars.div_ceil(4) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_become_exact_strings() {
        assert_eq!(per_token_string(2.5), "0.0000025");
        assert_eq!(per_token_string(10.0), "0.00001");
        assert_eq!(per_token_string(0.06), "0.00000006");
        assert_eq!(per_token_string(0.0), "0");
        assert_eq!(per_token_string(1_500_000.0), "1.5");
        assert_eq!(per_token_string(12_000_000.0), "12");
    }

    #[test]
    fn error_body_is_openrouter_shaped() {
        let e = ApiError::status(503, "busy");
        assert_eq!(
            e.body(),
            json!({"error": {"code": 503, "message": "busy", "metadata": {"error_type": "provider_overloaded"}}})
        );
    }
}
