//! Model-graded checks in the database: judge requests (apart from the candidates'
//! attempts, so grading never inflates a route's cost) and the verdict cache.

use crate::write::MAX_PARAMS;
use crate::{Result, Store};
use routeval_core::{ErrorClass, JudgeVerdict, Judging};
use sqlx::{FromRow, QueryBuilder, Sqlite, Transaction};

/// What judging cost for one (dataset, target, judge route, check) of a run.
#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct JudgeSpend {
    pub dataset: String,
    pub target: String,
    pub judge_route: String,
    pub check_name: String,
    /// HTTP requests sent to the judge, retries included.
    pub requests: i64,
    /// Requests that came back with an error.
    pub errors: i64,
    /// `None` when a request's cost is unknown.
    pub cost: Option<f64>,
}

/// Write the judge requests and new verdicts of results under a scoring (0: live).
pub(crate) async fn insert_judging(
    tx: &mut Transaction<'_, Sqlite>,
    run_id: &str,
    scoring: i64,
    judgings: &[&Judging],
) -> Result<()> {
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let attempts: Vec<_> = judgings.iter().flat_map(|j| &j.attempts).collect();
    for chunk in attempts.chunks(MAX_PARAMS / 22) {
        let mut qb = QueryBuilder::<Sqlite>::new(
            "INSERT INTO judge_attempts (run_id, scoring, target, dataset, case_id, repeat, check_name,
                judge_route, cache_key, http_attempt, request_id, status, error_class, error_message,
                served_model, served_provider, prompt_tokens, completion_tokens, cost, cost_source,
                latency_ms, started_at) ",
        );
        qb.push_values(chunk, |mut b, j| {
            let a = &j.attempt;
            b.push_bind(run_id)
                .push_bind(scoring)
                .push_bind(&a.target)
                .push_bind(&a.dataset)
                .push_bind(&a.case_id)
                .push_bind(a.repeat as i64)
                .push_bind(&j.check)
                .push_bind(&a.route)
                .push_bind(&j.cache_key)
                .push_bind(a.http_attempt as i64)
                .push_bind(&a.request_id)
                .push_bind(a.status.map(i64::from))
                .push_bind(a.error_class.map(ErrorClass::as_str))
                .push_bind(&a.error_message)
                .push_bind(&a.served_model)
                .push_bind(&a.served_provider)
                .push_bind(a.prompt_tokens)
                .push_bind(a.completion_tokens)
                .push_bind(a.cost)
                .push_bind(a.cost_source.map(|c| c.as_str()))
                .push_bind(a.latency_ms)
                .push_bind(a.started_at_ms);
        });
        qb.push(" ON CONFLICT DO NOTHING");
        qb.build().execute(&mut **tx).await?;
    }
    let verdicts: Vec<&JudgeVerdict> = judgings.iter().flat_map(|j| &j.verdicts).collect();
    for chunk in verdicts.chunks(MAX_PARAMS / 8) {
        let mut qb = QueryBuilder::<Sqlite>::new(
            "INSERT INTO judge_verdicts (cache_key, judge_route, check_name, pass, score, reason, run_id, created_at) ",
        );
        qb.push_values(chunk, |mut b, v| {
            b.push_bind(&v.cache_key)
                .push_bind(&v.judge_route)
                .push_bind(&v.check)
                .push_bind(v.pass)
                .push_bind(v.score)
                .push_bind(&v.reason)
                .push_bind(run_id)
                .push_bind(now_ms);
        });
        qb.push(" ON CONFLICT (cache_key) DO NOTHING");
        qb.build().execute(&mut **tx).await?;
    }
    Ok(())
}

impl Store {
    /// Cached verdicts of the given judge routes.
    pub async fn judge_verdicts(&self, judge_routes: &[String]) -> Result<Vec<JudgeVerdict>> {
        let mut qb = QueryBuilder::<Sqlite>::new(
            "SELECT cache_key, check_name, judge_route, pass, score, reason FROM judge_verdicts WHERE judge_route IN ",
        );
        qb.push_tuples(judge_routes, |mut b, r| {
            b.push_bind(r);
        });
        if judge_routes.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<(String, String, String, bool, Option<f64>, String)> =
            qb.build_query_as().fetch_all(&self.pool).await?;
        Ok(rows
            .into_iter()
            .map(
                |(cache_key, check, judge_route, pass, score, reason)| JudgeVerdict {
                    cache_key,
                    check,
                    judge_route,
                    pass,
                    score,
                    reason,
                    cached: false,
                },
            )
            .collect())
    }

    /// What judging cost in a run's live grading and in each of its rescores.
    pub async fn judge_spend(&self, run_id: &str) -> Result<Vec<JudgeSpend>> {
        Ok(sqlx::query_as(
            "SELECT dataset, target, judge_route, check_name, COUNT(*) AS requests,
                    SUM(error_class IS NOT NULL) AS errors,
                    CASE WHEN COUNT(cost) = COUNT(*) THEN SUM(cost) END AS cost
             FROM judge_attempts WHERE run_id = ?
             GROUP BY dataset, target, judge_route, check_name
             ORDER BY dataset, target, judge_route, check_name",
        )
        .bind(run_id)
        .fetch_all(&self.pool)
        .await?)
    }
}

impl Store {
    /// Record what judging took during a rescore (scoring `n`), and the new verdicts.
    pub async fn record_judging(
        &self,
        run_id: &str,
        scoring: i64,
        judgings: &[Judging],
    ) -> Result<()> {
        let judgings = crate::redact::redacted(judgings);
        let judgings: Vec<&Judging> = judgings.iter().collect();
        let mut tx = self.pool.begin().await?;
        insert_judging(&mut tx, run_id, scoring, &judgings).await?;
        tx.commit().await?;
        Ok(())
    }
}
