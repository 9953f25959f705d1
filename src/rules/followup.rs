//! The 整改台账: findings followed from month to month until the data no longer shows them,
//! with the answers the counties and townships send back.
//!
//! - A finding's 问题编号 ([`crate::rules::findings::finding_id`]) is the same in every month's
//!   computation while it exists, so the findings as of each month up to M (each computed from
//!   the warehouse, and kept in the report cache) say when each was first found, how long it
//!   has been open, and which were closed by the data in M: present as of M−1, gone as of M (a
//!   correction or a repayment removed it).
//! - Answers are the returned follow-up workbooks (`整改反馈`, ingested like any export): for
//!   each 问题编号 the latest answer received up to M. An answer 已整改 to a finding the data
//!   still shows is 整改不实; an answer whose 问题编号 no month's computation ever gave matches
//!   no finding.

use std::collections::{BTreeMap, BTreeSet};

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::dates::Month;
use crate::ingest::tables::{Region, Table};
use crate::rules::findings::{Finding, Rule, Severity};
use crate::rules::targets::Progress;
use crate::store::cache::{Cache, Inputs};
use crate::store::warehouse::Warehouse;

pub use crate::Error;

/// A finding as a month's computation saw it (masked, as it circulates).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Seen {
    pub id: String,
    pub rule: Rule,
    pub severity: Severity,
    pub unit: String,
    pub side: Region,
    pub payee: String,
    pub payee_name: String,
    pub item: String,
    pub message: String,
}

impl Seen {
    pub fn of(f: &Finding) -> Seen {
        Seen {
            id: f.id.clone(),
            rule: f.rule,
            severity: f.severity,
            unit: f.unit.clone(),
            side: f.side,
            payee: f.payee.clone(),
            payee_name: f.payee_name.clone(),
            item: f.item.clone(),
            message: f.message.clone(),
        }
    }
}

/// An answer from a returned follow-up workbook.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Answer {
    pub id: String,
    pub status: String,
    pub measures: String,
    pub done_date: String,
    pub unit: String,
    pub file: String,
    pub received: String,
}

/// A finding in the 整改台账 as of M.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Tracked {
    #[serde(flatten)]
    pub seen: Seen,
    /// The month it was first found (the start of its current run of months).
    pub first_month: String,
    /// Months it has been open, counting the first and M (a new finding: 1).
    pub months_open: i64,
    /// 新发现, 未整改 (still present), or 已消除 (closed by the data in M).
    pub status: String,
    pub answer: Option<Answer>,
    /// Answered 已整改, yet the data still shows it.
    pub untrue: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Line {
    /// 济宁 or 万州 (by unit), or empty (by rule).
    pub side: String,
    pub name: String,
    pub new: usize,
    pub open: usize,
    pub closed: usize,
    pub untrue: usize,
    /// The longest a finding of the line has been open, in months.
    pub oldest: i64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct FollowUp {
    pub as_of: String,
    /// Present as of M: new and still open.
    pub present: Vec<Tracked>,
    /// Closed by the data in M.
    pub closed: Vec<Tracked>,
    /// Answers whose 问题编号 matches no finding of any month.
    pub unmatched: Vec<Answer>,
    pub new: usize,
    pub open: usize,
    pub closed_count: usize,
    pub untrue: usize,
    pub answered: usize,
    pub by_unit: Vec<Line>,
    pub by_rule: Vec<Line>,
}

impl FollowUp {
    /// The finding of a 问题编号, present or closed.
    pub fn get(&self, id: &str) -> Option<&Tracked> {
        self.present
            .iter()
            .chain(&self.closed)
            .find(|t| t.seen.id == id)
    }
}

/// What the month-by-month findings depend on besides the warehouse and the month.
pub struct Params<'a> {
    pub policy: Option<&'a std::path::Path>,
    pub plan_year: Option<i32>,
}

/// Where a month's findings are kept: keyed by the month's own exports, so a new month's files
/// leave earlier months' lists valid. `None` when the warehouse's manifest cannot be read (the
/// cache only saves time).
pub fn month_cache<'a>(wh: &'a Warehouse, inputs: &Params, month: Month) -> Option<Cache<'a>> {
    Cache::for_month(
        wh,
        &Inputs {
            policy: inputs.policy,
            as_of: month,
            plan_year: inputs.plan_year,
            list_cap: 0,
            known_on: wh.known_on,
        },
    )
    .ok()
}

/// Keeps the findings as of `month` that the caller computed (the 整改台账's own month), for the
/// 整改台账 of the months after it: next month's then reads them instead of computing the whole
/// month again. Only saves time, so a cache that cannot be written is no error.
fn keep(wh: &Warehouse, inputs: &Params, month: Month, findings: &[Finding]) {
    if let Some(c) = month_cache(wh, inputs, month) {
        let seen: Vec<Seen> = findings.iter().map(Seen::of).collect();
        let _ = c.put_named("findings", &seen);
    }
}

