//! Runs split across processes (`run --shard K/N --run-id ID`): every shard joins the
//! same run row, holds its own lease (see `lease`), and says how it ended; the run is
//! complete when all N are. The suite budget lives in the run row, and shards draw it in
//! slices (compare-and-set, one row), so together they never reserve more than it.

use crate::dialect::WriteTx;
use crate::tables::{select_list, ShardRow};
use crate::{NewRun, Result, Store, StoreError};

/// The run a shard joined, as the first shard recorded it.
#[derive(Debug, Clone, PartialEq)]
pub struct JoinedRun {
    pub config_hash: String,
    /// N of the run's K/N; `None` for a run made in one process.
    pub shards: Option<i64>,
    pub budget_usd: Option<f64>,
}

/// A run's status from its shards': complete when all `count` are, otherwise the most
/// telling of theirs (a failure first, then a spent budget, an interruption, and
/// shards still running or not started).
pub fn run_status_of_shards(statuses: &[String], count: usize) -> &'static str {
    let any = |s: &str| statuses.iter().any(|x| x == s);
    if any("failed") {
        "failed"
    } else if any("budget_exhausted") {
        "budget_exhausted"
    } else if any("running") || statuses.len() < count {
        "running"
    } else if any("interrupted") {
        "interrupted"
    } else {
        "completed"
    }
}

/// The statements of [`Store::set_shard_status`] in an open transaction `$tx` (either
/// database); evaluates to the run's new status.
macro_rules! shard_status {
    ($tx:expr, $run_id:expr, $shard:expr, $status:expr, $finished:expr, $reason:expr) => {{
        // Writing the row takes its lock on PostgreSQL (SQLite's transaction holds the
        // whole database already).
        let count: Option<(Option<i64>,)> =
            sqlx::query_as("UPDATE runs SET status = status WHERE id = $1 RETURNING shards")
                .bind($run_id)
                .fetch_optional(&mut **$tx)
                .await?;
        let count = count
            .ok_or_else(|| StoreError::NoSuchRun($run_id.to_string()))?
            .0
            .unwrap_or(1);
        sqlx::query(
            "UPDATE run_shards SET status = $3, finished_at = $4, status_reason = $5
             WHERE run_id = $1 AND shard = $2",
        )
        .bind($run_id)
        .bind(i64::from($shard))
        .bind($status)
        .bind($finished)
        .bind(&$reason)
        .execute(&mut **$tx)
        .await?;
        let shards: Vec<(String, Option<i64>)> =
            sqlx::query_as("SELECT status, finished_at FROM run_shards WHERE run_id = $1")
                .bind($run_id)
                .fetch_all(&mut **$tx)
                .await?;
        let statuses: Vec<String> = shards.iter().map(|(s, _)| s.clone()).collect();
        let run_status = run_status_of_shards(&statuses, count as usize);
        let finished = (run_status == "completed")
            .then(|| shards.iter().filter_map(|(_, f)| *f).max())
            .flatten();
        sqlx::query("UPDATE runs SET status = $2, finished_at = $3 WHERE id = $1")
            .bind($run_id)
            .bind(run_status)
            .bind(finished)
            .execute(&mut **$tx)
            .await?;
        run_status.to_string()
    }};
}

impl Store {
    /// Join the sharded run `run.id`, creating it when this shard is the first; the
    /// first shard's suite hash, shard count and budget are the run's. The caller
    /// checks they are the ones it would use.
    pub async fn join_run(
        &self,
        run: &NewRun,
        shards: u32,
        budget_usd: Option<f64>,
    ) -> Result<JoinedRun> {
        match self.create_run(run).await {
            Ok(()) => {}
            // Another shard made it first.
            Err(StoreError::Sql(sqlx::Error::Database(e))) if e.is_unique_violation() => {}
            Err(e) => return Err(e),
        }
        with_pool!(self, |pool| sqlx::query(
            "UPDATE runs SET shards = $2, budget_usd = $3 WHERE id = $1 AND shards IS NULL"
        )
        .bind(&run.id)
        .bind(i64::from(shards))
        .bind(budget_usd)
        .execute(pool)
        .await
        .map(|_| ()))?;
        self.joined_run(&run.id).await
    }

    /// The suite hash, shard count and shared budget of a run.
    pub async fn joined_run(&self, run_id: &str) -> Result<JoinedRun> {
        let row: Option<(String, Option<i64>, Option<f64>)> = with_pool!(self, |pool| {
            sqlx::query_as("SELECT config_hash, shards, budget_usd FROM runs WHERE id = $1")
                .bind(run_id)
                .fetch_optional(pool)
                .await
        })?;
        let (config_hash, shards, budget_usd) =
            row.ok_or_else(|| StoreError::NoSuchRun(run_id.to_string()))?;
        Ok(JoinedRun {
            config_hash,
            shards,
            budget_usd,
        })
    }

