//! What endpoints said about failures, per target: OpenRouter's error details as the
//! store keeps them (`attempts.error_metadata`), put in words for the reports — which
//! moderation reasons flagged what, which provider failed and what it answered, why no
//! endpoint could serve and whether asking again could help.
//!
//! The shapes are those of <https://openrouter.ai/docs/api/reference/errors-and-debugging>.
//! Every text here comes from an endpoint: the templates escape and cut it like any
//! other cell.

use routeval_store::ErrorDetailRow;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// Most kinds of error shown per target (the most frequent).
pub const DETAILS_PER_TARGET: usize = 8;

/// Longest provider answer (`raw`) quoted, in characters.
const RAW_CHARS: usize = 200;

/// Attempts of one target that failed with the same details.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorDetail {
    pub dataset: String,
    pub target: String,
    /// `moderation`, `provider`, `availability` or `error`.
    pub kind: &'static str,
    pub status: Option<i64>,
    /// The provider that failed, when the error named one.
    pub provider: Option<String>,
    pub detail: String,
    pub attempts: i64,
}

/// Dataset, target, status, provider and the details in words.
type GroupKey = (String, String, Option<i64>, Option<String>, String);

/// The details of a run's failed attempts, per dataset and target: alike ones counted
/// together, at most [`DETAILS_PER_TARGET`] per target, most frequent first.
pub fn error_details(rows: &[ErrorDetailRow]) -> Vec<ErrorDetail> {
    let mut grouped: BTreeMap<GroupKey, (&'static str, i64)> = BTreeMap::new();
    for row in rows {
        let Ok(meta) = serde_json::from_str::<Value>(&row.error_metadata) else {
            continue;
        };
        let (kind, detail) = describe(&meta);
        let key = (
            row.dataset.clone(),
            row.target.clone(),
            row.status,
            row.served_provider.clone(),
            detail,
        );
        grouped.entry(key).or_insert((kind, 0)).1 += row.attempts;
    }
    let mut out: Vec<ErrorDetail> = grouped
        .into_iter()
        .map(
            |((dataset, target, status, provider, detail), (kind, attempts))| ErrorDetail {
                dataset,
                target,
                kind,
                status,
                provider,
                detail,
                attempts,
            },
        )
        .collect();
    out.sort_by(|a, b| {
        (&a.dataset, &a.target, -a.attempts, &a.detail).cmp(&(
            &b.dataset,
            &b.target,
            -b.attempts,
            &b.detail,
        ))
    });
    let mut shown: BTreeMap<(String, String), usize> = BTreeMap::new();
    out.retain(|d| {
        let n = shown
            .entry((d.dataset.clone(), d.target.clone()))
            .or_default();
        *n += 1;
        *n <= DETAILS_PER_TARGET
    });
    out
}

/// What one error's details say, in words, and their kind.
pub fn describe(meta: &Value) -> (&'static str, String) {
    let text = |key: &str| meta.get(key).and_then(Value::as_str);
    let list = |v: Option<&Value>| -> Option<String> {
        let items: Vec<String> = v?
            .as_array()?
            .iter()
            .map(|i| match i {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect();
        (!items.is_empty()).then(|| items.join(", "))
    };
    let kind = text("error_type")
        .map(|t| format!(" ({t})"))
        .unwrap_or_default();
    if let Some(reasons) = list(meta.get("reasons")) {
        let mut s = format!("moderation: {reasons}");
        if let Some(input) = text("flagged_input") {
            s.push_str(&format!("; flagged input \"{input}\""));
        }
        if let Some(model) = text("model_slug") {
            s.push_str(&format!("; model {model}"));
        }
        if let Some(provider) = text("provider_name") {
            s.push_str(&format!("; by {provider}"));
        }
        return ("moderation", s);
    }
    if let Some(a) = meta.get("availability").filter(|a| a.is_object()) {
        let code = a
            .get("code")
            .and_then(Value::as_str)
            .unwrap_or("unavailable");
        let mut s = format!("no endpoint: {code}");
        match a.get("retryable").and_then(Value::as_bool) {
            Some(true) => s.push_str(", retryable"),
            Some(false) => s.push_str(", not retryable"),
            None => {}
        }
        if let Some(after) = a.get("retry_after").and_then(Value::as_f64) {
            s.push_str(&format!(" after {after} s"));
        }
        if let Some(by) = list(a.get("excluded_by")) {
            s.push_str(&format!("; excluded by {by}"));
        }
        if let Some(providers) = list(a.get("affected_providers")) {
            s.push_str(&format!("; providers {providers}"));
        }
        return ("availability", s);
    }
    if let Some(provider) = text("provider_name") {
        let mut s = format!("provider {provider} failed{kind}");
        if let Some(code) = meta.get("provider_code").filter(|c| !c.is_null()) {
            s.push_str(&format!(
                ", upstream code {}",
                code.as_str()
                    .map_or_else(|| code.to_string(), str::to_string)
            ));
        }
        if let Some(raw) = text("raw") {
            let raw: String = raw.chars().take(RAW_CHARS).collect();
            let more = if raw.len() < text("raw").map_or(0, str::len) {
                "…"
            } else {
                ""
            };
            s.push_str(&format!(": {raw}{more}"));
        }
        return ("provider", s);
    }
    ("error", text("error_type").unwrap_or("error").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_shape_in_words() {
        let (kind, s) = describe(
            &json!({"reasons": ["violence", "harassment"], "flagged_input": "hit him",
            "provider_name": "P", "model_slug": "a/b"}),
        );
        assert_eq!(kind, "moderation");
        assert_eq!(
            s,
            "moderation: violence, harassment; flagged input \"hit him\"; model a/b; by P"
        );
        let (kind, s) = describe(
            &json!({"error_type": "provider_unavailable", "provider_name": "P", "raw": "x".repeat(300)}),
        );
        assert_eq!(kind, "provider");
        assert!(
            s.starts_with("provider P failed (provider_unavailable): xxx") && s.ends_with("x…"),
            "{s}"
        );
        let (kind, s) = describe(
            &json!({"availability": {"code": "no_endpoints", "retryable": false,
            "excluded_by": ["data_policy:zdr", "max_price"]}}),
        );
        assert_eq!(kind, "availability");
        assert_eq!(
            s,
            "no endpoint: no_endpoints, not retryable; excluded by data_policy:zdr, max_price"
        );
    }
}