/// The findings as of `month`, from the report cache or computed; when computed, with the
/// month's full targets under plan year `targets_of` if given (see [`crate::run::findings`]).
fn findings_of(
    wh: &Warehouse,
    inputs: &Params,
    month: Month,
    targets_of: Option<i32>,
) -> Result<(Vec<Seen>, Option<Progress>), Error> {
    let cache = month_cache(wh, inputs, month);
    if let Some(seen) = cache.as_ref().and_then(|c| c.get_named("findings")) {
        return Ok((seen, None));
    }
    let policy = crate::policy::Policy::load(inputs.policy)?;
    // The findings alone, and the targets when asked for (`run::findings` frees the month's
    // rows before it returns; never keep them here: a year of months would be ten gigabytes).
    let (found, progress) = crate::run::findings(wh, &policy, month, inputs.plan_year, targets_of)?;
    let seen: Vec<Seen> = found.iter().map(Seen::of).collect();
    if let Some(c) = &cache {
        // Only saves time: a warehouse that cannot take it still answers.
        let _ = c.put_named("findings", &seen);
    }
    Ok((seen, progress))
}

/// A month's findings, with its full targets when they were asked for and computed.
type MonthFound = (Vec<Seen>, Option<Progress>);

/// [`findings_of`] for each of `months`, in their order, or the error of the earliest month
/// that failed. Months not in the cache are computed two at a time: one month's computation
/// keeps about one and a half cores busy (its serial steps leave the other core idle), so a
/// second month beside it uses what would otherwise be lost. One worker takes the latest month
/// left, the other the earliest: a large month runs beside small ones, so the two held at once
/// are not much more than the largest alone (months grow as the year's exports add up).
fn each_month(
    wh: &Warehouse,
    inputs: &Params,
    months: &[Month],
    targets_of: Option<(Month, i32)>,
) -> Result<Vec<MonthFound>, Error> {
    use std::sync::Mutex;
    let results: Vec<Mutex<Option<Result<_, Error>>>> =
        months.iter().map(|_| Mutex::new(None)).collect();
    // The months no worker has taken yet.
    let left = Mutex::new(0..months.len());
    let work = |latest: bool| loop {
        let taken = left
            .lock()
            .ok()
            .and_then(|mut r| if latest { r.next_back() } else { r.next() });
        let Some(i) = taken else { break };
        let m = months[i];
        let year = targets_of.and_then(|(month, year)| (month == m).then_some(year));
        let found = findings_of(wh, inputs, m, year);
        let failed = found.is_err();
        if let Ok(mut slot) = results[i].lock() {
            *slot = Some(found);
        }
        if failed {
            // No point in computing the rest: stop taking months.
            if let Ok(mut r) = left.lock() {
                *r = 0..0;
            }
            break;
        }
    };
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get().min(2));
    std::thread::scope(|s| {
        if workers > 1 {
            s.spawn(|| work(false));
        }
        work(true);
    });
    let mut results: Vec<Option<Result<_, Error>>> = results
        .into_iter()
        .map(|slot| slot.into_inner().ok().flatten())
        .collect();
    // A failure stops the others, so months it left undone are not the error to report.
    if let Some(i) = results.iter().position(|r| matches!(r, Some(Err(_)))) {
        if let Some(Err(e)) = results.swap_remove(i) {
            return Err(e);
        }
    }
    results
        .into_iter()
        .map(|r| {
            r.unwrap_or_else(|| Err("整改台账的月份未能全部核算，请重新运行".to_string().into()))
        })
        .collect()
}

/// The latest answer per 问题编号 among the follow-up workbooks received for months up to M.
fn answers(wh: &Warehouse, as_of: Month) -> Result<BTreeMap<String, Answer>, Error> {
    let manifest = wh.manifest()?;
    let mut exports: Vec<_> = Warehouse::current(&manifest, as_of)
        .into_iter()
        .filter(|e| e.table == Table::Answers)
        .collect();
    // Later receipts answer last.
    exports.sort_by_key(|e| (e.received(), e.batch));
    let mut out = BTreeMap::new();
    for e in exports {
        let df = wh.read(Table::Answers, &[e])?;
        let text = |name: &str, i: usize| -> Result<String, Error> {
            Ok(match df.column(name)?.get(i)? {
                AnyValue::Null => String::new(),
                v => v.str_value().to_string(),
            })
        };
        for i in 0..df.height() {
            let id = text("finding_id", i)?;
            let answer = Answer {
                id: id.clone(),
                status: text("status", i)?,
                measures: text("measures", i)?,
                done_date: text("done_date", i)?,
                unit: text("unit", i)?,
                file: e.file_name.clone(),
                received: e
                    .received()
                    .map(|t| t.format("%Y-%m-%d").to_string())
                    .unwrap_or_default(),
            };
            out.insert(id, answer);
        }
    }
    Ok(out)
}

/// The 整改台账 as of M. `current`: the findings as of M (already computed by the caller).
pub fn build(
    wh: &Warehouse,
    inputs: &Params,
    as_of: Month,
    current: &[Finding],
) -> Result<FollowUp, Error> {
    Ok(build_with_targets(wh, inputs, as_of, current, None)?.0)
}

