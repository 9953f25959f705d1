//! `luyu audit --as-of M [--json] [--xlsx FILE] [--unmasked] [--policy FILE] [--warehouse DIR]`
//!
//! Every finding as of month M, errors (错误) before notices (提示), larger amounts first: rule,
//! payee (masked), item, paid / entitled / difference, clause and the explanation. `--xlsx`
//! writes the follow-up list, one sheet per severity; cells are masked unless `--unmasked`, and
//! any cell starting with = + - @ is neutralised so that Excel never runs it as a formula.

use std::path::PathBuf;

use rust_xlsxwriter::Workbook;
use serde_json::json;

use super::{AsOfArgs, Result};
use crate::audit::{Finding, ERROR, NOTICE};
use crate::money::yuan;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub at: AsOfArgs,
    /// 输出 JSON（summary.md 的 findings 部分，附明细）
    #[arg(long)]
    pub json: bool,
    /// 写出问题清单 xlsx（每种严重程度一张工作表）
    #[arg(long, value_name = "FILE")]
    pub xlsx: Option<PathBuf>,
    /// 不遮蔽身份证号和姓名（仅限内部核查使用，勿外传）
    #[arg(long)]
    pub unmasked: bool,
}

/// Findings sorted by severity, then amount (largest first).
pub fn sorted(findings: &[Finding]) -> Vec<&Finding> {
    let mut v: Vec<&Finding> = findings.iter().collect();
    v.sort_by(|a, b| {
        (a.severity != ERROR)
            .cmp(&(b.severity != ERROR))
            .then(b.paid.unwrap_or_default().cmp(&a.paid.unwrap_or_default()))
            .then(a.rule.cmp(b.rule))
    });
    v
}

/// A cell value that Excel will never evaluate: a leading = + - @ gets a quote in front.
pub fn neutralise(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

pub fn run(args: Args) -> Result<i32> {
    let r = args.at.compute()?;
    let findings = sorted(&r.audit.findings);
    let who = |f: &Finding| -> (String, String) {
        if args.unmasked {
            let name = r
                .facts
                .person(&f.payee_key)
                .and_then(|p| p.names.first())
                .map_or_else(|| f.payee_name.clone(), |n| n.to_string());
            (f.payee_key.clone(), name)
        } else {
            (f.payee.clone(), f.payee_name.clone())
        }
    };
    let money = |d: Option<rust_decimal::Decimal>| d.map(yuan).unwrap_or_default();
    if let Some(path) = &args.xlsx {
        let mut book = Workbook::new();
        for severity in [ERROR, NOTICE] {
            let sheet = book.add_worksheet();
            sheet.set_name(severity)?;
            let header = [
                "规则",
                "对象",
                "姓名/名称",
                "补贴项目",
                "已发(元)",
                "应享(元)",
                "差额(元)",
                "条款",
                "凭证号",
                "说明",
            ];
            for (c, h) in header.iter().enumerate() {
                sheet.write_string(0, c as u16, *h)?;
            }
            for (i, f) in findings
                .iter()
                .filter(|f| f.severity == severity)
                .enumerate()
            {
                let (id, name) = who(f);
                let cells = [
                    f.rule.to_string(),
                    id,
                    name,
                    f.item.clone(),
                    money(f.paid),
                    money(f.entitled),
                    money(f.difference),
                    f.clause.clone(),
                    f.vouchers.join(" "),
                    f.message.clone(),
                ];
                for (c, v) in cells.iter().enumerate() {
                    sheet.write_string(i as u32 + 1, c as u16, neutralise(v))?;
                }
            }
            sheet.autofit();
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        book.save(path)?;
        eprintln!("已写出问题清单 {}", path.display());
    }
    if args.json {
        let list: Vec<serde_json::Value> = findings
            .iter()
            .map(|f| {
                let (id, name) = who(f);
                json!({"rule": f.rule, "severity": f.severity, "payee": id, "payee_name": name, "item": f.item,
                       "paid": f.paid.map(yuan), "entitled": f.entitled.map(yuan), "difference": f.difference.map(yuan),
                       "clause": f.clause, "vouchers": f.vouchers, "message": f.message})
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(
                &json!({"as_of": args.at.as_of.to_string(), "findings": r.summary["findings"], "list": list})
            )?
        );
        return Ok(0);
    }
    println!(
        "问题清单（截至 {}）：错误 {} 条，提示 {} 条",
        args.at.as_of, r.summary["findings"]["errors"], r.summary["findings"]["notices"]
    );
    for f in findings {
        let (id, name) = who(f);
        println!(
            "[{}] {} {} {} {}｜已发 {} 应享 {} ｜{}｜{}",
            f.severity,
            f.rule,
            id,
            name,
            f.item,
            money(f.paid),
            money(f.entitled),
            f.clause,
            f.message
        );
    }
    Ok(0)
}
