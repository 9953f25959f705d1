//! The reports users hand out: the 联席会议 briefing, the supervision review (督导) and the
//! year-end assessment (年度绩效评估), in HTML (one self-contained file, charts inline) and
//! Markdown (charts as PNG and SVG files beside it), from tera templates in `reports/`.
//!
//! Every figure comes from [`crate::run::Results`], the computation `progress`, `spend` and
//! `audit` print; the templates only lay it out. Names and IDs are masked throughout.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};
use tera::{Context, Tera};

use crate::dates::Month;
use crate::ids::mask_id;
use crate::money::yuan_grouped;
use crate::render::charts::{self, Chart};
use crate::rules::findings::{listing_order, rule_name, Finding, Rule, Severity};
use crate::rules::quality::Quality;
use crate::run::Results;

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

fn money(d: Decimal) -> String {
    yuan_grouped(d)
}

fn pct(part: Decimal, whole: Decimal) -> String {
    if whole.is_zero() {
        "—".into()
    } else {
        format!("{:.1}%", (part * Decimal::from(100) / whole).round_dp(1))
    }
}

fn finding_json(f: &Finding) -> Value {
    let m = |d: Option<Decimal>| d.map(money).unwrap_or_else(|| "—".into());
    json!({
        "rule": f.rule, "rule_name": f.rule.chinese(), "severity": f.severity, "clause": f.clause,
        "payee": f.payee, "payee_name": f.payee_name, "item": f.item,
        "paid": m(f.paid), "entitled": m(f.entitled), "difference": m(f.difference),
        "vouchers": f.vouchers.join(" "), "message": f.message,
    })
}

/// The four targets with rate, change since last month and status.
fn targets_section(r: &Results, prev: Option<&crate::rules::targets::Actuals>) -> Vec<Value> {
    let p = &r.progress;
    let prev_actual = |key: &str| prev.and_then(|x| x.get(key));
    p
        .targets
        .iter()
        .map(|t| {
            let rate = if t.target > 0 { format!("{:.1}%", t.actual as f64 * 100.0 / t.target as f64) } else { "—".into() };
            let change = prev_actual(t.key).map(|a| t.actual - a);
            json!({"key": t.key, "name": t.name, "target": t.target, "actual": t.actual, "expected": t.expected,
                   "status": t.status, "projection": format!("{:.1}", t.projection), "rate": rate,
                   "change": change.map(|c| format!("{c:+}")).unwrap_or_else(|| "—".into()),
                   "behind": t.status == crate::rules::targets::Status::Behind})
        })
        .collect()
}

/// Spend per pool (the policy's pools in its order, then any other a file named), with items,
/// regions and entitlements.
fn spend_section(r: &Results) -> Vec<Value> {
    // Spend per pool and item, with entitlements beside.
    let mut pools = Vec::new();
    // The policy's pools in its order, then any other name a file used.
    let mut order: Vec<&String> = r
        .policy
        .pools
        .iter()
        .map(|p| &p.name)
        .filter(|n| r.audit.spend.contains_key(*n))
        .collect();
    order.extend(
        r.audit
            .spend
            .keys()
            .filter(|k| !r.policy.pools.iter().any(|p| &p.name == *k)),
    );
    for name in order {
        let s = &r.audit.spend[name];
        let items: Vec<Value> = s
            .by_item
            .iter()
            .map(|(item, v)| {
                json!({"name": item, "paid": money(v.paid), "payments": v.payments,
                       "entitled": s.entitled_by_item.get(item).map(|e| money(*e)).unwrap_or_else(|| "—".into()),
                       "known": r.policy.item_by_name(item).is_some()})
            })
            .collect();
        let regions: Vec<Value> = s
            .by_region
            .iter()
            .map(|(k, v)| json!({"name": k, "paid": money(v.paid), "payments": v.payments}))
            .collect();
        pools.push(json!({"name": name, "paid": money(s.paid), "payments": s.payments, "entitled": money(s.entitled()), "items": items, "regions": regions}));
    }
    pools
}

