//! Lenient JSON extraction: the object inside a fenced block or inside prose.

use serde_json::Value;

/// Find a JSON object or array in text that is not JSON as a whole.
pub fn extract_json(text: &str) -> Option<Value> {
    if let Some(v) = fenced(text).and_then(|b| serde_json::from_str(b.trim()).ok()) {
        return Some(v);
    }
    for (open, close) in [('{', '}'), ('[', ']')] {
        let (Some(start), Some(end)) = (text.find(open), text.rfind(close)) else {
            continue;
        };
        if start < end {
            if let Ok(v) = serde_json::from_str(&text[start..=end]) {
                return Some(v);
            }
        }
    }
    None
}

fn fenced(text: &str) -> Option<&str> {
    let start = text.find("```")?;
    let after = &text[start + 3..];
    let body_start = after.find('\n')? + 1;
    let body = &after[body_start..];
    let end = body.find("```")?;
    Some(&body[..end])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_fenced_and_embedded_json() {
        assert_eq!(
            extract_json("Sure!\n```json\n{\"a\": 1}\n```\nDone."),
            Some(json!({"a": 1}))
        );
        assert_eq!(
            extract_json("The answer is {\"a\": [1, 2]} as requested."),
            Some(json!({"a": [1, 2]}))
        );
        assert_eq!(extract_json("no json here"), None);
        assert_eq!(extract_json("{\"a\": 1"), None);
    }
}
