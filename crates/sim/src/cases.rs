//! What the simulator knows about the datasets: each case's reference answer,
//! found by the case's first user message, and per-dataset pools of plausible
//! values that wrong answers borrow from other cases.

use routeval_core::dataset::load_cases;
use routeval_core::LoadError;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

/// A known case: its reference answer and the dataset it came from.
#[derive(Debug, Clone)]
pub(crate) struct KnownCase {
    pub(crate) expected: Option<Value>,
    pub(crate) dataset: usize,
}

/// Values seen across one dataset's reference answers.
#[derive(Debug, Default)]
pub(crate) struct Pools {
    /// Top-level string field → distinct values (for `wrong_enum`).
    pub(crate) strings: BTreeMap<String, Vec<String>>,
    /// Tool argument name → distinct acceptable values (for `wrong_arg`).
    pub(crate) args: BTreeMap<String, Vec<Value>>,
}

#[derive(Debug, Default)]
pub(crate) struct CaseIndex {
    by_prompt: HashMap<String, KnownCase>,
    pools: Vec<Pools>,
}

impl CaseIndex {
    pub(crate) fn load(files: &[PathBuf]) -> Result<Self, LoadError> {
        let mut index = CaseIndex::default();
        for (dataset, file) in files.iter().enumerate() {
            let cases = load_cases(file)?;
            let mut pools = Pools::default();
            for case in &cases {
                if let Some(expected) = &case.expected {
                    pools.add(expected);
                }
                let Some(prompt) = case.first_user_message() else {
                    continue;
                };
                // The first dataset to claim a prompt keeps it: lookups stay stable.
                if index.by_prompt.contains_key(prompt) {
                    tracing::warn!(case = %case.id, file = %file.display(), "another case has the same first user message; ignored");
                    continue;
                }
                index.by_prompt.insert(
                    prompt.to_string(),
                    KnownCase {
                        expected: case.expected.clone(),
                        dataset,
                    },
                );
            }
            index.pools.push(pools);
        }
        Ok(index)
    }

    pub(crate) fn get(&self, prompt: &str) -> Option<(&KnownCase, &Pools)> {
        let case = self.by_prompt.get(prompt)?;
        Some((case, self.pools.get(case.dataset)?))
    }

    pub(crate) fn len(&self) -> usize {
        self.by_prompt.len()
    }
}

impl Pools {
    fn add(&mut self, expected: &Value) {
        let Some(obj) = expected.as_object() else {
            return;
        };
        // Single-turn calls, or every turn's calls of a multi-turn loop.
        let calls: Option<Vec<&Value>> = match (obj.get("tool_calls"), obj.get("turns")) {
            (Some(Value::Array(calls)), _) => Some(calls.iter().collect()),
            (_, Some(Value::Array(turns))) => {
                Some(turns.iter().filter_map(Value::as_array).flatten().collect())
            }
            _ => None,
        };
        if let Some(calls) = calls {
            for call in calls {
                let Some(args) = call.get("arguments").and_then(Value::as_object) else {
                    continue;
                };
                for (name, acceptable) in args {
                    let values: Vec<&Value> = match acceptable {
                        Value::Array(a) => a.iter().collect(),
                        other => vec![other],
                    };
                    let pool = self.args.entry(name.clone()).or_default();
                    for v in values {
                        if v != "" && !v.is_null() && !pool.contains(v) {
                            pool.push(v.clone());
                        }
                    }
                }
            }
            return;
        }
        for (key, value) in obj {
            if let Value::String(s) = value {
                let pool = self.strings.entry(key.clone()).or_default();
                if !pool.contains(s) {
                    pool.push(s.clone());
                }
            }
        }
    }
}
