//! The command line: one file per subcommand, each with its usage at the top.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

mod ingest;
mod rejects;
mod summary;

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

/// The policy file: `--policy FILE`, else the built-in 济人社字〔2020〕47号.
#[derive(clap::Args, Clone)]
pub struct PolicyArg {
    /// 政策参数文件（TOML；默认内置济人社字〔2020〕47号）
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
}

impl PolicyArg {
    pub fn load(&self) -> std::result::Result<crate::policy::Policy, String> {
        crate::policy::Policy::load(self.policy.as_deref())
    }
}

#[derive(Subcommand)]
enum Command {
    /// 导入月度报表（文件或文件夹，xlsx/csv）到仓库
    Ingest(ingest::Args),
    /// 列出拒收的行：文件、行号、列、值、原因
    Rejects(rejects::Args),
    /// 写出 summary.json（目标、资金、问题、数据质量）
    Summary(summary::Args),
}

/// Runs the command line; returns the process exit code.
pub fn run() -> i32 {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Ingest(a) => ingest::run(a),
        Command::Rejects(a) => rejects::run(a),
        Command::Summary(a) => summary::run(a),
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
