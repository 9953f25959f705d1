//! One computation as of a month, shared by every command and report: the model, progress,
//! audit and summary come from here, so no figure has a second implementation. [`reports`]
//! adds what the reports need on top, and hands it to `render`.

pub mod explain;
pub mod reports;

use std::path::PathBuf;

use crate::dates::Month;
use crate::model::facts::Facts;
use crate::model::Model;
use crate::policy::Policy;
use crate::rules::audit::{self, Audit};
use crate::rules::findings::Rule;
use crate::rules::followup::{Found, Only};
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
    on_polars_threads(|| -> Result<Results, crate::Error> {
        let mut clock = Phases::start();
        let (mut model, plan_year) = load(wh, &policy, as_of, plan_year)?;
        clock.lap("model");
        let (progress, paid) =
            beside_payments(&mut model, |m| targets::compute(m, &policy, plan_year));
        let (progress, paid) = (progress?, paid?);
        clock.lap("targets and payments");
        let (facts, audit) = judge(
            &mut model,
            paid,
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
    })
}

/// The findings as of a month alone, for the 整改台账's earlier months: the same steps as
/// [`compute`], but of the targets only the transferred persons (whom 符合条件尚未发放 needs),
/// and no summary. `targets_of`: a plan year whose full targets are wanted too (the report's
/// previous month), computed on the same model when it is the month's own plan year.
///
/// `only`: of the findings about these keys and of these rules, only whether each is there
/// matters. Then only the payments naming the keys are judged, on the facts of the persons
/// they name ([`Model::keep_payments_naming`], [`Model::keep_ledgers_naming`]), and the
/// transferred persons are found only for
/// 符合条件尚未发放: each of those findings comes out as from every row, and the others may
/// be missing or differ (the caller keeps only the ones it asked about).
pub fn findings(
    wh: &Warehouse,
    policy: &Policy,
    as_of: Month,
    plan_year: Option<i32>,
    targets_of: Option<i32>,
    only: Option<&Only>,
) -> Found {
    on_polars_threads(|| -> Found {
        let mut clock = Phases::start();
        let (mut model, plan_year) = load(wh, policy, as_of, plan_year)?;
        if let Some(only) = only {
            model
                .keep_payments_naming(&only.keys)
                .and_then(|()| model.keep_ledgers_naming(&only.keys))
                .map_err(|e| format!("读取补贴发放明细和台账失败：{e}"))?;
        }
        clock.lap("model");
        let full = targets_of == Some(plan_year);
        let transferred = only.is_none_or(|o| o.rules.contains(&Rule::EligibleUnpaid));
        // The full targets, or the transferred persons alone (all the audit needs of
        // them), or nobody when no finding asked about needs them.
        let (targets, paid) = beside_payments(&mut model, |m| match (full, transferred) {
            (true, _) => {
                targets::compute(m, policy, plan_year).map(|p| (Some(p), targets::IdSet::default()))
            }
            (false, true) => targets::transferred_ids(m, policy, plan_year).map(|t| (None, t)),
            (false, false) => Ok((None, targets::IdSet::default())),
        });
        let ((progress, transferred_only), paid) = (targets?, paid?);
        let transferred = progress
            .as_ref()
            .map_or(&transferred_only, |p| &p.transferred_ids);
        clock.lap(if full {
            "targets and payments"
        } else {
            "transferred and payments"
        });
        let (facts, mut audit) =
            judge(&mut model, paid, policy, plan_year, transferred, &mut clock)?;
        let findings = std::mem::take(&mut audit.findings);
        // Freed here, before the caller's next month: the 整改台账 computes two months at
        // a time, and a month's rows left to free on a third thread would make three at
        // once.
        drop((model, facts, audit));
        Ok((findings, progress))
    })
}

/// [`findings`] under `policy`: how the 整改台账 (`rules::followup::Params::compute`) has the
/// months it needs computed.
pub fn findings_under(
    policy: &Policy,
) -> impl Fn(&Warehouse, Month, Option<i32>, Option<i32>, Option<&Only>) -> Found + Sync + '_ {
    move |wh, month, plan_year, targets_of, only| {
        findings(wh, policy, month, plan_year, targets_of, only)
    }
}

