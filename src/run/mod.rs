//! One computation as of a month, shared by every command and report: the model, progress,
//! audit and summary come from here, so no figure has a second implementation. [`reports`]
//! adds what the reports need on top, and hands it to `render`.

pub mod explain;
pub mod reports;

use std::collections::BTreeSet;
use std::path::PathBuf;

use crate::dates::Month;
use crate::model::facts::Facts;
use crate::model::Model;
use crate::policy::Policy;
use crate::rules::audit::{self, Audit};
use crate::rules::findings::Finding;
use crate::rules::targets::{self, Progress, Window};
use crate::store::warehouse::Warehouse;

/// What a computation works on: the warehouse, the policy file, the month, the plan year and
/// the `--as-known-on` time. The command line's `AsOfArgs` and the server both make one.
#[derive(Debug, Clone)]
pub struct At {
    pub dir: PathBuf,
    /// `--policy FILE`, else the built-in policy.
    pub policy: Option<PathBuf>,
    pub as_of: Month,
    pub plan_year: Option<i32>,
    pub known_on: Option<crate::store::known::Instant>,
}

impl At {
    /// The warehouse, as known on `known_on` when given.
    pub fn warehouse(&self) -> Warehouse {
        Warehouse::open(&self.dir).as_known_on(self.known_on)
    }

    pub fn policy(&self) -> Result<Policy, String> {
        Policy::load(self.policy.as_deref())
    }

    /// Every figure as of the month.
    pub fn compute(&self) -> Result<Results, crate::Error> {
        compute(
            &self.warehouse(),
            self.policy()?,
            self.as_of,
            self.plan_year,
        )
    }
}

pub struct Results {
    pub model: Model,
    pub policy: Policy,
    pub facts: Facts,
    pub progress: Progress,
    pub audit: Audit,
    pub summary: crate::rules::summary::Summary,
}

pub fn compute(
    wh: &Warehouse,
    policy: Policy,
    as_of: Month,
    plan_year: Option<i32>,
) -> Result<Results, crate::Error> {
    let mut clock = Phases::start();
    let (mut model, plan_year) = load(wh, &policy, as_of, plan_year)?;
    clock.lap("model");
    let progress = targets::compute(&model, &policy, plan_year)?;
    clock.lap("targets");
    let (facts, audit) = judge(
        &mut model,
        &policy,
        plan_year,
        &progress.transferred_ids,
        &mut clock,
    )?;
    let summary = crate::rules::summary::build(&model, &progress, &audit);
    clock.lap("summary");
    Ok(Results {
        model,
        policy,
        facts,
        progress,
        audit,
        summary,
    })
}

/// The findings as of a month alone, for the 整改台账's earlier months: the same steps as
/// [`compute`], but of the targets only the transferred persons (whom 符合条件尚未发放 needs),
/// and no summary. `targets_of`: a plan year whose full targets are wanted too (the report's
/// previous month), computed on the same model when it is the month's own plan year.
pub fn findings(
    wh: &Warehouse,
    policy: &Policy,
    as_of: Month,
    plan_year: Option<i32>,
    targets_of: Option<i32>,
) -> Result<(Vec<Finding>, Option<Progress>), crate::Error> {
    let mut clock = Phases::start();
    let (mut model, plan_year) = load(wh, policy, as_of, plan_year)?;
    clock.lap("model");
    let progress = match targets_of {
        Some(year) if year == plan_year => Some(targets::compute(&model, policy, plan_year)?),
        _ => None,
    };
    let transferred_only;
    let transferred = match &progress {
        Some(p) => &p.transferred_ids,
        None => {
            transferred_only = targets::transferred_ids(&model, policy, plan_year)?;
            &transferred_only
        }
    };
    clock.lap(if progress.is_some() {
        "targets"
    } else {
        "transferred"
    });
    let (facts, mut audit) = judge(&mut model, policy, plan_year, transferred, &mut clock)?;
    let findings = std::mem::take(&mut audit.findings);
    // Freed here, before the caller's next month: the 整改台账 computes two months at a time,
    // and a month's rows left to free on a third thread would make three at once.
    drop((model, facts, audit));
    Ok((findings, progress))
}

/// The model as of the month, and the plan year: the one given, else the latest year of the
/// policy's plans not after the month.
fn load(
    wh: &Warehouse,
    policy: &Policy,
    as_of: Month,
    plan_year: Option<i32>,
) -> Result<(Model, i32), crate::Error> {
    if !wh.exists() {
        return Err(format!(
            "仓库 {} 还没有数据：请先运行 luyu ingest 导入报表",
            wh.dir.display()
        )
        .into());
    }
    let model = Model::load(wh, as_of)?;
    let plan_year = plan_year.unwrap_or_else(|| {
        policy
            .plans
            .iter()
            .map(|p| p.year)
            .filter(|y| *y <= as_of.year)
            .max()
            .unwrap_or(as_of.year)
    });
    Ok((model, plan_year))
}

/// Every payment judged: the payment rows move from the model to the audit, which picks the
/// rows that count before the facts are built; the ledgers' rows are freed once the facts hold
/// them; then the findings that need the transferred persons, and each finding's 责任单位.
/// The model keeps its month and exports, not its rows.
fn judge(
    model: &mut Model,
    policy: &Policy,
    plan_year: i32,
    transferred: &BTreeSet<String>,
    clock: &mut Phases,
) -> Result<(Facts, Audit), crate::Error> {
    let paid = audit::Paid::take(model)?;
    clock.lap("payments");
    // Nothing after the facts reads the ledgers' rows but their failing credit codes: those
    // first, then the facts take the rows and free each ledger once gathered.
    let ledger_codes = audit::ledger_codes(model)?;
    let facts = Facts::take(model)?;
    clock.lap("facts");
    let window = Window::of(plan_year, model.date);
    let mut audit = audit::audit(model.date, paid, ledger_codes, policy, &facts, window)?;
    audit::eligible_unpaid(&mut audit, policy, &facts, transferred, model.date);
    audit::assign_units(&mut audit, &facts)?;
    clock.lap("audit");
    Ok((facts, audit))
}

/// Phase times on stderr when `LUYU_TIMINGS` is set: how the benchmark's phases are measured
/// (BENCHMARKS.md).
pub struct Phases(Option<std::time::Instant>);

impl Phases {
    pub fn start() -> Phases {
        Phases(std::env::var_os("LUYU_TIMINGS").map(|_| std::time::Instant::now()))
    }

    pub fn lap(&mut self, name: &str) {
        if let Some(t) = self.0 {
            // Resident memory now (Linux), to see which phase holds what.
            let rss_mb = std::fs::read_to_string("/proc/self/statm")
                .ok()
                .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
                .map_or(0, |pages| pages * 4096 / 1_000_000);
            eprintln!(
                "[luyu] {name}: {:.2} s, {rss_mb} MB resident",
                t.elapsed().as_secs_f64()
            );
            self.0 = Some(std::time::Instant::now());
        }
    }
}
