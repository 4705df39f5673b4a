//! Reports rendered from the ranking: Markdown for CI summaries, one self-contained
//! HTML file with inline SVG charts for people, JUnit XML for CI test views, JSON for
//! tools and CSV of the results for notebooks. Templates live in `reports/`.
//!
//! Every format escapes what it shows for itself (see [`crate::escape`]): the HTML
//! template is HTML-escaped, the Markdown one Markdown-escaped, JUnit is XML-escaped with
//! the characters XML forbids removed, and CSV is written by the `csv` crate. Long text
//! (answers, reasons, error messages) is cut with a visible marker.

use crate::baseline::{compare_with_baselines, BaselineComparison};
use crate::chains::{chain_report, ChainReport, LiveComparison};
use crate::charts;
use crate::escape;
use crate::frames::RunData;
use crate::judges::{judge_summaries, JudgeSummary};
use crate::metrics::{tag_acceptance, Ranking, TagMetrics, TargetMetrics};
use crate::Result;
use minijinja::{AutoEscape, Environment, Value};
use polars::prelude::*;
use serde::Serialize;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write;

const MARKDOWN: &str = include_str!("../../../reports/report.md.j2");
const HTML: &str = include_str!("../../../reports/report.html.j2");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Html,
    /// One testcase per dataset x target, failing when it misses its constraints.
    Junit,
    Json,
    /// One row per result, for notebooks.
    Csv,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Markdown => "md",
            Format::Html => "html",
            Format::Junit => "junit.xml",
            Format::Json => "json",
            Format::Csv => "csv",
        }
    }
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

/// One shard of a split run, as the report shows it.
#[derive(serde::Serialize)]
struct ShardInfo {
    shard: String,
    status: String,
    started: String,
    finished: Option<String>,
    sessions: i64,
    reason: Option<String>,
}

/// What a report shows beyond the ranking.
#[derive(Debug, Clone, Serialize)]
pub struct Extras {
    pub tags: Vec<TagMetrics>,
    pub chains: ChainReport,
    /// Candidates against their dataset's baseline, case by case.
    pub baselines: Vec<BaselineComparison>,
    /// Model-graded checks: verdicts and what judging cost.
    pub judges: Vec<JudgeSummary>,
    /// What endpoints said about failures, per target.
    pub errors: Vec<crate::errors::ErrorDetail>,
    /// The suite's nights up to this run, when there are earlier ones (set by the
    /// caller, which holds the database: see [`crate::history`]).
    pub trend: Option<crate::history::History>,
}

impl Extras {
    /// Per-tag acceptance and a chain search of length 2 (what the reports show).
    pub fn compute(data: &RunData) -> Result<Self> {
        Ok(Self {
            tags: tag_acceptance(data)?,
            chains: chain_report(data, 2, None)?,
            baselines: compare_with_baselines(data)?,
            judges: judge_summaries(data)?,
            errors: crate::errors::error_details(&data.error_details),
            trend: None,
        })
    }
}

/// The latest probe matrix of the run's routes, laid out for the templates.
#[derive(Serialize)]
struct ProbeMatrix {
    probes: Vec<String>,
    rows: Vec<ProbeMatrixRow>,
    /// Failed cells with their evidence.
    failures: Vec<ProbeFailure>,
}

#[derive(Serialize)]
struct ProbeMatrixRow {
    route: String,
    model: String,
    probed: String,
    cells: Vec<&'static str>,
}

#[derive(Serialize)]
struct ProbeFailure {
    route: String,
    probe: String,
    status: Option<i64>,
    evidence: String,
}