/// Runs a computation on Polars' own threads, one per core. luyu's parallel steps
/// (`rayon::join`, `par_iter`) call Polars inside them, and run on rayon's global pool each
/// such call crossed into Polars' pool while the calling thread waited, taking other steps'
/// work onto its stack meanwhile: the judging's parts, each gathering its rows with Polars,
/// ran one after the other (0.8–1.0 s at 1.2 cores at a million persons, 0.5 s at 2 on
/// Polars' threads). On one pool both kinds of work share the same threads and wait on none.
fn on_polars_threads<R: Send>(work: impl FnOnce() -> R + Send) -> R {
    polars_core::runtime::THREAD_POOL.install(work)
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
    let model = Model::load_for_rules(wh, as_of)?;
    Ok((model, self::plan_year(policy, as_of, plan_year)))
}

/// The plan year of a computation as of a month: the one given, else the latest year of the
/// policy's plans not after the month.
pub fn plan_year(policy: &Policy, as_of: Month, plan_year: Option<i32>) -> i32 {
    plan_year.unwrap_or_else(|| {
        policy
            .plans
            .iter()
            .map(|p| p.year)
            .filter(|y| *y <= as_of.year)
            .max()
            .unwrap_or(as_of.year)
    })
}

/// `targets` over the model's ledgers, computed beside the payments' versions (the rows that
/// count, [`audit::Paid::of`]): the two read different rows, and each alone leaves a core
/// idle part of the time. The payment rows move from the model to the audit.
fn beside_payments<T: Send>(
    model: &mut Model,
    targets: impl FnOnce(&Model) -> Result<T, String> + Send,
) -> (Result<T, String>, Result<audit::Paid, String>) {
    let payments = std::mem::take(&mut model.payments);
    let model = &*model;
    rayon::join(|| targets(model), || audit::Paid::of(payments))
}

/// Every payment judged: the audit holds the payment rows and the rows that count; the facts
/// are built and the ledgers' rows freed once the facts hold them; then the findings (some
/// need the transferred persons), and each finding's 责任单位. The model keeps its month and
/// exports, not its rows.
fn judge(
    model: &mut Model,
    paid: audit::Paid,
    policy: &Policy,
    plan_year: i32,
    transferred: &targets::IdSet,
    clock: &mut Phases,
) -> Result<(Facts, Audit), crate::Error> {
    // Nothing after the facts reads the ledgers' rows but their failing credit codes: those
    // first, then the facts take the rows and free each ledger once gathered.
    let ledger_codes = audit::ledger_codes(model)?;
    let facts = Facts::take(model)?;
    crate::memory::give_back();
    clock.lap("facts");
    let window = Window::of(plan_year, model.date);
    let mut audit = audit::audit(
        model.date,
        paid,
        ledger_codes,
        (policy, &facts),
        window,
        transferred,
    )?;
    audit::assign_units(&mut audit, &facts)?;
    clock.lap("audit");
    Ok((facts, audit))
}

/// Phase times on stderr when `LUYU_TIMINGS` is set: how the benchmark's phases are measured
/// (BENCHMARKS.md). Each lap prints wall time, the CPU time the process spent in it (all
/// threads: a phase whose CPU time is close to its wall time ran on one core) and resident
/// memory at its end and at its peak so far.
pub struct Phases(Option<(std::time::Instant, f64)>);

impl Phases {
    pub fn start() -> Phases {
        Phases(std::env::var_os("LUYU_TIMINGS").map(|_| (std::time::Instant::now(), cpu_seconds())))
    }

    pub fn lap(&mut self, name: &str) {
        if let Some((t, cpu)) = self.0 {
            // Resident memory now (Linux), to see which phase holds what.
            let rss_mb = std::fs::read_to_string("/proc/self/statm")
                .ok()
                .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
                .map_or(0, |pages| pages * 4096 / 1_000_000);
            // The peak so far, to find the phase that sets it.
            let peak_mb = std::fs::read_to_string("/proc/self/status")
                .ok()
                .and_then(|s| {
                    let kb = s.lines().find_map(|l| l.strip_prefix("VmHWM:"))?;
                    kb.trim().trim_end_matches("kB").trim().parse::<u64>().ok()
                })
                .map_or(0, |kb| kb * 1024 / 1_000_000);
            let now = cpu_seconds();
            eprintln!(
                "[luyu] {name}: {:.2} s, cpu {:.2} s, {rss_mb} MB resident, peak {peak_mb} MB",
                t.elapsed().as_secs_f64(),
                now - cpu
            );
            self.0 = Some((std::time::Instant::now(), now));
        }
    }
}

/// User + system CPU seconds of this process so far, all threads (`getrusage`; 0 where it
/// fails).
fn cpu_seconds() -> f64 {
    // SAFETY: getrusage only writes the struct it is given, which lives for the call.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return 0.0;
    }
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}
