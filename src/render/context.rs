//! What the report templates show, as types: one struct per section, each built from
//! [`crate::run::Results`] by a short function. [`Report::of`] is serialised once into the
//! template context (and, through [`super::report::Prepared`], into the report cache), so the
//! templates in `reports/` name exactly these fields. Amounts are formatted here (grouped
//! yuan, "—" for none); IDs and names arrive masked.

use std::borrow::Cow;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::ids::mask_id;
use crate::money::yuan_grouped;
use crate::policy::Policy;
use crate::render::report::Kind;
use crate::rules::findings::{listing_order, rule_name, Finding, Rule, Severity};
use crate::rules::followup::{self, FollowUp, Tracked};
use crate::rules::quality::Quality;
use crate::rules::revisions::Revisions;
use crate::rules::targets::{Actuals, Progress, Status};
use crate::run::Results;

fn money(d: Decimal) -> String {
    yuan_grouped(d)
}

fn money_or_dash(d: Option<Decimal>) -> String {
    d.map(money).unwrap_or_else(|| "—".into())
}

fn pct(part: Decimal, whole: Decimal) -> String {
    if whole.is_zero() {
        "—".into()
    } else {
        format!("{:.1}%", (part * Decimal::from(100) / whole).round_dp(1))
    }
}

/// What a report shows beyond the month's [`Results`], worked out by `run::reports` from
/// other months and the publications.
#[derive(Clone, Copy, Default)]
pub struct Beyond<'a> {
    /// Last month's target counts, for the change column.
    pub prev: Option<&'a Actuals>,
    /// The revisions since the month's latest publication.
    pub revisions: Option<&'a Revisions>,
    /// The 整改台账 (the supervision review shows it).
    pub followup: Option<&'a FollowUp>,
}

/// Everything a report shows but the charts and the publication stamp (which
/// `render::report::write` adds: the same computed report is written before and after it is
/// published).
#[derive(Serialize)]
pub struct Report<'a> {
    kind: &'static str,
    title: &'static str,
    as_of: String,
    as_of_date: String,
    plan_year: i32,
    months_elapsed: i64,
    policy: PolicyHeader,
    targets: Vec<TargetRow>,
    /// The first target (帮扶就业总数), for the headline.
    headline: Option<TargetRow>,
    category_sum: i64,
    overlap: i64,
    has_prev: bool,
    prev_month: String,
    pools: Vec<PoolRow>,
    paid_total: String,
    entitled_total: String,
    /// Share of the amount paid with no 错误 finding on its voucher.
    compliance: String,
    clean_total: String,
    error_count: usize,
    notice_count: usize,
    files: Vec<FileRow>,
    file_count: usize,
    rows_read: usize,
    rows_rejected: usize,
    missing: Vec<MissingRow>,
    rejects: Vec<RejectRow>,
    edits: Vec<EditsRow>,
    to_fix: Vec<String>,
    readings: Vec<String>,
    revisions: Option<&'a Revisions>,
    /// The supervision review's alone.
    followup: Option<FollowUpSection<'a>>,
    #[serde(flatten)]
    findings: FindingsSection,
    #[serde(flatten)]
    breakdowns: Breakdowns,
}

impl<'a> Report<'a> {
    /// The report of `kind`.
    pub fn of(
        r: &Results,
        beyond: Beyond<'a>,
        q: &Quality,
        kind: Kind,
        list_cap: usize,
    ) -> Report<'a> {
        let Beyond {
            prev,
            revisions,
            followup,
        } = beyond;
        let p = &r.progress;
        let targets = targets_section(p, prev);
        let (files, missing, rejects) = quality_section(r, q);
        let (clean, total) = r.audit.compliance();
        let entitled_total: Decimal = r.audit.spend.values().map(|s| s.entitled()).sum();
        let paid_total: Decimal = r.audit.spend.values().map(|s| s.paid).sum();
        Report {
            kind: kind.code(),
            title: kind.title(),
            as_of: r.model.as_of.to_string(),
            as_of_date: r.model.date.to_string(),
            plan_year: p.plan_year,
            months_elapsed: p.months_elapsed,
            policy: PolicyHeader {
                number: r.policy.document.number.clone(),
                title: r.policy.document.title.clone(),
                period: format!("{} 至 {}", r.policy.period_from, r.policy.period_to),
            },
            to_fix: to_fix(r, &targets, missing.len()),
            headline: targets.first().cloned(),
            targets,
            category_sum: p.category_sum,
            overlap: p.overlap,
            has_prev: prev.is_some(),
            prev_month: r.model.as_of.prev().to_string(),
            pools: spend_section(r),
            paid_total: money(paid_total),
            entitled_total: money(entitled_total),
            compliance: pct(clean, total),
            clean_total: money(clean),
            error_count: r.summary.findings.errors,
            notice_count: r.summary.findings.notices,
            files,
            file_count: r.model.exports.len(),
            rows_read: r.summary.data_quality.rows_read,
            rows_rejected: r.summary.data_quality.rows_rejected,
            missing,
            rejects,
            edits: edits_section(q, kind, list_cap),
            readings: readings(&r.policy),
            revisions,
            followup: followup
                .filter(|_| kind == Kind::Supervision)
                .map(|f| FollowUpSection::of(f, &r.policy, list_cap)),
            findings: findings_section(r, list_cap),
            breakdowns: breakdowns(p),
        }
    }
}

