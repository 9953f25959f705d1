//! `luyu progress --as-of M [--plan-year Y] [--json] [--policy FILE] [--warehouse DIR]`
//!
//! Progress toward the plan year's targets (policy 一) as of month M: target, actual, expected
//! by the pace, status and projection for each indicator; the category sum and overlap;
//! stability of transfers; breakdowns by Jining county, Wanzhou township and 帮扶方式; and the
//! monthly cumulative series. `--json` prints the same as JSON.

use serde_json::json;

use super::{AsOfArgs, Result};
use crate::targets::Progress;

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
        println!(
            "{}",
            serde_json::to_string_pretty(&to_json(&r.summary, &r.progress))?
        );
    } else {
        print!("{}", render(&r.progress));
    }
    Ok(0)
}

pub fn to_json(summary: &serde_json::Value, p: &Progress) -> serde_json::Value {
    json!({
        "plan_year": p.plan_year,
        "as_of": p.as_of.to_string(),
        "targets": summary["targets"],
        "category_sum": p.category_sum,
        "overlap": p.overlap,
        "transferred_stable": summary["transferred_stable"],
        "by_county": p.by_county,
        "by_township": p.by_township,
        "by_mode": p.by_mode,
        "series": p.series,
    })
}

/// The progress table in Chinese, for the terminal.
pub fn render(p: &Progress) -> String {
    let mut out = format!(
        "{} 年度目标进度（截至 {}，第 {} 个月）\n\n",
        p.plan_year, p.as_of, p.months_elapsed
    );
    out.push_str("指标                目标    实际    应完成  状态    全年预计\n");
    for t in &p.targets {
        out.push_str(&format!(
            "{:<14}\t{:>6}\t{:>6}\t{:>6}\t{}\t{:>8.1}\n",
            t.name, t.target, t.actual, t.expected, t.status, t.projection
        ));
    }
    out.push_str(&format!(
        "\n三类合计 {} 人次，其中 {} 人同时计入两类或三类\n",
        p.category_sum, p.overlap
    ));
    for (m, n) in &p.stable {
        out.push_str(&format!(
            "转移就业人员中在济稳定就业满 {m} 个整月：{n} 人\n"
        ));
    }
    out.push_str("\n转移就业（按济宁就业县）\n");
    for (k, v) in &p.by_county {
        out.push_str(&format!("  {k}\t{v}\n"));
    }
    out.push_str("\n按万州乡镇（街道）：帮扶 / 转移 / 就地就近 / 培训\n");
    for (k, v) in &p.by_township {
        out.push_str(&format!(
            "  {k}\t{}\t{}\t{}\t{}\n",
            v.helped, v.transferred, v.local, v.trained
        ));
    }
    out.push_str("\n按帮扶方式（就地就近就业、培训）\n");
    for (k, v) in &p.by_mode {
        out.push_str(&format!("  {k}\t{v}\n"));
    }
    out.push_str("\n逐月累计：月份 帮扶 转移 就地就近 培训（帮扶应完成）\n");
    for s in &p.series {
        out.push_str(&format!(
            "  {}\t{}\t{}\t{}\t{}\t({})\n",
            s.month, s.helped, s.transferred, s.local, s.trained, s.expected_helped
        ));
    }
    out
}