fn probe_matrix(rows: &[routeval_store::ProbeRow]) -> Option<ProbeMatrix> {
    if rows.is_empty() {
        return None;
    }
    let mut probes: Vec<String> = Vec::new();
    let mut routes: Vec<(&str, &str, i64)> = Vec::new();
    for r in rows {
        if !probes.contains(&r.probe) {
            probes.push(r.probe.clone());
        }
        match routes.iter_mut().find(|(name, ..)| *name == r.route) {
            Some(route) => route.2 = route.2.max(r.run_at),
            None => routes.push((&r.route, &r.model, r.run_at)),
        }
    }
    let symbol = |v: &str| match v {
        "pass" => "✓",
        "fail" => "✗",
        "unsupported" => "–",
        _ => "?",
    };
    Some(ProbeMatrix {
        rows: routes
            .iter()
            .map(|(route, model, at)| ProbeMatrixRow {
                route: route.to_string(),
                model: model.to_string(),
                probed: format_time(*at),
                cells: probes
                    .iter()
                    .map(|p| {
                        rows.iter()
                            .find(|r| r.route == *route && &r.probe == p)
                            .map_or(" ", |r| symbol(&r.verdict))
                    })
                    .collect(),
            })
            .collect(),
        failures: rows
            .iter()
            .filter(|r| r.verdict == "fail")
            .map(|r| ProbeFailure {
                route: r.route.clone(),
                probe: r.probe.clone(),
                status: r.status,
                evidence: r.evidence.split_whitespace().collect::<Vec<_>>().join(" "),
            })
            .collect(),
        probes,
    })
}

/// Render a report of a run.
pub fn render(data: &RunData, rankings: &[Ranking], format: Format) -> Result<String> {
    render_with(data, rankings, &Extras::compute(data)?, format)
}

