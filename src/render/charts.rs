//! Charts for the reports, drawn with plotters: each chart is one function over any drawing
//! backend, rendered to an SVG string (inline in HTML) and, for Markdown, to a PNG file.
//!
//! plotters draws no text without a registered font, and its ab_glyph backend has no glyph
//! fallback, so one font must hold Latin digits and Chinese: Noto Sans SC (OFL) ships in
//! `reports/fonts/` and is compiled in.

use std::path::Path;
use std::sync::Once;

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;

static FONT: &[u8] = include_bytes!("../../reports/fonts/NotoSansSC-Regular.ttf");
static REGISTER: Once = Once::new();

const FAMILY: &str = "sans-serif";
const BLUE: RGBColor = RGBColor(31, 98, 168);
const GREY: RGBColor = RGBColor(200, 205, 212);
const RED: RGBColor = RGBColor(200, 40, 40);
const GREEN: RGBColor = RGBColor(46, 139, 87);
const ORANGE: RGBColor = RGBColor(230, 140, 20);

pub use crate::Error;

fn register() {
    REGISTER.call_once(|| {
        // The font is compiled in and known to load; if it did not, charts would come out
        // without text rather than the report failing.
        let _ = plotters::style::register_font(FAMILY, FontStyle::Normal, FONT);
    });
}

fn err<E: std::fmt::Display>(e: E) -> Error {
    format!("绘图失败：{e}").into()
}

/// Progress of each indicator: actual (bar) against the target (grey) with the pace mark.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ProgressBar {
    pub name: String,
    pub actual: i64,
    pub expected: i64,
    pub target: i64,
}

/// A named series of (month label, value) points.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Series {
    pub name: String,
    pub points: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Chart {
    Progress(Vec<ProgressBar>),
    /// Cumulative monthly series with month labels, and the linear pace as the last series.
    Monthly {
        months: Vec<String>,
        series: Vec<Series>,
        pace: Series,
    },
    /// Horizontal bars: (label, value in yuan, group 0/1 for colour).
    Amounts(Vec<(String, f64, usize)>),
    /// Horizontal bars: (label, count), the first at the top. Horizontal, as a county's name
    /// (济宁经济技术开发区) is wider than a column: under vertical bars the names ran into
    /// each other.
    Counts(Vec<(String, i64)>),
}

const SIZE: (u32, u32) = (760, 380);

fn draw<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    chart: &Chart,
    title: &str,
) -> Result<(), Error>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE).map_err(err)?;
    match chart {
        Chart::Progress(bars) => progress(&root, title, bars)?,
        Chart::Monthly {
            months,
            series,
            pace,
        } => monthly(&root, title, months, series, pace)?,
        Chart::Amounts(items) => amounts(&root, title, items)?,
        Chart::Counts(items) => counts(&root, title, items)?,
    }
    root.present().map_err(err)?;
    Ok(())
}

fn font(size: u32) -> FontDesc<'static> {
    (FAMILY, size).into_font()
}

/// The axes of a chart of horizontal bars over `0..max`: `n` rows, each named (the first name
/// at the top, at its row's middle), names `name_width` wide, labels `label_size` high.
fn bar_rows<'a, DB: DrawingBackend>(
    root: &'a DrawingArea<DB, Shift>,
    title: &str,
    (max, n): (f64, usize),
    names: &[&str],
    (name_width, label_size): (u32, u32),
    x_label: &dyn Fn(&f64) -> String,
) -> Result<ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>, Error>
where
    DB::ErrorType: 'static,
{
    let mut c = ChartBuilder::on(root)
        .caption(title, font(20))
        .margin(12)
        .x_label_area_size(30)
        .y_label_area_size(name_width)
        .build_cartesian_2d(0f64..max, 0f64..n as f64)
        .map_err(err)?;
    c.configure_mesh()
        .disable_y_mesh()
        .max_light_lines(0)
        .y_labels(n * 2 + 1)
        .y_label_formatter(&|y| {
            let i = (*y - 0.5).round();
            if (y - 0.5 - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < names.len() {
                names[names.len() - 1 - i as usize].to_string()
            } else {
                String::new()
            }
        })
        .x_label_formatter(x_label)
        .label_style(font(label_size))
        .draw()
        .map_err(err)?;
    Ok(c)
}

/// A bar's figure, just right of its end: `(end, row)`, on axes that reach `max`.
fn bar_figure<DB: DrawingBackend>(
    c: &mut ChartContext<'_, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    figure: String,
    (end, row): (f64, f64),
    max: f64,
    size: u32,
) -> Result<(), Error>
where
    DB::ErrorType: 'static,
{
    c.draw_series([Text::new(
        figure,
        (end + max * 0.01, row + 0.62),
        font(size),
    )])
    .map_err(err)?;
    Ok(())
}

/// Each indicator's actual count (green, or orange behind the pace) over its target (grey),
/// with the pace (the count due by now) as a red mark.
fn progress<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    bars: &[ProgressBar],
) -> Result<(), Error>
where
    DB::ErrorType: 'static,
{
    let max = bars
        .iter()
        .map(|b| b.target.max(b.actual))
        .max()
        .unwrap_or(1)
        .max(1) as f64
        * 1.1;
    let n = bars.len();
    let names: Vec<&str> = bars.iter().map(|b| b.name.as_str()).collect();
    let mut c = bar_rows(root, title, (max, n), &names, (120, 14), &|x| {
        format!("{x:.0}")
    })?;
    for (k, b) in bars.iter().enumerate() {
        let y = (n - 1 - k) as f64;
        c.draw_series([Rectangle::new(
            [(0.0, y + 0.2), (b.target as f64, y + 0.8)],
            GREY.filled(),
        )])
        .map_err(err)?;
        let colour = if b.actual >= b.expected {
            GREEN
        } else {
            ORANGE
        };
        c.draw_series([Rectangle::new(
            [(0.0, y + 0.3), (b.actual as f64, y + 0.7)],
            colour.filled(),
        )])
        .map_err(err)?;
        c.draw_series([PathElement::new(
            vec![(b.expected as f64, y + 0.1), (b.expected as f64, y + 0.9)],
            RED.stroke_width(3),
        )])
        .map_err(err)?;
        let figure = format!("{} / {}", b.actual, b.target);
        bar_figure(&mut c, figure, (b.actual as f64, y), max, 13)?;
    }
    Ok(())
}

