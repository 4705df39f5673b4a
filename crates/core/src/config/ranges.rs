//! Range checks of every number a suite sets, and of every endpoint's address and
//! headers, at load: a value the runner cannot use is refused here, located by file,
//! line and key, instead of failing (or panicking) once a run has started.

use super::{Endpoint, MaxPrice, Route, RoutePrice, Suite};
use crate::error::LoadError;
use crate::locate::toml_key_line;

/// Longest timeout a suite may set, in seconds: one day.
pub const MAX_TIMEOUT_S: f64 = 86_400.0;
/// Longest retry delay a suite may set, in milliseconds: one day.
pub const MAX_RETRY_DELAY_MS: u64 = 86_400_000;

/// A number that must lie in a range, with how to say so.
enum Rule {
    /// At least 1 (counts: repeats, concurrency, attempts).
    AtLeastOne,
    /// Finite and above 0 (USD amounts).
    Positive,
    /// Finite and not negative (prices).
    NotNegative,
    /// In [0, 1] (acceptance rates).
    Fraction,
    /// Finite, above 0 and at most a day (timeouts in seconds).
    Seconds,
}

impl Rule {
    fn check(&self, v: f64) -> Result<(), String> {
        let (ok, want) = match self {
            Rule::AtLeastOne => (v >= 1.0, "must be at least 1".to_string()),
            Rule::Positive => (
                v.is_finite() && v > 0.0,
                "must be a finite amount above 0".to_string(),
            ),
            Rule::NotNegative => (
                v.is_finite() && v >= 0.0,
                "must be a finite number, 0 or more".to_string(),
            ),
            Rule::Fraction => (
                (0.0..=1.0).contains(&v),
                "must be between 0 and 1".to_string(),
            ),
            Rule::Seconds => (
                v.is_finite() && v > 0.0 && v <= MAX_TIMEOUT_S,
                format!("must be a number of seconds above 0 and at most {MAX_TIMEOUT_S} (a day)"),
            ),
        };
        if ok {
            Ok(())
        } else {
            Err(format!("{want}; got {v:?}"))
        }
    }
}

impl Suite {
    /// Every numeric setting in its range, every endpoint's base_url an http(s) URL and
    /// its headers sendable; the first problem, located.
    pub(super) fn check_ranges(&self, text: &str) -> Result<(), LoadError> {
        let located = |keys: &[&str], message: String| {
            let mut e = LoadError::new(&self.path, message).with_key(keys.join("."));
            e.line = toml_key_line(text, keys);
            e
        };
        let check = |keys: &[&str], rule: Rule, v: f64| rule.check(v).map_err(|m| located(keys, m));
        check(&["repeats"], Rule::AtLeastOne, f64::from(self.repeats))?;
        check(
            &["concurrency"],
            Rule::AtLeastOne,
            f64::from(self.concurrency),
        )?;
        if let Some(budget) = self.budget_usd {
            check(&["budget_usd"], Rule::Positive, budget)?;
        }
        check(&["min_acceptance"], Rule::Fraction, self.min_acceptance)?;
        for (name, endpoint) in &self.endpoints {
            check_endpoint(endpoint).map_err(|(key, m)| {
                let mut keys = vec!["endpoints", name.as_str()];
                keys.extend(key.iter().map(String::as_str));
                located(&keys, m)
            })?;
        }
        for (name, route) in &self.routes {
            for (key, rule, v) in route_numbers(route) {
                let mut keys = vec!["routes", name.as_str()];
                keys.extend(key.iter().copied());
                check(&keys, rule, v)?;
            }
            let retry = &route.retry;
            let delay_keys = |k: &'static str| ["routes", name.as_str(), "retry", k];
            if retry.max_delay_ms > MAX_RETRY_DELAY_MS {
                return Err(located(
                    &delay_keys("max_delay_ms"),
                    format!(
                        "must be at most {MAX_RETRY_DELAY_MS} (a day); got {}",
                        retry.max_delay_ms
                    ),
                ));
            }
            if retry.base_delay_ms > retry.max_delay_ms {
                return Err(located(
                    &delay_keys("base_delay_ms"),
                    format!(
                        "must not exceed max_delay_ms ({}); got {}",
                        retry.max_delay_ms, retry.base_delay_ms
                    ),
                ));
            }
        }
        for (name, ds) in &self.datasets {
            if let Some(min) = ds.min_acceptance {
                check(&["datasets", name, "min_acceptance"], Rule::Fraction, min)?;
            }
        }
        Ok(())
    }
}

