//! `luyu report --as-of M [--kind briefing,supervision,annual] [--format html,md] --out DIR`
//!
//! Renders the reports from the warehouse as of month M: the 联席会议 briefing, the
//! supervision review and the year-end assessment, each as one self-contained HTML file and/or
//! Markdown with its charts beside it, plus `summary.json` (and `summary-M.json`, so that runs
//! for several months can share a folder). Lists the files written.

use std::path::PathBuf;

use super::{AsOfArgs, Result};
use crate::render::report::{self, Format, Kind};
use crate::run::reports::render_all;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub at: AsOfArgs,
    /// 报告种类：briefing（联席会议通报）、supervision（督导）、annual（年度绩效），可多选，默认全部
    #[arg(long, value_enum, value_delimiter = ',')]
    pub kind: Vec<Kind>,
    /// 格式：html、md，可多选，默认两种都出
    #[arg(long, value_enum, value_delimiter = ',')]
    pub format: Vec<Format>,
    /// 输出目录
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// 每份清单（问题、人员、撤回的行）最多列出的条数；完整清单用 luyu audit --xlsx 导出
    #[arg(long, value_name = "N", default_value_t = report::LIST_CAP)]
    pub list_cap: usize,
    /// 不使用仓库中已核算的结果，重新核算（数据、政策文件或程序有变化时会自动重新核算）
    #[arg(long)]
    pub recompute: bool,
}

pub fn print_written(files: &[PathBuf]) {
    println!("已写出 {} 个文件：", files.len());
    for f in files {
        println!("  {}", f.display());
    }
}

pub fn run(args: Args) -> Result<i32> {
    let files = render_all(
        &args.at.at(),
        &args.kind,
        &args.format,
        &args.out,
        args.list_cap,
        args.recompute,
        None,
    )?;
    print_written(&files);
    Ok(0)
}