#[derive(Serialize)]
struct PolicyHeader {
    number: String,
    title: String,
    period: String,
}

/// One target with its rate, change since last month and status.
#[derive(Serialize, Clone)]
struct TargetRow {
    key: &'static str,
    name: &'static str,
    target: i64,
    actual: i64,
    expected: i64,
    status: Status,
    projection: String,
    rate: String,
    change: String,
    behind: bool,
}

fn targets_section(p: &Progress, prev: Option<&Actuals>) -> Vec<TargetRow> {
    p.targets
        .iter()
        .map(|t| TargetRow {
            key: t.key,
            name: t.name,
            target: t.target,
            actual: t.actual,
            expected: t.expected,
            status: t.status,
            projection: format!("{:.1}", t.projection),
            rate: match t.target > 0 {
                true => format!("{:.1}%", t.actual as f64 * 100.0 / t.target as f64),
                false => "—".into(),
            },
            change: prev
                .and_then(|x| x.get(t.key))
                .map_or_else(|| "—".into(), |a| format!("{:+}", t.actual - a)),
            behind: t.status == Status::Behind,
        })
        .collect()
}

#[derive(Serialize)]
struct PoolRow {
    name: String,
    paid: String,
    payments: i64,
    entitled: String,
    items: Vec<ItemRow>,
    regions: Vec<RegionRow>,
}

#[derive(Serialize)]
struct ItemRow {
    name: String,
    paid: String,
    payments: i64,
    entitled: String,
    /// Whether the policy has the item (else the file named one it does not know).
    known: bool,
}

#[derive(Serialize)]
struct RegionRow {
    name: String,
    paid: String,
    payments: i64,
}

/// Spend per pool (the policy's pools in its order, then any other a file named), with items,
/// regions and entitlements.
fn spend_section(r: &Results) -> Vec<PoolRow> {
    let spend = &r.audit.spend;
    let mut order: Vec<&String> = r
        .policy
        .pools
        .iter()
        .map(|p| &p.name)
        .filter(|n| spend.contains_key(*n))
        .collect();
    order.extend(
        spend
            .keys()
            .filter(|k| !r.policy.pools.iter().any(|p| &p.name == *k)),
    );
    order
        .into_iter()
        .map(|name| {
            let s = &spend[name];
            PoolRow {
                name: name.clone(),
                paid: money(s.paid),
                payments: s.payments,
                entitled: money(s.entitled()),
                items: s
                    .by_item
                    .iter()
                    .map(|(item, v)| ItemRow {
                        name: item.clone(),
                        paid: money(v.paid),
                        payments: v.payments,
                        entitled: money_or_dash(s.entitled_by_item.get(item).copied()),
                        known: r.policy.item_by_name(item).is_some(),
                    })
                    .collect(),
                regions: s
                    .by_region
                    .iter()
                    .map(|(k, v)| RegionRow {
                        name: k.clone(),
                        paid: money(v.paid),
                        payments: v.payments,
                    })
                    .collect(),
            }
        })
        .collect()
}

/// A finding as circulated (masked at the source).
#[derive(Serialize, Clone)]
struct FindingRow {
    rule: Rule,
    rule_name: String,
    severity: Severity,
    clause: String,
    payee: String,
    payee_name: String,
    item: String,
    paid: String,
    entitled: String,
    difference: String,
    vouchers: String,
    message: String,
}

