//! Reports rendered from the ranking: Markdown for CI summaries, one self-contained
//! HTML file with inline SVG charts for people. Templates live in `reports/`.

use crate::frames::RunData;
use crate::metrics::{Ranking, TargetMetrics};
use crate::Result;
use minijinja::{AutoEscape, Environment, Value};
use serde::Serialize;
use std::collections::BTreeMap;

const MARKDOWN: &str = include_str!("../../../reports/report.md.j2");
const HTML: &str = include_str!("../../../reports/report.html.j2");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Html,
}

#[derive(Serialize)]
struct RunInfo {
    id: String,
    suite: String,
    started: String,
    status: String,
    config_hash: String,
    git_rev: Option<String>,
    simulated: bool,
}

/// Render a report of a run.
pub fn render(data: &RunData, rankings: &[Ranking], format: Format) -> Result<String> {
    let mut env = Environment::new();
    // Escape everything in HTML: target names and any model output are untrusted.
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html") {
            AutoEscape::Html
        } else {
            AutoEscape::None
        }
    });
    env.add_filter("pct", |v: Option<f64>| {
        v.map_or("–".to_string(), |v| format!("{:.1}%", v * 100.0))
    });
    env.add_filter("usd", |v: Option<f64>| {
        v.map_or("–".to_string(), format_usd)
    });
    env.add_filter("ms", |v: Option<f64>| v.map_or("–".to_string(), format_ms));
    env.add_filter("num", |v: f64| format!("{v:.2}"));
    env.add_template("report.md", MARKDOWN)?;
    env.add_template("report.html", HTML)?;

    let run = RunInfo {
        id: data.run.id.clone(),
        suite: data.run.suite.clone(),
        started: format_time(data.run.started_at),
        status: data.run.status.clone(),
        config_hash: data.run.config_hash.clone(),
        git_rev: data.run.git_rev.clone(),
        simulated: data.run.simulated,
    };
    let (name, charts) = match format {
        Format::Markdown => ("report.md", BTreeMap::new()),
        Format::Html => (
            "report.html",
            rankings
                .iter()
                .map(|r| {
                    let all: Vec<&TargetMetrics> = r.eligible.iter().chain(&r.ineligible).collect();
                    let charts = BTreeMap::from([
                        (
                            "scatter",
                            Value::from_safe_string(scatter_svg(&all, r.min_acceptance)),
                        ),
                        ("latency", Value::from_safe_string(latency_svg(&all))),
                    ]);
                    (r.dataset.clone(), charts)
                })
                .collect(),
        ),
    };
    let out = env
        .get_template(name)?
        .render(minijinja::context! { run, rankings, charts })?;
    Ok(out)
}

pub fn format_usd(v: f64) -> String {
    if v == 0.0 {
        "$0".into()
    } else if v.abs() < 0.01 {
        format!("${v:.6}")
    } else {
        format!("${v:.4}")
    }
}

pub fn format_ms(v: f64) -> String {
    if v >= 10_000.0 {
        format!("{:.1} s", v / 1000.0)
    } else {
        format!("{v:.0} ms")
    }
}

pub fn format_time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|| ms.to_string())
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
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

