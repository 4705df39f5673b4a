//! Route probe results: each `routeval probe` appends its matrix; the latest row per
//! (route, probe) is what reports show and capability checks read.

use crate::tables::{self, select_list, ProbeRow, ProbeValues};
use crate::{Result, Store};

impl Store {
    /// Record one probe run's rows in a single transaction.
    pub async fn record_probes(&self, rows: &[ProbeRow]) -> Result<()> {
        let rows = crate::redact::redacted(rows);
        let values: Vec<ProbeValues> = rows
            .iter()
            .map(|r| ProbeValues {
                run_at: r.run_at,
                route: &r.route,
                model: &r.model,
                probe: &r.probe,
                verdict: &r.verdict,
                status: r.status,
                latency_ms: r.latency_ms,
                evidence: &r.evidence,
            })
            .collect();
        // One transaction: a probe run's matrix is recorded whole or not at all.
        with_pool!(self, |pool| {
            let mut tx = pool.begin().await?;
            for chunk in values.chunks(crate::write::MAX_PARAMS / ProbeValues::COLUMNS.len()) {
                tables::insert(chunk.iter().copied())
                    .build()
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// The latest row of every probe of these routes (all routes when empty), ordered by
    /// route then insertion.
    pub async fn latest_probes(&self, routes: &[String]) -> Result<Vec<ProbeRow>> {
        let sql = format!(
            "SELECT {} FROM probes p
             WHERE p.id = (SELECT q.id FROM probes q WHERE q.route = p.route AND q.probe = p.probe
                           ORDER BY q.run_at DESC, q.id DESC LIMIT 1)
             ORDER BY p.route, p.id",
            select_list("p.", ProbeRow::COLUMNS)
        );
        let rows: Vec<ProbeRow> =
            with_pool!(self, |pool| sqlx::query_as(&sql).fetch_all(pool).await)?;
        Ok(rows
            .into_iter()
            .filter(|r| routes.is_empty() || routes.contains(&r.route))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(run_at: i64, route: &str, probe: &str, verdict: &str) -> ProbeRow {
        ProbeRow {
            run_at,
            route: route.into(),
            model: "a/b".into(),
            probe: probe.into(),
            verdict: verdict.into(),
            status: Some(200),
            latency_ms: 1.5,
            evidence: "e".into(),
        }
    }

    #[tokio::test]
    async fn latest_row_per_route_and_probe_wins() {
        let path = std::env::temp_dir().join(format!("routeval-probes-{}.db", std::process::id()));
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        let store = Store::open(&path.display().to_string()).await.unwrap();
        store
            .record_probes(&[
                row(1, "r", "tools", "pass"),
                row(1, "r", "chat", "pass"),
                row(1, "s", "tools", "pass"),
            ])
            .await
            .unwrap();
        store
            .record_probes(&[row(2, "r", "tools", "fail")])
            .await
            .unwrap();
        let latest = store.latest_probes(&["r".into()]).await.unwrap();
        let got: Vec<(&str, &str, i64)> = latest
            .iter()
            .map(|r| (r.probe.as_str(), r.verdict.as_str(), r.run_at))
            .collect();
        assert_eq!(got, [("chat", "pass", 1), ("tools", "fail", 2)]);
        assert_eq!(store.latest_probes(&[]).await.unwrap().len(), 3);
        store.close().await;
        let _ = std::fs::remove_file(&path);
    }
}