impl FindingRow {
    fn of(f: &Finding, policy: &Policy) -> FindingRow {
        FindingRow {
            rule: f.rule,
            rule_name: f.rule.name(policy).into_owned(),
            severity: f.severity,
            clause: f.clause.clone(),
            payee: f.payee.clone(),
            payee_name: f.payee_name.clone(),
            item: f.item.clone(),
            paid: money_or_dash(f.paid),
            entitled: money_or_dash(f.entitled),
            difference: money_or_dash(f.difference),
            vouchers: f.vouchers.join(" "),
            message: f.message.clone(),
        }
    }
}

#[derive(Serialize)]
struct RuleCount {
    rule: String,
    name: Cow<'static, str>,
    severity: Option<Severity>,
    count: usize,
}

/// The findings: at most `list_cap` of each kind, largest amounts first, with how many
/// there are; and the counts by rule. The full lists are `luyu audit --xlsx`.
#[derive(Serialize)]
struct FindingsSection {
    top_errors: Vec<FindingRow>,
    errors: Vec<FindingRow>,
    errors_total: usize,
    notices: Vec<FindingRow>,
    notices_total: usize,
    one_sided: Vec<FindingRow>,
    one_sided_total: usize,
    unregistered: Vec<FindingRow>,
    unregistered_total: usize,
    by_rule: Vec<RuleCount>,
}

fn findings_section(r: &Results, list_cap: usize) -> FindingsSection {
    let findings = listing_order(&r.audit.findings);
    let capped = |keep: &dyn Fn(&Finding) -> bool| -> (Vec<FindingRow>, usize) {
        let total = findings.iter().filter(|f| keep(f)).count();
        let list = findings
            .iter()
            .filter(|f| keep(f))
            .take(list_cap)
            .map(|f| FindingRow::of(f, &r.policy))
            .collect();
        (list, total)
    };
    let (errors, errors_total) = capped(&|f| f.severity == Severity::Error);
    let (notices, notices_total) = capped(&|f| f.severity == Severity::Notice);
    let (one_sided, one_sided_total) = capped(&|f| f.rule == Rule::OneSidedTransfer);
    let (unregistered, unregistered_total) = capped(&|f| f.rule == Rule::UnregisteredPerson);
    let by_rule = r
        .summary
        .findings
        .by_rule
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(k, n)| RuleCount {
            rule: k.clone(),
            name: rule_name(k, &r.policy),
            severity: Rule::from_code(k).map(Rule::severity),
            count: *n,
        })
        .collect();
    FindingsSection {
        top_errors: errors.iter().take(8).cloned().collect(),
        errors,
        errors_total,
        notices,
        notices_total,
        one_sided,
        one_sided_total,
        unregistered,
        unregistered_total,
        by_rule,
    }
}

#[derive(Serialize)]
struct FileRow {
    table: &'static str,
    region: &'static str,
    month: String,
    file: String,
    read: usize,
    rejected: usize,
    corrected: bool,
}

#[derive(Serialize)]
struct MissingRow {
    table: &'static str,
    region: &'static str,
    month: String,
}

#[derive(Serialize)]
struct RejectRow {
    file: String,
    row: usize,
    column: String,
    value: String,
    reason: String,
}

/// Data quality: the current exports, the missing ones (at most 60) and the rejected rows
/// (IDs masked).
fn quality_section(r: &Results, q: &Quality) -> (Vec<FileRow>, Vec<MissingRow>, Vec<RejectRow>) {
    let missing = q
        .missing
        .iter()
        .take(60)
        .map(|(t, reg, m)| MissingRow {
            table: t.chinese(),
            region: reg.chinese(),
            month: m.to_string(),
        })
        .collect();
    let current = &r.model.exports;
    let mut sorted: Vec<_> = current.iter().collect();
    sorted.sort_by_key(|e| (e.table, e.region, e.month));
    let files = sorted
        .iter()
        .map(|e| FileRow {
            table: e.table.chinese(),
            region: e.region.chinese(),
            month: e.month.to_string(),
            file: e.file_name.clone(),
            read: e.rows_read,
            rejected: e.rows_rejected,
            corrected: e.replaces.is_some(),
        })
        .collect();
    let rejects = q
        .rejects
        .iter()
        .filter_map(|(id, rj)| {
            let e = current.iter().find(|e| &e.id == id)?;
            let is_id = rj.column.contains("身份证") || rj.column.contains("证件号码");
            let value = if is_id {
                mask_id(&rj.value)
            } else {
                rj.value.clone()
            };
            Some(RejectRow {
                file: e.file_name.clone(),
                row: rj.row,
                column: rj.column.clone(),
                reason: rj.reason.replace(&rj.value, &value),
                value,
            })
        })
        .collect();
    (files, missing, rejects)
}

