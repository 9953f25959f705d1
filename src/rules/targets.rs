//! Target progress (policy 一; rules.md "Targets"): the four indicators as distinct registered
//! persons in the plan year's window, pace, status, projection, overlap, stability, breakdowns
//! and the monthly cumulative series. The indicators themselves are the SQL in `queries/`.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use polars::prelude::*;
use serde::Serialize;

use crate::dates::Month;
use crate::model::facts::{Index, Text};
use crate::model::{column_ints, column_strs, Model};
use crate::policy::Policy;

pub const TRANSFERRED_SQL: &str = include_str!("../../queries/transferred.sql");
pub const LOCAL_SQL: &str = include_str!("../../queries/local.sql");
pub const TRAINED_SQL: &str = include_str!("../../queries/trained.sql");

/// The window of plan year Y as of the model's date: Y-01-01 to the earlier of Y-12-31 and it.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl Window {
    pub fn of(plan_year: i32, as_of: NaiveDate) -> Window {
        let start = NaiveDate::from_ymd_opt(plan_year, 1, 1).unwrap_or(NaiveDate::MIN);
        let year_end = NaiveDate::from_ymd_opt(plan_year, 12, 31).unwrap_or(NaiveDate::MAX);
        Window {
            start,
            end: year_end.min(as_of),
        }
    }
}

/// Fills `{window_start}`, `{window_end}` and `{as_of}` in a query with date literals.
pub fn bind(sql: &str, window: Window, as_of: NaiveDate) -> String {
    let lit = |d: NaiveDate| format!("DATE('{}')", d.format("%Y-%m-%d"));
    sql.replace("{window_start}", &lit(window.start))
        .replace("{window_end}", &lit(window.end))
        .replace("{as_of}", &lit(as_of))
}

pub fn run_sql(model: &Model, sql: &str, window: Window) -> PolarsResult<DataFrame> {
    let mut ctx = model.sql();
    ctx.execute(&bind(sql, window, model.date))?.collect()
}

#[derive(Debug, Clone, Serialize)]
pub struct Target {
    #[serde(skip)]
    pub key: &'static str,
    #[serde(skip)]
    pub name: &'static str,
    pub target: i64,
    pub actual: i64,
    pub expected: i64,
    pub status: Status,
    pub projection: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SeriesPoint {
    pub month: String,
    pub helped: i64,
    pub transferred: i64,
    pub local: i64,
    pub trained: i64,
    pub expected_helped: i64,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct TownshipLine {
    pub helped: i64,
    pub transferred: i64,
    pub local: i64,
    pub trained: i64,
}

#[derive(Debug, Clone)]
pub struct Progress {
    pub plan_year: i32,
    pub as_of: Month,
    /// Months of the plan year elapsed at the as-of month (0..=12).
    pub months_elapsed: i64,
    pub targets: Vec<Target>,
    pub category_sum: i64,
    pub overlap: i64,
    pub stable: BTreeMap<i64, i64>,
    pub by_county: BTreeMap<String, i64>,
    pub by_township: BTreeMap<String, TownshipLine>,
    pub by_mode: BTreeMap<String, i64>,
    pub series: Vec<SeriesPoint>,
    pub transferred_ids: IdSet,
    pub local_ids: IdSet,
    pub trained_ids: IdSet,
}

/// The IDs an indicator counts, sorted and each once: inline texts in one vector, where a
/// `BTreeSet<String>` made a heap allocation per ID (about 80 MB for the three sets at a
/// million persons, held from the targets to the end of the audit).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdSet(Vec<Text>);

impl IdSet {
    /// The set of these IDs, in any order and with repeats.
    pub fn of<'a>(ids: impl IntoIterator<Item = &'a str>) -> IdSet {
        IdSet::sorted(ids.into_iter().map(Text::from).collect())
    }

    fn sorted(mut ids: Vec<Text>) -> IdSet {
        use rayon::prelude::*;
        ids.par_sort_unstable();
        ids.dedup();
        IdSet(ids)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn contains(&self, id: &str) -> bool {
        self.0.binary_search_by(|t| t.as_str().cmp(id)).is_ok()
    }

    /// The IDs in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(Text::as_str)
    }

    /// The IDs of this set not in `other`, in order: both sets walked once side by side (they
    /// are sorted alike), not a search in `other` per ID.
    pub fn difference<'a>(&'a self, other: &'a IdSet) -> impl Iterator<Item = &'a str> {
        let mut theirs = other.iter().peekable();
        self.iter().filter(move |id| {
            while theirs.next_if(|t| t < id).is_some() {}
            theirs.peek() != Some(id)
        })
    }
}

/// Each indicator's count (`Target::actual`) by key: all a later month's report needs of this
/// month (its "change since last month"), small enough to keep in the report cache.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
pub struct Actuals(pub BTreeMap<String, i64>);

impl Actuals {
    pub fn get(&self, key: &str) -> Option<i64> {
        self.0.get(key).copied()
    }
}

impl Progress {
    pub fn actuals(&self) -> Actuals {
        Actuals(
            self.targets
                .iter()
                .map(|t| (t.key.to_string(), t.actual))
                .collect(),
        )
    }

