//! The follow-up workbook (问题整改台账) the counties and townships fill in and send back, and
//! the rule every spreadsheet cell luyu writes follows: a cell starting with = + - @ (or a tab
//! or carriage return) gets a quote in front, so Excel and WPS never evaluate it as a formula.

use rust_xlsxwriter::Workbook;

use crate::money::yuan;
use crate::rules::findings::{listing_order, Finding};

use crate::Result;

/// A cell value that Excel will never evaluate: a leading = + - @ gets a quote in front.
pub fn neutralise(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// The follow-up workbook's columns; a county fills in the last three and sends it back, and
/// `luyu ingest` reads it by its header (`tables::Table::Answers`).
const WORKBOOK_HEADER: [&str; 20] = [
    "问题编号",
    "严重程度",
    "问题类型",
    "所在地区",
    "责任单位",
    "对象",
    "姓名/名称",
    "补贴项目",
    "已发(元)",
    "应享(元)",
    "差额(元)",
    "条款",
    "凭证号",
    "说明",
    "首次发现",
    "持续月数",
    "状态",
    "整改情况",
    "整改措施",
    "整改完成日期",
];

/// The payee of a finding and their name: masked, unless `unmasked` (the office).
pub fn who(r: &crate::run::Results, f: &Finding, unmasked: bool) -> (String, String) {
    if unmasked {
        let name = r
            .facts
            .person(&f.payee_key)
            .and_then(|p| p.names.first())
            .map_or_else(|| f.payee_name.clone(), |n| n.to_string());
        (f.payee_key.clone(), name)
    } else {
        (f.payee.clone(), f.payee_name.clone())
    }
}

/// When a finding was first found, for how many months, and its status (新发现 / 未整改).
pub fn life(
    followup: &crate::rules::followup::FollowUp,
    f: &Finding,
    as_of: crate::dates::Month,
) -> (String, i64, String) {
    followup.get(&f.id).map_or_else(
        || (as_of.to_string(), 1, "新发现".to_string()),
        |t| (t.first_month.clone(), t.months_open, t.status.clone()),
    )
}

/// The follow-up workbook (问题整改台账) as xlsx bytes: one row per finding, errors first, with
/// the answer columns empty. Masked unless `unmasked`; formula-like cells neutralised.
pub fn workbook(
    r: &crate::run::Results,
    followup: &crate::rules::followup::FollowUp,
    as_of: crate::dates::Month,
    unmasked: bool,
) -> Result<Vec<u8>> {
    let findings = listing_order(&r.audit.findings);
    let who = |f: &Finding| who(r, f, unmasked);
    let life = |f: &Finding| life(followup, f, as_of);
    let money = |d: Option<rust_decimal::Decimal>| d.map(yuan).unwrap_or_default();
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("问题整改台账")?;
    // The month in the title: a returned workbook is filed under it.
    sheet.write_string(
        0,
        0,
        format!(
            "鲁渝劳务协作问题整改台账（截至 {}年{}月）",
            as_of.year, as_of.month
        ),
    )?;
    sheet.write_string(
        1,
        0,
        "填报说明：请在“整改情况”栏填写 已整改 / 整改中 / 无法整改，并填写整改措施和整改完成日期（如 2021-01-15），其余各栏请勿修改；填好后交回，由 luyu ingest 导入。",
    )?;
    for (c, h) in WORKBOOK_HEADER.iter().enumerate() {
        sheet.write_string(2, c as u16, *h)?;
    }
    for (i, f) in findings.iter().enumerate() {
        let (id, name) = who(f);
        let (first, months, status) = life(f);
        let cells = [
            f.id.clone(),
            f.severity.to_string(),
            f.rule.name(&r.policy).into_owned(),
            f.side.to_string(),
            f.unit.clone(),
            id,
            name,
            f.item.clone(),
            money(f.paid),
            money(f.entitled),
            money(f.difference),
            f.clause.clone(),
            f.vouchers.join(" "),
            f.message.clone(),
            first,
            months.to_string(),
            status,
        ];
        for (c, v) in cells.iter().enumerate() {
            sheet.write_string(i as u32 + 3, c as u16, neutralise(v))?;
        }
    }
    sheet.set_freeze_panes(3, 1)?;
    sheet.autofit();
    Ok(book.save_to_buffer()?)
}