/// The findings as circulated: at most `list_cap` of each kind, largest amounts first, with
/// how many there are; and the counts by rule.
fn findings_section(r: &Results, list_cap: usize) -> Map<String, Value> {
    let findings = listing_order(&r.audit.findings);
    // A circulated document lists at most `list_cap` of each kind (the largest amounts first)
    // and says how many there are; the full lists are `luyu audit --xlsx`.
    let capped = |keep: &dyn Fn(&Finding) -> bool| -> (Vec<Value>, usize) {
        let total = findings.iter().filter(|f| keep(f)).count();
        let list = findings
            .iter()
            .filter(|f| keep(f))
            .take(list_cap)
            .map(|f| finding_json(f))
            .collect();
        (list, total)
    };
    let (errors, errors_total) = capped(&|f| f.severity == Severity::Error);
    let (notices, notices_total) = capped(&|f| f.severity == Severity::Notice);
    let (one_sided, one_sided_total) = capped(&|f| f.rule == Rule::OneSidedTransfer);
    let (unregistered, unregistered_total) = capped(&|f| f.rule == Rule::UnregisteredPerson);
    let by_rule: Vec<Value> = r.summary.findings.by_rule
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(k, n)| json!({"rule": k, "name": rule_name(k), "severity": Rule::from_code(k).map(Rule::severity), "count": n}))
        .collect();
    let mut m = Map::new();
    m.insert(
        "top_errors".into(),
        json!(errors.iter().take(8).cloned().collect::<Vec<_>>()),
    );
    for (key, value) in [
        ("errors", json!(errors)),
        ("errors_total", json!(errors_total)),
        ("notices", json!(notices)),
        ("notices_total", json!(notices_total)),
        ("one_sided", json!(one_sided)),
        ("one_sided_total", json!(one_sided_total)),
        ("unregistered", json!(unregistered)),
        ("unregistered_total", json!(unregistered_total)),
        ("by_rule", json!(by_rule)),
    ] {
        m.insert(key.into(), value);
    }
    m
}

/// Data quality: the current exports, the missing ones (at most 60) and the rejected rows
/// (IDs masked).
fn quality_section(r: &Results, q: &Quality) -> (Vec<Value>, Vec<Value>, Vec<Value>) {
    // Data quality: current exports, missing ones, rejected rows (IDs masked).
    let mut missing: Vec<Value> = q.missing
        .iter()
        .map(|(t, reg, m)| json!({"table": t.chinese(), "region": reg.chinese(), "month": m.to_string()}))
        .collect();
    missing.truncate(60);
    let current: Vec<&crate::store::warehouse::ExportRecord> = r.model.exports.iter().collect();
    let mut sorted = current.clone();
    sorted.sort_by_key(|e| (e.table, e.region, e.month));
    let files: Vec<Value> = sorted
        .iter()
        .map(|e| json!({"table": e.table.chinese(), "region": e.region.chinese(), "month": e.month.to_string(), "file": e.file_name,
                         "read": e.rows_read, "rejected": e.rows_rejected, "corrected": e.replaces.is_some()}))
        .collect();
    let rejects: Vec<Value> = q
        .rejects
        .iter()
        .filter_map(|(id, rj)| {
            let e = current.iter().find(|e| &e.id == id)?;
            let value = if rj.column.contains("身份证") || rj.column.contains("证件号码") { mask_id(&rj.value) } else { rj.value.clone() };
            Some(json!({"file": e.file_name, "row": rj.row, "column": rj.column, "value": value, "reason": rj.reason.replace(&rj.value, &value)}))
        })
        .collect();
    (files, missing, rejects)
}

/// What each cumulative ledger added, changed and withdrew since last month (supervision).
fn edits_section(q: &Quality, kind: Kind, list_cap: usize) -> Vec<Value> {
    // Ledger edits since the previous month's exports (supervision).
    let mut edits = Vec::new();
    if kind == Kind::Supervision {
        for (table, e) in &q.edits {
            let changed_lines: Vec<String> = e
                .changed_list
                .iter()
                .take(30)
                .map(|c| c.describe())
                .collect();
            let withdrawn: Vec<String> = e
                .withdrawn_list
                .iter()
                .take(list_cap)
                .map(|c| c.describe())
                .collect();
            let (added, changed, withdrawn_count) = (e.added, e.changed, e.withdrawn);
            edits.push(json!({"table": table.chinese(), "added": added, "changed": changed, "withdrawn_count": withdrawn_count,
                              "withdrawn": withdrawn, "changed_lines": changed_lines}));
        }
    }
    edits
}