    /// The shards of a run that have started, by number.
    pub async fn run_shards(&self, run_id: &str) -> Result<Vec<ShardRow>> {
        let sql = format!(
            "SELECT {} FROM run_shards WHERE run_id = $1 ORDER BY shard",
            select_list("", ShardRow::COLUMNS)
        );
        Ok(with_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(run_id)
            .fetch_all(pool)
            .await)?)
    }

    /// Record how a shard stands, and the run's status that follows from all of its
    /// shards' (returned). One transaction that first locks the run's row, so two
    /// shards ending at once cannot both miss the other's end.
    pub async fn set_shard_status(
        &self,
        run_id: &str,
        shard: u32,
        status: &str,
        finished_at_ms: Option<i64>,
        reason: Option<&str>,
    ) -> Result<String> {
        let reason = reason.map(crate::redact::redact);
        let mut tx = WriteTx::begin(self).await?;
        let run_status = match &mut tx {
            WriteTx::Sqlite(tx) => {
                shard_status!(tx, run_id, shard, status, finished_at_ms, reason)
            }
            WriteTx::Postgres(tx) => {
                shard_status!(tx, run_id, shard, status, finished_at_ms, reason)
            }
        };
        tx.commit().await?;
        Ok(run_status)
    }

    /// Draw `amount` USD of a run's shared budget for one process: `false` (and nothing
    /// drawn) when less than that is left.
    pub async fn draw_budget(&self, run_id: &str, amount: f64) -> Result<bool> {
        let done = with_pool!(self, |pool| {
            sqlx::query(
            "UPDATE runs SET budget_drawn = budget_drawn + $2
             WHERE id = $1 AND budget_usd IS NOT NULL AND budget_drawn + $2 <= budget_usd * (1 + 1e-12)"
        )
        .bind(run_id)
        .bind(amount)
        .execute(pool)
        .await
        .map(|done| done.rows_affected())
        })?;
        Ok(done == 1)
    }

    /// Give back what a process drew and did not spend.
    pub async fn return_budget(&self, run_id: &str, amount: f64) -> Result<()> {
        with_pool!(self, |pool| {
            sqlx::query(
            "UPDATE runs SET budget_drawn = CASE WHEN budget_drawn > $2 THEN budget_drawn - $2 ELSE 0.0 END
             WHERE id = $1"
        )
        .bind(run_id)
        .bind(amount)
        .execute(pool)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_run(id: &str, hash: &str) -> NewRun {
        NewRun {
            config_hash: hash.into(),
            ..crate::testing::new_run(id)
        }
    }

    #[test]
    fn a_run_is_complete_when_every_shard_is() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(run_status_of_shards(&s(&["completed"; 4]), 4), "completed");
        assert_eq!(run_status_of_shards(&s(&["completed"; 3]), 4), "running");
        assert_eq!(
            run_status_of_shards(&s(&["completed", "interrupted"]), 2),
            "interrupted"
        );
        assert_eq!(
            run_status_of_shards(&s(&["running", "failed"]), 2),
            "failed"
        );
    }

    #[tokio::test]
    async fn shards_join_one_run_and_share_its_budget() {
        for db in crate::testing::TestDb::each().await {
            let store = Store::open(&db.url).await.unwrap();
            let first = store
                .join_run(&new_run("r", "h1"), 2, Some(1.0))
                .await
                .unwrap();
            let second = store.join_run(&new_run("r", "h1"), 3, None).await.unwrap();
            assert_eq!(
                first, second,
                "{}: the first shard's terms hold",
                db.backend
            );
            assert_eq!(first.shards, Some(2));

            let ttl = std::time::Duration::from_secs(30);
            for shard in [1, 2] {
                let lease = store
                    .take_shard_lease("r", shard, &format!("h:{shard}:x"), ttl, 1)
                    .await
                    .unwrap();
                assert_eq!(lease, crate::Lease::Taken { session: 1 });
            }
            assert!(matches!(
                store
                    .take_shard_lease("r", 1, "other:9:y", ttl, 2)
                    .await
                    .unwrap(),
                crate::Lease::Held(_)
            ));
            assert_eq!(
                store
                    .set_shard_status("r", 1, "completed", Some(5), None)
                    .await
                    .unwrap(),
                "running"
            );
            assert_eq!(
                store
                    .set_shard_status("r", 2, "completed", Some(7), None)
                    .await
                    .unwrap(),
                "completed"
            );
            let run = store.run("r").await.unwrap();
            assert_eq!(
                (run.status.as_str(), run.finished_at),
                ("completed", Some(7))
            );
            assert_eq!(store.run_shards("r").await.unwrap().len(), 2);

            assert!(store.draw_budget("r", 0.6).await.unwrap());
            assert!(!store.draw_budget("r", 0.6).await.unwrap(), "only 0.4 left");
            assert!(store.draw_budget("r", 0.4).await.unwrap());
            store.return_budget("r", 0.5).await.unwrap();
            assert!(store.draw_budget("r", 0.5).await.unwrap());
            assert!(!store.draw_budget("r", 0.01).await.unwrap());
            store.close().await;
        }
    }
}
