//! A run split across processes: `--shard K/N` takes the cases whose hash of (dataset,
//! case id) falls in part K of N, like nextest's `--partition hash:K/N`. The hash never
//! depends on order, the number of targets or the machine, so N processes given the
//! same suite split its work exactly, and a resumed shard takes the same cases again.

use std::fmt;
use std::str::FromStr;

/// Part `index` (from 1) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// Whether the case belongs to this shard. The partition is SHA-256 of the dataset
    /// name, a NUL and the case id: fixed, so shards of one run agree across releases.
    pub fn holds(&self, dataset: &str, case_id: &str) -> bool {
        let mut key = Vec::with_capacity(dataset.len() + case_id.len() + 1);
        key.extend_from_slice(dataset.as_bytes());
        key.push(0);
        key.extend_from_slice(case_id.as_bytes());
        crate::hash::hash64(&key) % u64::from(self.count) == u64::from(self.index - 1)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("`{s}` is not a shard: write K/N with 1 <= K <= N <= 1024, as 2/4");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count): (u32, u32) = (
            k.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if index == 0 || index > count || count > 1024 {
            return Err(bad());
        }
        Ok(Self { index, count })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_split_cases_exactly_and_evenly() {
        let shards: Vec<Shard> = (1..=4).map(|k| format!("{k}/4").parse().unwrap()).collect();
        let mut sizes = [0usize; 4];
        for i in 0..4000 {
            let id = format!("case-{i}");
            let owners: Vec<usize> = (0..4).filter(|&s| shards[s].holds("d", &id)).collect();
            assert_eq!(owners.len(), 1, "{id} belongs to exactly one shard");
            sizes[owners[0]] += 1;
        }
        assert!(sizes.iter().all(|&n| (850..1150).contains(&n)), "{sizes:?}");
        // The dataset is part of the key: the same id may fall elsewhere in another.
        assert!((0..200).any(|i| {
            let id = format!("c{i}");
            shards[0].holds("a", &id) != shards[0].holds("b", &id)
        }));
    }

    #[test]
    fn only_k_of_n_with_k_in_range_parses() {
        assert_eq!("2/4".parse::<Shard>(), Ok(Shard { index: 2, count: 4 }));
        assert_eq!("1/1".parse::<Shard>().unwrap().to_string(), "1/1");
        for bad in ["0/4", "5/4", "4", "a/b", "1/0", "1/2000", "-1/4"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }
}
