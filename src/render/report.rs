//! The reports users hand out: the 联席会议 briefing, the supervision review (督导) and the
//! year-end assessment (年度绩效评估), in HTML (one self-contained file, charts inline) and
//! Markdown (charts as PNG and SVG files beside it), from tera templates in `reports/`.
//!
//! Every figure comes from [`crate::run::Results`], the computation `progress`, `spend` and
//! `audit` print, through the typed sections of [`super::context`]; the templates only lay
//! them out. Names and IDs are masked throughout.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rust_decimal::prelude::ToPrimitive;
use serde_json::Value;
use tera::{Context, Tera};

use crate::dates::Month;
use crate::render::charts::{self, Chart};
use crate::render::context::Beyond;
use crate::rules::quality::Quality;
use crate::run::Results;
use crate::store::publish::Stamp;

/// The most rows of one list a circulated report carries by default (findings, persons,
/// withdrawn rows): `report --list-cap`.
pub const LIST_CAP: usize = 500;

pub use crate::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    Briefing,
    Supervision,
    Annual,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Briefing, Kind::Supervision, Kind::Annual];

    pub fn code(self) -> &'static str {
        match self {
            Kind::Briefing => "briefing",
            Kind::Supervision => "supervision",
            Kind::Annual => "annual",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Kind::Briefing => "鲁渝劳务协作联席会议通报",
            Kind::Supervision => "鲁渝劳务协作督导核查报告",
            Kind::Annual => "鲁渝劳务协作年度绩效评估",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Html,
    Md,
}

const TEMPLATES: [(&str, &str); 8] = [
    ("sources.md", include_str!("../../reports/sources.md")),
    ("layout.html", include_str!("../../reports/layout.html")),
    ("briefing.html", include_str!("../../reports/briefing.html")),
    (
        "supervision.html",
        include_str!("../../reports/supervision.html"),
    ),
    ("annual.html", include_str!("../../reports/annual.html")),
    ("briefing.md", include_str!("../../reports/briefing.md")),
    (
        "supervision.md",
        include_str!("../../reports/supervision.md"),
    ),
    ("annual.md", include_str!("../../reports/annual.md")),
];

/// Markdown escaping: what would break a table or reach a viewer as HTML or emphasis.
pub fn escape_markdown(input: &str, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut buf = String::with_capacity(input.len());
    for c in input.chars() {
        match c {
            '|' | '\\' | '*' | '_' | '`' | '[' | ']' | '#' | '~' => {
                buf.push('\\');
                buf.push(c);
            }
            '<' => buf.push_str("&lt;"),
            '>' => buf.push_str("&gt;"),
            '&' => buf.push_str("&amp;"),
            '\n' | '\r' => buf.push(' '),
            _ => buf.push(c),
        }
    }
    out.write_all(buf.as_bytes())
}

fn engines() -> Result<(Tera, Tera), Error> {
    let mut html = Tera::new();
    html.autoescape_on([".html"]);
    let mut md = Tera::new();
    md.autoescape_on([".md"]);
    md.set_escape_fn(escape_markdown);
    for (name, text) in TEMPLATES {
        if name.ends_with(".html") {
            html.add_raw_template(name, text)?;
        } else {
            md.add_raw_template(name, text)?;
        }
    }
    Ok((html, md))
}

/// The charts of a report: (file-name part, title, data).
fn chart_list(r: &Results) -> Vec<(String, String, Chart)> {
    let p = &r.progress;
    let bars = p
        .targets
        .iter()
        .map(|t| charts::ProgressBar {
            name: t.name.to_string(),
            actual: t.actual,
            expected: t.expected,
            target: t.target,
        })
        .collect();
    let months: Vec<String> = p
        .series
        .iter()
        .map(|s| format!("{}月", s.month[5..].trim_start_matches('0')))
        .collect();
    let series = |name: &str, f: fn(&crate::rules::targets::SeriesPoint) -> i64| charts::Series {
        name: name.into(),
        points: p.series.iter().map(f).collect(),
    };
    let monthly = Chart::Monthly {
        months,
        series: vec![
            series("帮扶就业总数", |s| s.helped),
            series("转移就业", |s| s.transferred),
            series("就地就近", |s| s.local),
            series("帮扶培训", |s| s.trained),
        ],
        pace: series("总数应完成（均匀进度）", |s| s.expected_helped),
    };
    let mut amounts = Vec::new();
    for (k, (pool, s)) in r.audit.spend.iter().enumerate() {
        for (item, v) in &s.by_item {
            amounts.push((
                format!(
                    "{item}（{}）",
                    &pool[..pool.char_indices().nth(2).map_or(pool.len(), |(i, _)| i)]
                ),
                v.paid.to_f64().unwrap_or(0.0),
                k,
            ));
        }
    }
    let counties = p.by_county.iter().map(|(k, v)| (k.clone(), *v)).collect();
    [
        (
            "progress",
            "目标完成进度（红线为应完成）",
            Chart::Progress(bars),
        ),
        ("monthly", "逐月累计人数与均匀进度", monthly),
        ("spend", "各补贴项目支出（元）", Chart::Amounts(amounts)),
        (
            "counties",
            "转移到济宁就业：按就业县（市、区）",
            Chart::Counts(counties),
        ),
    ]
    .into_iter()
    .map(|(name, title, chart)| (name.to_string(), title.to_string(), chart))
    .collect()
}

