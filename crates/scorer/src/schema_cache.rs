//! Compiled JSON Schema validators, shared: a schema named by several scorers (the
//! same dataset schema, the same tool list) is compiled once per process.
//!
//! Drafts follow the schema's own `$schema`; a schema that declares none is read as
//! Draft 2020-12 (jsonschema's default, pinned by a test).

use routeval_core::hash::short_hash;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

/// Past this many distinct schemas the cache starts over: it is meant for the few
/// schemas of a suite, not as an unbounded store.
const MAX_ENTRIES: usize = 256;

static CACHE: LazyLock<Mutex<HashMap<String, Arc<jsonschema::Validator>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// The validator of `schema`, compiled on first use. The key is a hash of the
/// schema's serialized text.
pub fn compile(schema: &Value) -> Result<Arc<jsonschema::Validator>, String> {
    let key = short_hash(&serde_json::to_vec(schema).map_err(|e| e.to_string())?);
    // A poisoned lock only means another thread panicked mid-insert; the map is
    // still a valid cache.
    if let Some(v) = CACHE.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
        return Ok(v.clone());
    }
    let validator = Arc::new(jsonschema::validator_for(schema).map_err(|e| e.to_string())?);
    let mut cache = CACHE.lock().unwrap_or_else(|p| p.into_inner());
    if cache.len() >= MAX_ENTRIES {
        cache.clear();
    }
    Ok(cache.entry(key).or_insert(validator).clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn same_schema_compiles_once() {
        let schema = json!({"type": "object", "title": "cache-test", "required": ["a"]});
        let a = compile(&schema).unwrap();
        let b = compile(&schema.clone()).unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        let c = compile(&json!({"type": "object", "title": "cache-test-2"})).unwrap();
        assert!(!Arc::ptr_eq(&a, &c));
    }

    #[test]
    fn draft_defaults_to_2020_12_and_follows_declared_schema() {
        // `prefixItems` exists only from 2020-12: enforced without `$schema`...
        let no_draft = compile(&json!({"prefixItems": [{"type": "string"}]})).unwrap();
        assert!(!no_draft.is_valid(&json!([1])));
        let declared = compile(&json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "prefixItems": [{"type": "string"}]
        }))
        .unwrap();
        assert!(!declared.is_valid(&json!([1])));
        // ...and ignored under a declared Draft 7, where array-form `items` is the tuple.
        let draft7 = compile(&json!({
            "$schema": "http://json-schema.org/draft-07/schema#",
            "prefixItems": [{"type": "string"}]
        }))
        .unwrap();
        assert!(draft7.is_valid(&json!([1])));
        let draft7_tuple = compile(&json!({
            "$schema": "http://json-schema.org/draft-07/schema#",
            "items": [{"type": "string"}]
        }))
        .unwrap();
        assert!(!draft7_tuple.is_valid(&json!([1])));
        assert!(draft7_tuple.is_valid(&json!(["x", 1])));
        // Draft 4: `exclusiveMaximum` is a boolean modifier of `maximum`.
        let draft4 = compile(&json!({
            "$schema": "http://json-schema.org/draft-04/schema#",
            "maximum": 5, "exclusiveMaximum": true
        }))
        .unwrap();
        assert!(!draft4.is_valid(&json!(5)));
        assert!(draft4.is_valid(&json!(4)));
    }

    #[test]
    fn invalid_schema_is_an_error() {
        assert!(compile(&json!({"type": "no-such-type"})).is_err());
    }
}
