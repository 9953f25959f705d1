//! `luyu rejects [--as-of M] [--all] [--warehouse DIR]`
//!
//! Lists the rejected rows of the current exports (as of M, default: all months): file, the row
//! number as Excel shows it, column, value and the reason, for the clerk who fixes the file.
//! `--all` also lists those of replaced exports.

use super::{Result, WarehouseArg};
use crate::dates::Month;
use crate::store::warehouse::{resolve_dir, Warehouse};

#[derive(clap::Args)]
pub struct Args {
    /// 截至月份（如 2020-06）；默认全部
    #[arg(long, value_name = "YYYY-MM")]
    pub as_of: Option<Month>,
    /// 同时列出已被更正版取代的报表中的拒收行
    #[arg(long)]
    pub all: bool,
    #[command(flatten)]
    pub warehouse: WarehouseArg,
}

pub fn run(args: Args) -> Result<i32> {
    let wh = Warehouse::open(&resolve_dir(args.warehouse.warehouse));
    let manifest = wh.manifest()?;
    let as_of = args.as_of.unwrap_or(Month {
        year: 9999,
        month: 12,
    });
    let exports: Vec<_> = manifest
        .exports
        .iter()
        .filter(|e| e.month <= as_of && (args.all || e.is_current()) && e.rows_rejected > 0)
        .collect();
    let rejects = wh.read_rejects(&exports)?;
    println!("文件\t表\t月份\t行\t列\t值\t原因");
    for (id, r) in &rejects {
        let Some(e) = exports.iter().find(|e| &e.id == id) else {
            continue;
        };
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}",
            e.file_name, e.table, e.month, r.row, r.column, r.value, r.reason
        );
    }
    let rows: std::collections::BTreeSet<(String, usize)> =
        rejects.iter().map(|(id, r)| (id.clone(), r.row)).collect();
    println!("共 {} 行被拒收", rows.len());
    Ok(0)
}
