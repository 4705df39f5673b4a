//! Inline SVG charts for the HTML report. No scripts, no external assets; every text
//! that comes from the run (target, provider, chain names) goes through [`esc`].

use crate::chains::LiveComparison;
use crate::metrics::TargetMetrics;
use crate::report::{format_ms, format_usd};
use std::fmt::Write;

/// A chart's text, escaped for HTML and SVG; a label longer than any chart is cut.
pub fn esc(s: &str) -> String {
    crate::escape::clip(s, LABEL_CHARS)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

const W: f64 = 420.0;
const H: f64 = 260.0;
const PAD_L: f64 = 48.0;
const PAD_R: f64 = 16.0;
const PAD_T: f64 = 12.0;
const PAD_B: f64 = 36.0;
const LABEL_W: f64 = 130.0;
const ROW: f64 = 22.0;
/// The most characters of a label.
const LABEL_CHARS: usize = 120;
const PALETTE: [&str; 8] = [
    "#2563eb", "#0f766e", "#d97706", "#7c3aed", "#db2777", "#0891b2", "#65a30d", "#6b7280",
];

fn open(h: f64, label: &str) -> String {
    format!(r#"<svg viewBox="0 0 {W} {h:.0}" width="100%" role="img" aria-label="{label}">"#)
}

fn row_label(s: &mut String, y: f64, text: &str) {
    let _ = write!(
        s,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
        LABEL_W - 6.0,
        y + 11.0,
        esc(text)
    );
}

/// Cost per accepted (log scale) against acceptance: interval bars, the minimum
/// acceptance dashed, the Pareto frontier drawn as a step line through its points.
pub fn scatter(metrics: &[&TargetMetrics], eligible: &[&str], min_acceptance: f64) -> String {
    let costs: Vec<f64> = metrics
        .iter()
        .filter_map(|m| m.cost_per_accepted)
        .filter(|c| *c > 0.0)
        .collect();
    let (lo, hi) = costs
        .iter()
        .fold((f64::INFINITY, 0.0f64), |(l, h), c| (l.min(*c), h.max(*c)));
    let (lo, hi) = if costs.is_empty() {
        (-6.0, -3.0)
    } else {
        let lo = lo.log10().floor();
        (lo, hi.log10().ceil().max(lo + 1.0))
    };
    let x = |c: f64| PAD_L + (c.log10() - lo) / (hi - lo) * (W - PAD_L - PAD_R);
    let y = |a: f64| PAD_T + (1.0 - a) * (H - PAD_T - PAD_B);
    let mut s = open(H, "cost vs acceptance");
    s.push_str(&axes(y));
    let mut decade = lo;
    while decade <= hi {
        let px = x(10f64.powf(decade));
        let _ = write!(
            s,
            r##"<line x1="{px:.1}" y1="{PAD_T}" x2="{px:.1}" y2="{}" stroke="#f1f5f9"/><text x="{px:.1}" y="{}" text-anchor="middle">{}</text>"##,
            H - PAD_B,
            H - PAD_B + 14.0,
            esc(&format_usd(10f64.powf(decade)))
        );
        decade += 1.0;
    }
    let _ = write!(
        s,
        r##"<line x1="{PAD_L}" y1="{y:.1}" x2="{}" y2="{y:.1}" stroke="#f59e0b" stroke-dasharray="4 3"/><text x="{}" y="{:.1}" text-anchor="end" fill="#b45309">min</text>"##,
        W - PAD_R,
        W - PAD_R,
        y(min_acceptance) - 3.0,
        y = y(min_acceptance)
    );
    let _ = write!(
        s,
        r#"<text x="{}" y="{}" text-anchor="middle">cost per accepted response (log)</text>"#,
        (W + PAD_L) / 2.0,
        H - 4.0
    );
    // The frontier: cheapest first, acceptance rising; a step line reads as "pay more
    // only for more acceptance".
    let mut front: Vec<(f64, f64)> = metrics
        .iter()
        .filter(|m| m.pareto)
        .filter_map(|m| Some((m.cost_per_accepted.filter(|c| *c > 0.0)?, m.acceptance)))
        .collect();
    front.sort_by(|a, b| a.0.total_cmp(&b.0));
    if front.len() > 1 {
        let mut d = format!("M{:.1},{:.1}", x(front[0].0), y(front[0].1));
        for w in front.windows(2) {
            let _ = write!(d, " H{:.1} V{:.1}", x(w[1].0), y(w[1].1));
        }
        let _ = write!(
            s,
            r##"<path d="{d}" fill="none" stroke="#7c3aed" stroke-width="1.5" stroke-dasharray="5 3"/>"##
        );
    }
    for m in metrics {
        let Some(cost) = m.cost_per_accepted.filter(|c| *c > 0.0) else {
            continue;
        };
        let color = if eligible.contains(&m.target.as_str()) {
            "#0f766e"
        } else {
            "#9ca3af"
        };
        let ring = if m.pareto {
            r##" stroke="#7c3aed" stroke-width="2""##
        } else {
            ""
        };
        let (px, py) = (x(cost), y(m.acceptance));
        let _ = write!(
            s,
            r#"<line x1="{px:.1}" y1="{:.1}" x2="{px:.1}" y2="{:.1}" stroke="{color}" stroke-width="2" opacity="0.5"/><circle cx="{px:.1}" cy="{py:.1}" r="5" fill="{color}"{ring}><title>{}: {:.1}% accepted, {} per accepted{}</title></circle><text x="{:.1}" y="{:.1}">{}</text>"#,
            y(m.acceptance_low),
            y(m.acceptance_high),
            esc(&m.target),
            m.acceptance * 100.0,
            esc(&format_usd(cost)),
            if m.pareto { ", on the frontier" } else { "" },
            px + 7.0,
            py - 6.0,
            esc(&m.target)
        );
    }
    s.push_str("</svg>");
    s
}

/// Acceptance with its 95% interval per target (a forest plot), minimum dashed.
pub fn acceptance(metrics: &[&TargetMetrics], min_acceptance: f64) -> String {
    let h = PAD_T + ROW * metrics.len() as f64 + 24.0;
    let span = W - LABEL_W - 20.0;
    let x = |a: f64| LABEL_W + a * span;
    let mut s = open(h, "acceptance with intervals");
    for tick in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let _ = write!(
            s,
            r##"<line x1="{px:.1}" y1="{PAD_T}" x2="{px:.1}" y2="{b:.1}" stroke="#f1f5f9"/><text x="{px:.1}" y="{:.1}" text-anchor="middle">{}%</text>"##,
            h - 6.0,
            (tick * 100.0) as u32,
            px = x(tick),
            b = h - 20.0
        );
    }
    let _ = write!(
        s,
        r##"<line x1="{px:.1}" y1="{PAD_T}" x2="{px:.1}" y2="{:.1}" stroke="#f59e0b" stroke-dasharray="4 3"/>"##,
        h - 20.0,
        px = x(min_acceptance)
    );
    for (i, m) in metrics.iter().enumerate() {
        let y = PAD_T + ROW * i as f64;
        row_label(&mut s, y, &m.target);
        let _ = write!(
            s,
            r##"<line x1="{:.1}" y1="{cy:.1}" x2="{:.1}" y2="{cy:.1}" stroke="#2563eb" stroke-width="3" opacity="0.35"/><circle cx="{:.1}" cy="{cy:.1}" r="4" fill="#2563eb"><title>{}: {:.1}% ({:.1}–{:.1}%)</title></circle>"##,
            x(m.acceptance_low),
            x(m.acceptance_high),
            x(m.acceptance),
            esc(&m.target),
            m.acceptance * 100.0,
            m.acceptance_low * 100.0,
            m.acceptance_high * 100.0,
            cy = y + 7.0
        );
    }
    s.push_str("</svg>");
    s
}

/// Latency distribution per target: a bar from p50 to p99, ticks at p90 and p95.
pub fn latency(metrics: &[&TargetMetrics]) -> String {
    let max = metrics
        .iter()
        .map(|m| m.p99_latency_ms)
        .fold(1.0f64, f64::max);
    let h = PAD_T + ROW * metrics.len() as f64 + 24.0;
    let scale = |v: f64| LABEL_W + (v / max) * (W - LABEL_W - 90.0);
    let mut s = open(h, "latency distribution");
    for (i, m) in metrics.iter().enumerate() {
        let y = PAD_T + ROW * i as f64;
        row_label(&mut s, y, &m.target);
        let _ = write!(
            s,
            r##"<line x1="{LABEL_W}" y1="{cy:.1}" x2="{:.1}" y2="{cy:.1}" stroke="#e5e7eb"/><rect x="{:.1}" y="{y:.1}" width="{:.1}" height="14" fill="#bfdbfe"/><line x1="{p90:.1}" y1="{y:.1}" x2="{p90:.1}" y2="{:.1}" stroke="#1d4ed8"/><line x1="{p95:.1}" y1="{y:.1}" x2="{p95:.1}" y2="{:.1}" stroke="#1e3a8a" stroke-width="2"/><circle cx="{:.1}" cy="{cy:.1}" r="4" fill="#2563eb"/><text x="{:.1}" y="{:.1}">{} · p95 {}</text><title>p50 {} · p90 {} · p95 {} · p99 {}</title>"##,
            scale(m.p50_latency_ms),
            scale(m.p50_latency_ms),
            (scale(m.p99_latency_ms) - scale(m.p50_latency_ms)).max(1.0),
            y + 14.0,
            y + 14.0,
            scale(m.p50_latency_ms),
            scale(m.p99_latency_ms) + 4.0,
            y + 11.0,
            esc(&format_ms(m.p50_latency_ms)),
            esc(&format_ms(m.p95_latency_ms)),
            esc(&format_ms(m.p50_latency_ms)),
            esc(&format_ms(m.p90_latency_ms)),
            esc(&format_ms(m.p95_latency_ms)),
            esc(&format_ms(m.p99_latency_ms)),
            cy = y + 7.0,
            p90 = scale(m.p90_latency_ms),
            p95 = scale(m.p95_latency_ms),
        );
    }
    s.push_str("</svg>");
    s
}

/// Stacked bars: which providers served each target's answered attempts.
pub fn providers(metrics: &[&TargetMetrics]) -> String {
    let mut names: Vec<&str> = metrics
        .iter()
        .flat_map(|m| m.providers.iter().map(|(p, _)| p.as_str()))
        .collect();
    names.sort_unstable();
    names.dedup();
    let color = |p: &str| {
        let i = names.iter().position(|n| *n == p).unwrap_or(0);
        PALETTE[i.min(PALETTE.len() - 1)]
    };
    let legend_rows = names.len().div_ceil(3) as f64;
    let h = PAD_T + ROW * metrics.len() as f64 + 16.0 * legend_rows + 8.0;
    let span = W - LABEL_W - 20.0;
    let mut s = open(h, "provider shares");
    for (i, m) in metrics.iter().enumerate() {
        let y = PAD_T + ROW * i as f64;
        row_label(&mut s, y, &m.target);
        let mut x = LABEL_W;
        for (p, share) in &m.providers {
            let w = share * span;
            let _ = write!(
                s,
                r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="14" fill="{}"><title>{}: {:.1}%</title></rect>"#,
                color(p),
                esc(p),
                share * 100.0
            );
            x += w;
        }
    }
    let top = PAD_T + ROW * metrics.len() as f64 + 4.0;
    for (i, p) in names.iter().enumerate() {
        let (lx, ly) = (LABEL_W + (i % 3) as f64 * 95.0, top + (i / 3) as f64 * 16.0);
        let _ = write!(
            s,
            r#"<rect x="{lx:.1}" y="{ly:.1}" width="10" height="10" fill="{}"/><text x="{:.1}" y="{:.1}">{}</text>"#,
            color(p),
            lx + 14.0,
            ly + 9.0,
            esc(p)
        );
    }
    s.push_str("</svg>");
    s
}

/// Live chains next to their offline simulation: acceptance with intervals.
pub fn chains(live: &[&LiveComparison]) -> String {
    let h = PAD_T + ROW * 2.0 * live.len() as f64 + 24.0;
    let span = W - LABEL_W - 20.0;
    let x = |a: f64| LABEL_W + a * span;
    let mut s = open(h, "live vs simulated chains");
    for (i, c) in live.iter().enumerate() {
        for (j, (what, st, color)) in [
            ("live", &c.live, "#0f766e"),
            ("simulated", &c.simulated, "#7c3aed"),
        ]
        .into_iter()
        .enumerate()
        {
            let y = PAD_T + ROW * (2 * i + j) as f64;
            row_label(&mut s, y, &format!("{} ({what})", c.chain));
            let _ = write!(
                s,
                r#"<rect x="{LABEL_W}" y="{y:.1}" width="{:.1}" height="14" fill="{color}" opacity="0.8"/><line x1="{:.1}" y1="{cy:.1}" x2="{:.1}" y2="{cy:.1}" stroke="{color}" stroke-width="2"/><text x="{:.1}" y="{:.1}">{:.1}% · {}</text>"#,
                x(st.acceptance) - LABEL_W,
                x(st.acceptance_low),
                x(st.acceptance_high),
                x(st.acceptance_high) + 4.0,
                y + 11.0,
                st.acceptance * 100.0,
                esc(&st.cost_per_accepted.map_or("–".into(), format_usd)),
                cy = y + 7.0
            );
        }
    }
    s.push_str("</svg>");
    s
}

fn axes(y: impl Fn(f64) -> f64) -> String {
    let mut s = String::new();
    for tick in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let _ = write!(
            s,
            r##"<line x1="{PAD_L}" y1="{py:.1}" x2="{}" y2="{py:.1}" stroke="#f1f5f9"/><text x="{}" y="{:.1}" text-anchor="end">{}%</text>"##,
            W - PAD_R,
            PAD_L - 6.0,
            y(tick) + 4.0,
            (tick * 100.0) as u32,
            py = y(tick)
        );
    }
    let _ = write!(
        s,
        r##"<line x1="{PAD_L}" y1="{PAD_T}" x2="{PAD_L}" y2="{}" stroke="#94a3b8"/><line x1="{PAD_L}" y1="{b}" x2="{}" y2="{b}" stroke="#94a3b8"/>"##,
        H - PAD_B,
        W - PAD_R,
        b = H - PAD_B
    );
    s
}

