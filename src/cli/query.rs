//! `luyu query FILE.sql --as-of M [--plan-year Y] [--csv OUT] [--warehouse DIR]`
//!
//! Runs a SQL file with Polars SQL over the as-of tables (registry, registered, help, jining,
//! workshops, payments; see README) and prints the result, or writes it as CSV (cells that
//! start with = + - @ neutralised). `{window_start}`, `{window_end}` and `{as_of}` in the SQL
//! are the plan year's window and the as-of date.

use std::path::PathBuf;

use super::{AsOfArgs, Result};
use crate::model::Model;
use crate::rules::targets::{run_sql, Window};

#[derive(clap::Args)]
pub struct Args {
    /// SQL 文件
    #[arg(value_name = "FILE.sql")]
    pub file: PathBuf,
    #[command(flatten)]
    pub at: AsOfArgs,
    /// 写出 CSV（UTF-8 带 BOM，Excel 可直接打开）
    #[arg(long, value_name = "OUT")]
    pub csv: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<i32> {
    let sql = std::fs::read_to_string(&args.file)
        .map_err(|e| format!("无法读取 {}（{e}）", args.file.display()))?;
    let wh = args.at.warehouse();
    let model = Model::load(&wh, args.at.as_of)?;
    let window = Window::of(args.at.plan_year.unwrap_or(args.at.as_of.year), model.date);
    let df = run_sql(&model, &sql, window)
        .map_err(|e| format!("{} 执行失败：{e}", args.file.display()))?;
    let cell = |c: &polars::prelude::Column, i: usize| -> String {
        c.get(i)
            .map(|v| {
                if v.is_null() {
                    String::new()
                } else {
                    v.str_value().to_string()
                }
            })
            .unwrap_or_default()
    };
    match args.csv {
        None => {
            let names: Vec<&str> = df.get_column_names().iter().map(|n| n.as_str()).collect();
            println!("{}", names.join("\t"));
            for i in 0..df.height() {
                let row: Vec<String> = df.columns().iter().map(|c| cell(c, i)).collect();
                println!("{}", row.join("\t"));
            }
            println!("（{} 行）", df.height());
        }
        Some(out) => {
            let mut w = csv::Writer::from_writer(Vec::from(&b"\xEF\xBB\xBF"[..]));
            w.write_record(df.get_column_names().iter().map(|n| n.as_str()))?;
            for i in 0..df.height() {
                let row: Vec<String> = df
                    .columns()
                    .iter()
                    .map(|c| crate::render::workbook::neutralise(&cell(c, i)))
                    .collect();
                w.write_record(&row)?;
            }
            std::fs::write(&out, w.into_inner().map_err(crate::Error::other)?)?;
            println!("已写出 {}（{} 行）", out.display(), df.height());
        }
    }
    Ok(0)
}