/// Every string of a JSON report cut to [`escape::CELL_CHARS`], with the marker.
fn clip_strings(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::String(s) => {
            if let Cow::Owned(c) = escape::clip(s, escape::CELL_CHARS) {
                *s = c;
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(clip_strings),
        serde_json::Value::Object(map) => map.values_mut().for_each(clip_strings),
        _ => {}
    }
}

/// The auto-escape mode of the Markdown template: every value is escaped by
/// [`escape::markdown`] unless a filter made it safe (the `code` filter's spans).
const MARKDOWN_ESCAPE: AutoEscape = AutoEscape::Custom("markdown");

/// Render a report with extras already computed.
pub fn render_with(
    data: &RunData,
    rankings: &[Ranking],
    extras: &Extras,
    format: Format,
) -> Result<String> {
    match format {
        Format::Markdown | Format::Html => render_template(data, rankings, extras, format),
        Format::Junit => Ok(junit(data, rankings)),
        Format::Json => {
            let mut report = serde_json::json!({
                "run": data.run,
                "simulated": data.run.simulated,
                "datasets": rankings,
                "tags": extras.tags,
                "chains": extras.chains,
                "baselines": extras.baselines,
                "providers": crate::providers::provider_sweeps(data, rankings)?,
                "judges": extras.judges,
                "error_details": extras.errors,
                "exclusions": data.governance.exclusions,
                "policy_violations": data.governance.violations,
                "probes": data.governance.probes,
                "shard_count": data.shard_count,
                "shards": data.shards,
                "trend": extras.trend,
            });
            clip_strings(&mut report);
            Ok(serde_json::to_string_pretty(&report).expect("plain data"))
        }
        Format::Csv => results_csv(data),
    }
}

fn render_template(
    data: &RunData,
    rankings: &[Ranking],
    extras: &Extras,
    format: Format,
) -> Result<String> {
    let mut env = Environment::new();
    // Escape everything each format shows: target names and any model output are
    // untrusted. Long values are cut with a marker before they are escaped.
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html") {
            AutoEscape::Html
        } else {
            MARKDOWN_ESCAPE
        }
    });
    env.set_formatter(|out, state, value| {
        if value.is_safe() {
            return minijinja::escape_formatter(out, state, value);
        }
        if state.auto_escape() == MARKDOWN_ESCAPE {
            return out
                .write_str(&escape::markdown(&value.to_string()))
                .map_err(minijinja::Error::from);
        }
        let text = value.to_string();
        match escape::clip(&text, escape::CELL_CHARS) {
            Cow::Borrowed(_) => minijinja::escape_formatter(out, state, value),
            Cow::Owned(clipped) => minijinja::escape_formatter(out, state, &Value::from(clipped)),
        }
    });
    // Markdown only: the text as a code span, delimiters included.
    env.add_filter("code", |state: &minijinja::State, v: Cow<'_, str>| {
        if state.auto_escape() == MARKDOWN_ESCAPE {
            Value::from_safe_string(escape::markdown_code(&v))
        } else {
            Value::from(v.into_owned())
        }
    });
    env.add_filter("pct", |v: Option<f64>| {
        v.map_or("–".to_string(), |v| format!("{:.1}%", v * 100.0))
    });
    env.add_filter("usd", |v: Option<f64>| {
        v.map_or("–".to_string(), format_usd)
    });
    // A spend where `None` means unknown (a total, a mean, a judge's spend).
    env.add_filter("cost", |v: Option<f64>| {
        v.map_or(UNKNOWN_COST.to_string(), format_usd)
    });
    env.add_filter("ms", |v: Option<f64>| v.map_or("–".to_string(), format_ms));
    env.add_filter("num", |v: f64| format!("{v:.2}"));
    env.add_filter("p", |v: f64| {
        if v < 0.001 {
            "< 0.001".to_string()
        } else {
            format!("{v:.3}")
        }
    });
    env.add_filter("onum", |v: Option<f64>| {
        v.map_or("–".to_string(), |v| format!("{v:.0}"))
    });
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
    let shards: Vec<ShardInfo> = data
        .shards
        .iter()
        .map(|s| ShardInfo {
            shard: format!("{}/{}", s.shard, data.shard_count.unwrap_or(1)),
            status: s.status.clone(),
            started: format_time(s.started_at),
            finished: s.finished_at.map(format_time),
            sessions: s.sessions,
            reason: s.status_reason.clone(),
        })
        .collect();
    let (name, charts) = match format {
        Format::Html => ("report.html", html_charts(rankings, extras)),
        _ => ("report.md", BTreeMap::new()),
    };
    let tags: BTreeMap<&str, Vec<&TagMetrics>> =
        extras.tags.iter().fold(BTreeMap::new(), |mut m, t| {
            m.entry(t.dataset.as_str()).or_default().push(t);
            m
        });
    let live: BTreeMap<&str, Vec<&LiveComparison>> =
        extras.chains.live.iter().fold(BTreeMap::new(), |mut m, c| {
            m.entry(c.dataset.as_str()).or_default().push(c);
            m
        });
    let searched: BTreeMap<&str, Vec<_>> = extras
        .chains
        .datasets
        .iter()
        .map(|d| {
            let top: Vec<_> = d.chains.iter().filter(|c| c.front == 0).take(5).collect();
            (d.dataset.as_str(), top)
        })
        .collect();
    let excluded: BTreeMap<&str, Vec<&routeval_store::ExclusionRow>> = data
        .governance
        .exclusions
        .iter()
        .fold(BTreeMap::new(), |mut m, e| {
            m.entry(e.dataset.as_str()).or_default().push(e);
            m
        });
    let baselines: BTreeMap<&str, Vec<&BaselineComparison>> =
        extras.baselines.iter().fold(BTreeMap::new(), |mut m, b| {
            m.entry(b.dataset.as_str()).or_default().push(b);
            m
        });
    let judges: BTreeMap<&str, Vec<&JudgeSummary>> =
        extras.judges.iter().fold(BTreeMap::new(), |mut m, j| {
            m.entry(j.dataset.as_str()).or_default().push(j);
            m
        });
    let sweeps: BTreeMap<String, Vec<crate::providers::ProviderSweep>> =
        crate::providers::provider_sweeps(data, rankings)?
            .into_iter()
            .fold(BTreeMap::new(), |mut m, s| {
                m.entry(s.dataset.clone()).or_default().push(s);
                m
            });
    let errors: BTreeMap<&str, Vec<&crate::errors::ErrorDetail>> =
        extras.errors.iter().fold(BTreeMap::new(), |mut m, e| {
            m.entry(e.dataset.as_str()).or_default().push(e);
            m
        });
    let trend = extras.trend.as_ref().map(|h| trend_view(h, format));
    let out = env.get_template(name)?.render(minijinja::context! {
        run, shards, trend, shard_count => data.shard_count, rankings, charts, tags, live, searched, excluded, baselines, judges, sweeps, errors,
        violations => data.governance.violations,
        probe_matrix => probe_matrix(&data.governance.probes),
        fallback_on => extras.chains.fallback_on,
    })?;
    Ok(out)
}

