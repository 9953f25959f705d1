//! The reports of a month, computed once for every kind: from the report cache when nothing
//! they were computed from has changed, else from [`super::compute`] with what only reports
//! need (the previous month's targets, the revisions since a publication, the 整改台账, the
//! data quality), then laid out by [`crate::render::report`]. `luyu report`, `run`, `demo`,
//! `publish` and the web server all come here.

use std::path::{Path, PathBuf};

use super::{At, Results};
use crate::dates::Month;
use crate::render::context::Beyond;
use crate::render::report::{self, Format, Kind, Prepared};
use crate::rules::followup;
use crate::rules::summary::Summary;
use crate::store::cache::{Cache, Inputs};
use crate::store::warehouse::Warehouse;
use serde::{Deserialize, Serialize};

use crate::Result;

/// Renders every requested kind into `out`, with summary.json; returns the files written.
/// Kinds prepared before from the same inputs come from the report cache; the others are
/// computed (once for all of them) and cached. `stamp`: the publication these reports are
/// (its header line). A month with a publication gets the revisions since it as a section,
/// unless the reports are of an earlier knowledge (`--as-known-on`).
pub fn render_all(
    at: &At,
    kinds: &[Kind],
    formats: &[Format],
    out: &Path,
    list_cap: usize,
    recompute: bool,
    stamp: Option<&crate::store::publish::Publication>,
) -> Result<Vec<PathBuf>> {
    let formats = if formats.is_empty() {
        vec![Format::Html, Format::Md]
    } else {
        formats.to_vec()
    };
    let (prepared, summary) = prepare_all(at, kinds, list_cap, recompute, &|s| eprintln!("{s}"))?;
    let mut written = Vec::new();
    let stamp = stamp.map(|s| s.stamp());
    for (kind, p) in &prepared {
        eprintln!("生成{}……", kind.title());
        written.extend(report::write(p, *kind, &formats, out, stamp.as_ref())?);
    }
    let summary = summary.to_bytes()?;
    for name in [
        "summary.json".to_string(),
        format!("summary-{}.json", at.as_of),
    ] {
        std::fs::write(out.join(&name), &summary)?;
        written.push(out.join(name));
    }
    Ok(written)
}

/// Every requested kind as of the month, prepared (from the report cache, or computed once
/// for all of them and cached), with summary.json. `say` hears what is being done.
pub fn prepare_all(
    at: &At,
    kinds: &[Kind],
    list_cap: usize,
    recompute: bool,
    say: &dyn Fn(&str),
) -> Result<(Vec<(Kind, Prepared)>, Summary)> {
    let kinds = if kinds.is_empty() {
        Kind::ALL.to_vec()
    } else {
        kinds.to_vec()
    };
    let wh = at.warehouse();
    let cache = report_cache(at, &wh, list_cap);
    if let (Some(c), false) = (&cache, recompute) {
        if let Some(all) = all_cached(c, &kinds) {
            say(&format!(
                "截至 {} 的报告已核算过且数据未变，直接使用仓库中的结果",
                at.as_of
            ));
            return Ok(all);
        }
    }
    say(&format!("核算截至 {} 的数据……", at.as_of));
    compute_all(at, &wh, &kinds, list_cap, cache.as_ref())
}

/// The report cache of the month's reports; `None` for a warehouse not made yet, or one whose
/// manifest cannot be read (the cache only saves time).
fn report_cache<'a>(at: &At, wh: &'a Warehouse, list_cap: usize) -> Option<Cache<'a>> {
    if !wh.exists() {
        return None;
    }
    Cache::new(
        wh,
        &Inputs {
            policy: at.policy.as_deref(),
            as_of: at.as_of,
            plan_year: at.plan_year,
            list_cap,
            known_on: at.known_on,
        },
    )
    .ok()
}

/// Every kind from the report cache, with the summary kept beside them; `None` unless all are
/// there.
fn all_cached(c: &Cache, kinds: &[Kind]) -> Option<(Vec<(Kind, Prepared)>, Summary)> {
    let mut prepared = Vec::new();
    let mut summary = None;
    for kind in kinds {
        let (p, s) = cached(c, *kind)?;
        prepared.push((*kind, p));
        summary = Some(s);
    }
    Some((prepared, summary?))
}

