//! Small statistics used across the analysis.

/// z for a two-sided 95% interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// Wilson score interval for `k` successes out of `n`: sound at small n and at 0 or
/// 100%, where the normal approximation is not.
pub fn wilson_interval(k: u64, n: u64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let (k, n) = (k as f64, n as f64);
    let p = k / n;
    let z2 = Z95 * Z95;
    let denom = 1.0 + z2 / n;
    let center = (p + z2 / (2.0 * n)) / denom;
    let half = Z95 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denom;
    ((center - half).max(0.0), (center + half).min(1.0))
}

/// Quantile with linear interpolation between order statistics (polars' `Linear`),
/// in O(n) with selection instead of a sort. Reorders `v`.
pub fn quantile_linear(v: &mut [f64], q: f64) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let pos = q.clamp(0.0, 1.0) * (v.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let (_, a, right) = v.select_nth_unstable_by(lo, f64::total_cmp);
    let a = *a;
    let frac = pos - lo as f64;
    if frac == 0.0 || right.is_empty() {
        return Some(a);
    }
    let b = right.iter().copied().fold(f64::INFINITY, f64::min);
    Some(a + frac * (b - a))
}

/// Complementary error function (Numerical Recipes' Chebyshev fit, |error| < 1.2e-7).
pub fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 {
        r
    } else {
        2.0 - r
    }
}

/// Two-sided p-value of a standard normal statistic.
pub fn normal_two_sided(z: f64) -> f64 {
    erfc(z.abs() / std::f64::consts::SQRT_2).min(1.0)
}

/// Two-proportion z-test (pooled): two-sided p-value of k1/n1 vs k2/n2.
pub fn two_proportion_p(k1: u64, n1: u64, k2: u64, n2: u64) -> f64 {
    if n1 == 0 || n2 == 0 {
        return 1.0;
    }
    let (k1, n1, k2, n2) = (k1 as f64, n1 as f64, k2 as f64, n2 as f64);
    let pooled = (k1 + k2) / (n1 + n2);
    let se = (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)).sqrt();
    if se == 0.0 {
        return 1.0;
    }
    normal_two_sided((k2 / n2 - k1 / n1) / se)
}

/// McNemar's chi-square statistic with continuity correction, (|b - c| - 1)² / (b + c),
/// on `b` and `c` discordant pairs; 0 when there are none.
pub fn mcnemar_statistic(b: u64, c: u64) -> f64 {
    let n = b + c;
    if n == 0 {
        return 0.0;
    }
    let diff = ((b as f64 - c as f64).abs() - 1.0).max(0.0);
    diff * diff / n as f64
}

/// McNemar's test on paired verdicts: `b` cases only the base accepted, `c` only the
/// new run accepted. Exact binomial for few discordant pairs, else chi-square with
/// continuity correction (1 df, so p = erfc(sqrt(x / 2))).
pub fn mcnemar_p(b: u64, c: u64) -> f64 {
    let n = b + c;
    if n == 0 {
        return 1.0;
    }
    if n <= 50 {
        // P(X <= min(b, c)) for X ~ Bin(n, 1/2), doubled.
        let k = b.min(c);
        let mut term = 0.5f64.powi(n as i32);
        let mut tail = term;
        for i in 0..k {
            term *= (n - i) as f64 / (i + 1) as f64;
            tail += term;
        }
        return (2.0 * tail).min(1.0);
    }
    let diff = (b as f64 - c as f64).abs() - 1.0;
    let x = diff.max(0.0).powi(2) / n as f64;
    erfc((x / 2.0).sqrt()).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_match_linear_interpolation() {
        let mut v = vec![5.0, 1.0, 4.0, 2.0, 3.0];
        assert_eq!(quantile_linear(&mut v, 0.5), Some(3.0));
        assert_eq!(quantile_linear(&mut v, 0.9), Some(4.6));
        assert_eq!(quantile_linear(&mut v, 1.0), Some(5.0));
        assert_eq!(quantile_linear(&mut [], 0.5), None);
    }

    #[test]
    fn p_values_match_known_values() {
        // z = 1.96 is the 5% two-sided threshold.
        assert!((normal_two_sided(1.959_964) - 0.05).abs() < 1e-6);
        // Exact McNemar: b=1, c=9 → 2 * P(X<=1), X~Bin(10, .5) = 2 * 11/1024.
        assert!((mcnemar_p(1, 9) - 22.0 / 1024.0).abs() < 1e-12);
        assert_eq!(mcnemar_p(0, 0), 1.0);
        // Chi-square branch: b=10, c=50 → x = 39²/60 = 25.35, p ≈ 4.8e-7.
        let p = mcnemar_p(10, 50);
        assert!(p > 4.0e-7 && p < 5.5e-7, "{p}");
        // 50/100 vs 65/100: z ≈ 2.146, p ≈ 0.0319.
        let p = two_proportion_p(50, 100, 65, 100);
        assert!((p - 0.0319).abs() < 3e-4, "{p}");
    }

    #[test]
    fn matches_known_values() {
        // 8/10: the usual textbook example, (0.4902, 0.9433).
        let (lo, hi) = wilson_interval(8, 10);
        assert!(
            (lo - 0.4902).abs() < 1e-4 && (hi - 0.9433).abs() < 1e-4,
            "{lo} {hi}"
        );
        let (lo, hi) = wilson_interval(0, 20);
        assert_eq!(lo, 0.0);
        assert!((hi - 0.1611).abs() < 1e-4, "{hi}");
        let (lo, hi) = wilson_interval(20, 20);
        assert!((lo - 0.8389).abs() < 1e-4 && hi == 1.0, "{lo}");
    }
}