/// Cost per accepted (log scale) against acceptance, with the interval as a bar and
/// the minimum acceptance as a dashed line.
fn scatter_svg(metrics: &[&TargetMetrics], min_acceptance: f64) -> String {
    let costs: Vec<f64> = metrics
        .iter()
        .filter_map(|m| m.cost_per_accepted)
        .filter(|c| *c > 0.0)
        .collect();
    let (lo, hi) = costs
        .iter()
        .fold((f64::INFINITY, 0.0f64), |(l, h), c| (l.min(*c), h.max(*c)));
    let (lo, hi) = if costs.is_empty() {
        (1e-6, 1e-3)
    } else {
        (
            lo.log10().floor(),
            hi.log10().ceil().max(lo.log10().floor() + 1.0),
        )
    };
    let x = |c: f64| PAD_L + (c.log10() - lo) / (hi - lo) * (W - PAD_L - PAD_R);
    let y = |a: f64| PAD_T + (1.0 - a) * (H - PAD_T - PAD_B);
    let mut s = format!(
        r#"<svg viewBox="0 0 {W} {H}" width="100%" role="img" aria-label="cost vs acceptance">"#
    );
    s.push_str(&axes(y));
    let mut decade = lo;
    while decade <= hi {
        let px = x(10f64.powf(decade));
        s.push_str(&format!(
            r##"<line x1="{px:.1}" y1="{}" x2="{px:.1}" y2="{}" stroke="#f1f5f9"/><text x="{px:.1}" y="{}" text-anchor="middle">{}</text>"##,
            PAD_T,
            H - PAD_B,
            H - PAD_B + 14.0,
            esc(&format_usd(10f64.powf(decade)))
        ));
        decade += 1.0;
    }
    s.push_str(&format!(
        r##"<line x1="{PAD_L}" y1="{y:.1}" x2="{}" y2="{y:.1}" stroke="#f59e0b" stroke-dasharray="4 3"/>"##,
        W - PAD_R,
        y = y(min_acceptance)
    ));
    s.push_str(&format!(
        r#"<text x="{}" y="{}" text-anchor="middle">cost per accepted response (log)</text>"#,
        (W + PAD_L) / 2.0,
        H - 4.0
    ));
    for m in metrics {
        let Some(cost) = m.cost_per_accepted.filter(|c| *c > 0.0) else {
            continue;
        };
        let eligible = m.acceptance >= min_acceptance;
        let color = if eligible { "#0f766e" } else { "#9ca3af" };
        let (px, py) = (x(cost), y(m.acceptance));
        s.push_str(&format!(
            r#"<line x1="{px:.1}" y1="{:.1}" x2="{px:.1}" y2="{:.1}" stroke="{color}" stroke-width="2" opacity="0.5"/><circle cx="{px:.1}" cy="{py:.1}" r="5" fill="{color}"><title>{}: {:.1}% accepted, {} per accepted</title></circle><text x="{:.1}" y="{:.1}">{}</text>"#,
            y(m.acceptance_low),
            y(m.acceptance_high),
            esc(&m.target),
            m.acceptance * 100.0,
            esc(&format_usd(cost)),
            px + 7.0,
            py - 6.0,
            esc(&m.target)
        ));
    }
    s.push_str("</svg>");
    s
}

/// Horizontal bars: p50 solid, p95 as a lighter extension.
fn latency_svg(metrics: &[&TargetMetrics]) -> String {
    let max = metrics
        .iter()
        .map(|m| m.p95_latency_ms)
        .fold(1.0f64, f64::max);
    let row = 22.0;
    let label_w = 130.0;
    let h = PAD_T + row * metrics.len() as f64 + 24.0;
    let scale = |v: f64| (v / max) * (W - label_w - 70.0);
    let mut s =
        format!(r#"<svg viewBox="0 0 {W} {h}" width="100%" role="img" aria-label="latency">"#);
    for (i, m) in metrics.iter().enumerate() {
        let y = PAD_T + row * i as f64;
        s.push_str(&format!(
            r##"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text><rect x="{label_w}" y="{y:.1}" width="{:.1}" height="14" fill="#bfdbfe"/><rect x="{label_w}" y="{y:.1}" width="{:.1}" height="14" fill="#2563eb"/><text x="{:.1}" y="{:.1}">{} / {}</text>"##,
            label_w - 6.0,
            y + 11.0,
            esc(&m.target),
            scale(m.p95_latency_ms),
            scale(m.p50_latency_ms),
            label_w + scale(m.p95_latency_ms) + 4.0,
            y + 11.0,
            esc(&format_ms(m.p50_latency_ms)),
            esc(&format_ms(m.p95_latency_ms))
        ));
    }
    s.push_str("</svg>");
    s
}

fn axes(y: impl Fn(f64) -> f64) -> String {
    let mut s = String::new();
    for tick in [0.0, 0.25, 0.5, 0.75, 1.0] {
        s.push_str(&format!(
            r##"<line x1="{PAD_L}" y1="{py:.1}" x2="{}" y2="{py:.1}" stroke="#f1f5f9"/><text x="{}" y="{:.1}" text-anchor="end">{}%</text>"##,
            W - PAD_R,
            PAD_L - 6.0,
            y(tick) + 4.0,
            (tick * 100.0) as u32,
            py = y(tick)
        ));
    }
    s.push_str(&format!(
        r##"<line x1="{PAD_L}" y1="{PAD_T}" x2="{PAD_L}" y2="{}" stroke="#94a3b8"/><line x1="{PAD_L}" y1="{b}" x2="{}" y2="{b}" stroke="#94a3b8"/>"##,
        H - PAD_B,
        W - PAD_R,
        b = H - PAD_B
    ));
    s
}