/// One target of the trend section.
#[derive(Serialize)]
struct TrendRow {
    dataset: String,
    target: String,
    /// Acceptance per night, oldest first ("–": not evaluated).
    acceptance: Vec<String>,
    cost_per_accepted: Option<f64>,
    p95_latency_ms: Option<f64>,
    providers: String,
    /// What was flagged, latest night first.
    changes: Vec<String>,
    chart: Value,
}

#[derive(Serialize)]
struct TrendView {
    nights: Vec<String>,
    rows: Vec<TrendRow>,
    flags: usize,
}

fn trend_view(h: &crate::history::History, format: Format) -> TrendView {
    let rows = h
        .series
        .iter()
        .map(|s| {
            let flags: Vec<&crate::history::Flag> = h.flags_of(&s.dataset, &s.target).collect();
            let latest = s.points.iter().rev().flatten().next();
            TrendRow {
                dataset: s.dataset.clone(),
                target: s.target.clone(),
                acceptance: s
                    .points
                    .iter()
                    .map(|p| {
                        p.as_ref()
                            .map_or("–".into(), |p| format!("{:.1}%", p.acceptance * 100.0))
                    })
                    .collect(),
                cost_per_accepted: latest.and_then(|p| p.cost_per_accepted),
                p95_latency_ms: latest.map(|p| p.p95_latency_ms),
                providers: latest.map_or(String::new(), |p| {
                    p.providers
                        .iter()
                        .map(|(name, share)| format!("{name} {:.0}%", share * 100.0))
                        .collect::<Vec<_>>()
                        .join(", ")
                }),
                changes: flags
                    .iter()
                    .rev()
                    .map(|f| format!("{}: {} ({})", f.kind.label(), f.detail, f.run_id))
                    .collect(),
                chart: match format {
                    Format::Html => Value::from_safe_string(charts::trend(s, &flags)),
                    _ => Value::from(()),
                },
            }
        })
        .collect();
    TrendView {
        nights: h.nights.iter().map(|n| n.run_id.clone()).collect(),
        rows,
        flags: h.flags.len(),
    }
}

fn html_charts(
    rankings: &[Ranking],
    extras: &Extras,
) -> BTreeMap<String, BTreeMap<&'static str, Value>> {
    rankings
        .iter()
        .map(|r| {
            let all: Vec<&TargetMetrics> = r.eligible.iter().chain(&r.ineligible).collect();
            let eligible: Vec<&str> = r.eligible.iter().map(|m| m.target.as_str()).collect();
            let live: Vec<&LiveComparison> = extras
                .chains
                .live
                .iter()
                .filter(|c| c.dataset == r.dataset)
                .collect();
            let svg = Value::from_safe_string;
            let mut charts = BTreeMap::from([
                (
                    "scatter",
                    svg(charts::scatter(&all, &eligible, r.min_acceptance)),
                ),
                (
                    "acceptance",
                    svg(charts::acceptance(&all, r.min_acceptance)),
                ),
                ("latency", svg(charts::latency(&all))),
                ("providers", svg(charts::providers(&all))),
            ]);
            if !live.is_empty() {
                charts.insert("chains", svg(charts::chains(&live)));
            }
            (r.dataset.clone(), charts)
        })
        .collect()
}

