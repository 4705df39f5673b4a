//! Governance records: refused pairs, per-route spend, and the model catalog.

use crate::{Result, Store};
use serde::Serialize;
use sqlx::FromRow;

/// A (dataset, target) pair a run did not send (or sent only because it was forced).
#[derive(Debug, Clone, FromRow, Serialize, PartialEq)]
pub struct ExclusionRow {
    pub dataset: String,
    pub target: String,
    pub rule: String,
    pub detail: String,
    pub forced: bool,
}

/// One model of an endpoint's catalog, as synced.
#[derive(Debug, Clone, FromRow, Serialize, PartialEq)]
pub struct ModelRow {
    pub endpoint: String,
    pub id: String,
    pub name: Option<String>,
    pub context_length: Option<i64>,
    pub max_completion_tokens: Option<i64>,
    /// USD per token; 0 with `priced` false when the catalog listed no price.
    pub prompt_price: f64,
    pub completion_price: f64,
    pub request_price: f64,
    /// The catalog listed a price for the model (its prices above are 0 when not).
    pub priced: bool,
    /// JSON array of parameter names.
    pub supported_parameters: String,
    pub endpoints_json: Option<String>,
    pub synced_at: i64,
}

impl ModelRow {
    pub fn supports(&self, parameter: &str) -> bool {
        serde_json::from_str::<Vec<String>>(&self.supported_parameters)
            .map(|v| v.iter().any(|p| p == parameter))
            .unwrap_or(false)
    }
}

impl Store {
    pub async fn record_exclusion(&self, run_id: &str, e: &ExclusionRow) -> Result<()> {
        let e = crate::redact::redacted_one(e);
        with_pool!(self, |pool| {
            sqlx::query(
            "INSERT INTO exclusions (run_id, dataset, target, rule, detail, forced) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT DO NOTHING",
        )
        .bind(run_id)
        .bind(&e.dataset)
        .bind(&e.target)
        .bind(&e.rule)
        .bind(&e.detail)
        .bind(e.forced)
        .execute(pool)
        .await
        .map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    pub async fn exclusions(&self, run_id: &str) -> Result<Vec<ExclusionRow>> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as(
            "SELECT dataset, target, rule, detail, forced FROM exclusions WHERE run_id = $1 ORDER BY dataset, target",
        )
        .bind(run_id)
        .fetch_all(pool)
        .await
        })?)
    }

    /// Known spend per route (chain steps counted on their route), for per-route caps on
    /// resume.
    pub async fn route_spend(&self, run_id: &str) -> Result<Vec<(String, f64)>> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as(
            "SELECT route, COALESCE(SUM(cost), 0.0) FROM (
                     SELECT route, cost FROM attempts WHERE run_id = $1
                     UNION ALL
                     SELECT judge_route, cost FROM judge_attempts WHERE run_id = $1 AND scoring = 0) AS spend
                 GROUP BY route",
        )
        .bind(run_id)
        .fetch_all(pool)
        .await
        })?)
    }

    /// Attempts whose served provider broke their dataset's policy:
    /// (dataset, target, served provider, violation, count).
    pub async fn policy_violations(
        &self,
        run_id: &str,
    ) -> Result<Vec<(String, String, Option<String>, String, i64)>> {
        Ok(with_pool!(self, |pool| sqlx::query_as(
            "SELECT dataset, target, served_provider, policy_violation, COUNT(*) FROM attempts
             WHERE run_id = $1 AND policy_violation IS NOT NULL
             GROUP BY dataset, target, served_provider, policy_violation ORDER BY dataset, target",
        )
        .bind(run_id)
        .fetch_all(pool)
        .await)?)
    }

    /// Upsert a catalog entry; a new or changed price adds a row to the price history.
    pub async fn upsert_model(&self, m: &ModelRow) -> Result<bool> {
        let m = crate::redact::redacted_one(m);
        with_pool!(self, |pool| {
            let mut tx = pool.begin().await?;
            let previous: Option<(f64, f64, f64)> = sqlx::query_as(
                "SELECT prompt_price, completion_price, request_price FROM model_prices
             WHERE endpoint = $1 AND id = $2 ORDER BY seen_at DESC LIMIT 1",
            )
            .bind(&m.endpoint)
            .bind(&m.id)
            .fetch_optional(&mut *tx)
            .await?;
            let changed = previous != Some((m.prompt_price, m.completion_price, m.request_price));
            if changed {
                sqlx::query(
                "INSERT INTO model_prices (endpoint, id, prompt_price, completion_price, request_price, seen_at)
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
            )
            .bind(&m.endpoint)
            .bind(&m.id)
            .bind(m.prompt_price)
            .bind(m.completion_price)
            .bind(m.request_price)
            .bind(m.synced_at)
            .execute(&mut *tx)
            .await?;
            }
            sqlx::query(
            "INSERT INTO models (endpoint, id, name, context_length, max_completion_tokens, prompt_price,
                completion_price, request_price, priced, supported_parameters, endpoints_json, synced_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
             ON CONFLICT (endpoint, id) DO UPDATE SET name = excluded.name, context_length = excluded.context_length,
                max_completion_tokens = excluded.max_completion_tokens, prompt_price = excluded.prompt_price,
                completion_price = excluded.completion_price, request_price = excluded.request_price,
                priced = excluded.priced, supported_parameters = excluded.supported_parameters, endpoints_json = excluded.endpoints_json,
                synced_at = excluded.synced_at",
        )
        .bind(&m.endpoint)
        .bind(&m.id)
        .bind(&m.name)
        .bind(m.context_length)
        .bind(m.max_completion_tokens)
        .bind(m.prompt_price)
        .bind(m.completion_price)
        .bind(m.request_price)
        .bind(m.priced)
        .bind(&m.supported_parameters)
        .bind(&m.endpoints_json)
        .bind(m.synced_at)
        .execute(&mut *tx)
        .await?;
            tx.commit().await?;
            Ok(changed)
        })
    }

    pub async fn models(&self) -> Result<Vec<ModelRow>> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as(
            "SELECT endpoint, id, name, context_length, max_completion_tokens, prompt_price, completion_price,
                    request_price, priced, supported_parameters, endpoints_json, synced_at
             FROM models ORDER BY endpoint, id",
        )
        .fetch_all(pool)
        .await
        })?)
    }

    /// Price history of a model: (prompt, completion, request, seen_at), oldest first.
    pub async fn price_history(
        &self,
        endpoint: &str,
        id: &str,
    ) -> Result<Vec<(f64, f64, f64, i64)>> {
        Ok(with_pool!(self, |pool| sqlx::query_as(
            "SELECT prompt_price, completion_price, request_price, seen_at FROM model_prices
             WHERE endpoint = $1 AND id = $2 ORDER BY seen_at",
        )
        .bind(endpoint)
        .bind(id)
        .fetch_all(pool)
        .await)?)
    }
}
