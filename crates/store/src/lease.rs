//! One live process per run: a lease in the run's row, taken with a compare-and-set
//! and renewed while the run goes on. A second process (a CI retry, a second terminal)
//! is refused while the holder renews; a holder that stopped renewing, or that is known
//! to be gone, can be taken over.

use crate::{Result, Store};
use std::time::Duration;

/// Who holds a run, and until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseHolder {
    /// `host:pid:nonce` of the holding process.
    pub owner: String,
    /// Unix ms when the lease lapses unless renewed.
    pub expires_at_ms: i64,
}

impl LeaseHolder {
    /// The holder runs on this host and its process no longer exists: its lease can be
    /// taken at once rather than after it expires (a `kill -9`, then a resume).
    pub fn is_gone(&self) -> bool {
        let mut parts = self.owner.rsplitn(3, ':');
        let (_nonce, pid, host) = (parts.next(), parts.next(), parts.next());
        let (Some(pid), Some(host)) = (pid.and_then(|p| p.parse::<u32>().ok()), host) else {
            return false;
        };
        host == this_host() && pid != std::process::id() && !process_exists(pid)
    }
}

/// A lease for this process, unique among processes and runs.
pub fn new_lease_owner() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{}:{}:{nanos:08x}", this_host(), std::process::id())
}

fn this_host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

/// Whether a process with this id exists. Where that cannot be told, it is assumed
/// alive: the lease then has to expire.
fn process_exists(pid: u32) -> bool {
    if cfg!(target_os = "linux") {
        std::path::Path::new(&format!("/proc/{pid}")).exists()
    } else {
        true
    }
}

/// What taking a lease gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lease {
    /// Taken: the number of this process among those that ran the run (1, 2, ...).
    Taken { session: u32 },
    /// Held by a live process.
    Held(LeaseHolder),
}

/// What a lease holds: a whole run (its row in `runs`), or one shard of a sharded run
/// (its row in `run_shards`).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Scope<'a> {
    Run(&'a str),
    Shard(&'a str, u32),
}

impl Scope<'_> {
    /// The table holding the lease, and the condition on its key from `$first` on.
    fn table_and_key(&self, first: usize) -> (&'static str, String) {
        match self {
            Scope::Run(_) => ("runs", format!("id = ${first}")),
            Scope::Shard(..) => (
                "run_shards",
                format!("run_id = ${first} AND shard = ${}", first + 1),
            ),
        }
    }

    fn run_id(&self) -> &str {
        match self {
            Scope::Run(id) | Scope::Shard(id, _) => id,
        }
    }
}

/// Bind the key of `scope` to a query (after its other parameters).
macro_rules! bind_scope {
    ($query:expr, $scope:expr) => {
        match $scope {
            Scope::Run(id) => $query.bind(id),
            Scope::Shard(id, shard) => $query.bind(id).bind(i64::from(shard)),
        }
    };
}

impl Store {
    /// Take the lease of an existing run for `owner` until `now + ttl`: when no one
    /// holds it, its holder let it lapse, or its holder is gone. Counts a new session.
    pub async fn take_lease(
        &self,
        run_id: &str,
        owner: &str,
        ttl: Duration,
        now_ms: i64,
    ) -> Result<Lease> {
        self.take_scoped(Scope::Run(run_id), owner, ttl, now_ms)
            .await
    }

    /// Take the lease of shard `shard` of a sharded run (see [`Store::take_lease`]),
    /// recording the shard when it is new.
    pub async fn take_shard_lease(
        &self,
        run_id: &str,
        shard: u32,
        owner: &str,
        ttl: Duration,
        now_ms: i64,
    ) -> Result<Lease> {
        let row = crate::tables::ShardValues {
            run_id,
            shard: i64::from(shard),
            status: "running",
            started_at: now_ms,
        };
        with_pool!(self, |pool| {
            let mut qb = crate::tables::insert([row]);
            qb.push(" ON CONFLICT (run_id, shard) DO NOTHING");
            qb.build().execute(pool).await.map(|_| ())
        })?;
        self.take_scoped(Scope::Shard(run_id, shard), owner, ttl, now_ms)
            .await
    }

    async fn take_scoped(
        &self,
        scope: Scope<'_>,
        owner: &str,
        ttl: Duration,
        now_ms: i64,
    ) -> Result<Lease> {
        let (table, key) = scope.table_and_key(1);
        let read = format!("SELECT lease_owner, lease_expires_at FROM {table} WHERE {key}");
        let holder: Option<(Option<String>, Option<i64>)> =
            with_pool!(self, |pool| bind_scope!(sqlx::query_as(&read), scope)
                .fetch_optional(pool)
                .await)?;
        let Some((held_by, expires)) = holder else {
            return Err(crate::StoreError::NoSuchRun(scope.run_id().to_string()));
        };
        // The holder seen now is the one replaced: if another process takes the run
        // between this read and the update, the update matches nothing.
        if let Some(owner_now) = &held_by {
            let holder = LeaseHolder {
                owner: owner_now.clone(),
                expires_at_ms: expires.unwrap_or(0),
            };
            if holder.expires_at_ms >= now_ms && !holder.is_gone() {
                return Ok(Lease::Held(holder));
            }
        }
        let (_, key) = scope.table_and_key(4);
        let take = format!(
            "UPDATE {table} SET lease_owner = $1, lease_expires_at = $2, sessions = sessions + 1
             WHERE lease_owner IS NOT DISTINCT FROM $3 AND {key}
             RETURNING sessions"
        );
        let taken: Option<(i64,)> = with_pool!(self, |pool| bind_scope!(
            sqlx::query_as(&take)
                .bind(owner)
                .bind(now_ms + ttl.as_millis() as i64)
                .bind(&held_by),
            scope
        )
        .fetch_optional(pool)
        .await)?;
        match taken {
            Some((session,)) => Ok(Lease::Taken {
                session: session as u32,
            }),
            // Someone else won the race: report who.
            None => match Box::pin(self.take_scoped(scope, owner, ttl, now_ms)).await? {
                Lease::Held(h) => Ok(Lease::Held(h)),
                taken => Ok(taken),
            },
        }
    }

