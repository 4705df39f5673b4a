//! Failure classes. Every attempt that does not end in a usable answer is recorded
//! with exactly one class; chains fall back on families of classes.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What went wrong with one attempt, or with a whole case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorClass {
    // Transport.
    Connect,
    Tls,
    Dns,
    Transport,
    // Timeouts.
    TimeoutConnect,
    TimeoutFirstByte,
    TimeoutIdle,
    TimeoutTotal,
    // HTTP statuses.
    BadRequest,
    Unauthorized,
    PaymentRequired,
    Forbidden,
    NotFound,
    RequestTimeout,
    PayloadTooLarge,
    Unprocessable,
    RateLimited,
    ServerError,
    BadGateway,
    Unavailable,
    GatewayTimeout,
    HttpOther,
    // Body and stream.
    StreamCut,
    StreamError,
    Malformed,
    EmptyChoices,
    /// The endpoint sent more than a limit allows (a body, an event, tool calls, choices):
    /// reading stopped there.
    Oversized,
    // Finish reasons that leave no usable answer.
    Refusal,
    ContentFilter,
    Length,
    // Validation of the answer (reference-free checks).
    InvalidJson,
    SchemaInvalid,
    InvalidToolCall,
    // Governance.
    BudgetExhausted,
}

/// Families a chain names in `fallback_on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureFamily {
    Transport,
    Timeout,
    RateLimited,
    ServerError,
    ClientError,
    Malformed,
    Refusal,
    Length,
    SchemaInvalid,
    Budget,
}