/// Every number of a route with the key it sits under (below `routes.NAME`) and its rule.
fn route_numbers(route: &Route) -> Vec<(Vec<&'static str>, Rule, f64)> {
    let t = &route.timeouts;
    let mut out = vec![
        (
            vec!["retry", "attempts"],
            Rule::AtLeastOne,
            f64::from(route.retry.attempts),
        ),
        (vec!["timeouts", "connect_s"], Rule::Seconds, t.connect_s),
        (
            vec!["timeouts", "first_byte_s"],
            Rule::Seconds,
            t.first_byte_s,
        ),
        (vec!["timeouts", "idle_s"], Rule::Seconds, t.idle_s),
        (vec!["timeouts", "total_s"], Rule::Seconds, t.total_s),
    ];
    if let Some(c) = route.concurrency {
        out.push((vec!["concurrency"], Rule::AtLeastOne, f64::from(c)));
    }
    // 0 would read as "send nothing", while the rate limiter takes it as "no limit":
    // leaving `rpm` out is how a route says it has no limit.
    if let Some(rpm) = route.rpm {
        out.push((vec!["rpm"], Rule::AtLeastOne, f64::from(rpm)));
    }
    if let Some(b) = route.budget_usd {
        out.push((vec!["budget_usd"], Rule::Positive, b));
    }
    if let Some(MaxPrice {
        prompt,
        completion,
        request,
        image,
    }) = route.provider.as_ref().and_then(|p| p.max_price.as_ref())
    {
        for (key, v) in [
            ("prompt", prompt),
            ("completion", completion),
            ("request", request),
            ("image", image),
        ] {
            if let Some(v) = v {
                out.push((vec!["provider", "max_price", key], Rule::NotNegative, *v));
            }
        }
    }
    if let Some(RoutePrice {
        prompt,
        completion,
        request,
    }) = route.price
    {
        out.push((vec!["price", "prompt"], Rule::NotNegative, prompt));
        out.push((vec!["price", "completion"], Rule::NotNegative, completion));
        out.push((vec!["price", "request"], Rule::NotNegative, request));
    }
    out
}

/// What the HTTP client would refuse when it is built: an address that is not an
/// http(s) URL, a header it cannot send. The key below `endpoints.NAME` and why.
fn check_endpoint(endpoint: &Endpoint) -> Result<(), (Vec<String>, String)> {
    check_base_url(&endpoint.base_url).map_err(|m| (vec!["base_url".to_string()], m))?;
    for (name, value) in &endpoint.headers {
        let key = || vec!["headers".to_string(), name.clone()];
        if !is_header_name(name) {
            return Err((
                key(),
                format!("`{name}` is not a valid HTTP header name (letters, digits and !#$%&'*+-.^_`|~ only)"),
            ));
        }
        if !is_header_value(value) {
            return Err((
                key(),
                "the value has a character HTTP headers cannot carry (a line break or another control character)".to_string(),
            ));
        }
    }
    Ok(())
}

/// An http(s) URL with a host and nothing after the path, to which the runner can append
/// `/chat/completions` and get a URL again.
fn check_base_url(base_url: &str) -> Result<(), String> {
    let not_a_url = |e: url::ParseError| format!("`{base_url}` is not a URL: {e}");
    let url = url::Url::parse(base_url).map_err(not_a_url)?;
    let trimmed = base_url.trim_end_matches('/');
    url::Url::parse(&format!("{trimmed}/chat/completions")).map_err(not_a_url)?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "`{base_url}` is not an http(s) URL (scheme `{}`)",
            url.scheme()
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("`{base_url}` names no host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "`{base_url}` has a query or fragment; routeval appends paths such as /chat/completions to it"
        ));
    }
    Ok(())
}