    pub fn helped_ids(&self) -> IdSet {
        IdSet::of(
            self.transferred_ids
                .iter()
                .chain(self.local_ids.iter())
                .chain(self.trained_ids.iter()),
        )
    }
}

/// The IDs of a query's rows, made texts on every core.
fn ids(df: &DataFrame) -> PolarsResult<IdSet> {
    use rayon::prelude::*;
    let ids = column_strs(df, "id_number")?;
    Ok(IdSet::sorted(
        ids.par_iter().filter_map(|id| id.map(Text::from)).collect(),
    ))
}

/// ⌈target × m / months⌉: the expected figure by month m.
pub fn expected(target: i64, m: i64, months: i64) -> i64 {
    (target * m + months - 1).div_euclid(months)
}

/// A target's status (rules.md, "Targets"): reached, on pace, or behind the pace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Status {
    #[serde(rename = "已完成")]
    Reached,
    #[serde(rename = "正常")]
    OnPace,
    #[serde(rename = "滞后")]
    Behind,
}

impl Status {
    pub fn of(actual: i64, target: i64, expected: i64) -> Status {
        if actual >= target {
            Status::Reached
        } else if actual >= expected {
            Status::OnPace
        } else {
            Status::Behind
        }
    }

    pub fn chinese(self) -> &'static str {
        match self {
            Status::Reached => "已完成",
            Status::OnPace => "正常",
            Status::Behind => "滞后",
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.chinese())
    }
}

struct Sets {
    transferred: DataFrame,
    local: DataFrame,
    trained: DataFrame,
}

fn sets(model: &Model, window: Window) -> PolarsResult<Sets> {
    // The three queries collected as one plan, side by side: one after the other they took
    // 0.8–1.0 s at a million persons, together 0.46 s.
    let mut ctx = model.sql();
    let mut plans = Vec::new();
    let mut flags = None;
    for sql in [TRANSFERRED_SQL, LOCAL_SQL, TRAINED_SQL] {
        let lf = ctx.execute(&bind(sql, window, model.date))?;
        flags.get_or_insert(lf.get_current_optimizations());
        plans.push(lf.logical_plan);
    }
    let mut out =
        LazyFrame::collect_all_with_engine(plans, Engine::Auto, flags.unwrap_or_default())?
            .into_iter();
    let mut next = || {
        out.next()
            .ok_or_else(|| polars_err!(ComputeError: "指标查询没有结果"))
    };
    Ok(Sets {
        transferred: next()?,
        local: next()?,
        trained: next()?,
    })
}

/// The transferred persons alone (`queries/transferred.sql`), for a computation that needs no
/// other figure of the targets (the 整改台账's earlier months).
pub fn transferred_ids(model: &Model, policy: &Policy, plan_year: i32) -> Result<IdSet, String> {
    if policy.plan(plan_year).is_none() {
        return Err(format!("政策文件中没有 {plan_year} 年度的目标（plans）"));
    }
    let e = |x: PolarsError| format!("指标查询失败：{x}");
    let window = Window::of(plan_year, model.date);
    ids(&run_sql(model, TRANSFERRED_SQL, window).map_err(e)?).map_err(e)
}

/// What a breakdown shows where the files leave a township, county or mode blank.
const UNFILLED: &str = "（未填）";

