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
use crate::store::warehouse::{ExportRecord, Manifest, Warehouse};

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

/// Some findings of a month, by what they are about: the 整改台账 asks an earlier month only
/// whether last month's findings were already there, and those are about few payees.
#[derive(Debug, Clone, Default)]
pub struct Only {
    /// Each finding's key ([`Finding::payee_key`]): a labourer's ID, a payee unit's code or
    /// name, a 凭证号 or a credit code.
    pub keys: Vec<String>,
    /// The findings' rules.
    pub rules: BTreeSet<Rule>,
}

/// How the 整改台账 has a month's findings computed: `run::findings` under the policy in force
/// (`run::findings_under`), given the warehouse, the month, the plan year, a plan year whose
/// full targets are wanted too, and the findings asked about. The rules compute no month
/// themselves: the caller gives them the pipeline.
pub type Compute<'a> =
    dyn Fn(&Warehouse, Month, Option<i32>, Option<i32>, Option<&Only>) -> Found + Sync + 'a;

/// What a month's computation gives the 整改台账: the findings, and the full targets when
/// asked for.
pub type Found = Result<(Vec<Finding>, Option<Progress>), Error>;

/// What the month-by-month findings depend on besides the warehouse and the month.
pub struct Params<'a> {
    /// The policy file (`--policy`), which the cached months are keyed by.
    pub policy: Option<&'a std::path::Path>,
    /// That policy, loaded: the 整改台账's lines name the rules by its numbers.
    pub in_force: &'a crate::policy::Policy,
    pub plan_year: Option<i32>,
    pub compute: &'a Compute<'a>,
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
/// month again. Only saves time, so a cache that cannot be written is no error: whether it was
/// kept is returned.
fn keep(wh: &Warehouse, inputs: &Params, month: Month, findings: &[Finding]) -> bool {
    month_cache(wh, inputs, month).is_some_and(|c| {
        let seen: Vec<Seen> = findings.iter().map(Seen::of).collect();
        c.put_named(ALL, &seen).is_ok()
    })
}

/// The cache entries of a month: every finding, or whether some were there ([`Present`]).
const ALL: &str = "findings";
const PRESENT: &str = "present";

/// Of the 问题编号 `asked`, the ones a month showed: what the 整改台账 needs of the months
/// before last ([`Known::Some`]). Kept in the report cache: 问题编号 only, nothing to mask.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Present {
    asked: BTreeSet<String>,
    found: BTreeSet<String>,
}

/// What is known of an earlier month's findings.
enum Known {
    /// Every finding, by 问题编号.
    All(BTreeMap<String, Seen>),
    /// Whether each of some findings was there.
    Some(Present),
}

impl Known {
    fn all(seen: Vec<Seen>) -> Known {
        Known::All(seen.into_iter().map(|s| (s.id.clone(), s)).collect())
    }

    /// Whether the month showed `id` (as far as known: see [`Known::knows`]).
    fn shows(&self, id: &str) -> bool {
        match self {
            Known::All(seen) => seen.contains_key(id),
            Known::Some(p) => p.found.contains(id),
        }
    }

    /// Whether it is known if the month showed `id`.
    fn knows(&self, id: &str) -> bool {
        match self {
            Known::All(_) => true,
            Known::Some(p) => p.asked.contains(id),
        }
    }
}

/// What the report cache knows of a month's findings.
fn cached(wh: &Warehouse, inputs: &Params, month: Month) -> Option<Known> {
    let c = month_cache(wh, inputs, month)?;
    match c.get_named::<Vec<Seen>>(ALL) {
        Some(seen) => Some(Known::all(seen)),
        None => c.get_named::<Present>(PRESENT).map(Known::Some),
    }
}

/// Every finding as of `month`, computed and kept in the report cache; with the month's full
/// targets under plan year `targets_of` if given (see `run::findings`).
fn compute_all(
    wh: &Warehouse,
    inputs: &Params,
    month: Month,
    targets_of: Option<i32>,
) -> Result<(Vec<Finding>, Option<Progress>, bool), Error> {
    // The findings alone, and the targets when asked for (`run::findings` frees the month's
    // rows before it returns; never keep them here: a year of months would be ten gigabytes).
    let (found, progress) = (inputs.compute)(wh, month, inputs.plan_year, targets_of, None)?;
    let kept = keep(wh, inputs, month, &found);
    Ok((found, progress, kept))
}