/// JUnit XML: a testsuite per dataset, a testcase per target, failing when the target
/// misses its dataset's constraints (CI systems show these as test results).
pub fn junit(data: &RunData, rankings: &[Ranking]) -> String {
    let x = escape::xml;
    let total: usize = rankings
        .iter()
        .map(|r| r.eligible.len() + r.ineligible.len())
        .sum();
    let violations = &data.governance.violations;
    let total = total + violations.len();
    let failures: usize =
        rankings.iter().map(|r| r.ineligible.len()).sum::<usize>() + violations.len();
    let mut s = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"routeval {}\" tests=\"{total}\" failures=\"{failures}\">\n",
        x(&data.run.suite)
    );
    for r in rankings {
        let _ = writeln!(
            s,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\">",
            x(&r.dataset),
            r.eligible.len() + r.ineligible.len(),
            r.ineligible.len()
        );
        let _ = writeln!(
            s,
            "    <properties><property name=\"run_id\" value=\"{}\"/><property name=\"simulated\" value=\"{}\"/><property name=\"min_acceptance\" value=\"{}\"/></properties>",
            x(&data.run.id),
            data.run.simulated,
            r.min_acceptance
        );
        for m in r.eligible.iter().chain(&r.ineligible) {
            let time = m.p50_latency_ms / 1000.0;
            let _ = write!(
                s,
                "    <testcase classname=\"{}\" name=\"{}\" time=\"{time:.3}\"",
                x(&r.dataset),
                x(&m.target)
            );
            let mut summary = format!(
                "acceptance {:.1}% (95% CI {:.1}–{:.1}%), {} per accepted, p95 {}",
                m.acceptance * 100.0,
                m.acceptance_low * 100.0,
                m.acceptance_high * 100.0,
                format_cost_per_accepted(m),
                format_ms(m.p95_latency_ms)
            );
            if !m.error_class_rates.is_empty() {
                let _ = write!(summary, ", failures: {}", failure_classes(m));
            }
            if m.forced {
                let _ = write!(summary, ", forced: {}", m.forced_rules.join(", "));
            }
            if r.eligible.iter().any(|e| e.target == m.target) {
                let _ = writeln!(s, "><system-out>{}</system-out></testcase>", x(&summary));
            } else {
                let why = match r.max_p95_latency_ms {
                    Some(max) if m.p95_latency_ms > max => format!(
                        "p95 latency {} above the maximum {}",
                        format_ms(m.p95_latency_ms),
                        format_ms(max)
                    ),
                    _ => format!(
                        "acceptance lower bound {:.1}% below the minimum {:.1}%",
                        m.acceptance_low * 100.0,
                        r.min_acceptance * 100.0
                    ),
                };
                let _ = writeln!(
                    s,
                    "><failure message=\"{}\" type=\"below_threshold\">{}</failure></testcase>",
                    x(&why),
                    x(&summary)
                );
            }
        }
        s.push_str("  </testsuite>\n");
    }
    if !violations.is_empty() {
        // Data that reached a provider its policy forbids fails the build, whatever the scores.
        let _ = writeln!(
            s,
            "  <testsuite name=\"privacy policy\" tests=\"{n}\" failures=\"{n}\">",
            n = violations.len()
        );
        for v in violations {
            let _ = writeln!(
                s,
                "    <testcase classname=\"{}\" name=\"{} served by {}\"><failure message=\"{}\" type=\"policy_violation\">{} attempt(s)</failure></testcase>",
                x(&v.dataset),
                x(&v.target),
                x(v.served_provider.as_deref().unwrap_or("?")),
                x(&v.detail),
                v.attempts
            );
        }
        s.push_str("  </testsuite>\n");
    }
    s.push_str("</testsuites>\n");
    s
}

/// The results of a run as a Parquet file, for notebooks: one row per result, the
/// run id first, columns typed as stored. Written atomically.
pub fn write_results_parquet(data: &RunData, path: &std::path::Path) -> Result<()> {
    let mut df = data.results.clone();
    let run_id = Column::new("run_id".into(), vec![data.run.id.as_str(); df.height()]);
    df.insert_column(0, run_id)?;
    crate::output::write_atomic_with(path, |file| -> Result<()> {
        polars_io::parquet::write::ParquetWriter::new(file).finish(&mut df)?;
        Ok(())
    })
    .map_err(|e| match e {
        crate::AnalysisError::Io(e) => {
            crate::AnalysisError::Other(format!("cannot write {}: {e}", path.display()))
        }
        other => other,
    })
}

fn csv_writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Necessary)
        .from_writer(Vec::new())
}

fn csv_text(w: csv::Writer<Vec<u8>>) -> Result<String> {
    let bytes = w
        .into_inner()
        .map_err(|e| crate::AnalysisError::Other(format!("CSV: {e}")))?;
    Ok(String::from_utf8(bytes).expect("CSV of UTF-8 fields"))
}

fn csv_error(e: csv::Error) -> crate::AnalysisError {
    crate::AnalysisError::Other(format!("CSV: {e}"))
}