/// RFC 9110 field name: one or more token characters.
fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// A field value the HTTP client accepts: no control characters but tab.
fn is_header_value(value: &str) -> bool {
    value.bytes().all(|b| (b >= 32 && b != 127) || b == b'\t')
}

#[cfg(test)]
mod tests {
    use crate::{LoadError, Suite};
    use std::path::Path;

    const HEAD: &str = r#"name = "t"
concurrency = 4

[endpoints.or]
kind = "openrouter"
base_url = "http://127.0.0.1:1/api/v1"
headers = { "X-Title" = "app" }

[routes.fast]
endpoint = "or"
model = "a/b"
"#;

    /// The suite with `extra` appended to route `fast`; the error it loads with.
    fn refused(extra: &str) -> LoadError {
        let text = format!("{HEAD}{extra}\n");
        Suite::parse(Path::new("suite.toml"), &text)
            .map(|_| ())
            .expect_err(extra)
    }

    fn assert_located(err: &LoadError, line: usize, key: &str) {
        assert_eq!(err.path, Path::new("suite.toml"), "{err}");
        assert_eq!(err.line, Some(line), "{err}");
        assert_eq!(err.key.as_deref(), Some(key), "{err}");
        let shown = err.to_string();
        assert!(
            shown.starts_with(&format!("suite.toml:{line}: key `{key}`: ")),
            "{shown}"
        );
    }

    #[test]
    fn the_base_suite_loads() {
        let suite = Suite::parse(Path::new("suite.toml"), HEAD).unwrap();
        assert!(suite.routes["fast"].price.is_none());
    }

    #[test]
    fn every_timeout_is_finite_positive_and_at_most_a_day() {
        for key in ["connect_s", "first_byte_s", "idle_s", "total_s"] {
            for bad in ["-1", "0", "nan", "inf", "-inf", "1e300", "86401"] {
                let err = refused(&format!("timeouts = {{ {key} = {bad} }}"));
                assert_located(&err, 12, &format!("routes.fast.timeouts.{key}"));
                assert!(err.message.contains("seconds above 0"), "{err}");
            }
            let ok = format!("{HEAD}timeouts = {{ {key} = 86400 }}\n");
            assert!(Suite::parse(Path::new("suite.toml"), &ok).is_ok(), "{key}");
        }
        // In a table of its own, the line is the key's.
        let err = refused("\n[routes.fast.timeouts]\nconnect_s = 5\ntotal_s = -1");
        assert_located(&err, 15, "routes.fast.timeouts.total_s");
        assert!(err.message.ends_with("got -1.0"), "{err}");
    }

    #[test]
    fn counts_are_at_least_one() {
        let err = refused("concurrency = 0");
        assert_located(&err, 12, "routes.fast.concurrency");
        let err = refused("rpm = 0");
        assert_located(&err, 12, "routes.fast.rpm");
        let err = refused("retry = { attempts = 0 }");
        assert_located(&err, 12, "routes.fast.retry.attempts");
        for (key, line) in [("concurrency", 2), ("repeats", 1)] {
            let text = HEAD
                .replace("concurrency = 4", "concurrency = 4\nrepeats = 1")
                .replace(
                    &format!("{key} = {}", if key == "repeats" { 1 } else { 4 }),
                    &format!("{key} = 0"),
                );
            let err = Suite::parse(Path::new("suite.toml"), &text).unwrap_err();
            assert_located(&err, if key == "repeats" { 3 } else { line }, key);
            assert!(err.message.contains("at least 1"), "{err}");
        }
    }

    #[test]
    fn budgets_are_positive_and_finite() {
        for bad in ["-5", "0", "nan", "inf"] {
            let err = refused(&format!("budget_usd = {bad}"));
            assert_located(&err, 12, "routes.fast.budget_usd");
            let text = HEAD.replace(
                "concurrency = 4",
                &format!("concurrency = 4\nbudget_usd = {bad}"),
            );
            let err = Suite::parse(Path::new("suite.toml"), &text).unwrap_err();
            assert_located(&err, 3, "budget_usd");
            assert!(err.message.contains("above 0"), "{err}");
        }
    }

