//! The command line: one file per subcommand, each with its usage at the top.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

pub mod audit;
mod demo;
mod diff;
pub mod explain;
mod gen;
mod history;
pub mod ingest;
mod policy;
mod progress;
mod publish;
mod query;
mod reconcile;
mod rejects;
pub mod report;
mod revisions;
mod run_cmd;
mod serve;
mod spend;
mod summary;
mod user;

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

/// What a computing command works on: the month, the plan year, the policy and the warehouse.
#[derive(clap::Args, Clone)]
pub struct AsOfArgs {
    /// 截至月份，如 2020-12
    #[arg(long, value_name = "YYYY-MM")]
    pub as_of: crate::dates::Month,
    /// 计划年度（默认：截至月份所在的、政策文件中有目标的年度）
    #[arg(long, value_name = "YEAR")]
    pub plan_year: Option<i32>,
    /// 按某一时间已收到的报表核算（如 2020-07-10，到当天结束；或 2020-07-10T09:30:00+08:00）；之后收到的更正视为尚不存在
    #[arg(long, value_name = "WHEN", value_parser = crate::store::known::cutoff)]
    pub as_known_on: Option<crate::store::known::Instant>,
    #[command(flatten)]
    pub policy: PolicyArg,
    #[command(flatten)]
    pub warehouse: WarehouseArg,
}

impl AsOfArgs {
    pub fn at(&self) -> crate::run::At {
        crate::run::At {
            dir: crate::store::warehouse::resolve_dir(self.warehouse.warehouse.clone()),
            policy: self.policy.policy.clone(),
            as_of: self.as_of,
            plan_year: self.plan_year,
            known_on: self.as_known_on,
        }
    }

    /// The warehouse, as known on `--as-known-on` when given.
    pub fn warehouse(&self) -> crate::store::warehouse::Warehouse {
        self.at().warehouse()
    }

    /// Every figure as of the month, from the one shared computation.
    pub fn compute(&self) -> Result<crate::run::Results> {
        self.at().compute()
    }
}

#[derive(Subcommand)]
enum Command {
    /// 导入月度报表（文件或文件夹，xlsx/csv）到仓库
    Ingest(ingest::Args),
    /// 生成报告：联席会议通报、督导核查、年度绩效评估（HTML/Markdown）及 summary.json
    Report(report::Args),
    /// 一步完成：导入报表并生成全部报告
    Run(run_cmd::Args),
    /// 演示：用 data-samples/ 生成全部报告到 out/demo/
    Demo(demo::Args),
    /// 列出拒收的行：文件、行号、列、值、原因
    Rejects(rejects::Args),
    /// 写出 summary.json（目标、资金、问题、数据质量）
    Summary(summary::Args),
    /// 目标进度：帮扶、转移、就地就近、培训，按月、县、乡镇
    Progress(progress::Args),
    /// 跨地区核对：单方转移、未建档立卡、姓名不一致、重复计入
    Reconcile(reconcile::Args),
    /// 资金支出：按资金来源、补贴项目、地区、月份
    Spend(spend::Args),
    /// 问题清单：每笔补贴按政策核对，逐条说明条款与算式
    Audit(audit::Args),
    /// 一个人的全部情况：名册、台账、计入哪些目标、每笔补贴为何合规或有问题
    Explain(explain::Args),
    /// 已接收的报表、更正记录与缺报情况
    History(history::Args),
    /// 两个月份之间台账的新增、修改、撤回
    Diff(diff::Args),
    /// 对截至某月的数据运行 SQL 查询
    Query(query::Args),
    /// 生成模拟报表（演示数据与性能测试）
    Gen(gen::Args),
    /// 显示政策参数及其条款
    Policy(policy::Args),
    /// 发布某月的数字与报告（联席会议、督导），留存备查；--verify 核对每一次发布能否重现
    Publish(publish::Args),
    /// 列出已发布的各版数字与报告
    Published(publish::ListArgs),
    /// 发布后的修订：某月发布的数字为何变化（哪些报表、哪些人、哪些凭证）
    Revisions(revisions::Args),
    /// 启动网页版：在浏览器中上传报表、查看进度、打开清单、下载报告
    Serve(serve::Args),
    /// 管理网页版的账号
    User(user::Args),
}

/// Runs the command line; returns the process exit code.
pub fn run() -> i32 {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Ingest(a) => ingest::run(a),
        Command::Report(a) => report::run(a),
        Command::Run(a) => run_cmd::run(a),
        Command::Demo(a) => demo::run(a),
        Command::Rejects(a) => rejects::run(a),
        Command::Summary(a) => summary::run(a),
        Command::Progress(a) => progress::run(a),
        Command::Reconcile(a) => reconcile::run(a),
        Command::Spend(a) => spend::run(a),
        Command::Audit(a) => audit::run(a),
        Command::History(a) => history::run(a),
        Command::Explain(a) => explain::run(a),
        Command::Diff(a) => diff::run(a),
        Command::Query(a) => query::run(a),
        Command::Policy(a) => policy::run(a),
        Command::Gen(a) => gen::run(a),
        Command::Publish(a) => publish::run(a),
        Command::Published(a) => publish::list(a),
        Command::Revisions(a) => revisions::run(a),
        Command::Serve(a) => serve::run(a),
        Command::User(a) => user::run(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("错误：{e}");
            2
        }
    }
}

pub use crate::Result;
