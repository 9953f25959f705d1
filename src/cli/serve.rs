//! `luyu serve [--warehouse DIR] [--listen 127.0.0.1:8470]`
//!
//! The web application for the bureaus (see `crate::serve`): prints the address and serves
//! until stopped. Loopback by default; any other address needs accounts (`luyu user add`).

use std::net::SocketAddr;

use super::{PolicyArg, Result, WarehouseArg};
use crate::store::warehouse::resolve_dir;

#[derive(clap::Args)]
pub struct Args {
    /// 监听地址（默认只允许本机访问；其他地址须先用 luyu user add 建立账号）
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8470")]
    pub listen: SocketAddr,
    #[command(flatten)]
    pub policy: PolicyArg,
    #[command(flatten)]
    pub warehouse: WarehouseArg,
}

pub fn run(args: Args) -> Result<i32> {
    let dir = resolve_dir(args.warehouse.warehouse);
    std::fs::create_dir_all(&dir)?;
    crate::serve::run(dir, args.policy.policy, args.listen)?;
    Ok(0)
}
