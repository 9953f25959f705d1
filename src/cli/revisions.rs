//! `luyu revisions --as-of M [--unmasked] [--json]`
//!
//! Why the figures of month M moved since its latest publication: each figure of summary.json
//! that differs (published → now), the exports received since that caused it (file, received
//! date, correction or new), the persons newly counted or no longer counted in each indicator,
//! and the payments added, changed or withdrawn. IDs are masked unless `--unmasked` (for the
//! office, not to circulate).

use super::{AsOfArgs, Result};
use crate::store::publish;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub at: AsOfArgs,
    /// 显示完整身份证号（仅供经办人核对，不要外发）
    #[arg(long)]
    pub unmasked: bool,
    /// 以 JSON 输出
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> Result<i32> {
    let wh = args.at.warehouse();
    let Some(publication) = publish::latest(&wh, args.at.as_of)? else {
        println!(
            "{} 还没有发布过（用 luyu publish --as-of {} 发布）",
            args.at.as_of, args.at.as_of
        );
        return Ok(0);
    };
    let r = args.at.compute()?;
    let rev = crate::rules::revisions::compute(
        &wh,
        &publication,
        &r.summary.to_value(),
        &r.progress,
        &r.policy,
        args.unmasked,
    )?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rev)?);
        return Ok(0);
    }
    println!(
        "{} 第 {} 版（{} 发布{}）与现在相比：",
        rev.month,
        rev.version,
        rev.published_on,
        rev.title
            .as_deref()
            .map(|t| format!("，{t}"))
            .unwrap_or_default()
    );
    if rev.figures.is_empty() {
        println!("  数字没有变化");
    }
    for f in &rev.figures {
        println!("  {}：发布时 {}，现在 {}", f.name, f.published, f.current);
    }
    for p in &rev.persons {
        println!("{}", p.sentence);
    }
    if !rev.received.is_empty() {
        println!("发布后收到的报表：");
        for e in &rev.received {
            println!(
                "  {}（{} 收到，{} {} {}，{}）",
                e.file, e.received, e.region, e.month, e.table, e.kind
            );
        }
    }
    if !rev.payments.is_empty() {
        println!("补贴发放的变化：");
        for l in &rev.payments {
            println!("  {l}");
        }
    }
    Ok(0)
}