/// Whether each of the findings `asked` (about `only`) was there as of `month`, with what the
/// cache knew of it before: kept in the report cache.
fn compute_some(
    wh: &Warehouse,
    inputs: &Params,
    month: Month,
    asked: &BTreeSet<String>,
    only: &Only,
) -> Result<(Present, bool), Error> {
    let (found, _) = (inputs.compute)(wh, month, inputs.plan_year, None, Some(only))?;
    let cache = month_cache(wh, inputs, month);
    let mut present = cache
        .as_ref()
        .and_then(|c| c.get_named::<Present>(PRESENT))
        .unwrap_or_default();
    present.asked.extend(asked.iter().cloned());
    present.found.extend(
        found
            .into_iter()
            .filter(|f| asked.contains(&f.id))
            .map(|f| f.id),
    );
    // Only saves time: a warehouse that cannot take it still answers.
    let kept = cache.is_some_and(|c| c.put_named(PRESENT, &present).is_ok());
    Ok((present, kept))
}

/// `work` of each job, in their order, or the error of the earliest job that failed. Jobs are
/// months computed two at a time: one month's computation keeps about one and a half cores
/// busy (its serial steps leave the other core idle), so a second month beside it uses what
/// would otherwise be lost. One worker takes the latest month left, the other the earliest: a
/// large month runs beside small ones, so the two held at once are not much more than the
/// largest alone (months grow as the year's exports add up).
fn two_at_a_time<J: Sync, T: Send>(
    jobs: &[J],
    work: impl Fn(&J) -> Result<T, Error> + Sync,
) -> Result<Vec<T>, Error> {
    use std::sync::Mutex;
    let results: Vec<Mutex<Option<Result<T, Error>>>> =
        jobs.iter().map(|_| Mutex::new(None)).collect();
    // The jobs no worker has taken yet.
    let left = Mutex::new(0..jobs.len());
    let worker = |latest: bool| loop {
        let taken = left
            .lock()
            .ok()
            .and_then(|mut r| if latest { r.next_back() } else { r.next() });
        let Some(i) = taken else { break };
        let done = work(&jobs[i]);
        let failed = done.is_err();
        if let Ok(mut slot) = results[i].lock() {
            *slot = Some(done);
        }
        if failed {
            // No point in computing the rest: stop taking jobs.
            if let Ok(mut r) = left.lock() {
                *r = 0..0;
            }
            break;
        }
    };
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get().min(2));
    std::thread::scope(|s| {
        if workers > 1 {
            s.spawn(|| worker(false));
        }
        worker(true);
    });
    let mut results: Vec<Option<Result<T, Error>>> = results
        .into_iter()
        .map(|slot| slot.into_inner().ok().flatten())
        .collect();
    // A failure stops the others, so jobs it left undone are not the error to report.
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

/// The months before last, latest first, whose findings are not known well enough: for each,
/// its index and the findings asked of it. A month matters for a finding of last month only if
/// every month after it up to last month showed it (the finding's run reaches back that far),
/// so each month is asked about last month's findings that the months after it showed — a
/// month not yet known counts as showing them all.
fn asks(known: &[Option<Known>], last: &BTreeMap<String, Seen>) -> Vec<(usize, BTreeSet<String>)> {
    let mut asked: BTreeSet<String> = last.keys().cloned().collect();
    let mut out = Vec::new();
    for k in (0..known.len().saturating_sub(1)).rev() {
        if asked.is_empty() {
            break;
        }
        match &known[k] {
            Some(kn) if asked.iter().all(|id| kn.knows(id)) => asked.retain(|id| kn.shows(id)),
            _ => out.push((k, asked.clone())),
        }
    }
    out
}