/// For each of `ends` (ascending), how many of `dates` are on or before it.
fn cumulative(dates: impl Iterator<Item = NaiveDate>, ends: &[NaiveDate]) -> Vec<i64> {
    let mut counts = vec![0i64; ends.len()];
    for d in dates {
        if let Some(c) = counts.get_mut(ends.partition_point(|end| *end < d)) {
            *c += 1;
        }
    }
    let mut total = 0;
    for c in &mut counts {
        total += *c;
        *c = total;
    }
    counts
}

/// How many of the texts there are of each (a missing one as [`UNFILLED`]), counted in a hash
/// map and then put in order: a tree's entry per row compared texts and made a `String` each.
fn tally<'a>(texts: impl IntoIterator<Item = Option<&'a str>>) -> BTreeMap<String, i64> {
    let mut counts: PlHashMap<&str, i64> = PlHashMap::default();
    for t in texts {
        *counts.entry(t.unwrap_or(UNFILLED)).or_default() += 1;
    }
    counts
        .into_iter()
        .map(|(t, n)| (t.to_string(), n))
        .collect()
}

pub fn compute(model: &Model, policy: &Policy, plan_year: i32) -> Result<Progress, String> {
    let plan = policy
        .plan(plan_year)
        .ok_or_else(|| format!("政策文件中没有 {plan_year} 年度的目标（plans）"))?;
    let months = policy.n.pace_months;
    let window = Window::of(plan_year, model.date);
    let months_elapsed = if model.as_of.year < plan_year {
        0
    } else if model.as_of.year > plan_year {
        months
    } else {
        i64::from(model.as_of.month).min(months)
    };
    let e = |x: PolarsError| format!("指标查询失败：{x}");
    let s = sets(model, window).map_err(e)?;
    // The months' last days (the as-of date for the as-of month), for the monthly series.
    let months_shown: Vec<Month> = (1..=months_elapsed.min(12) as u32)
        .filter_map(|m| Month::new(plan_year, m))
        .collect();
    let ends: Vec<NaiveDate> = months_shown
        .iter()
        .map(|m| m.last_day().min(model.date))
        .collect();
    // The queries' rows tallied on one core, the helped persons found on the other: the
    // payments are read beside the targets (`run::beside_payments`), and once they are, this
    // is all that is left of the phase.
    let (tallies, helped) = rayon::join(
        || tallies(&s, policy, &ends),
        || helped(&s, &model.registry, &ends),
    );
    let (tallies, helped) = (tallies.map_err(e)?, helped.map_err(e)?);
    let [transferred_ids, local_ids, trained_ids] = helped.sets;
    let mut progress = Progress {
        plan_year,
        as_of: model.as_of,
        months_elapsed,
        targets: Vec::new(),
        category_sum: (transferred_ids.len() + local_ids.len() + trained_ids.len()) as i64,
        overlap: helped.overlap,
        stable: tallies.stable,
        by_county: tallies.by_county,
        by_township: helped.by_township,
        by_mode: tallies.by_mode,
        series: Vec::new(),
        transferred_ids,
        local_ids,
        trained_ids,
    };
    for (key, name, target) in plan.targets() {
        let actual = match key {
            "helped" => helped.count,
            "transferred" => progress.transferred_ids.len(),
            "local" => progress.local_ids.len(),
            _ => progress.trained_ids.len(),
        } as i64;
        let exp = expected(target, months_elapsed, months);
        let projection = if months_elapsed > 0 {
            ((actual * months) as f64 / months_elapsed as f64 * 100.0).round() / 100.0
        } else {
            0.0
        };
        progress.targets.push(Target {
            key,
            name,
            target,
            actual,
            expected: exp,
            status: Status::of(actual, target, exp),
            projection,
        });
    }
    let [t_by, l_by, r_by] = tallies.by_month;
    for (k, month) in months_shown.iter().enumerate() {
        progress.series.push(SeriesPoint {
            month: month.to_string(),
            helped: helped.by_month[k],
            transferred: t_by[k],
            local: l_by[k],
            trained: r_by[k],
            expected_helped: expected(plan.helped, i64::from(month.month), months),
        });
    }
    Ok(progress)
}