/// What one cumulative ledger added, changed and withdrew since last month.
#[derive(Serialize)]
struct EditsRow {
    table: &'static str,
    added: usize,
    changed: usize,
    withdrawn_count: usize,
    withdrawn: Vec<String>,
    changed_lines: Vec<String>,
}

/// The ledgers' edits since the previous month's exports: the supervision review's only.
fn edits_section(q: &Quality, kind: Kind, list_cap: usize) -> Vec<EditsRow> {
    if kind != Kind::Supervision {
        return Vec::new();
    }
    q.edits
        .iter()
        .map(|(table, e)| EditsRow {
            table: table.chinese(),
            added: e.added,
            changed: e.changed,
            withdrawn_count: e.withdrawn,
            withdrawn: e
                .withdrawn_list
                .iter()
                .take(list_cap)
                .map(|c| c.describe())
                .collect(),
            changed_lines: e
                .changed_list
                .iter()
                .take(30)
                .map(|c| c.describe())
                .collect(),
        })
        .collect()
}

#[derive(Serialize)]
struct NameCount {
    name: String,
    count: i64,
}

#[derive(Serialize)]
struct TownshipRow {
    name: String,
    helped: i64,
    transferred: i64,
    local: i64,
    trained: i64,
}

#[derive(Serialize)]
struct StableRow {
    months: i64,
    count: i64,
}

/// The helped by Jining county, Wanzhou township, help mode and months stable.
#[derive(Serialize)]
struct Breakdowns {
    counties: Vec<NameCount>,
    townships: Vec<TownshipRow>,
    modes: Vec<NameCount>,
    stable: Vec<StableRow>,
}

fn breakdowns(p: &Progress) -> Breakdowns {
    let counts = |m: &std::collections::BTreeMap<String, i64>| {
        m.iter()
            .map(|(k, v)| NameCount {
                name: k.clone(),
                count: *v,
            })
            .collect()
    };
    Breakdowns {
        counties: counts(&p.by_county),
        townships: p
            .by_township
            .iter()
            .map(|(k, v)| TownshipRow {
                name: k.clone(),
                helped: v.helped,
                transferred: v.transferred,
                local: v.local,
                trained: v.trained,
            })
            .collect(),
        modes: counts(&p.by_mode),
        stable: p
            .stable
            .iter()
            .map(|(m, n)| StableRow {
                months: *m,
                count: *n,
            })
            .collect(),
    }
}

