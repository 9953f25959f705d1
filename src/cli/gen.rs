//! `luyu gen --persons N --out DIR [--seed S] [--plain] [--months M[-N]] [--xlsx-month M]`
//!
//! Writes realistic exports of all five tables for 2020-01..2020-12, both regions, as the
//! offices send them (xlsx with title rows, GB18030 and BOM csv, a corrected re-export, a
//! withdrawn row, duplicate and conflicting vouchers, bad IDs, …). The same seed gives the same
//! files. `--plain` writes plain UTF-8 csv without planted errors (benchmarks); `--xlsx-month`
//! also writes that month's registry as one xlsx, for the xlsx reader's benchmark.

use std::path::PathBuf;

use super::Result;
use crate::gen::{generate, Options};

#[derive(clap::Args)]
pub struct Args {
    /// 建档立卡人数（规模）
    #[arg(long, default_value_t = 650)]
    pub persons: usize,
    /// 输出目录
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// 随机种子（相同种子生成相同文件）
    #[arg(long, default_value_t = 2020)]
    pub seed: u64,
    /// 只生成 UTF-8 CSV、不含标题行和人为错误（用于性能测试）
    #[arg(long)]
    pub plain: bool,
    /// 另外把该月名册写成一个 xlsx（用于 xlsx 读取性能测试）
    #[arg(long, value_name = "MONTH")]
    pub xlsx_month: Option<u32>,
    /// 只生成这些月份，如 12 或 1-6（默认 1-12）
    #[arg(long, value_name = "M[-N]", default_value = "1-12", value_parser = parse_months)]
    pub months: std::ops::RangeInclusive<u32>,
}

fn parse_months(s: &str) -> std::result::Result<std::ops::RangeInclusive<u32>, String> {
    let bad = || format!("“{s}”不是月份范围（如 12 或 1-6）");
    let (a, b) = s.split_once('-').unwrap_or((s, s));
    let (a, b): (u32, u32) = (
        a.trim().parse().map_err(|_| bad())?,
        b.trim().parse().map_err(|_| bad())?,
    );
    if !(1..=12).contains(&a) || !(a..=12).contains(&b) {
        return Err(bad());
    }
    Ok(a..=b)
}

pub fn run(args: Args) -> Result<i32> {
    let o = Options {
        persons: args.persons,
        seed: args.seed,
        out: args.out,
        plain: args.plain,
        xlsx_month: args.xlsx_month,
        months: args.months.clone(),
    };
    let w = generate(&o)?;
    println!(
        "已生成 {} 个文件，共 {} 行数据，位于 {}",
        w.files.len(),
        w.rows,
        o.out.display()
    );
    Ok(0)
}