/// What [`compute`] counts of each query's rows on their own.
struct Tallies {
    stable: BTreeMap<i64, i64>,
    by_county: BTreeMap<String, i64>,
    by_mode: BTreeMap<String, i64>,
    /// Per query (transferred, local, trained), how many it counts by each of the months'
    /// ends.
    by_month: [Vec<i64>; 3],
}

fn tallies(s: &Sets, policy: &Policy, ends: &[NaiveDate]) -> PolarsResult<Tallies> {
    // Stability beside `transferred`: who reached the A1 threshold and the stable-work gate.
    let full = column_ints(&s.transferred, "full_months")?;
    let mut stable = BTreeMap::new();
    for threshold in [
        policy.n.transfer_min_full_months,
        policy.n.gate_min_full_months,
    ] {
        let n = full.iter().filter(|m| m.unwrap_or(0) >= threshold).count() as i64;
        stable.insert(threshold, n);
    }
    let by_county = tally(column_strs(&s.transferred, "county")?);
    let (local_modes, trained_modes) = (
        column_strs(&s.local, "help_mode")?,
        column_strs(&s.trained, "help_mode")?,
    );
    let by_mode = tally(local_modes.into_iter().chain(trained_modes));
    // The monthly cumulative series, Jan..M, on the as-of snapshots. The window always starts
    // on 1 January, so a person counts by month m exactly when the first date that counts them
    // (`first_date` of each query) is on or before m's last day: one query run, not one a month.
    // Each query gives one row per person, so its dates alone are counted.
    let by_month = |set| -> PolarsResult<Vec<i64>> {
        Ok(cumulative(firsts(set)?.into_iter().map(|(_, d)| d), ends))
    };
    let by_month = [
        by_month(&s.transferred)?,
        by_month(&s.local)?,
        by_month(&s.trained)?,
    ];
    Ok(Tallies {
        stable,
        by_county,
        by_mode,
        by_month,
    })
}

/// A query's persons with the first date it counts each (rows with an ID and a date).
fn firsts(df: &DataFrame) -> PolarsResult<Vec<(&str, NaiveDate)>> {
    let ids = column_strs(df, "id_number")?;
    let dates = crate::model::column_dates(df, "first_date")?;
    Ok(ids
        .into_iter()
        .zip(dates)
        .filter_map(|(i, d)| Some((i?, d?)))
        .collect())
}

/// The persons the indicators count, each once.
struct Helped {
    /// The IDs each query counts (transferred, local, trained).
    sets: [IdSet; 3],
    /// How many persons any of them counts.
    count: usize,
    /// How many persons two or more count.
    overlap: i64,
    by_township: BTreeMap<String, TownshipLine>,
    /// How many persons any counts by each of the months' ends.
    by_month: Vec<i64>,
}

