//! `luyu diff --table T --from M1 --to M2 [--region R] [--warehouse DIR]`
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
//! 身份证号 and names are masked, as in every output meant to circulate.

use std::collections::BTreeMap;

use polars::prelude::*;

use super::history::parse_table;
use super::{Result, WarehouseArg};
use crate::cells::Month;
use crate::ids::{mask_id, mask_name};
use crate::tables::Table;
use crate::warehouse::{resolve_dir, Warehouse};

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
    #[command(flatten)]
    pub warehouse: WarehouseArg,
}

type Rows = BTreeMap<Vec<String>, BTreeMap<&'static str, String>>;

fn rows(df: &DataFrame, table: Table) -> PolarsResult<Rows> {
    let mut out = Rows::new();
    let cols: Vec<&'static str> = table
        .columns()
        .iter()
        .map(|c| c.name)
        .filter(|n| *n != "month")
        .collect();
    for i in 0..df.height() {
        let mut values = BTreeMap::new();
        for name in &cols {
            let v = df.column(name)?.get(i)?;
            let text = if v.is_null() {
                String::new()
            } else {
                v.str_value().to_string()
            };
            let text = match *name {
                "id_number" => mask_id(&text),
                "name" if table != Table::Workshops => mask_name(&text),
                _ => text,
            };
            values.insert(*name, text);
        }
        let key = table
            .natural_key()
            .iter()
            .map(|k| values.get(k).cloned().unwrap_or_default())
            .collect();
        out.insert(key, values);
    }
    Ok(out)
}

fn header(table: Table, name: &str) -> &'static str {
    table
        .columns()
        .iter()
        .find(|c| c.name == name)
        .map_or("", |c| c.header)
}

pub fn run(args: Args) -> Result<i32> {
    if !args.table.cumulative() {
        return Err("补贴发放明细是逐月增量表，没有快照可比；请用 luyu spend 按月查看".into());
    }
    let wh = Warehouse::open(&resolve_dir(args.warehouse.warehouse));
    let manifest = wh.manifest()?;
    let snap = |m: Month| Warehouse::snapshots(&manifest, args.table, m);
    let (a, b) = (snap(args.from), snap(args.to));
    let old = rows(&wh.read(args.table, &a)?, args.table)?;
    let new = rows(&wh.read(args.table, &b)?, args.table)?;
    let name = |e: &[&crate::warehouse::ExportRecord]| {
        e.iter()
            .map(|x| format!("{}（{}）", x.file_name, x.month))
            .collect::<Vec<_>>()
            .join("、")
    };
    println!("{}：{} → {}", args.table, name(&a), name(&b));
    let (mut added, mut changed, mut withdrawn) = (0, 0, 0);
    for (key, row) in &new {
        match old.get(key) {
            None => {
                added += 1;
                println!("+ 新增 {}", key.join(" | "));
            }
            Some(prev) => {
                let diffs: Vec<String> = row
                    .iter()
                    .filter(|(k, v)| prev.get(*k) != Some(v))
                    .map(|(k, v)| {
                        format!(
                            "{}：{} → {}",
                            header(args.table, k),
                            prev.get(k).map_or("", |s| s.as_str()),
                            v
                        )
                    })
                    .collect();
                if !diffs.is_empty() {
                    changed += 1;
                    println!("~ 修改 {}：{}", key.join(" | "), diffs.join("；"));
                }
            }
        }
    }
    for key in old.keys().filter(|k| !new.contains_key(*k)) {
        withdrawn += 1;
        println!("- 撤回 {}", key.join(" | "));
    }
    println!("新增 {added} 行，修改 {changed} 行，撤回 {withdrawn} 行");
    Ok(0)
}