    #[test]
    fn acceptance_is_a_fraction() {
        for bad in ["-0.1", "1.5", "nan"] {
            let text = HEAD.replace(
                "concurrency = 4",
                &format!("concurrency = 4\nmin_acceptance = {bad}"),
            );
            let err = Suite::parse(Path::new("suite.toml"), &text).unwrap_err();
            assert_located(&err, 3, "min_acceptance");
        }
    }

    #[test]
    fn retry_delays_are_sane() {
        let err = refused("retry = { base_delay_ms = 5000, max_delay_ms = 100 }");
        assert_located(&err, 12, "routes.fast.retry.base_delay_ms");
        let err = refused("retry = { max_delay_ms = 100000000000 }");
        assert_located(&err, 12, "routes.fast.retry.max_delay_ms");
    }

    #[test]
    fn prices_are_finite_and_not_negative() {
        for key in ["prompt", "completion", "request", "image"] {
            let err = refused(&format!("provider = {{ max_price = {{ {key} = -1 }} }}"));
            assert_located(&err, 12, &format!("routes.fast.provider.max_price.{key}"));
        }
        for key in ["prompt", "completion", "request"] {
            for bad in ["-1", "nan", "inf"] {
                let price = ["prompt = 1", "completion = 2", "request = 0.01"]
                    .map(|item| {
                        if item.starts_with(key) {
                            format!("{key} = {bad}")
                        } else {
                            item.to_string()
                        }
                    })
                    .join(", ");
                let err = refused(&format!("price = {{ {price} }}"));
                assert_located(&err, 12, &format!("routes.fast.price.{key}"));
            }
        }
    }

    #[test]
    fn route_price_is_typed_and_refuses_unknown_keys() {
        let text = format!("{HEAD}price = {{ prompt = 0.15, completion = 0.6 }}\n");
        let suite = Suite::parse(Path::new("suite.toml"), &text).unwrap();
        let price = suite.routes["fast"].price.unwrap();
        assert_eq!(
            (price.prompt, price.completion, price.request),
            (0.15, 0.6, 0.0)
        );
        let err = refused("price = { prompt = 1, completion = 2, requets = 3 }");
        assert_eq!(
            err.key.as_deref(),
            Some("routes.fast.price.requets"),
            "{err}"
        );
        assert!(err.message.contains("did you mean `request`"), "{err}");
        let err = refused("price = { prompt = 1 }");
        assert!(err.message.contains("completion"), "{err}");
    }

    #[test]
    fn base_url_is_an_http_url() {
        for bad in [
            "not a url",
            "ftp://host/v1",
            "openrouter.ai/api/v1",
            "http://",
            "https://h/v1?x=1",
            "",
        ] {
            let text = HEAD.replace("http://127.0.0.1:1/api/v1", bad);
            let err = Suite::parse(Path::new("suite.toml"), &text).expect_err(bad);
            assert_located(&err, 6, "endpoints.or.base_url");
        }
        let text = HEAD.replace("http://127.0.0.1:1/api/v1", "https://openrouter.ai/api/v1/");
        assert!(Suite::parse(Path::new("suite.toml"), &text).is_ok());
    }

    #[test]
    fn headers_are_sendable() {
        let text = HEAD.replace(r#""X-Title" = "app""#, r#""X-Title" = "a\nb""#);
        let err = Suite::parse(Path::new("suite.toml"), &text).unwrap_err();
        assert_located(&err, 7, "endpoints.or.headers.X-Title");
        assert!(err.message.contains("line break"), "{err}");
        let text = HEAD.replace(r#""X-Title" = "app""#, r#""X Title" = "app""#);
        let err = Suite::parse(Path::new("suite.toml"), &text).unwrap_err();
        assert_located(&err, 7, "endpoints.or.headers.X Title");
        assert!(err.message.contains("header name"), "{err}");
    }
}