/// What to fix before the policy ends, from the figures.
fn to_fix(r: &Results, targets: &[TargetRow], missing: usize) -> Vec<String> {
    let mut out = Vec::new();
    for t in targets.iter().filter(|t| t.actual < t.target) {
        out.push(format!(
            "{}还差 {} 人达到目标 {} 人，需加快进度",
            t.name,
            t.target - t.actual,
            t.target
        ));
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
    if missing > 0 {
        out.push(format!("补报缺报的月度报表 {missing} 份"));
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

/// The readings of rules.md this report applies (shown in every report), with the numbers
/// of the policy in force.
fn readings(policy: &Policy) -> Vec<String> {
    let n = &policy.n;
    vec![
        "人数均按身份证号去重，只计截至本月名册中“是否建档立卡”为“是”的人员（一）。".into(),
        "转移到济宁就业以济宁来济就业台账为准（入职日期在年度内）；万州台账的“转移就业/济宁”记录只用于双方核对。".into(),
        format!("就地就近就业按开始日期、培训按结业日期计入年度；应完成数 = ⌈目标 × 月数 ÷ {}⌉。", n.pace_months),
        "整月数：入职日加满 m 个自然月不晚于截止日次日（月末对齐）；在岗月数按起止月份均计。".into(),
        "资金按凭证号去重；同一凭证号内容不一致时以最新一期报表为准；金额精确到分，四舍五入。".into(),
        format!(
            "就业补助资金各项须满足{}（在济稳定就业满 {} 个整月、合同 ≥ {} 个月、缴纳社保、办理就业登记）；缺“就业登记”列时记为“无法证明”。",
            policy.gate_name(), n.gate_min_full_months, n.gate_min_contract_months
        ),
        "身份证号显示前 6 位和后 4 位，姓名隐去中间字。".into(),
    ]
}

/// The 整改台账 as the supervision review shows it: counts, by unit and by rule, and capped
/// lists (整改不实 first, then the oldest).
#[derive(Serialize)]
pub struct FollowUpSection<'a> {
    new: usize,
    open: usize,
    closed: usize,
    untrue: usize,
    answered: usize,
    by_unit: &'a [followup::Line],
    by_rule: &'a [followup::Line],
    present: Vec<TrackedRow<'a>>,
    present_total: usize,
    closed_list: Vec<TrackedRow<'a>>,
    unmatched: Vec<UnmatchedRow<'a>>,
}

#[derive(Serialize)]
struct TrackedRow<'a> {
    id: &'a str,
    rule: Cow<'static, str>,
    severity: Severity,
    unit: &'a str,
    payee: &'a str,
    payee_name: &'a str,
    item: &'a str,
    first_month: &'a str,
    months_open: i64,
    status: &'a str,
    /// The unit's answer from its returned workbook ("" when none).
    answer: &'a str,
    measures: &'a str,
    done_date: &'a str,
    untrue: bool,
}

impl<'a> TrackedRow<'a> {
    fn of(t: &'a Tracked, policy: &Policy) -> TrackedRow<'a> {
        let answer = |f: fn(&followup::Answer) -> &str| t.answer.as_ref().map_or("", f);
        TrackedRow {
            id: &t.seen.id,
            rule: t.seen.rule.name(policy),
            severity: t.seen.severity,
            unit: &t.seen.unit,
            payee: &t.seen.payee,
            payee_name: &t.seen.payee_name,
            item: &t.seen.item,
            first_month: &t.first_month,
            months_open: t.months_open,
            status: &t.status,
            answer: answer(|a| &a.status),
            measures: answer(|a| &a.measures),
            done_date: answer(|a| &a.done_date),
            untrue: t.untrue,
        }
    }
}

/// A returned answer that names no finding of the month.
#[derive(Serialize)]
struct UnmatchedRow<'a> {
    id: &'a str,
    status: &'a str,
    unit: &'a str,
    file: &'a str,
    received: &'a str,
}

impl<'a> FollowUpSection<'a> {
    pub fn of(f: &'a FollowUp, policy: &Policy, list_cap: usize) -> FollowUpSection<'a> {
        let row = |t: &'a Tracked| TrackedRow::of(t, policy);
        FollowUpSection {
            new: f.new,
            open: f.open,
            closed: f.closed_count,
            untrue: f.untrue,
            answered: f.answered,
            by_unit: &f.by_unit,
            by_rule: &f.by_rule,
            present: f.present.iter().take(list_cap).map(row).collect(),
            present_total: f.present.len(),
            closed_list: f.closed.iter().take(list_cap).map(row).collect(),
            unmatched: f
                .unmatched
                .iter()
                .take(list_cap)
                .map(|a| UnmatchedRow {
                    id: &a.id,
                    status: &a.status,
                    unit: &a.unit,
                    file: &a.file,
                    received: &a.received,
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    /// The readings quote the policy in force: another gate or pace is read out as it is.
    #[test]
    fn readings_quote_the_policys_numbers() {
        let mut policy = crate::policy::Policy::load(None).unwrap();
        let builtin = super::readings(&policy);
        assert!(builtin
            .iter()
            .any(|r| r.contains("满 6 个整月、合同 ≥ 6 个月")));
        assert!(builtin.iter().any(|r| r.contains("÷ 12⌉")));
        (
            policy.n.gate_min_full_months,
            policy.n.gate_min_contract_months,
        ) = (3, 12);
        policy.n.pace_months = 10;
        let other = super::readings(&policy);
        assert!(other
            .iter()
            .any(|r| r.contains("须满足三个月条件（在济稳定就业满 3 个整月、合同 ≥ 12 个月")));
        assert!(other.iter().any(|r| r.contains("÷ 10⌉")));
    }
}