/// The follow-up workbooks received for months up to M (their current exports).
fn answer_exports(manifest: &Manifest, as_of: Month) -> Vec<&ExportRecord> {
    Warehouse::current(manifest, as_of)
        .into_iter()
        .filter(|e| e.table == Table::Answers)
        .collect()
}

/// Whether any follow-up workbook was received for a month up to M.
pub fn has_answers(wh: &Warehouse, as_of: Month) -> Result<bool, Error> {
    Ok(!answer_exports(&wh.manifest()?, as_of).is_empty())
}

/// The latest answer per 问题编号 among the follow-up workbooks received for months up to M.
fn answers(wh: &Warehouse, as_of: Month) -> Result<BTreeMap<String, Answer>, Error> {
    let manifest = wh.manifest()?;
    let mut exports = answer_exports(&manifest, as_of);
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
    build_from(
        wh,
        inputs,
        as_of,
        current,
        earlier(wh, inputs, as_of, None)?,
    )
}

/// What the 整改台账 as of M knows of the months before M: it depends on those months alone,
/// so a report computes it before M (the two are then not held at once).
pub struct Earlier {
    /// Each month's findings as known, oldest first.
    months: Vec<(Month, Option<Known>)>,
    /// The full targets of the month `earlier` was asked for, when it computed that month.
    pub progress: Option<Progress>,
    /// Whether any month was computed (else all came from the report cache).
    pub computed: bool,
    /// Whether all that was computed went into the report cache: then `earlier` again reads
    /// the same back without computing anything.
    pub kept: bool,
}

/// What the 整改台账 as of M needs of the months before it: last month's findings in full,
/// and of each month before, whether the findings of last month were already there. From the
/// report cache, or computed (and kept there). `targets_of`: a month and plan year whose full
/// targets are wanted too, computed with that month's findings if they are computed (the
/// report's "change since last month" then needs no second reading of that month).
pub fn earlier(
    wh: &Warehouse,
    inputs: &Params,
    as_of: Month,
    targets_of: Option<(Month, i32)>,
) -> Result<Earlier, Error> {
    let manifest = wh.manifest()?;
    let first = manifest
        .exports
        .iter()
        .filter(|e| crate::ingest::tables::ALL.contains(&e.table))
        .map(|e| e.month)
        .min()
        .unwrap_or(as_of)
        .min(as_of);
    let mut earlier = Vec::new();
    let mut m = first;
    while m < as_of {
        earlier.push(m);
        m = m.next();
    }
    let year_of = |month: Month| targets_of.and_then(|(m, year)| (m == month).then_some(year));
    let mut known: Vec<Option<Known>> = earlier.iter().map(|m| cached(wh, inputs, *m)).collect();
    let mut progress = None;

    // Last month in full: its findings are the ones followed back (present or closed as of
    // M), and a closed one is listed as last month saw it. Their keys and rules come with them
    // when computed (the cache keeps what circulates, masked).
    let last_in_full = |known: &mut Vec<Option<Known>>| -> Result<_, Error> {
        let (Some(&month), Some(slot)) = (earlier.last(), known.last_mut()) else {
            return Ok((BTreeMap::new(), None, true));
        };
        let (found, progress, kept) = compute_all(wh, inputs, month, year_of(month))?;
        // Last month's rows (800 MB at a million persons) handed back before the months
        // before it are read: left to the allocator's delay, the first of those read its rows
        // beside them (a peak of 1,159 MB against 989 MB).
        crate::memory::give_back();
        let keys: BTreeMap<String, (String, Rule)> = found
            .iter()
            .map(|f| (f.id.clone(), (f.payee_key.clone(), f.rule)))
            .collect();
        *slot = Some(Known::all(found.iter().map(Seen::of).collect()));
        Ok((keys, progress, kept))
    };
    let (mut keys, mut kept) = (None, true);
    if !matches!(known.last(), Some(Some(Known::All(_)))) {
        let (k, p, all_kept) = last_in_full(&mut known)?;
        (keys, progress, kept) = (Some(k), p, all_kept);
    }
    // The months before it: whether each finding of last month was already there.
    let jobs = match known.last() {
        Some(Some(Known::All(last))) => asks(&known, last),
        _ => Vec::new(),
    };
    let computed = keys.is_some() || !jobs.is_empty();
    if !jobs.is_empty() {
        let keys = match keys {
            Some(keys) => keys,
            None => {
                let (k, p, all_kept) = last_in_full(&mut known)?;
                (progress, kept) = (progress.or(p), kept && all_kept);
                k
            }
        };
        let work = |(k, asked): &(usize, BTreeSet<String>)| {
            let mut only = Only::default();
            for (key, rule) in asked.iter().filter_map(|id| keys.get(id)) {
                only.keys.push(key.clone());
                only.rules.insert(*rule);
            }
            only.keys.sort_unstable();
            only.keys.dedup();
            compute_some(wh, inputs, earlier[*k], asked, &only)
        };
        for ((k, _), (present, some_kept)) in jobs.iter().zip(two_at_a_time(&jobs, work)?) {
            known[*k] = Some(Known::Some(present));
            kept &= some_kept;
        }
    }
    Ok(Earlier {
        months: earlier.into_iter().zip(known).collect(),
        progress,
        computed,
        kept,
    })
}

