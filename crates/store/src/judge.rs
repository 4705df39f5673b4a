//! Model-graded checks in the database: judge requests (apart from the candidates'
//! attempts, so grading never inflates a route's cost) and the verdict cache.

use crate::dialect::WriteTx;
use crate::tables::{self, JudgeAttemptValues, JudgeVerdictRow, JudgeVerdictValues};
use crate::{Result, Store};
use routeval_core::{ErrorClass, JudgeVerdict, Judging};
use sqlx::QueryBuilder;

crate::from_row! {
    /// What judging cost for one (dataset, target, judge route, check) of a run.
    #[derive(Debug, Clone, serde::Serialize)]
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
}

/// The judge requests and new verdicts of results under a scoring (0: live), as their
/// rows are written (see `write::database_writes!`).
pub(crate) fn judging_rows<'q>(
    run_id: &'q str,
    scoring: i64,
    judgings: &[&'q Judging],
) -> (Vec<JudgeAttemptValues<'q>>, Vec<JudgeVerdictValues<'q>>) {
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let attempts = judgings
        .iter()
        .flat_map(|j| &j.attempts)
        .map(|j| {
            let a = &j.attempt;
            JudgeAttemptValues {
                run_id,
                scoring,
                target: &a.target,
                dataset: &a.dataset,
                case_id: &a.case_id,
                repeat: i64::from(a.repeat),
                check_name: &j.check,
                judge_route: &a.route,
                cache_key: &j.cache_key,
                http_attempt: i64::from(a.http_attempt),
                request_id: &a.request_id,
                status: a.status.map(i64::from),
                error_class: a.error_class.map(ErrorClass::as_str),
                error_message: a.error_message.as_deref(),
                served_model: a.served_model.as_deref(),
                served_provider: a.served_provider.as_deref(),
                prompt_tokens: a.prompt_tokens,
                completion_tokens: a.completion_tokens,
                cost: a.cost,
                cost_source: a.cost_source.map(|c| c.as_str()),
                latency_ms: a.latency_ms,
                started_at: a.started_at_ms,
            }
        })
        .collect();
    let verdicts = judgings
        .iter()
        .flat_map(|j| &j.verdicts)
        .map(|v| JudgeVerdictValues {
            cache_key: &v.cache_key,
            judge_route: &v.judge_route,
            check_name: &v.check,
            pass: v.pass,
            score: v.score,
            reason: &v.reason,
            run_id,
            created_at: now_ms,
        })
        .collect();
    (attempts, verdicts)
}

impl Store {
    /// Cached verdicts of the given judge routes.
    pub async fn judge_verdicts(&self, judge_routes: &[String]) -> Result<Vec<JudgeVerdict>> {
        if judge_routes.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {} FROM judge_verdicts WHERE judge_route IN ",
            tables::select_list("", JudgeVerdictRow::COLUMNS)
        );
        let rows: Vec<JudgeVerdictRow> = with_pool!(self, |pool| {
            let mut qb = QueryBuilder::new(&sql);
            qb.push_tuples(judge_routes, |mut b, r| {
                b.push_bind(r);
            });
            qb.build_query_as().fetch_all(pool).await
        })?;
        Ok(rows
            .into_iter()
            .map(|v| JudgeVerdict {
                cache_key: v.cache_key,
                check: v.check_name,
                judge_route: v.judge_route,
                pass: v.pass,
                score: v.score,
                reason: v.reason,
                cached: false,
            })
            .collect())
    }

    /// What judging cost in a run's live grading and in each of its rescores.
    pub async fn judge_spend(&self, run_id: &str) -> Result<Vec<JudgeSpend>> {
        Ok(with_pool!(self, |pool| sqlx::query_as(
            "SELECT dataset, target, judge_route, check_name, COUNT(*) AS requests,
                    COUNT(error_class) AS errors,
                    CASE WHEN COUNT(cost) = COUNT(*) THEN SUM(cost) END AS cost
             FROM judge_attempts WHERE run_id = $1
             GROUP BY dataset, target, judge_route, check_name
             ORDER BY dataset, target, judge_route, check_name",
        )
        .bind(run_id)
        .fetch_all(pool)
        .await)?)
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
        let mut tx = WriteTx::begin(self).await?;
        with_tx!(&mut tx, |t| insert_judging(t, run_id, scoring, &judgings))?;
        tx.commit().await?;
        Ok(())
    }
}
