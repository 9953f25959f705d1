//! `luyu history [--table T] [--warehouse DIR]`
//!
//! The exports received: per (table, region, month) which file is current and which were
//! replaced by a correction (with the file, 填报日期 and ingest time), then the expected exports
//! still missing from the first month received to the last (completeness, by table and region).

use super::{Result, WarehouseArg};
use crate::ingest::tables::{Table, RECOGNISED};
use crate::store::warehouse::{resolve_dir, Warehouse};

#[derive(clap::Args)]
pub struct Args {
    /// 只看一种表（registry/help/jining/workshops/payments 或中文表名）
    #[arg(long, value_name = "TABLE", value_parser = parse_table)]
    pub table: Option<Table>,
    #[command(flatten)]
    pub warehouse: WarehouseArg,
}

pub fn parse_table(s: &str) -> std::result::Result<Table, String> {
    Table::from_code(s).ok_or_else(|| {
        format!("未知的表“{s}”：可用 registry、help、jining、workshops、payments 或中文表名")
    })
}

pub fn run(args: Args) -> Result<i32> {
    let wh = Warehouse::open(&resolve_dir(args.warehouse.warehouse));
    let manifest = wh.manifest()?;
    let tables: Vec<Table> = args.table.map_or(RECOGNISED.to_vec(), |t| vec![t]);
    let mut exports: Vec<_> = manifest
        .exports
        .iter()
        .filter(|e| tables.contains(&e.table))
        .collect();
    exports.sort_by(|a, b| {
        (a.table, a.region, a.month, &a.ingested_at).cmp(&(
            b.table,
            b.region,
            b.month,
            &b.ingested_at,
        ))
    });
    println!("表\t地区\t月份\t状态\t行数(读/收/拒)\t填报日期\t导入时间\t文件");
    for e in &exports {
        let status = match &e.replaced_by {
            None => "当前".to_string(),
            Some(by) => format!("已被更正版取代（{by}）"),
        };
        println!(
            "{}\t{}\t{}\t{}\t{}/{}/{}\t{}\t{}\t{}",
            e.table,
            e.region,
            e.month,
            status,
            e.rows_read,
            e.rows_accepted,
            e.rows_rejected,
            e.fill_date
                .map(|d| d.to_string())
                .unwrap_or_else(|| "-".into()),
            e.ingested_at,
            e.file_name
        );
    }
    let flagged: Vec<_> = exports
        .iter()
        .filter_map(|e| Some((e, e.reexport.as_ref()?)))
        .filter(|(e, _)| e.is_current())
        .collect();
    if !flagged.is_empty() {
        println!("\n需重新导出的文件：");
        for (e, r) in flagged {
            println!(
                "  {}（{} · {} · {}）：{}",
                e.file_name,
                e.table,
                e.region,
                e.month,
                r.sentence()
            );
        }
    }
    let failed: Vec<_> = manifest
        .files
        .iter()
        .filter(|f| f.error.is_some())
        .collect();
    if !failed.is_empty() {
        println!("\n未能导入的文件：");
        for f in failed {
            println!(
                "  {}（{}）：{}",
                f.name,
                f.received_at,
                f.error.as_deref().unwrap_or("")
            );
        }
    }
    for (table, region, month) in manifest.missing(&tables) {
        println!("缺报：{table} · {region} · {month}");
    }
    Ok(0)
}
