//! `luyu run EXPORTS_DIR --as-of M --out DIR [--warehouse DIR]`
//!
//! The month's whole job in one command: ingest the exports, then render every report (HTML
//! and Markdown) and summary.json as of M into DIR.

use std::path::PathBuf;

use super::{AsOfArgs, Result};
use crate::render::report::{Format, Kind};
use crate::store::warehouse::{resolve_dir, Warehouse};

#[derive(clap::Args)]
pub struct Args {
    /// 报表文件或文件夹
    #[arg(required = true, value_name = "EXPORTS")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub at: AsOfArgs,
    /// 输出目录
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

pub fn run(args: Args) -> Result<i32> {
    let wh = Warehouse::open(&resolve_dir(args.at.warehouse.warehouse.clone()));
    let report = crate::ingest::batch::ingest(&wh, &args.paths, None, |_| {})?;
    print!("{}", crate::render::ingest::render(&report));
    let files = crate::run::reports::render_all(
        &args.at.at(),
        &Kind::ALL,
        &[Format::Html, Format::Md],
        &args.out,
        crate::render::report::LIST_CAP,
        false,
        None,
    )?;
    super::report::print_written(&files);
    Ok(if report.failed() > 0 { 1 } else { 0 })
}