/// Every result row as CSV (RFC 4180 quoting by the `csv` crate), with the run id for
/// joining runs.
pub fn results_csv(data: &RunData) -> Result<String> {
    let df = &data.results;
    let names = [
        "dataset",
        "target",
        "target_kind",
        "case_id",
        "repeat",
        "accepted",
        "served_step",
        "attempts",
        "validation_retries",
        "transport_retries",
        "cost",
        "latency_ms",
        "ttft_ms",
        "error_class",
    ];
    let cols: Vec<&Column> = names
        .iter()
        .map(|n| df.column(n))
        .collect::<PolarsResult<_>>()?;
    let mut w = csv_writer();
    w.write_record(std::iter::once("run_id").chain(names))
        .map_err(csv_error)?;
    let mut row: Vec<String> = Vec::with_capacity(names.len() + 1);
    for i in 0..df.height() {
        row.clear();
        row.push(data.run.id.clone());
        for c in &cols {
            row.push(match c.get(i)? {
                AnyValue::Null => String::new(),
                AnyValue::String(t) => t.to_string(),
                AnyValue::StringOwned(t) => t.to_string(),
                other => other.to_string(),
            });
        }
        w.write_record(&row).map_err(csv_error)?;
    }
    csv_text(w)
}

/// The ranking as CSV, one row per dataset x target in decision order (`rank` empty
/// for targets that miss a constraint).
pub fn ranking_csv(rankings: &[Ranking]) -> Result<String> {
    let mut w = csv_writer();
    w.write_record([
        "dataset",
        "rank",
        "target",
        "kind",
        "cases",
        "accepted",
        "acceptance",
        "acceptance_low",
        "acceptance_high",
        "schema_valid_rate",
        "enum_accuracy",
        "tool_accuracy",
        "mean_validation_retries",
        "mean_transport_retries",
        "p50_latency_ms",
        "p95_latency_ms",
        "total_cost",
        "cost_per_accepted",
        // Added after the original columns, so that scripts reading by position keep
        // working.
        "forced",
        "failures",
    ])
    .map_err(csv_error)?;
    let opt = |v: Option<f64>| v.map_or(String::new(), |v| v.to_string());
    for r in rankings {
        let rows = r
            .eligible
            .iter()
            .enumerate()
            .map(|(i, m)| ((i + 1).to_string(), m))
            .chain(r.ineligible.iter().map(|m| (String::new(), m)));
        for (rank, m) in rows {
            w.write_record([
                m.dataset.clone(),
                rank,
                m.target.clone(),
                m.kind.clone(),
                m.cases.to_string(),
                m.accepted.to_string(),
                m.acceptance.to_string(),
                m.acceptance_low.to_string(),
                m.acceptance_high.to_string(),
                opt(m.schema_valid_rate),
                opt(m.enum_accuracy),
                opt(m.tool_accuracy),
                m.mean_validation_retries.to_string(),
                m.mean_transport_retries.to_string(),
                m.p50_latency_ms.to_string(),
                m.p95_latency_ms.to_string(),
                opt(m.total_cost),
                opt(m.cost_per_accepted),
                m.forced_rules.join(" "),
                if m.error_class_rates.is_empty() {
                    String::new()
                } else {
                    failure_classes(m)
                },
            ])
            .map_err(csv_error)?;
        }
    }
    csv_text(w)
}

/// A target's final failure classes with their shares, most frequent first
/// (`rate_limited 25.0%, timeout 5.0%`), or `–`.
pub fn failure_classes(m: &TargetMetrics) -> String {
    if m.error_class_rates.is_empty() {
        return "–".into();
    }
    m.error_class_rates
        .iter()
        .map(|(class, rate)| format!("{class} {:.1}%", rate * 100.0))
        .collect::<Vec<_>>()
        .join(", ")
}

/// How an unknown cost reads in tables and reports.
pub const UNKNOWN_COST: &str = "unknown";

/// A target's cost per accepted response as shown: `unknown` when its cost is unknown
/// (some attempt was billed with no price known), `–` when nothing was accepted.
pub fn format_cost_per_accepted(m: &TargetMetrics) -> String {
    if !m.cost_known {
        return UNKNOWN_COST.into();
    }
    m.cost_per_accepted.map_or("–".into(), format_usd)
}

/// A target's total spend as shown: `unknown` when it is.
pub fn format_total_cost(m: &TargetMetrics) -> String {
    m.total_cost.map_or(UNKNOWN_COST.into(), format_usd)
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