impl ErrorClass {
    pub const ALL: [ErrorClass; 34] = [
        Self::Connect,
        Self::Tls,
        Self::Dns,
        Self::Transport,
        Self::TimeoutConnect,
        Self::TimeoutFirstByte,
        Self::TimeoutIdle,
        Self::TimeoutTotal,
        Self::BadRequest,
        Self::Unauthorized,
        Self::PaymentRequired,
        Self::Forbidden,
        Self::NotFound,
        Self::RequestTimeout,
        Self::PayloadTooLarge,
        Self::Unprocessable,
        Self::RateLimited,
        Self::ServerError,
        Self::BadGateway,
        Self::Unavailable,
        Self::GatewayTimeout,
        Self::HttpOther,
        Self::StreamCut,
        Self::StreamError,
        Self::Malformed,
        Self::EmptyChoices,
        Self::Oversized,
        Self::Refusal,
        Self::ContentFilter,
        Self::Length,
        Self::InvalidJson,
        Self::SchemaInvalid,
        Self::InvalidToolCall,
        Self::BudgetExhausted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Connect => "connect",
            Self::Tls => "tls",
            Self::Dns => "dns",
            Self::Transport => "transport",
            Self::TimeoutConnect => "timeout_connect",
            Self::TimeoutFirstByte => "timeout_first_byte",
            Self::TimeoutIdle => "timeout_idle",
            Self::TimeoutTotal => "timeout_total",
            Self::BadRequest => "bad_request",
            Self::Unauthorized => "unauthorized",
            Self::PaymentRequired => "payment_required",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::RequestTimeout => "request_timeout",
            Self::PayloadTooLarge => "payload_too_large",
            Self::Unprocessable => "unprocessable",
            Self::RateLimited => "rate_limited",
            Self::ServerError => "server_error",
            Self::BadGateway => "bad_gateway",
            Self::Unavailable => "unavailable",
            Self::GatewayTimeout => "gateway_timeout",
            Self::HttpOther => "http_other",
            Self::StreamCut => "stream_cut",
            Self::StreamError => "stream_error",
            Self::Malformed => "malformed",
            Self::EmptyChoices => "empty_choices",
            Self::Oversized => "oversized",
            Self::Refusal => "refusal",
            Self::ContentFilter => "content_filter",
            Self::Length => "length",
            Self::InvalidJson => "invalid_json",
            Self::SchemaInvalid => "schema_invalid",
            Self::InvalidToolCall => "invalid_tool_call",
            Self::BudgetExhausted => "budget_exhausted",
        }
    }

    /// Class of an HTTP error status.
    pub fn from_status(status: u16) -> Self {
        match status {
            400 => Self::BadRequest,
            401 => Self::Unauthorized,
            402 => Self::PaymentRequired,
            403 => Self::Forbidden,
            404 => Self::NotFound,
            408 => Self::RequestTimeout,
            413 => Self::PayloadTooLarge,
            422 => Self::Unprocessable,
            429 => Self::RateLimited,
            500 => Self::ServerError,
            502 => Self::BadGateway,
            503 | 529 => Self::Unavailable,
            504 | 524 => Self::GatewayTimeout,
            _ => Self::HttpOther,
        }
    }

    pub fn family(self) -> FailureFamily {
        use FailureFamily as F;
        match self {
            Self::Connect | Self::Tls | Self::Dns | Self::Transport => F::Transport,
            Self::TimeoutConnect
            | Self::TimeoutFirstByte
            | Self::TimeoutIdle
            | Self::TimeoutTotal
            | Self::RequestTimeout
            | Self::GatewayTimeout => F::Timeout,
            Self::RateLimited => F::RateLimited,
            Self::ServerError | Self::BadGateway | Self::Unavailable | Self::HttpOther => {
                F::ServerError
            }
            Self::BadRequest
            | Self::Unauthorized
            | Self::PaymentRequired
            | Self::Forbidden
            | Self::NotFound
            | Self::PayloadTooLarge
            | Self::Unprocessable => F::ClientError,
            Self::StreamCut
            | Self::StreamError
            | Self::Malformed
            | Self::EmptyChoices
            | Self::Oversized => F::Malformed,
            Self::Refusal | Self::ContentFilter => F::Refusal,
            Self::Length => F::Length,
            Self::InvalidJson | Self::SchemaInvalid | Self::InvalidToolCall => F::SchemaInvalid,
            Self::BudgetExhausted => F::Budget,
        }
    }

    /// Whether sending the same request again may succeed. 4xx other than
    /// 408/429 are final: repeating them only repeats the bill, and so is `oversized`
    /// (an endpoint that sent 50 MB once is not asked for it again).
    pub fn is_transient(self) -> bool {
        matches!(
            self.family(),
            FailureFamily::Transport
                | FailureFamily::Timeout
                | FailureFamily::RateLimited
                | FailureFamily::ServerError
        ) || matches!(
            self,
            Self::StreamCut | Self::StreamError | Self::Malformed | Self::EmptyChoices
        )
    }
}

impl FailureFamily {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Transport => "transport",
            Self::Timeout => "timeout",
            Self::RateLimited => "rate_limited",
            Self::ServerError => "server_error",
            Self::ClientError => "client_error",
            Self::Malformed => "malformed",
            Self::Refusal => "refusal",
            Self::Length => "length",
            Self::SchemaInvalid => "schema_invalid",
            Self::Budget => "budget",
        }
    }
}

impl fmt::Display for ErrorClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ErrorClass {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| format!("unknown error class `{s}`"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for class in ErrorClass::ALL {
            assert_eq!(class.as_str().parse::<ErrorClass>(), Ok(class));
            let json = serde_json::to_string(&class).unwrap();
            assert_eq!(json, format!("\"{}\"", class.as_str()));
        }
    }

    #[test]
    fn client_errors_are_final() {
        for status in [400, 401, 403, 404, 413] {
            assert!(!ErrorClass::from_status(status).is_transient(), "{status}");
        }
        for status in [408, 429, 500, 502, 503, 504] {
            assert!(ErrorClass::from_status(status).is_transient(), "{status}");
        }
    }

    #[test]
    fn oversized_is_a_final_malformed_answer() {
        assert_eq!(ErrorClass::Oversized.family(), FailureFamily::Malformed);
        assert!(!ErrorClass::Oversized.is_transient());
        assert_eq!("oversized".parse(), Ok(ErrorClass::Oversized));
    }
}