/// [`Helped`]: each helped person once, at a place in order of first sight, with a bit per
/// indicator that counts them (1 transferred, 2 local, 4 trained), their township (their last
/// row in the registry, as it is read in order) and the first date any indicator counts them.
/// Places by packed ID (one word hashed, as the facts find persons), the attributes in vectors
/// by place, the rows' persons looked up on every core and written in row order: a hash map
/// of the persons' IDs and attributes (56 bytes an entry) filled on one core took 0.6 s at a
/// million persons, longer than the payments read beside it.
fn helped(s: &Sets, registry: &DataFrame, ends: &[NaiveDate]) -> PolarsResult<Helped> {
    let sets = [ids(&s.transferred)?, ids(&s.local)?, ids(&s.trained)?];
    let mut index = Index::with_capacity(sets.iter().map(IdSet::len).sum());
    let mut bits: Vec<u8> = Vec::new();
    for (bit, set) in [1u8, 2, 4].into_iter().zip(&sets) {
        for id in set.iter() {
            let (place, new) = index.get_or_insert(id, bits.len() as u32);
            if new {
                bits.push(0);
            }
            bits[place as usize] |= bit;
        }
    }
    let (town, first) = rayon::join(
        || -> PolarsResult<Vec<&str>> {
            let ids = column_strs(registry, "id_number")?;
            let towns = column_strs(registry, "township")?;
            let mut town: Vec<&str> = vec![UNFILLED; bits.len()];
            for (place, t) in places(&index, &ids).into_iter().zip(towns) {
                if let Some(k) = place {
                    town[k as usize] = t.unwrap_or(UNFILLED);
                }
            }
            Ok(town)
        },
        || -> PolarsResult<Vec<Option<NaiveDate>>> {
            let mut first: Vec<Option<NaiveDate>> = vec![None; bits.len()];
            for set in [&s.transferred, &s.local, &s.trained] {
                let set = firsts(set)?;
                let ids: Vec<Option<&str>> = set.iter().map(|(id, _)| Some(*id)).collect();
                for (place, (_, d)) in places(&index, &ids).into_iter().zip(set) {
                    if let Some(f) = place.and_then(|k| first.get_mut(k as usize)) {
                        *f = Some(f.map_or(d, |f| f.min(d)));
                    }
                }
            }
            Ok(first)
        },
    );
    let (town, first) = (town?, first?);
    // Tallied by the township's text in a hash map (a few dozen townships, a million helped
    // persons), then put in order.
    let mut by_township: PlHashMap<&str, TownshipLine> = PlHashMap::default();
    for (town, bits) in town.iter().zip(&bits) {
        let line = by_township.entry(town).or_default();
        line.helped += 1;
        line.transferred += i64::from(bits & 1);
        line.local += i64::from((bits >> 1) & 1);
        line.trained += i64::from((bits >> 2) & 1);
    }
    Ok(Helped {
        sets,
        count: bits.len(),
        overlap: bits.iter().filter(|b| b.count_ones() >= 2).count() as i64,
        by_township: by_township
            .into_iter()
            .map(|(town, line)| (town.to_string(), line))
            .collect(),
        by_month: cumulative(first.iter().flatten().copied(), ends),
    })
}

/// The place in `index` of each ID (`None` for a missing ID or one not there), looked up on
/// every core.
fn places(index: &Index, ids: &[Option<&str>]) -> Vec<Option<u32>> {
    use rayon::prelude::*;
    ids.par_iter().map(|id| index.get((*id)?)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_set_is_sorted_once_each_and_answers_membership_and_difference() {
        let a = IdSet::of(["3", "1", "2", "1"]);
        assert_eq!(a.iter().collect::<Vec<_>>(), ["1", "2", "3"]);
        assert_eq!(a.len(), 3);
        assert!(a.contains("2") && !a.contains("4") && !a.contains(""));
        let b = IdSet::of(["2", "4"]);
        assert_eq!(a.difference(&b).collect::<Vec<_>>(), ["1", "3"]);
        assert_eq!(b.difference(&a).collect::<Vec<_>>(), ["4"]);
        assert!(IdSet::of([]).is_empty());
    }

    proptest::proptest! {
        /// The difference walked side by side is the IDs not contained in the other set.
        #[test]
        fn an_id_sets_difference_is_what_the_other_does_not_contain(
            a in proptest::collection::vec("[0-9X]{0,3}", 0..40),
            b in proptest::collection::vec("[0-9X]{0,3}", 0..40),
        ) {
            let (a, b) = (IdSet::of(a.iter().map(String::as_str)), IdSet::of(b.iter().map(String::as_str)));
            let by_search: Vec<&str> = a.iter().filter(|id| !b.contains(id)).collect();
            proptest::prop_assert_eq!(a.difference(&b).collect::<Vec<_>>(), by_search);
        }
    }

    #[test]
    fn cumulative_counts_each_date_from_the_first_month_that_ends_on_or_after_it() {
        let d = |m, day| NaiveDate::from_ymd_opt(2020, m, day).unwrap_or_default();
        // January, February, and March cut at the as-of date (the 15th).
        let ends = [d(1, 31), d(2, 29), d(3, 15)];
        let dates = [d(1, 1), d(1, 31), d(2, 1), d(3, 15), d(3, 16), d(12, 1)];
        assert_eq!(cumulative(dates.into_iter(), &ends), vec![2, 3, 4]);
        assert_eq!(cumulative(std::iter::empty(), &ends), vec![0, 0, 0]);
        assert!(cumulative(dates.into_iter(), &[]).is_empty());
    }
}
