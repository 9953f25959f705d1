//! `luyu spend --as-of M [--json] [--policy FILE] [--warehouse DIR]`
//!
//! Spend per funding pool as of month M: distinct payments (by 凭证号), paid and number of
//! payments, by item, by region and by export month, and beside them what the payees paid were
//! entitled to as of M, for the items whose amount the policy fixes. `--json` prints the `spend` part of
//! summary.md with the region and month splits added.

use serde_json::json;

use super::{AsOfArgs, Result};
use crate::money::{yuan, yuan_grouped};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub at: AsOfArgs,
    /// 输出 JSON
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> Result<i32> {
    let r = args.at.compute()?;
    if args.json {
        let mut out = serde_json::Map::new();
        for (pool, s) in &r.audit.spend {
            let split = |m: &std::collections::BTreeMap<String, crate::rules::audit::ItemSpend>| -> serde_json::Value {
                m.iter().map(|(k, v)| (k.clone(), json!({"paid": yuan(v.paid), "payments": v.payments}))).collect::<serde_json::Map<_, _>>().into()
            };
            out.insert(pool.clone(), json!({
                "paid": yuan(s.paid), "payments": s.payments,
                "by_item": split(&s.by_item), "by_region": split(&s.by_region), "by_month": split(&s.by_month),
                "entitled": yuan(s.entitled()),
                "entitled_by_item": s.entitled_by_item.iter().map(|(k, v)| (k.clone(), json!(yuan(*v)))).collect::<serde_json::Map<_, _>>(),
            }));
        }
        println!(
            "{}",
            serde_json::to_string_pretty(
                &json!({"as_of": args.at.as_of.to_string(), "spend": out})
            )?
        );
        return Ok(0);
    }
    println!("资金支出（截至 {}，按凭证号去重）", args.at.as_of);
    for (pool, s) in &r.audit.spend {
        println!(
            "\n{pool}：已发 {} 元，{} 笔；定额项目应享合计 {} 元（已发放对象截至本月的应享额）",
            yuan_grouped(s.paid),
            s.payments,
            yuan_grouped(s.entitled())
        );
        for (item, v) in &s.by_item {
            let known = if r.policy.item_by_name(item).is_some() {
                ""
            } else {
                "（政策外项目）"
            };
            let entitled = s.entitled_by_item.get(item).map_or("—".to_string(), |e| {
                format!("应享 {} 元", yuan_grouped(*e))
            });
            println!(
                "  {item}{known}\t{} 元\t{} 笔\t{entitled}",
                yuan_grouped(v.paid),
                v.payments
            );
        }
        for (region, v) in &s.by_region {
            println!(
                "  发放地区 {region}\t{} 元\t{} 笔",
                yuan_grouped(v.paid),
                v.payments
            );
        }
        for (month, v) in &s.by_month {
            println!("  {month}\t{} 元\t{} 笔", yuan_grouped(v.paid), v.payments);
        }
    }
    Ok(0)
}
