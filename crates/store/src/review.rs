//! What a person needs to review a dataset against its baseline: each live result with
//! the answer it used and the case's input, for the datasets that name a baseline.

use crate::{Result, Store};

crate::from_row! {
    #[derive(Debug, Clone)]
    pub struct ReviewAnswer {
        pub dataset: String,
        pub target: String,
        pub case_id: String,
        pub repeat: i64,
        pub accepted: bool,
        pub error_class: Option<String>,
        pub reason: String,
        pub latency_ms: f64,
        /// `None` when unknown.
        pub cost: Option<f64>,
        /// Content of the answer used (the last attempt of the served chain step).
        pub content: Option<String>,
        /// Its tool calls, a JSON array string as received.
        pub tool_calls_json: Option<String>,
        /// The case's user messages.
        pub input: Option<String>,
    }
}

impl Store {
    /// Live results of the datasets with a baseline, each with the answer it used.
    pub async fn review_answers(&self, run_id: &str) -> Result<Vec<ReviewAnswer>> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as(concat!(
            "SELECT r.dataset, r.target, r.case_id, r.repeat, r.accepted, r.error_class, r.reason,
                    r.latency_ms, r.cost, a.content, a.tool_calls_json, c.input
             FROM results r
             JOIN datasets d ON d.run_id = r.run_id AND d.name = r.dataset AND d.baseline IS NOT NULL ",
            answer_attempt_join!(),
            " LEFT JOIN cases c ON c.run_id = r.run_id AND c.dataset = r.dataset AND c.case_id = r.case_id
             WHERE r.run_id = $1 AND r.scoring = 0
             ORDER BY r.dataset, r.case_id, r.repeat, r.target",
        ))
        .bind(run_id)
        .fetch_all(pool)
        .await
        })?)
    }
}

impl Store {
    /// Each case's input of a run, by (dataset, case id).
    pub async fn case_inputs(
        &self,
        run_id: &str,
    ) -> Result<std::collections::HashMap<(String, String), String>> {
        let rows: Vec<(String, String, Option<String>)> = with_pool!(self, |pool| sqlx::query_as(
            "SELECT dataset, case_id, input FROM cases WHERE run_id = $1"
        )
        .bind(run_id)
        .fetch_all(pool)
        .await)?;
        Ok(rows
            .into_iter()
            .map(|(d, c, input)| ((d, c), input.unwrap_or_default()))
            .collect())
    }
}
