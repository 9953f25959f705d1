//! `luyu publish --as-of M [--title T] [--as-known-on WHEN]` and `luyu publish --verify`
//!
//! Records a publication of month M in the warehouse (see `crate::store::publish`): the three reports
//! in HTML and Markdown, each saying in its header that it was published and which version,
//! and summary.json, with a sha256 of every file. Publishing M again is the next version; a
//! publication is never changed. `--verify` recomputes every publication from the warehouse as
//! known on its time and checks its files: exit 0 when all are reproduced, 1 naming what
//! differs.

use std::path::PathBuf;

use super::{AsOfArgs, PolicyArg, Result, WarehouseArg};
use crate::dates::Month;
use crate::render::report::{Format, Kind, LIST_CAP};
use crate::store::publish::{self, File, Publication};
use crate::store::warehouse::{resolve_dir, Warehouse};

#[derive(clap::Args)]
pub struct Args {
    /// 发布哪个月的数字，如 2020-06（--verify 时不用）
    #[arg(long, value_name = "YYYY-MM", required_unless_present = "verify")]
    pub as_of: Option<Month>,
    /// 发布的名称，如“第三次联席会议”
    #[arg(long)]
    pub title: Option<String>,
    /// 按某一时间已收到的报表发布（默认现在），如会议召开的时间 2020-07-10T09:30:00+08:00
    #[arg(long, value_name = "WHEN", value_parser = crate::store::known::cutoff)]
    pub as_known_on: Option<crate::store::known::Instant>,
    /// 计划年度（默认：截至月份所在的、政策文件中有目标的年度）
    #[arg(long, value_name = "YEAR")]
    pub plan_year: Option<i32>,
    /// 核对每一次发布：文件未被改动，且按发布时的数据重新核算得到完全相同的 summary.json
    #[arg(long)]
    pub verify: bool,
    #[command(flatten)]
    pub policy: PolicyArg,
    #[command(flatten)]
    pub warehouse: WarehouseArg,
}

pub fn run(args: Args) -> Result<i32> {
    let dir = resolve_dir(args.warehouse.warehouse.clone());
    if args.verify {
        return verify(&dir, &args.policy);
    }
    let Some(month) = args.as_of else {
        return Err("请用 --as-of 指定发布哪个月的数字".into());
    };
    let wh = Warehouse::open(&dir);
    if !wh.exists() {
        return Err(format!(
            "仓库 {} 还没有数据：请先运行 luyu ingest 导入报表",
            dir.display()
        )
        .into());
    }
    // One writer at a time: no ingest may change the data while it is published.
    let _lock = wh.lock()?;
    let now = crate::store::known::now();
    let known_on = args.as_known_on.unwrap_or(now);
    if known_on > now {
        return Err("--as-known-on 的时间还没有到，不能按将来的数据发布".into());
    }
    let version = publish::list(&wh)?
        .iter()
        .filter(|p| p.month == month)
        .map(|p| p.version)
        .max()
        .unwrap_or(0)
        + 1;
    let rel = format!("publications/{month}/v{version}");
    if wh.path(&rel).exists() {
        return Err(format!(
            "{rel} 已存在但不在发布记录中（上次发布可能中断）；请检查后移走该目录再发布"
        )
        .into());
    }
    let tmp = wh.path(&format!(
        "publications/{month}/.v{version}.tmp-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&tmp);
    let mut publication = Publication {
        month,
        version,
        title: args.title.clone(),
        known_on: crate::store::known::format(&known_on),
        recorded_at: crate::store::known::format(&now),
        plan_year: 0,
        policy: publish::policy_hash(args.policy.policy.as_deref())?,
        list_cap: LIST_CAP,
        dir: rel.clone(),
        files: Vec::new(),
    };
    let at = AsOfArgs {
        as_of: month,
        plan_year: args.plan_year,
        as_known_on: Some(known_on),
        policy: args.policy.clone(),
        warehouse: WarehouseArg {
            warehouse: Some(dir.clone()),
        },
    };
    let written = crate::run::reports::render_all(
        &at.at(),
        &Kind::ALL,
        &[Format::Html, Format::Md],
        &tmp,
        LIST_CAP,
        false,
        Some(&publication),
    )?;
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.join("summary.json"))?)?;
    publication.plan_year = summary["plan_year"]
        .as_i64()
        .and_then(|y| i32::try_from(y).ok())
        .ok_or("summary.json 中没有计划年度")?;
    let mut files: Vec<File> = Vec::new();
    for path in &written {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        files.push(File {
            sha256: crate::store::warehouse::sha256_hex(&std::fs::read(path)?),
            name,
        });
    }
    files.sort_by(|a, b| a.name.cmp(&b.name));
    publication.files = files;
    std::fs::rename(&tmp, wh.path(&rel))?;
    publish::record(&wh, publication.clone())?;
    println!(
        "已发布 {month} 第 {version} 版{}：按 {} 前收到的报表核算，共 {} 个文件",
        publication
            .title
            .as_deref()
            .map(|t| format!("（{t}）"))
            .unwrap_or_default(),
        publication.known_on,
        publication.files.len()
    );
    println!("  {}", wh.path(&rel).display());
    Ok(0)
}

fn verify(dir: &std::path::Path, policy: &PolicyArg) -> Result<i32> {
    let recompute = |then: &Warehouse, p: &Publication| -> Result<Vec<u8>> {
        let policy = crate::policy::Policy::load(policy.policy.as_deref())?;
        let r = crate::run::compute(then, policy, p.month, Some(p.plan_year))?;
        let bytes = r.summary.to_bytes()?;
        // Freed while the next publication is checked.
        crate::memory::free_aside(r);
        Ok(bytes)
    };
    let checks = publish::verify(dir, policy.policy.as_deref(), recompute)?;
    if checks.is_empty() {
        println!("仓库中还没有发布记录");
        return Ok(0);
    }
    let mut failed = 0;
    for c in &checks {
        let p = &c.publication;
        if c.problems.is_empty() {
            println!(
                "✓ {} 第 {} 版（{} 发布）：按发布时的数据重新核算，summary.json 完全一致，文件未被改动",
                p.month,
                p.version,
                p.date()
            );
        } else {
            failed += 1;
            println!("✗ {} 第 {} 版（{} 发布）：", p.month, p.version, p.date());
            for problem in &c.problems {
                println!("    {problem}");
            }
        }
    }
    println!("核对 {} 次发布，{} 次不一致", checks.len(), failed);
    Ok(i32::from(failed > 0))
}

/// `luyu published`: the publications, one line each.
#[derive(clap::Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub warehouse: WarehouseArg,
}

pub fn list(args: ListArgs) -> Result<i32> {
    let wh = Warehouse::open(&resolve_dir(args.warehouse.warehouse));
    let pubs = publish::list(&wh)?;
    if pubs.is_empty() {
        println!("仓库中还没有发布记录（用 luyu publish --as-of 月份 发布）");
        return Ok(0);
    }
    println!("月份\t版本\t发布日期\t名称\t数据截止\t记录时间\t目录");
    for p in pubs {
        println!(
            "{}\t第 {} 版\t{}\t{}\t{}\t{}\t{}",
            p.month,
            p.version,
            p.date(),
            p.title.as_deref().unwrap_or("-"),
            p.known_on,
            p.recorded_at,
            PathBuf::from(&wh.dir).join(&p.dir).display()
        );
    }
    Ok(0)
}
