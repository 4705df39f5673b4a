//! Governance records: refused pairs, per-route spend, and the model catalog.

use crate::tables::{
    self, select_list, ExclusionRow, ExclusionValues, ModelRow, ModelValues, PriceValues,
};
use crate::{Result, Store};

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
        let row = ExclusionValues {
            run_id,
            dataset: &e.dataset,
            target: &e.target,
            rule: &e.rule,
            detail: &e.detail,
            forced: e.forced,
        };
        with_pool!(self, |pool| {
            let mut qb = tables::insert([row]);
            qb.push(" ON CONFLICT DO NOTHING");
            qb.build().execute(pool).await.map(|_| ())
        })?;
        Ok(())
    }

    pub async fn exclusions(&self, run_id: &str) -> Result<Vec<ExclusionRow>> {
        let sql = format!(
            "SELECT {} FROM exclusions WHERE run_id = $1 ORDER BY dataset, target",
            select_list("", ExclusionRow::COLUMNS)
        );
        Ok(with_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(run_id)
            .fetch_all(pool)
            .await)?)
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

    /// Answered attempts per served provider: (dataset, target, provider, count), as the
    /// writers counted them (`run_providers`): a night of a history reads a few rows, not
    /// its attempts.
    pub async fn served_provider_counts(
        &self,
        run_id: &str,
    ) -> Result<Vec<(String, String, String, i64)>> {
        Ok(with_pool!(self, |pool| sqlx::query_as(
            "SELECT dataset, target, provider, CAST(SUM(attempts) AS BIGINT) FROM run_providers
             WHERE run_id = $1 GROUP BY dataset, target, provider",
        )
        .bind(run_id)
        .fetch_all(pool)
        .await)?)
    }

    /// Attempts whose error carried details (OpenRouter's `error.metadata` and
    /// `availability`), the same details counted once: at most `ERROR_DETAIL_ROWS` of
    /// them, the most frequent first.
    pub async fn error_details(&self, run_id: &str) -> Result<Vec<ErrorDetailRow>> {
        Ok(with_pool!(self, |pool| sqlx::query_as(
            "SELECT dataset, target, status, error_class, served_provider, error_metadata,
                    COUNT(*) AS attempts
             FROM attempts WHERE run_id = $1 AND error_metadata IS NOT NULL
             GROUP BY dataset, target, status, error_class, served_provider, error_metadata
             ORDER BY dataset, target, COUNT(*) DESC LIMIT $2",
        )
        .bind(run_id)
        .bind(ERROR_DETAIL_ROWS)
        .fetch_all(pool)
        .await)?)
    }

    /// Upsert a catalog entry; a new or changed price adds a row to the price history.
    pub async fn upsert_model(&self, m: &ModelRow) -> Result<bool> {
        let m = crate::redact::redacted_one(m);
        let price = PriceValues {
            endpoint: &m.endpoint,
            id: &m.id,
            prompt_price: m.prompt_price,
            completion_price: m.completion_price,
            request_price: m.request_price,
            seen_at: m.synced_at,
        };
        let row = ModelValues {
            endpoint: &m.endpoint,
            id: &m.id,
            name: m.name.as_deref(),
            context_length: m.context_length,
            max_completion_tokens: m.max_completion_tokens,
            prompt_price: m.prompt_price,
            completion_price: m.completion_price,
            request_price: m.request_price,
            supported_parameters: &m.supported_parameters,
            endpoints_json: m.endpoints_json.as_deref(),
            synced_at: m.synced_at,
            priced: m.priced,
            cache_read_price: m.cache_read_price,
            cache_write_price: m.cache_write_price,
        };
        // Every column but the key takes the synced value.
        let update: Vec<String> = ModelValues::COLUMNS
            .iter()
            .filter(|c| !matches!(**c, "endpoint" | "id"))
            .map(|c| format!("{c} = excluded.{c}"))
            .collect();
        let upsert = format!(
            " ON CONFLICT (endpoint, id) DO UPDATE SET {}",
            update.join(", ")
        );
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
                let mut qb = tables::insert([price]);
                qb.push(" ON CONFLICT DO NOTHING");
                qb.build().execute(&mut *tx).await?;
            }
            let mut qb = tables::insert([row]);
            qb.push(&upsert);
            qb.build().execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(changed)
        })
    }

    pub async fn models(&self) -> Result<Vec<ModelRow>> {
        let sql = format!(
            "SELECT {} FROM models ORDER BY endpoint, id",
            select_list("", ModelRow::COLUMNS)
        );
        Ok(with_pool!(self, |pool| sqlx::query_as(&sql)
            .fetch_all(pool)
            .await)?)
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

/// Most distinct error details read for a report.
const ERROR_DETAIL_ROWS: i64 = 10_000;

crate::from_row! {
    /// Attempts of one target that failed with the same details.
    #[derive(Debug, Clone, PartialEq, serde::Serialize)]
    pub struct ErrorDetailRow {
        pub dataset: String,
        pub target: String,
        pub status: Option<i64>,
        pub error_class: Option<String>,
        /// The provider that failed, when the error named one.
        pub served_provider: Option<String>,
        /// The details as stored (JSON).
        pub error_metadata: String,
        pub attempts: i64,
    }
}
