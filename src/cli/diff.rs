//! `luyu diff --table T --from M1 --to M2 [--warehouse DIR]`
//!
//! What changed in a cumulative ledger between the snapshots as of two months: rows added,
//! rows changed (which columns, old → new) and rows withdrawn, matched by each table's natural
//! key:
//!
//! | table | key |
//! | --- | --- |
//! | registry (名册) | 身份证号 |
//! | help (帮扶台账) | 身份证号 + 帮扶类型 + 单位名称 + 开始日期 |
//! | jining (来济就业台账) | 身份证号 + 用工单位 + 入职日期 |
//! | workshops (车间名册) | 所在地区 + 车间名称 |
//!
//! 身份证号 and names are masked, as in every output meant to circulate. At most `--limit`
//! rows are listed (500 unless told; 0 lists all): a month of a national-scale ledger adds a
//! hundred thousand rows, more than a terminal shows. The counts are always of every row.

use super::history::parse_table;
use super::{Result, WarehouseArg};
use crate::dates::Month;
use crate::ingest::tables::Table;
use crate::rules::changes;
use crate::store::warehouse::{resolve_dir, Warehouse};

#[derive(clap::Args)]
pub struct Args {
    /// 台账（registry/help/jining/workshops 或中文表名）
    #[arg(long, value_name = "TABLE", value_parser = parse_table)]
    pub table: Table,
    /// 起始月份
    #[arg(long, value_name = "YYYY-MM")]
    pub from: Month,
    /// 截止月份
    #[arg(long, value_name = "YYYY-MM")]
    pub to: Month,
    /// 最多列出的行数（0 为全部列出；新增、修改、撤回的行数总是全部统计）
    #[arg(long, value_name = "N", default_value_t = 500)]
    pub limit: usize,
    #[command(flatten)]
    pub warehouse: WarehouseArg,
}

pub fn run(args: Args) -> Result<i32> {
    if !args.table.cumulative() {
        return Err("补贴发放明细是逐月增量表，没有快照可比；请用 luyu spend 按月查看".into());
    }
    let wh = Warehouse::open(&resolve_dir(args.warehouse.warehouse));
    let manifest = wh.manifest()?;
    let snap = |m: Month| Warehouse::snapshots(&manifest, args.table, m);
    let (a, b) = (snap(args.from), snap(args.to));
    let (old, new) = (wh.read(args.table, &a)?, wh.read(args.table, &b)?);
    let limit = match args.limit {
        0 => usize::MAX,
        n => n,
    };
    let listed = changes::listed(&old, &new, args.table, limit, true)?;
    let name = |e: &[&crate::store::warehouse::ExportRecord]| {
        e.iter()
            .map(|x| format!("{}（{}）", x.file_name, x.month))
            .collect::<Vec<_>>()
            .join("、")
    };
    println!("{}：{} → {}", args.table, name(&a), name(&b));
    for c in &listed.first {
        println!("{}", c.describe());
    }
    let (added, changed, withdrawn) = (listed.added, listed.changed, listed.withdrawn);
    let left = added + changed + withdrawn - listed.first.len();
    if left > 0 {
        println!("……另有 {left} 行变动未列出（用 --limit 0 全部列出）");
    }
    println!("新增 {added} 行，修改 {changed} 行，撤回 {withdrawn} 行");
    Ok(0)
}
