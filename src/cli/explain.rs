//! `luyu explain 身份证号 --as-of M [--plan-year Y] [--policy FILE] [--warehouse DIR]`
//!
//! One person's story as of month M, for the clerk asked "why was he not counted?" or "why is
//! this payment flagged?": registry status, ledger rows, which indicators count the person,
//! every version of their ledger rows across the monthly exports, full months in Jining, the stable-work gate, each payment with its entitlement at the payment
//! date, and the findings. Unmasked: it is for the office, not for circulation.

use super::{AsOfArgs, Result};
use crate::ids::check_id;
use crate::run::explain::story;

#[derive(clap::Args)]
pub struct Args {
    /// 身份证号
    #[arg(value_name = "身份证号")]
    pub id: String,
    #[command(flatten)]
    pub at: AsOfArgs,
}

pub fn run(args: Args) -> Result<i32> {
    let id = check_id(&args.id)?;
    let r = args.at.compute()?;
    print!("{}", story(&args.at.at(), &id, &r)?);
    Ok(0)
}
