//! Deterministic draws: every "random" choice is a hash of what identifies the
//! request and what the draw is for, so the same seed and the same request
//! sequence give the same answers without a random number generator.

/// FNV-1a over bytes.
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// splitmix64's finalizer: spreads FNV's weak low bits over the whole word.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The source of every draw for one request on one model.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Draws(u64);

impl Draws {
    /// Key: seed, model, first user message, message count and the per-(model,
    /// prompt, message count) request counter.
    pub(crate) fn new(seed: u64, model: &str, prompt: &str, messages: usize, counter: u64) -> Self {
        let mut k = mix(seed);
        for part in [model.as_bytes(), prompt.as_bytes()] {
            k = mix(k ^ fnv1a(part));
        }
        k = mix(k ^ messages as u64);
        Self(mix(k ^ counter.wrapping_mul(0x9e37_79b9_7f4a_7c15)))
    }

    pub(crate) fn u64(self, purpose: &str) -> u64 {
        mix(self.0 ^ fnv1a(purpose.as_bytes()))
    }

    /// Uniform in [0, 1).
    pub(crate) fn unit(self, purpose: &str) -> f64 {
        (self.u64(purpose) >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in 0..n (0 when n is 0).
    pub(crate) fn below(self, purpose: &str, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.u64(purpose) % n as u64) as usize
        }
    }

    /// Index picked in proportion to the weights; None when they are all zero.
    pub(crate) fn weighted(self, purpose: &str, weights: &[f64]) -> Option<usize> {
        let total: f64 = weights.iter().filter(|w| **w > 0.0).sum();
        if total <= 0.0 {
            return None;
        }
        let mut x = self.unit(purpose) * total;
        let mut last = None;
        for (i, w) in weights.iter().enumerate() {
            if *w <= 0.0 {
                continue;
            }
            last = Some(i);
            if x < *w {
                return Some(i);
            }
            x -= w;
        }
        last
    }

    /// Multiplier in [0.75, 1.25): ±25% latency jitter.
    pub(crate) fn jitter(self, purpose: &str) -> f64 {
        0.75 + 0.5 * self.unit(purpose)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_are_stable_and_distinct() {
        let a = Draws::new(7, "m/a", "hi", 1, 0);
        assert_eq!(a.u64("x"), Draws::new(7, "m/a", "hi", 1, 0).u64("x"));
        assert_ne!(a.u64("x"), Draws::new(8, "m/a", "hi", 1, 0).u64("x"));
        assert_ne!(a.u64("x"), Draws::new(7, "m/a", "hi", 1, 1).u64("x"));
        assert_ne!(a.u64("x"), a.u64("y"));
    }

    #[test]
    fn unit_and_weighted_stay_in_range() {
        let mut hits = [0u32; 3];
        for c in 0..3000 {
            let d = Draws::new(1, "m", "p", 1, c);
            let u = d.unit("u");
            assert!((0.0..1.0).contains(&u));
            let j = d.jitter("j");
            assert!((0.75..1.25).contains(&j));
            hits[d.weighted("w", &[1.0, 0.0, 3.0]).unwrap()] += 1;
        }
        assert_eq!(hits[1], 0);
        assert!(hits[2] > hits[0] * 2, "{hits:?}");
        assert_eq!(
            Draws::new(1, "m", "p", 1, 0).weighted("w", &[0.0, 0.0]),
            None
        );
    }
}