/// Breakdowns of the helped: by Jining county, Wanzhou township, help mode, months stable.
fn breakdowns(p: &crate::rules::targets::Progress) -> Map<String, Value> {
    let counties: Vec<Value> = p
        .by_county
        .iter()
        .map(|(k, v)| json!({"name": k, "count": v}))
        .collect();
    let townships: Vec<Value> = p
        .by_township
        .iter()
        .map(|(k, v)| json!({"name": k, "helped": v.helped, "transferred": v.transferred, "local": v.local, "trained": v.trained}))
        .collect();
    let modes: Vec<Value> = p
        .by_mode
        .iter()
        .map(|(k, v)| json!({"name": k, "count": v}))
        .collect();
    let stable: Vec<Value> = p
        .stable
        .iter()
        .map(|(m, n)| json!({"months": m, "count": n}))
        .collect();
    let mut m = Map::new();
    m.insert("counties".into(), json!(counties));
    m.insert("townships".into(), json!(townships));
    m.insert("modes".into(), json!(modes));
    m.insert("stable".into(), json!(stable));
    m
}

/// Everything the templates show but the charts, as one JSON value: one section each.
fn context(
    r: &Results,
    prev: Option<&crate::rules::targets::Actuals>,
    q: &Quality,
    kind: Kind,
    list_cap: usize,
) -> Result<Value, Error> {
    let p = &r.progress;
    let targets = targets_section(r, prev);
    let pools = spend_section(r);
    let (files, missing, rejects) = quality_section(r, q);
    let edits = edits_section(q, kind, list_cap);
    // Compliance: share of the amount paid with no 错误 finding on its voucher.
    let (clean, total) = r.audit.compliance();
    let entitled_total: Decimal = r.audit.spend.values().map(|s| s.entitled()).sum();
    let paid_total: Decimal = r.audit.spend.values().map(|s| s.paid).sum();
    let to_fix = to_fix(r, &targets, &missing);

    let mut context = json!({
        "kind": kind.code(),
        "title": kind.title(),
        "as_of": r.model.as_of.to_string(),
        "as_of_date": r.model.date.to_string(),
        "plan_year": p.plan_year,
        "months_elapsed": p.months_elapsed,
        "policy": {"number": r.policy.document.number, "title": r.policy.document.title,
                   "period": format!("{} 至 {}", r.policy.period_from, r.policy.period_to)},
        "targets": targets,
        "headline": targets.first().cloned().unwrap_or(Value::Null),
        "category_sum": p.category_sum,
        "overlap": p.overlap,
        "has_prev": prev.is_some(),
        "prev_month": r.model.as_of.prev().to_string(),
        "pools": pools,
        "paid_total": money(paid_total),
        "entitled_total": money(entitled_total),
        "compliance": pct(clean, total),
        "clean_total": money(clean),
        "error_count": r.summary.findings.errors,
        "notice_count": r.summary.findings.notices,
        "files": files,
        "file_count": r.model.exports.len(),
        "rows_read": r.summary.data_quality.rows_read,
        "rows_rejected": r.summary.data_quality.rows_rejected,
        "missing": missing,
        "rejects": rejects,
        "edits": edits,
        "to_fix": to_fix,
        "readings": readings(),
        // Filled in by `run::reports`: the publication these reports are, and the revisions
        // since the month's latest publication.
        "publication": Value::Null,
        "revisions": Value::Null,
        // The 整改台账 (supervision), also filled in by `run::reports`.
        "followup": Value::Null,
    });
    if let Value::Object(m) = &mut context {
        m.extend(findings_section(r, list_cap));
        m.extend(breakdowns(p));
    }
    Ok(context)
}