/// A target's acceptance over the nights: its 95% interval as a band, the nights as
/// points, those with a flagged change red (their titles say what changed).
pub fn trend(series: &crate::history::Series, flags: &[&crate::history::Flag]) -> String {
    const TW: f64 = 240.0;
    const TH: f64 = 72.0;
    const TOP: f64 = 6.0;
    const BOTTOM: f64 = 16.0;
    let points: Vec<(usize, &crate::history::Point)> = series
        .points
        .iter()
        .enumerate()
        .filter_map(|(i, p)| p.as_ref().map(|p| (i, p)))
        .collect();
    let floor = points
        .iter()
        .map(|(_, p)| p.acceptance_low)
        .fold(1.0f64, f64::min)
        .min(0.9);
    let floor = (floor * 10.0).floor() / 10.0;
    let slots = series.points.len().max(2) as f64 - 1.0;
    let x = |i: usize| 40.0 + i as f64 / slots * (TW - 48.0);
    let y = |a: f64| TOP + (1.0 - (a - floor) / (1.0 - floor).max(1e-9)) * (TH - TOP - BOTTOM);
    let mut s = format!(
        r#"<svg class="trend-chart" viewBox="0 0 {TW} {TH}" width="{TW}" role="img" aria-label="acceptance of {} over the nights">"#,
        esc(&series.target)
    );
    let _ = write!(
        s,
        r##"<text x="4" y="{:.1}" class="small">{:.0}%</text><text x="4" y="{:.1}">100%</text>"##,
        TH - BOTTOM,
        floor * 100.0,
        TOP + 8.0
    );
    if points.len() > 1 {
        let upper: Vec<String> = points
            .iter()
            .map(|(i, p)| format!("{:.1},{:.1}", x(*i), y(p.acceptance_high)))
            .collect();
        let lower: Vec<String> = points
            .iter()
            .rev()
            .map(|(i, p)| format!("{:.1},{:.1}", x(*i), y(p.acceptance_low)))
            .collect();
        let _ = write!(
            s,
            r##"<polygon points="{} {}" fill="#2563eb" opacity="0.15"/>"##,
            upper.join(" "),
            lower.join(" ")
        );
        let line: Vec<String> = points
            .iter()
            .map(|(i, p)| format!("{:.1},{:.1}", x(*i), y(p.acceptance)))
            .collect();
        let _ = write!(
            s,
            r##"<polyline points="{}" fill="none" stroke="#2563eb" stroke-width="1.5"/>"##,
            line.join(" ")
        );
    }
    for (i, p) in &points {
        let changes: Vec<String> = flags
            .iter()
            .filter(|f| f.run_id == p.run_id)
            .map(|f| format!("{}: {}", f.kind.label(), f.detail))
            .collect();
        let colour = if changes.is_empty() {
            "#2563eb"
        } else {
            "#dc2626"
        };
        let _ = write!(
            s,
            r##"<circle cx="{:.1}" cy="{:.1}" r="{}" fill="{colour}"><title>{}: {:.1}% ({:.1}–{:.1}%){}</title></circle>"##,
            x(*i),
            y(p.acceptance),
            if changes.is_empty() { 2.5 } else { 4.0 },
            esc(&p.run_id),
            p.acceptance * 100.0,
            p.acceptance_low * 100.0,
            p.acceptance_high * 100.0,
            esc(&changes
                .iter()
                .map(|c| format!(" · {c}"))
                .collect::<String>())
        );
    }
    s.push_str("</svg>");
    s
}