    /// Extend the lease; `false` when this process no longer holds it.
    pub async fn renew_lease(
        &self,
        run_id: &str,
        owner: &str,
        ttl: Duration,
        now_ms: i64,
    ) -> Result<bool> {
        self.renew_scoped(Scope::Run(run_id), owner, ttl, now_ms)
            .await
    }

    /// Extend the lease of a shard; `false` when this process no longer holds it.
    pub async fn renew_shard_lease(
        &self,
        run_id: &str,
        shard: u32,
        owner: &str,
        ttl: Duration,
        now_ms: i64,
    ) -> Result<bool> {
        self.renew_scoped(Scope::Shard(run_id, shard), owner, ttl, now_ms)
            .await
    }

    async fn renew_scoped(
        &self,
        scope: Scope<'_>,
        owner: &str,
        ttl: Duration,
        now_ms: i64,
    ) -> Result<bool> {
        let (table, key) = scope.table_and_key(3);
        let sql =
            format!("UPDATE {table} SET lease_expires_at = $1 WHERE lease_owner = $2 AND {key}");
        let done = with_pool!(self, |pool| bind_scope!(
            sqlx::query(&sql)
                .bind(now_ms + ttl.as_millis() as i64)
                .bind(owner),
            scope
        )
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
        Ok(done == 1)
    }

    /// Let the run go (its process is done with it).
    pub async fn release_lease(&self, run_id: &str, owner: &str) -> Result<()> {
        self.release_scoped(Scope::Run(run_id), owner).await
    }

    /// Let the shard go.
    pub async fn release_shard_lease(&self, run_id: &str, shard: u32, owner: &str) -> Result<()> {
        self.release_scoped(Scope::Shard(run_id, shard), owner)
            .await
    }

    async fn release_scoped(&self, scope: Scope<'_>, owner: &str) -> Result<()> {
        let (table, key) = scope.table_and_key(2);
        let sql = format!(
            "UPDATE {table} SET lease_owner = NULL, lease_expires_at = NULL WHERE lease_owner = $1 AND {key}"
        );
        with_pool!(self, |pool| bind_scope!(
            sqlx::query(&sql).bind(owner),
            scope
        )
        .execute(pool)
        .await
        .map(|_| ()))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_live_lease_is_refused_an_expired_one_taken_over() {
        for (_db, store) in crate::test_support::stores_with_run("run").await {
            let ttl = Duration::from_secs(30);
            let a = format!("{}:{}:aaaa", this_host(), std::process::id());
            let b = "elsewhere:1:bbbb";
            assert_eq!(
                store.take_lease("run", &a, ttl, 1_000).await.unwrap(),
                Lease::Taken { session: 1 }
            );
            assert_eq!(
                store.take_lease("run", b, ttl, 2_000).await.unwrap(),
                Lease::Held(LeaseHolder {
                    owner: a.clone(),
                    expires_at_ms: 31_000
                }),
                "a lease its holder renews is not taken"
            );
            assert!(store.renew_lease("run", &a, ttl, 20_000).await.unwrap());
            assert!(matches!(
                store.take_lease("run", b, ttl, 40_000).await.unwrap(),
                Lease::Held(_)
            ));
            assert_eq!(
                store.take_lease("run", b, ttl, 50_001).await.unwrap(),
                Lease::Taken { session: 2 },
                "a lapsed lease is taken over"
            );
            assert!(
                !store.renew_lease("run", &a, ttl, 50_002).await.unwrap(),
                "the old holder learns it lost the run"
            );
            store.release_lease("run", b).await.unwrap();
            assert!(matches!(
                store.take_lease("run", &a, ttl, 50_003).await.unwrap(),
                Lease::Taken { session: 3 }
            ));
        }
    }

    #[test]
    fn a_holder_on_this_host_whose_process_is_gone_is_gone() {
        let host = this_host();
        let alive = LeaseHolder {
            owner: format!("{host}:1:0"),
            expires_at_ms: 0,
        };
        assert!(!alive.is_gone(), "pid 1 exists");
        let gone = LeaseHolder {
            owner: format!("{host}:{}:0", u32::MAX - 1),
            expires_at_ms: 0,
        };
        assert!(gone.is_gone() || !cfg!(target_os = "linux"));
        let remote = LeaseHolder {
            owner: format!("not-{host}:{}:0", u32::MAX - 1),
            expires_at_ms: 0,
        };
        assert!(
            !remote.is_gone(),
            "another host's process is never presumed gone"
        );
    }
}
