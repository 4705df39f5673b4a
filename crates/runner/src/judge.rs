//! `judge` checks on the wire: pick a judge route that is not the graded answer's own,
//! reuse a cached verdict when the same rubric, input, judge and output were graded
//! before, else ask the judge (with the route's retries) and read its verdict.

use crate::client::{RequestSpec, RouteClient};
use crate::execute::{send_with_retries, RunContext};
use routeval_core::scorer_spec::JudgeCheck;
use routeval_core::{AttemptRecord, JudgeAttempt, JudgeVerdict, Judging};
use routeval_scorer::judge::{parse_verdict, verdict_format, JudgeAsk};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

/// Verdicts by cache key: loaded from the store before a run, grown as judges answer.
#[derive(Debug, Default)]
pub struct JudgeCache {
    verdicts: Mutex<HashMap<String, JudgeVerdict>>,
}

impl JudgeCache {
    pub fn new(verdicts: impl IntoIterator<Item = JudgeVerdict>) -> Self {
        Self {
            verdicts: Mutex::new(
                verdicts
                    .into_iter()
                    .map(|v| (v.cache_key.clone(), v))
                    .collect(),
            ),
        }
    }

    fn get(&self, key: &str) -> Option<JudgeVerdict> {
        let map = self.verdicts.lock().unwrap_or_else(|p| p.into_inner());
        map.get(key).cloned()
    }

    fn put(&self, verdict: &JudgeVerdict) {
        let mut map = self.verdicts.lock().unwrap_or_else(|p| p.into_inner());
        map.insert(verdict.cache_key.clone(), verdict.clone());
    }

    pub fn len(&self) -> usize {
        self.verdicts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The judge routes a dataset's checks may use, and the shared verdict cache.
pub struct Judges {
    pub routes: BTreeMap<String, Arc<RouteClient>>,
    pub cache: Arc<JudgeCache>,
}

impl Judges {
    /// The judge of an answer served by `graded` (route name, model): the first of the
    /// check's judges that is neither that route nor the same model, unless the check
    /// allows self-judging.
    pub fn pick(&self, check: &JudgeCheck, graded: (&str, &str)) -> Option<&Arc<RouteClient>> {
        check
            .judges
            .iter()
            .filter_map(|name| self.routes.get(name))
            .find(|j| check.allow_self_judge || (j.name != graded.0 && j.route.model != graded.1))
    }
}

/// Who the graded result is: the judge's attempts carry its identity.
pub(crate) struct Graded<'a> {
    pub target: &'a str,
    pub dataset: &'a str,
    pub case_id: &'a str,
    pub repeat: u32,
    /// Route name and model that produced the answer.
    pub route: (&'a str, &'a str),
    pub input: &'a str,
    pub output: &'a str,
}

/// Verdicts of every judge check of a result (cached or asked for), with what asking cost.
/// A check without a usable verdict (no eligible judge, judge failed) gets none: its
/// row then says it was not judged, and the result is not accepted on it.
pub(crate) async fn judge_result(
    ctx: &RunContext,
    judges: &Judges,
    checks: &[&JudgeCheck],
    graded: &Graded<'_>,
) -> Option<(Vec<JudgeVerdict>, Judging)> {
    let mut verdicts = Vec::new();
    let mut judging = Judging::default();
    for check in checks {
        let Some(judge) = judges.pick(check, graded.route) else {
            continue;
        };
        let ask = JudgeAsk {
            check,
            input: graded.input,
            output: graded.output,
        };
        let key = ask.cache_key(&judge.name);
        if let Some(mut cached) = judges.cache.get(&key) {
            cached.cached = true;
            cached.check = check.name().to_string();
            verdicts.push(cached);
            continue;
        }
        let messages = ask.messages();
        let format = verdict_format();
        let spec = RequestSpec {
            messages: &messages,
            tools: None,
            tool_choice: None,
            response_format: Some(&format),
        };
        let body = judge.encode_body(&spec);
        let request_hash = routeval_core::hash::short_hash(&body);
        let (exchange, _) = send_with_retries(ctx, judge, body, |http_attempt, id, at, ex| {
            let mut attempt = AttemptRecord {
                target: graded.target.to_string(),
                dataset: graded.dataset.to_string(),
                case_id: graded.case_id.to_string(),
                repeat: graded.repeat,
                http_attempt,
                request_hash: request_hash.clone(),
                started_at_ms: at,
                ..crate::execute::exchange_record(judge, id, ex)
            };
            attempt.route = judge.name.clone();
            judging.attempts.push(JudgeAttempt {
                check: check.name().to_string(),
                cache_key: key.clone(),
                attempt,
            });
        })
        .await?;
        let content = exchange.answer.as_ref().and_then(|a| a.content.as_deref());
        let verdict = match (exchange.class, content) {
            (None, Some(content)) => parse_verdict(check, &judge.name, key, content),
            (class, _) => Err(format!(
                "judge request failed: {}",
                class.map_or("no answer", |c| c.as_str())
            )),
        };
        match verdict {
            Ok(v) => {
                judges.cache.put(&v);
                judging.verdicts.push(v.clone());
                verdicts.push(v);
            }
            Err(e) => {
                tracing::warn!(check = check.name(), judge = %judge.name, case = graded.case_id, error = %e, "no verdict");
            }
        }
    }
    Some((verdicts, judging))
}

/// One stored answer to grade outside a run (rescoring).
#[derive(Debug, Clone)]
pub struct StoredJudgement {
    pub target: String,
    pub dataset: String,
    pub case_id: String,
    pub repeat: u32,
    /// Route name and model that produced the answer.
    pub route: (String, String),
    pub input: String,
    pub output: String,
}

/// Grade stored answers with a scorer's judge checks, `concurrency` at a time: cached
/// verdicts are reused, the rest are asked for. Output order follows input order;
/// request ids start with `request_prefix`.
pub async fn judge_stored(
    judges: &Judges,
    checks: &[&JudgeCheck],
    request_prefix: &str,
    items: &[StoredJudgement],
    concurrency: usize,
) -> Vec<(Vec<JudgeVerdict>, Judging)> {
    use futures_util::stream::{self, StreamExt};
    let ctx = RunContext {
        request_prefix: request_prefix.to_string(),
        request_counter: std::sync::atomic::AtomicU64::new(0),
        abort: tokio_util::sync::CancellationToken::new(),
    };
    stream::iter(items)
        .map(|item| {
            let ctx = &ctx;
            async move {
                let graded = Graded {
                    target: &item.target,
                    dataset: &item.dataset,
                    case_id: &item.case_id,
                    repeat: item.repeat,
                    route: (&item.route.0, &item.route.1),
                    input: &item.input,
                    output: &item.output,
                };
                judge_result(ctx, judges, checks, &graded)
                    .await
                    .unwrap_or_default()
            }
        })
        .buffered(concurrency.max(1))
        .collect()
        .await
}
