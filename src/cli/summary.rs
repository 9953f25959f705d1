//! `luyu summary --as-of M [--plan-year Y] [--out FILE] [--policy FILE] [--warehouse DIR]`
//!
//! Writes `summary.json` (spec/summary.md) as of month M: targets, spend, findings and data
//! quality. Without `--out` it prints the JSON.

use std::path::PathBuf;

use super::{PolicyArg, Result, WarehouseArg};
use crate::cells::Month;
use crate::warehouse::{resolve_dir, Warehouse};

#[derive(clap::Args)]
pub struct Args {
    /// 截至月份，如 2020-12
    #[arg(long, value_name = "YYYY-MM")]
    pub as_of: Month,
    /// 计划年度（默认：截至月份所在的、政策文件中有目标的年度）
    #[arg(long, value_name = "YEAR")]
    pub plan_year: Option<i32>,
    /// 输出文件（默认打印到屏幕）
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub policy: PolicyArg,
    #[command(flatten)]
    pub warehouse: WarehouseArg,
}

pub fn run(args: Args) -> Result<i32> {
    let wh = Warehouse::open(&resolve_dir(args.warehouse.warehouse));
    let r = crate::run::compute(&wh, args.policy.load()?, args.as_of, args.plan_year)?;
    let text = serde_json::to_string_pretty(&r.summary)?;
    match args.out {
        Some(path) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::write(&path, text + "\n")?;
            println!("已写出 {}", path.display());
        }
        None => println!("{text}"),
    }
    Ok(0)
}