/// Every kind computed once for all of them, and kept in the report cache.
fn compute_all(
    at: &At,
    wh: &Warehouse,
    kinds: &[Kind],
    list_cap: usize,
    cache: Option<&Cache>,
) -> Result<(Vec<(Kind, Prepared)>, Summary)> {
    let previous = report::previous_month(at.as_of);
    let policy = at.policy()?;
    let compute = crate::run::findings_under(&policy);
    let params = followup::Params {
        policy: at.policy.as_deref(),
        in_force: &policy,
        plan_year: at.plan_year,
        compute: &compute,
    };
    let mut clock = crate::run::Phases::start();
    let plan_year = crate::run::plan_year(&policy, at.as_of, at.plan_year);
    let supervision = kinds.contains(&Kind::Supervision);
    let targets_of = previous.map(|m| (m, plan_year));
    let earlier = match supervision {
        true => earlier_first(wh, &params, at.as_of, targets_of)?,
        false => None,
    };
    // What the earlier months freed, handed back before this month's rows are read.
    crate::memory::give_back();
    clock.lap("follow-up: earlier months");
    // Under the policy already loaded for the 整改台账 (`At::compute` would read it again).
    let mut r: Results = crate::run::compute(wh, policy.clone(), at.as_of, at.plan_year)?;
    let mut clock = crate::run::Phases::start();
    // The reports read no per-person facts and no rows of the model or payments: they are
    // freed (two gigabytes at national scale, 0.3–0.45 s on one core) on another thread
    // while the revisions and the 整改台账 are worked out, when those hold little; then
    // handed back to the kernel before the previous month and the ledger edits are read
    // (kept by the allocator, the edits' 700 MB came on top of them at the new month's
    // peak).
    let mut freeing = crate::memory::Freeing::start((
        std::mem::take(&mut r.facts),
        r.model.take_ledgers(),
        r.audit.take_payments(),
    ));
    let publication = crate::store::publish::latest(wh, at.as_of)?;
    // Revisions read the published month's ledgers, and a returned answer may have the
    // 整改台账 compute earlier months in full: not beside the rows being freed.
    if publication.is_some() || followup::has_answers(wh, at.as_of)? {
        freeing.wait();
    }
    let revisions = match (at.known_on, publication) {
        (None, Some(publication)) => Some(crate::rules::revisions::compute(
            wh,
            &publication,
            &r.summary.to_value(),
            &r.progress,
            &r.policy,
            false,
        )?),
        _ => None,
    };
    clock.lap("revisions");
    let plan_year = r.progress.plan_year;
    // This month's counts, for next month's "change since last month".
    keep_actuals(wh, &params, at.as_of, plan_year, &r.progress.actuals());
    let earlier = match (earlier, supervision) {
        (None, true) => Some(followup::earlier(wh, &params, at.as_of, targets_of)?),
        (earlier, _) => earlier,
    };
    let (followup, prev) = match earlier {
        Some(mut e) => {
            let prev = e.progress.take();
            let f = followup::build_from(wh, &params, at.as_of, &r.audit.findings, e)?;
            (Some(f), prev)
        }
        None => (None, None),
    };
    clock.lap("follow-up");
    freeing.wait();
    clock.lap("rows freed");
    let prev = match previous {
        Some(m) => Some(previous_actuals(
            wh, &params, m, plan_year, prev, &r.policy,
        )?),
        None => None,
    };
    clock.lap("previous month");
    // Missing exports, rejected rows and (for the supervision review) the ledger edits,
    // read once for every kind.
    let quality = crate::rules::quality::gather(
        wh,
        &r.model,
        kinds.contains(&Kind::Supervision),
        list_cap.max(30),
    )?;
    clock.lap("quality");
    let beyond = Beyond {
        prev: prev.as_ref(),
        revisions: revisions.as_ref(),
        followup: followup.as_ref(),
    };
    let mut prepared = Vec::new();
    for kind in kinds {
        let p = report::prepare(&r, beyond, &quality, *kind, list_cap)?;
        clock.lap(kind.code());
        if let Some(c) = cache {
            // The cache only saves time: a warehouse that cannot take it still reports.
            if let Err(e) = keep_report(c, *kind, &p, &r.summary) {
                eprintln!("提示：报告缓存未能写入（{e}），不影响本次报告");
            }
        }
        prepared.push((*kind, p));
    }
    let summary = r.summary.clone();
    crate::memory::free_aside((r, prev));
    Ok((prepared, summary))
}