/// Cumulative monthly series, a line each, and the linear pace in red.
fn monthly<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    months: &[String],
    series: &[Series],
    pace: &Series,
) -> Result<(), Error>
where
    DB::ErrorType: 'static,
{
    let max = series
        .iter()
        .chain([pace])
        .flat_map(|s| s.points.iter())
        .copied()
        .max()
        .unwrap_or(1)
        .max(1) as f64
        * 1.1;
    let n = months.len().max(1);
    let mut c = ChartBuilder::on(root)
        .caption(title, font(20))
        .margin(12)
        .x_label_area_size(30)
        .y_label_area_size(50)
        .build_cartesian_2d(0f64..(n as f64 - 0.5).max(0.5), 0f64..max)
        .map_err(err)?;
    c.configure_mesh()
        .max_light_lines(0)
        .x_labels(n)
        .y_label_formatter(&|y| format!("{y:.0}"))
        .x_label_formatter(&|x| {
            months
                .get(x.round() as usize)
                .filter(|_| (x - x.round()).abs() < 1e-6)
                .cloned()
                .unwrap_or_default()
        })
        .label_style(font(12))
        .draw()
        .map_err(err)?;
    let colours = [BLUE, GREEN, ORANGE, RGBColor(120, 80, 160)];
    for (k, s) in series.iter().enumerate() {
        line(&mut c, s, colours[k % colours.len()], 2)?;
    }
    line(&mut c, pace, RED, 1)?;
    c.configure_series_labels()
        .label_font(font(12))
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperLeft)
        .draw()
        .map_err(err)?;
    Ok(())
}

/// A series as a line `width` wide, with its entry in the legend.
fn line<DB: DrawingBackend>(
    c: &mut ChartContext<'_, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    s: &Series,
    colour: RGBColor,
    width: u32,
) -> Result<(), Error>
where
    DB::ErrorType: 'static,
{
    let points = s.points.iter().enumerate();
    c.draw_series(LineSeries::new(
        points.map(|(i, v)| (i as f64, *v as f64)),
        colour.stroke_width(width),
    ))
    .map_err(err)?
    .label(s.name.clone())
    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(width)));
    Ok(())
}

/// Amounts in yuan as horizontal bars, coloured by group, each with its figure.
fn amounts<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    items: &[(String, f64, usize)],
) -> Result<(), Error>
where
    DB::ErrorType: 'static,
{
    let max = items.iter().map(|i| i.1).fold(1.0, f64::max) * 1.25;
    let n = items.len().max(1);
    let names: Vec<&str> = items.iter().map(|i| i.0.as_str()).collect();
    let mut c = bar_rows(root, title, (max, n), &names, (150, 12), &|x| {
        format!("{:.0}万", x / 10000.0)
    })?;
    for (k, (_, v, group)) in items.iter().enumerate() {
        let y = (n - 1 - k) as f64;
        let colour = if *group == 0 { BLUE } else { GREEN };
        c.draw_series([Rectangle::new(
            [(0.0, y + 0.2), (*v, y + 0.8)],
            colour.filled(),
        )])
        .map_err(err)?;
        bar_figure(&mut c, format!("{v:.2}"), (*v, y), max, 12)?;
    }
    Ok(())
}

/// Counts as horizontal bars, each with its figure.
fn counts<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    items: &[(String, i64)],
) -> Result<(), Error>
where
    DB::ErrorType: 'static,
{
    let max = items.iter().map(|i| i.1).max().unwrap_or(1).max(1) as f64 * 1.15;
    let n = items.len().max(1);
    let names: Vec<&str> = items.iter().map(|i| i.0.as_str()).collect();
    let mut c = bar_rows(root, title, (max, n), &names, (150, 12), &|x| {
        format!("{x:.0}")
    })?;
    let row = |k: usize| (n - 1 - k) as f64;
    c.draw_series(items.iter().enumerate().map(|(k, (_, v))| {
        Rectangle::new(
            [(0.0, row(k) + 0.2), (*v as f64, row(k) + 0.8)],
            BLUE.filled(),
        )
    }))
    .map_err(err)?;
    c.draw_series(items.iter().enumerate().map(|(k, (_, v))| {
        Text::new(
            v.to_string(),
            (*v as f64 + max * 0.01, row(k) + 0.62),
            font(12),
        )
    }))
    .map_err(err)?;
    Ok(())
}

/// The chart as an SVG document.
pub fn svg(chart: &Chart, title: &str) -> Result<String, Error> {
    register();
    let mut out = String::new();
    draw(
        SVGBackend::with_string(&mut out, SIZE).into_drawing_area(),
        chart,
        title,
    )?;
    Ok(out)
}

/// The chart as a PNG file.
pub fn png(chart: &Chart, title: &str, path: &Path) -> Result<(), Error> {
    register();
    draw(
        BitMapBackend::new(path, SIZE).into_drawing_area(),
        chart,
        title,
    )
}
