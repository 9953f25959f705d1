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
use crate::ingest::batch;
use crate::render::ingest::render;
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
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}").map_err(crate::Error::other)?,
    );
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