/// [`build`], and the full targets of an earlier month under a plan year when that month's
/// findings had to be computed (not from the cache): the report's "change since last month"
/// then needs no second reading of that month (`None` when they were not computed).
pub fn build_with_targets(
    wh: &Warehouse,
    inputs: &Params,
    as_of: Month,
    current: &[Finding],
    targets_of: Option<(Month, i32)>,
) -> Result<(FollowUp, Option<Progress>), Error> {
    let manifest = wh.manifest()?;
    let first = manifest
        .exports
        .iter()
        .filter(|e| crate::ingest::tables::ALL.contains(&e.table))
        .map(|e| e.month)
        .min()
        .unwrap_or(as_of)
        .min(as_of);
    // Each month's findings by 问题编号, oldest first.
    let mut earlier = Vec::new();
    let mut m = first;
    while m < as_of {
        earlier.push(m);
        m = m.next();
    }
    let mut months: Vec<(Month, BTreeMap<String, Seen>)> = Vec::new();
    let mut progress = None;
    for (m, (seen, p)) in earlier
        .iter()
        .zip(each_month(wh, inputs, &earlier, targets_of)?)
    {
        progress = progress.or(p);
        months.push((*m, seen.into_iter().map(|s| (s.id.clone(), s)).collect()));
    }
    keep(wh, inputs, as_of, current);
    months.push((
        as_of,
        current
            .iter()
            .map(|f| (f.id.clone(), Seen::of(f)))
            .collect(),
    ));
    let ever: BTreeSet<&String> = months.iter().flat_map(|(_, s)| s.keys()).collect();
    let answers = answers(wh, as_of)?;
    // Months open, both ends counted.
    let open = |from: Month, to: Month| crate::dates::months_held(from.first_day(), to.first_day());

    let (now, earlier) = months
        .split_last()
        .map_or((None, &[][..]), |(l, e)| (Some(l), e));
    let mut f = FollowUp {
        as_of: as_of.to_string(),
        ..Default::default()
    };
    if let Some((_, present)) = now {
        for (id, seen) in present {
            let start = run_start(&months, id).unwrap_or(as_of);
            let answer = answers.get(id).cloned();
            let untrue = answer.as_ref().is_some_and(|a| a.status == "已整改");
            f.present.push(Tracked {
                seen: seen.clone(),
                first_month: start.to_string(),
                months_open: open(start, as_of),
                status: if start == as_of {
                    "新发现"
                } else {
                    "未整改"
                }
                .into(),
                answer,
                untrue,
            });
        }
        if let Some((_, before)) = earlier.last() {
            for (id, seen) in before {
                if present.contains_key(id) {
                    continue;
                }
                let start = run_start(earlier, id).unwrap_or(as_of.prev());
                f.closed.push(Tracked {
                    seen: seen.clone(),
                    first_month: start.to_string(),
                    months_open: open(start, as_of.prev()),
                    status: "已消除".into(),
                    answer: answers.get(id).cloned(),
                    untrue: false,
                });
            }
        }
    }
    f.unmatched = answers
        .values()
        .filter(|a| !ever.contains(&a.id))
        .cloned()
        .collect();
    // Oldest and untrue first: what the supervision asks about.
    f.present.sort_by(|a, b| {
        (b.untrue, b.months_open, &a.seen.id).cmp(&(a.untrue, a.months_open, &b.seen.id))
    });
    f.new = f.present.iter().filter(|t| t.status == "新发现").count();
    f.open = f.present.len() - f.new;
    f.closed_count = f.closed.len();
    f.untrue = f.present.iter().filter(|t| t.untrue).count();
    f.answered = f
        .present
        .iter()
        .chain(&f.closed)
        .filter(|t| t.answer.is_some())
        .count();
    // By the side's Chinese name, so 万州's units come before 济宁's as they always have.
    f.by_unit = lines(&f, |t| {
        (t.seen.side.chinese().to_string(), t.seen.unit.clone())
    });
    f.by_rule = lines(&f, |t| (String::new(), t.seen.rule.chinese().to_string()));
    Ok((f, progress))
}

/// The first month of the unbroken run of months that show `id` and end with the last of
/// `months` (oldest first).
fn run_start(months: &[(Month, BTreeMap<String, Seen>)], id: &str) -> Option<Month> {
    months
        .iter()
        .rev()
        .take_while(|(_, seen)| seen.contains_key(id))
        .last()
        .map(|(m, _)| *m)
}

/// Counts by (side, name), Wanzhou's townships and Jining's counties each together.
fn lines(f: &FollowUp, key: impl Fn(&Tracked) -> (String, String)) -> Vec<Line> {
    let mut by: BTreeMap<(String, String), Line> = BTreeMap::new();
    for t in f.present.iter().chain(&f.closed) {
        let (side, name) = key(t);
        let line = by
            .entry((side.clone(), name.clone()))
            .or_insert_with(|| Line {
                side,
                name,
                ..Default::default()
            });
        match t.status.as_str() {
            "新发现" => line.new += 1,
            "已消除" => line.closed += 1,
            _ => line.open += 1,
        }
        if t.status != "已消除" {
            line.oldest = line.oldest.max(t.months_open);
        }
        line.untrue += usize::from(t.untrue);
    }
    by.into_values().collect()
}
