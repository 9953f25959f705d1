//! `luyu demo [--samples DIR] [--out DIR]`
//!
//! The main job on the bundled `data-samples/`: a fresh warehouse in `out/demo/warehouse`,
//! every report as of 2020-06 (mid-year) and 2020-12 (year end) in `out/demo/`, and the list of
//! files written.

use std::path::PathBuf;

use super::{AsOfArgs, PolicyArg, Result, WarehouseArg};
use crate::dates::Month;
use crate::render::report::{Format, Kind};
use crate::store::warehouse::Warehouse;

#[derive(clap::Args)]
pub struct Args {
    /// 示例报表目录
    #[arg(long, value_name = "DIR", default_value = "data-samples")]
    pub samples: PathBuf,
    /// 输出目录
    #[arg(long, value_name = "DIR", default_value = "out/demo")]
    pub out: PathBuf,
}

pub fn run(args: Args) -> Result<i32> {
    if !args.samples.is_dir() {
        return Err(format!(
            "找不到示例数据目录 {}：请在项目根目录运行，或用 --samples 指定",
            args.samples.display()
        )
        .into());
    }
    let wh_dir = args.out.join("warehouse");
    if wh_dir.exists() {
        std::fs::remove_dir_all(&wh_dir)?;
    }
    let wh = Warehouse::open(&wh_dir);
    let report =
        crate::ingest::batch::ingest(&wh, std::slice::from_ref(&args.samples), None, |_| {})?;
    print!("{}", crate::render::ingest::render(&report));
    let mut files = Vec::new();
    for month in [
        Month {
            year: 2020,
            month: 6,
        },
        Month {
            year: 2020,
            month: 12,
        },
    ] {
        let at = AsOfArgs {
            as_of: month,
            plan_year: None,
            as_known_on: None,
            policy: PolicyArg { policy: None },
            warehouse: WarehouseArg {
                warehouse: Some(wh_dir.clone()),
            },
        };
        files.extend(crate::run::reports::render_all(
            &at.at(),
            &Kind::ALL,
            &[Format::Html, Format::Md],
            &args.out,
            crate::render::report::LIST_CAP,
            false,
            None,
        )?);
    }
    super::report::print_written(&files);
    println!(
        "用浏览器打开 {} 查看联席会议通报。",
        args.out.join("briefing-2020-12.html").display()
    );
    Ok(0)
}