/// The 整改台账 as of M from what is known of the months before ([`earlier`]).
pub fn build_from(
    wh: &Warehouse,
    inputs: &Params,
    as_of: Month,
    current: &[Finding],
    earlier: Earlier,
) -> Result<FollowUp, Error> {
    let answers = answers(wh, as_of)?;
    keep(wh, inputs, as_of, current);
    let current: BTreeMap<String, Seen> = current
        .iter()
        .map(|f| (f.id.clone(), Seen::of(f)))
        .collect();
    let (earlier, mut known): (Vec<Month>, Vec<Option<Known>>) = earlier.months.into_iter().unzip();
    // An answer must be matched against every month's findings: one about a finding no month
    // above was asked about (one closed before last month) needs the months in full.
    let shown = |known: &[Option<Known>], id: &str| known.iter().flatten().any(|k| k.shows(id));
    let undecided = answers.keys().any(|id| {
        !current.contains_key(id)
            && !shown(&known, id)
            && known
                .iter()
                .any(|k| !k.as_ref().is_some_and(|k| k.knows(id)))
    });
    if undecided {
        let partial: Vec<usize> = (0..known.len())
            .filter(|k| !matches!(known[*k], Some(Known::All(_))))
            .collect();
        let work = |k: &usize| compute_all(wh, inputs, earlier[*k], None);
        for (k, (found, _, _)) in partial.iter().zip(two_at_a_time(&partial, work)?) {
            known[*k] = Some(Known::all(found.iter().map(Seen::of).collect()));
        }
    }
    // Each month's findings as known, oldest first.
    let mut months: Vec<(Month, Known)> = Vec::new();
    for (m, k) in earlier.iter().zip(known) {
        months.push((*m, k.ok_or("整改台账的月份未能全部核算，请重新运行")?));
    }
    months.push((as_of, Known::All(current)));
    // Months open, both ends counted.
    let open = |from: Month, to: Month| crate::dates::months_held(from.first_day(), to.first_day());

    let (now, earlier) = months
        .split_last()
        .map_or((None, &[][..]), |(l, e)| (Some(l), e));
    let mut f = FollowUp {
        as_of: as_of.to_string(),
        ..Default::default()
    };
    if let Some((_, Known::All(present))) = now {
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
        if let Some((_, Known::All(before))) = earlier.last() {
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
        .filter(|a| !months.iter().any(|(_, k)| k.shows(&a.id)))
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
    // Named as the policy in force names them (the gate's months, the daily floor).
    f.by_rule = lines(&f, |t| {
        (
            String::new(),
            t.seen.rule.name(inputs.in_force).into_owned(),
        )
    });
    Ok(f)
}

/// The first month of the unbroken run of months that show `id` and end with the last of
/// `months` (oldest first).
fn run_start(months: &[(Month, Known)], id: &str) -> Option<Month> {
    months
        .iter()
        .rev()
        .take_while(|(_, known)| known.shows(id))
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