/// The 整改台账's earlier months, computed first where the report cache lacks them, with last
/// month's targets (for "change since last month") when it computes that month: they depend
/// on those months alone, and computed before this month's figures they are not held beside
/// them. What was computed goes to the report cache, last month's counts as its own report
/// keeps them, and `None` is returned: the 整改台账 reads them back after this month's figures
/// (held here, the first report's peak was 70–100 MiB above the monthly cycle's). Returned only
/// where the cache could not take it all.
fn earlier_first(
    wh: &Warehouse,
    params: &followup::Params,
    as_of: Month,
    targets_of: Option<(Month, i32)>,
) -> Result<Option<followup::Earlier>> {
    let earlier = followup::earlier(wh, params, as_of, targets_of)?;
    let counts_kept = match (earlier.progress.as_ref(), targets_of) {
        (Some(p), Some((m, year))) => keep_actuals(wh, params, m, year, &p.actuals()),
        _ => true,
    };
    Ok((earlier.computed && !(earlier.kept && counts_kept)).then_some(earlier))
}

/// A report as the cache keeps it (`cache/report-<kind>-YYYY-MM.json`): prepared, with the
/// summary.json written beside it. Borrowed when kept, owned when read back.
#[derive(Serialize, Deserialize)]
struct Cached<R, S> {
    report: R,
    summary: S,
}

fn cache_name(kind: Kind) -> String {
    format!("report-{}", kind.code())
}

/// The prepared report of this kind and its summary, if the cache has them from the same
/// inputs.
pub fn cached(cache: &Cache, kind: Kind) -> Option<(Prepared, Summary)> {
    let c: Cached<Prepared, Summary> = cache.get_named(&cache_name(kind))?;
    Some((c.report, c.summary))
}

/// Keeps a prepared report and its summary, replacing the entry of the same month and kind.
fn keep_report(cache: &Cache, kind: Kind, report: &Prepared, summary: &Summary) -> Result<()> {
    cache.put_named(&cache_name(kind), &Cached { report, summary })
}

/// The cache entry of a month's counts under a plan year: the plan year is in its name, since
/// a month early in a year is the previous month of a report under the next year's plan.
fn actuals_name(plan_year: i32) -> String {
    format!("targets-plan{plan_year}")
}

/// Keeps a month's counts in the report cache, and says whether it could. Only saves time: a
/// warehouse that cannot take it still reports.
fn keep_actuals(
    wh: &crate::store::warehouse::Warehouse,
    params: &crate::rules::followup::Params,
    month: Month,
    plan_year: i32,
    actuals: &crate::rules::targets::Actuals,
) -> bool {
    crate::rules::followup::month_cache(wh, params, month)
        .is_some_and(|c| c.put_named(&actuals_name(plan_year), actuals).is_ok())
}

/// Last month's counts, for "change since last month": from its targets when the 整改台账
/// computed them, else as its own report kept them, else from its targets alone (the ledgers,
/// not the audit). Counts that were computed here are kept for the next report.
fn previous_actuals(
    wh: &crate::store::warehouse::Warehouse,
    params: &crate::rules::followup::Params,
    month: Month,
    plan_year: i32,
    computed: Option<crate::rules::targets::Progress>,
    policy: &crate::policy::Policy,
) -> Result<crate::rules::targets::Actuals> {
    if computed.is_none() {
        if let Some(kept) = kept_actuals(wh, params, month, plan_year) {
            return Ok(kept);
        }
    }
    let actuals = match computed {
        Some(p) => p.actuals(),
        None => {
            let model = crate::model::Model::load_ledgers(wh, month)?;
            crate::rules::targets::compute(&model, policy, plan_year)?.actuals()
        }
    };
    keep_actuals(wh, params, month, plan_year, &actuals);
    Ok(actuals)
}

/// A month's counts kept by [`keep_actuals`] from the same inputs, if any.
fn kept_actuals(
    wh: &crate::store::warehouse::Warehouse,
    params: &crate::rules::followup::Params,
    month: Month,
    plan_year: i32,
) -> Option<crate::rules::targets::Actuals> {
    crate::rules::followup::month_cache(wh, params, month)?.get_named(&actuals_name(plan_year))
}
