//! `luyu audit --as-of M [--json] [--xlsx FILE] [--unmasked] [--policy FILE] [--warehouse DIR]`
//!
//! Every finding as of month M, errors (错误) before notices (提示), larger amounts first: rule,
//! payee (masked), item, paid / entitled / difference, clause and the explanation, each with its
//! 问题编号, 责任单位, the month it was first found and its status (新发现 / 未整改; see
//! `crate::rules::followup`). `--xlsx` writes the follow-up workbook (问题整改台账) with empty answer
//! columns for the counties to fill in and send back; cells are masked unless `--unmasked`,
//! and any cell starting with = + - @ is neutralised so that Excel never runs it as a formula.

use std::path::PathBuf;

use serde_json::json;

use super::{AsOfArgs, Result};
use crate::money::yuan;
use crate::render::workbook::{life, who, workbook};
use crate::rules::findings::{listing_order, Finding};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub at: AsOfArgs,
    /// 输出 JSON（summary.md 的 findings 部分，附明细）
    #[arg(long)]
    pub json: bool,
    /// 写出问题整改台账 xlsx（一张工作表，整改情况等栏留空，供区县、乡镇填写后交回）
    #[arg(long, value_name = "FILE")]
    pub xlsx: Option<PathBuf>,
    /// 不遮蔽身份证号和姓名（仅限内部核查使用，勿外传）
    #[arg(long)]
    pub unmasked: bool,
}

pub fn run(args: Args) -> Result<i32> {
    let r = args.at.compute()?;
    let findings = listing_order(&r.audit.findings);
    let wh = args.at.warehouse();
    let followup = crate::rules::followup::build(
        &wh,
        &crate::rules::followup::Params {
            policy: args.at.policy.policy.as_deref(),
            in_force: &r.policy,
            plan_year: args.at.plan_year,
            compute: &crate::run::findings_under(&r.policy),
        },
        args.at.as_of,
        &r.audit.findings,
    )?;
    let life = |f: &Finding| life(&followup, f, args.at.as_of);
    let who = |f: &Finding| who(&r, f, args.unmasked);
    let money = |d: Option<rust_decimal::Decimal>| d.map(yuan).unwrap_or_default();
    if let Some(path) = &args.xlsx {
        let bytes = workbook(&r, &followup, args.at.as_of, args.unmasked)?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, bytes)?;
        eprintln!("已写出问题整改台账 {}", path.display());
    }
    if args.json {
        let list: Vec<serde_json::Value> = findings
            .iter()
            .map(|f| {
                let (id, name) = who(f);
                let (first, months, status) = life(f);
                let answer = followup.get(&f.id).and_then(|t| t.answer.clone());
                json!({"id": f.id, "rule": f.rule, "severity": f.severity, "unit": f.unit, "side": f.side,
                       "payee": id, "payee_name": name, "item": f.item,
                       "paid": f.paid.map(yuan), "entitled": f.entitled.map(yuan), "difference": f.difference.map(yuan),
                       "clause": f.clause, "vouchers": f.vouchers, "message": f.message,
                       "first_month": first, "months_open": months, "status": status, "answer": answer})
            })
            .collect();
        let closed: Vec<serde_json::Value> = followup
            .closed
            .iter()
            .map(|t| json!({"id": t.seen.id, "rule": t.seen.rule, "unit": t.seen.unit, "first_month": t.first_month,
                            "closed_month": args.at.as_of.to_string(), "status": t.status, "answer": t.answer}))
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "as_of": args.at.as_of.to_string(),
                "findings": r.summary.findings,
                "list": list,
                "closed": closed,
                "unmatched_answers": followup.unmatched,
            }))?
        );
        return Ok(0);
    }
    println!(
        "问题清单（截至 {}）：错误 {} 条，提示 {} 条；本月新发现 {} 条，仍未整改 {} 条，本月已消除 {} 条",
        args.at.as_of,
        r.summary.findings.errors,
        r.summary.findings.notices,
        followup.new,
        followup.open,
        followup.closed_count
    );
    for f in findings {
        let (id, name) = who(f);
        let (first, _, status) = life(f);
        println!(
            "{} [{}] {} {} {} {}｜已发 {} 应享 {} ｜{}｜{}｜{}（{} 起）",
            f.id,
            f.severity,
            f.rule,
            id,
            name,
            f.item,
            money(f.paid),
            money(f.entitled),
            f.clause,
            f.message,
            status,
            first
        );
    }
    Ok(0)
}