/// One kind of report as of a month, computed: the template context (without the charts)
/// and the charts' data. Writing it out needs nothing else, so the report cache
/// (`report::cache`) keeps it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Prepared {
    /// `kind-YYYY-MM`, the stem of the files written.
    pub stem: String,
    pub context: Value,
    pub charts: Vec<(String, String, Chart)>,
}

/// Computes what one kind of report shows.
pub fn prepare(
    r: &Results,
    beyond: Beyond,
    q: &Quality,
    kind: Kind,
    list_cap: usize,
) -> Result<Prepared, Error> {
    Ok(Prepared {
        stem: format!("{}-{}", kind.code(), r.model.as_of),
        context: serde_json::to_value(super::context::Report::of(r, beyond, q, kind, list_cap))?,
        charts: chart_list(r),
    })
}

/// Writes a prepared report in the given formats into `out` (charts inline in HTML, as PNG
/// and SVG files beside Markdown); returns the files written. Asset files are named for kind
/// and month, so reports of several kinds and months can share a folder. `stamp`: the
/// publication these files are, named in their header; not part of [`Prepared`], as the
/// same computed report is written before and after it is published.
pub fn write(
    p: &Prepared,
    kind: Kind,
    formats: &[Format],
    out: &Path,
    stamp: Option<&Stamp>,
) -> Result<Vec<PathBuf>, Error> {
    std::fs::create_dir_all(out)?;
    let (html, md) = engines()?;
    let stem = &p.stem;
    let mut written = Vec::new();
    let mut svgs: BTreeMap<&str, String> = BTreeMap::new();
    for (name, title, chart) in &p.charts {
        svgs.insert(name, charts::svg(chart, title)?);
    }
    let mut assets: BTreeMap<&str, String> = BTreeMap::new();
    if formats.contains(&Format::Md) {
        for (name, title, chart) in &p.charts {
            let file = format!("{stem}-{name}.png");
            charts::png(chart, title, &out.join(&file))?;
            std::fs::write(out.join(format!("{stem}-{name}.svg")), &svgs[name.as_str()])?;
            written.push(out.join(&file));
            written.push(out.join(format!("{stem}-{name}.svg")));
            assets.insert(name, file);
        }
    }
    let mut ctx = Context::from_serialize(&p.context)?;
    ctx.insert("publication", &stamp);
    ctx.insert("charts", &svgs);
    ctx.insert("assets", &assets);
    for f in formats {
        let (engine, ext) = match f {
            Format::Html => (&html, "html"),
            Format::Md => (&md, "md"),
        };
        let text = engine.render(&format!("{}.{ext}", kind.code()), &ctx)?;
        let path = out.join(format!("{stem}.{ext}"));
        std::fs::write(&path, text)?;
        written.push(path);
    }
    Ok(written)
}

/// The month before, for "what changed since last month"; `None` in a plan year's January.
pub fn previous_month(m: Month) -> Option<Month> {
    (m.month > 1).then(|| m.prev())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn md(s: &str) -> String {
        let mut out = Vec::new();
        escape_markdown(s, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn markdown_escaping_keeps_tables_and_viewers_safe() {
        assert_eq!(md("a|b"), "a\\|b");
        assert_eq!(
            md("<script>alert(1)</script>"),
            "&lt;script&gt;alert(1)&lt;/script&gt;"
        );
        assert_eq!(md("*张*\n三"), "\\*张\\* 三");
        assert_eq!(md("=HYPERLINK(\"x\")"), "=HYPERLINK(\"x\")");
    }

    #[test]
    fn templates_parse() {
        engines().unwrap();
    }
}
