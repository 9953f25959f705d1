//! `luyu ingest PATH... [--warehouse DIR]`
//!
//! Reads every export file under PATH (files or folders, recursively) into the warehouse as one
//! batch and prints, per file, the table, region, month and rows accepted / rejected. Exits 0
//! when every file was ingested or skipped as already received, 1 when any file could not be
//! read or recognised, or was flagged for re-export because more than a quarter of its rows
//! were rejected (the good files and rows are still ingested), 2 on a warehouse error.

use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressStyle};

use super::{Result, WarehouseArg};
use crate::ingest::batch::{self, Outcome};
use crate::store::warehouse::{resolve_dir, Warehouse};

#[derive(clap::Args)]
pub struct Args {
    /// 报表文件或文件夹
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// 收到文件的时间（默认现在）：补录以前收到的文件时填写，如 2020-07-03 或 2020-07-03T09:30:00+08:00
    #[arg(long, value_name = "WHEN", value_parser = crate::store::known::receipt)]
    pub received: Option<crate::store::known::Instant>,
    #[command(flatten)]
    pub warehouse: WarehouseArg,
}

pub fn run(args: Args) -> Result<i32> {
    let dir = resolve_dir(args.warehouse.warehouse);
    let wh = Warehouse::open(&dir);
    // A receipt dated before a publication's data would change figures already published.
    if let (Some(t), Some((p, known))) =
        (args.received, crate::store::publish::latest_known_on(&wh)?)
    {
        if t <= known {
            return Err(format!(
                "--received {} 早于 {} 第 {} 版发布时的数据截止时间 {}：补录的文件会改变已发布的数字。请用晚于该时间的收到时间",
                crate::store::known::format(&t),
                p.month,
                p.version,
                p.known_on
            )
            .into());
        }
    }
    let (files, _) = batch::collect_files(&args.paths);
    let bar = ProgressBar::new(files.len() as u64);
    bar.set_style(ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}")?);
    let report = batch::ingest(&wh, &args.paths, args.received, |p| {
        bar.set_message(
            p.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        );
        bar.inc(1);
    })?;
    bar.finish_and_clear();
    print!("{}", render(&report));
    println!("仓库：{}", dir.display());
    Ok(if report.failed() > 0 || report.flagged() > 0 {
        1
    } else {
        0
    })
}

/// The ingest summary in Chinese, one block per file.
pub fn render(report: &batch::Report) -> String {
    let mut out = String::new();
    let (mut ok, mut skipped, mut failed, mut read, mut rejected) = (0, 0, 0, 0, 0);
    let mut flagged = 0;
    for f in &report.files {
        let name = f.path.display();
        match &f.outcome {
            Outcome::Ingested(lines) => {
                ok += 1;
                let flag = if lines.iter().any(|l| l.reexport.is_some()) {
                    flagged += 1;
                    "⚠"
                } else {
                    "✓"
                };
                for l in lines {
                    read += l.rows_read;
                    rejected += l.rows_rejected;
                    let status = match (&l.replaced_by, &l.replaces) {
                        (Some(by), _) => format!("已被同批更正版 {by} 取代，存入历史"),
                        (None, Some(old)) => format!("当前版本（更正并取代 {old}）"),
                        (None, None) => "当前版本".to_string(),
                    };
                    out.push_str(&format!(
                        "{flag} {name}\n    {} · {} · {} · 读取 {} 行，接收 {} 行，拒收 {} 行 · {status}\n",
                        l.table, l.region, l.month, l.rows_read, l.rows_accepted, l.rows_rejected
                    ));
                    if let Some(r) = &l.reexport {
                        out.push_str(&format!("    ⚠ {}\n", r.sentence()));
                    }
                }
            }
            Outcome::AlreadyReceived { when, .. } => {
                skipped += 1;
                out.push_str(&format!(
                    "= {name}\n    已于 {when} 接收过相同内容的文件，跳过\n"
                ));
            }
            Outcome::Failed(why) => {
                failed += 1;
                out.push_str(&format!("✗ {name}\n    未导入：{why}\n"));
            }
        }
    }
    out.push_str(&format!(
        "合计：导入 {ok} 个文件，跳过 {skipped} 个（已接收过），失败 {failed} 个；读取 {read} 行，拒收 {rejected} 行\n"
    ));
    if flagged > 0 {
        out.push_str(&format!(
            "⚠ {flagged} 个文件拒收的行超过 {}/{}，需重新导出（好的行已导入；重新导出的文件再导入即作为更正版取代）\n",
            batch::REEXPORT_SHARE.0,
            batch::REEXPORT_SHARE.1
        ));
    }
    if rejected > 0 {
        out.push_str("拒收明细：luyu rejects（按文件、行、列、值、原因列出）\n");
    }
    out
}
