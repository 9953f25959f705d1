//! `luyu policy [--policy FILE]`
//!
//! The policy in force: its document, period, targets per plan year, pools, the subsidy items
//! and every parameter with its value, unit and clause.

use super::{PolicyArg, Result};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub policy: PolicyArg,
}

fn value_text(p: &crate::policy::Parameter) -> String {
    p.value.as_ref().map_or("不设上限".to_string(), |v| {
        v.to_string().trim_matches('"').to_string()
    })
}

pub fn run(args: Args) -> Result<i32> {
    let p = args.policy.load()?;
    println!(
        "{} {}（{}）",
        p.document.number, p.document.title, p.document.issued
    );
    println!(
        "执行期限：{} 至 {}（{}）\n",
        p.period_from, p.period_to, p.period_reference
    );
    for plan in &p.plans {
        println!("{} 年度目标（{}）", plan.year, plan.reference);
        for (_, name, t) in plan.targets() {
            println!("  {name}\t{t} 人");
        }
    }
    println!("\n补贴项目");
    for pool in &p.pools {
        println!("{}（{}）", pool.name, pool.reference);
        for i in p.items.iter().filter(|i| i.pool == pool.name) {
            let once = if i.once { "，一次性" } else { "" };
            let stack = if i.not_with.is_empty() {
                String::new()
            } else {
                let others: Vec<String> = i.not_with.iter().map(|c| c.to_string()).collect();
                format!("，不得与 {} 同时享受", others.join("、"))
            };
            println!("  {} {}（{}{once}{stack}）", i.code, i.name, i.reference);
            let values: Vec<String> = i
                .parameters
                .iter()
                .filter_map(|k| {
                    p.parameters
                        .get(k)
                        .map(|v| format!("{k} = {}", value_text(v)))
                })
                .collect();
            println!("      {}", values.join("，"));
        }
    }
    println!("\n参数");
    for (key, v) in &p.parameters {
        let value = v.value.as_ref().map_or("不设上限".to_string(), |v| {
            v.to_string().trim_matches('"').to_string()
        });
        // Every value holds for the policy's whole period (dated values are refused).
        let (from, to) = (p.period_from, p.period_to);
        println!(
            "  {key} = {value} {}（{}；{from} 至 {to}）{}",
            v.unit, v.reference, v.description
        );
    }
    Ok(0)
}
