//! `luyu user add NAME --role 查看|经办 [--warehouse DIR]`
//!
//! Adds an account for `luyu serve` (or sets a new password and role): the password is read
//! from standard input (typed, or piped), and kept only as an argon2 hash in the warehouse.

use std::io::BufRead;

use super::{Result, WarehouseArg};
use crate::serve::auth::{add_user, Role};
use crate::store::warehouse::resolve_dir;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub action: Action,
}

#[derive(clap::Subcommand)]
pub enum Action {
    /// 建立账号（密码从标准输入读取，至少 8 位）
    Add {
        /// 用户名
        name: String,
        /// 角色：查看（只看脱敏数据）或 经办（可上传报表、查看个人详情）
        #[arg(long, value_parser = Role::parse)]
        role: Role,
        #[command(flatten)]
        warehouse: WarehouseArg,
    },
}

pub fn run(args: Args) -> Result<i32> {
    match args.action {
        Action::Add {
            name,
            role,
            warehouse,
        } => {
            let dir = resolve_dir(warehouse.warehouse);
            std::fs::create_dir_all(&dir)?;
            eprintln!("请输入 {name} 的密码（至少 8 位），回车结束：");
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            let password = line.trim_end_matches(['\r', '\n']);
            add_user(&dir, &name, role, password)?;
            println!("已建立账号 {name}（{}）", role.chinese());
            Ok(0)
        }
    }
}