/// The 整改台账 as the supervision review shows it: counts, by unit and by rule, and capped
/// lists (整改不实 first, then the oldest).
pub fn followup_context(f: &crate::rules::followup::FollowUp, list_cap: usize) -> Value {
    let row = |t: &crate::rules::followup::Tracked| {
        json!({"id": t.seen.id, "rule": t.seen.rule.chinese(), "severity": t.seen.severity, "unit": t.seen.unit,
               "payee": t.seen.payee, "payee_name": t.seen.payee_name, "item": t.seen.item,
               "first_month": t.first_month, "months_open": t.months_open, "status": t.status,
               "answer": t.answer.as_ref().map(|a| a.status.clone()).unwrap_or_default(),
               "measures": t.answer.as_ref().map(|a| a.measures.clone()).unwrap_or_default(),
               "done_date": t.answer.as_ref().map(|a| a.done_date.clone()).unwrap_or_default(),
               "untrue": t.untrue})
    };
    json!({
        "new": f.new, "open": f.open, "closed": f.closed_count, "untrue": f.untrue, "answered": f.answered,
        "by_unit": f.by_unit, "by_rule": f.by_rule,
        "present": f.present.iter().take(list_cap).map(row).collect::<Vec<_>>(),
        "present_total": f.present.len(),
        "closed_list": f.closed.iter().take(list_cap).map(row).collect::<Vec<_>>(),
        "unmatched": f.unmatched.iter().take(list_cap).map(|a| json!({"id": a.id, "status": a.status, "unit": a.unit, "file": a.file, "received": a.received})).collect::<Vec<_>>(),
    })
}

/// What to fix before the policy ends, from the figures.
fn to_fix(r: &Results, targets: &[Value], missing: &[Value]) -> Vec<String> {
    let mut out = Vec::new();
    for t in targets {
        let (target, actual) = (
            t["target"].as_i64().unwrap_or(0),
            t["actual"].as_i64().unwrap_or(0),
        );
        if actual < target {
            out.push(format!(
                "{}还差 {} 人达到目标 {} 人，需加快进度",
                t["name"].as_str().unwrap_or(""),
                target - actual,
                target
            ));
        }
    }
    for rule in Rule::REMEDIED {
        let fs: Vec<&Finding> = r.audit.findings.iter().filter(|f| f.rule == rule).collect();
        let amount: Decimal = fs.iter().filter_map(|f| f.difference.or(f.paid)).sum();
        if let (false, Some(what)) = (fs.is_empty(), rule.remedy()) {
            out.push(format!(
                "{what}：{} 条，涉及 {} 元",
                fs.len(),
                money(amount)
            ));
        }
    }
    if !missing.is_empty() {
        out.push(format!("补报缺报的月度报表 {} 份", missing.len()));
    }
    let rejected = r.summary.data_quality.rows_rejected;
    if rejected > 0 {
        out.push(format!(
            "更正被拒收的 {rejected} 行数据（身份证号、日期、金额等）后重新报送"
        ));
    }
    out.push(format!(
        "以上事项须在政策执行期限（{}）结束前完成",
        r.policy.period_to
    ));
    out
}

/// The readings of rules.md this report applies (shown in every report).
fn readings() -> Vec<&'static str> {
    vec![
        "人数均按身份证号去重，只计截至本月名册中“是否建档立卡”为“是”的人员（一）。",
        "转移到济宁就业以济宁来济就业台账为准（入职日期在年度内）；万州台账的“转移就业/济宁”记录只用于双方核对。",
        "就地就近就业按开始日期、培训按结业日期计入年度；应完成数 = ⌈目标 × 月数 ÷ 12⌉。",
        "整月数：入职日加满 m 个自然月不晚于截止日次日（月末对齐）；在岗月数按起止月份均计。",
        "资金按凭证号去重；同一凭证号内容不一致时以最新一期报表为准；金额精确到分，四舍五入。",
        "就业补助资金各项须满足六个月条件（在济稳定就业满 6 个整月、合同 ≥ 6 个月、缴纳社保、办理就业登记）；缺“就业登记”列时记为“无法证明”。",
        "身份证号显示前 6 位和后 4 位，姓名隐去中间字。",
    ]
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
    prev: Option<&crate::rules::targets::Actuals>,
    q: &Quality,
    kind: Kind,
    list_cap: usize,
) -> Result<Prepared, Error> {
    Ok(Prepared {
        stem: format!("{}-{}", kind.code(), r.model.as_of),
        context: context(r, prev, q, kind, list_cap)?,
        charts: chart_list(r),
    })
}

/// Writes a prepared report in the given formats into `out` (charts inline in HTML, as PNG
/// and SVG files beside Markdown); returns the files written. Asset files are named for kind
/// and month, so reports of several kinds and months can share a folder.
pub fn write(
    p: &Prepared,
    kind: Kind,
    formats: &[Format],
    out: &Path,
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
