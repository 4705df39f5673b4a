//! Secrets never leave the process: every string that may be stored or logged is
//! passed through a [`Redactor`] that knows the keys in use.

/// Replaces known secret values (and anything that looks like a bearer token) with `[REDACTED]`.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    secrets: Vec<String>,
}

impl Redactor {
    pub fn new(secrets: impl IntoIterator<Item = String>) -> Self {
        // Very short "secrets" would redact ordinary words; keys are long.
        let secrets = secrets.into_iter().filter(|s| s.len() >= 8).collect();
        Self { secrets }
    }

    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for secret in &self.secrets {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), "[REDACTED]");
            }
        }
        redact_bearer(&out)
    }
}

/// `Bearer xyz` becomes `Bearer [REDACTED]`, whatever the token.
fn redact_bearer(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("Bearer ") {
        out.push_str(&rest[..i + 7]);
        let token_len = rest[i + 7..]
            .find(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == ',')
            .unwrap_or(rest.len() - i - 7);
        if token_len > 0 {
            out.push_str("[REDACTED]");
        }
        rest = &rest[i + 7 + token_len..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_keys_and_bearer_tokens() {
        let r = Redactor::new(["sk-or-canary-123456".to_string(), "x".to_string()]);
        assert_eq!(
            r.redact("key sk-or-canary-123456 leaked"),
            "key [REDACTED] leaked"
        );
        assert_eq!(
            r.redact("Authorization: Bearer abc.def, next"),
            "Authorization: Bearer [REDACTED], next"
        );
        assert_eq!(r.redact("x marks"), "x marks");
    }
}
