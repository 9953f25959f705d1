//! The command line: one file per subcommand, each with its usage at the top.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

mod ingest;
mod rejects;

#[derive(Parser)]
#[command(
    name = "luyu",
    version,
    about = "鲁渝劳务协作（济宁—万州）台账核算：导入月度报表，按济人社字〔2020〕47号核算目标进度、补贴资金与问题线索",
    long_about = None
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Options shared by every command that reads or writes the warehouse.
#[derive(clap::Args, Clone)]
pub struct WarehouseArg {
    /// 仓库目录（默认 ./warehouse，或环境变量 LUYU_WAREHOUSE）
    #[arg(long, value_name = "DIR")]
    pub warehouse: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// 导入月度报表（文件或文件夹，xlsx/csv）到仓库
    Ingest(ingest::Args),
    /// 列出拒收的行：文件、行号、列、值、原因
    Rejects(rejects::Args),
}

/// Runs the command line; returns the process exit code.
pub fn run() -> i32 {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Ingest(a) => ingest::run(a),
        Command::Rejects(a) => rejects::run(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("错误：{e}");
            2
        }
    }
}

pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;
