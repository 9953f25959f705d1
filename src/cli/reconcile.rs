//! `luyu reconcile --as-of M [--plan-year Y] [--policy FILE] [--warehouse DIR]`
//!
//! Cross-region reconciliation by 身份证号, as of month M: transfers to Jining recorded by one
//! side only; ledger rows (counted in the window) and per-person payments for persons who are
//! not registered as 建档立卡; persons whose name differs between files; persons counted in two
//! or three categories. IDs and names are masked.

use super::{AsOfArgs, Result};
use crate::ids::{mask_id, mask_name};
use crate::rules::findings::Rule;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub at: AsOfArgs,
}

pub fn run(args: Args) -> Result<i32> {
    let r = args.at.compute()?;
    println!("跨地区核对（截至 {}）", args.at.as_of);
    for (rule, title) in [
        (Rule::OneSidedTransfer, "一、只有一方记录的转移就业"),
        (Rule::UnregisteredPerson, "二、不在名册或未建档立卡的人员"),
    ] {
        let list: Vec<_> = r.audit.findings.iter().filter(|f| f.rule == rule).collect();
        println!("\n{title}（{} 人）", list.len());
        for f in list {
            println!("  {} {}：{}", f.payee, f.payee_name, f.message);
        }
    }
    // Persons are in ID order.
    let differ: Vec<_> = r
        .facts
        .persons
        .iter()
        .filter(|(_, p)| p.names.len() > 1)
        .collect();
    println!("\n三、各表姓名不一致的人员（{} 人）", differ.len());
    for (id, p) in differ {
        let names: Vec<String> = p.names.iter().map(|n| mask_name(n)).collect();
        println!("  {}：{}", mask_id(id), names.join(" / "));
    }
    let p = &r.progress;
    let mut multi: Vec<(String, Vec<&str>)> = p
        .helped_ids()
        .iter()
        .filter_map(|id| {
            let cats: Vec<&str> = [
                (&p.transferred_ids, "转移就业"),
                (&p.local_ids, "就地就近就业"),
                (&p.trained_ids, "帮扶培训"),
            ]
            .iter()
            .filter(|(s, _)| s.contains(id))
            .map(|(_, n)| *n)
            .collect();
            (cats.len() >= 2).then(|| (id.to_string(), cats))
        })
        .collect();
    multi.sort();
    println!("\n四、同时计入两类或三类的人员（{} 人）", multi.len());
    for (id, cats) in multi {
        println!("  {}：{}", mask_id(&id), cats.join("、"));
    }
    Ok(0)
}
