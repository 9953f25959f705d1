//! `luyu progress --as-of M [--plan-year Y] [--json] [--policy FILE] [--warehouse DIR]`
//!
//! Progress toward the plan year's targets (policy 一) as of month M: target, actual, expected
//! by the pace, status and projection for each indicator; the category sum and overlap;
//! stability of transfers; breakdowns by Jining county, Wanzhou township and 帮扶方式; and the
//! monthly cumulative series. `--json` prints the same as JSON.

use serde_json::json;

use super::{AsOfArgs, Result};
use crate::rules::summary::Summary;
use crate::rules::targets::Progress;

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

pub fn to_json(summary: &Summary, p: &Progress) -> serde_json::Value {
    json!({
        "plan_year": p.plan_year,
        "as_of": p.as_of.to_string(),
        "targets": summary.targets,
        "category_sum": p.category_sum,
        "overlap": p.overlap,
        "transferred_stable": summary.transferred_stable,
        "by_county": p.by_county,
        "by_township": p.by_township,
        "by_mode": p.by_mode,
        "series": p.series,
    })
}

/// A terminal table whose columns line up with Chinese in them (a Chinese character is two
/// columns wide; tabs and `{:<14}` count it as one). `right`: the columns aligned right.
fn table(header: &[&str], rows: Vec<Vec<String>>, right: &[usize]) -> String {
    use comfy_table::{presets, CellAlignment, Table};
    let mut t = Table::new();
    t.load_preset(presets::NOTHING);
    t.set_header(header.to_vec());
    for r in rows {
        t.add_row(r);
    }
    for i in right {
        if let Some(c) = t.column_mut(*i) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
    let mut s = t.to_string();
    s.push('\n');
    s
}

/// The progress table in Chinese, for the terminal.
pub fn render(p: &Progress) -> String {
    let mut out = format!(
        "{} 年度目标进度（截至 {}，第 {} 个月）\n\n",
        p.plan_year, p.as_of, p.months_elapsed
    );
    let rows = p
        .targets
        .iter()
        .map(|t| {
            vec![
                t.name.to_string(),
                t.target.to_string(),
                t.actual.to_string(),
                t.expected.to_string(),
                t.status.to_string(),
                format!("{:.1}", t.projection),
            ]
        })
        .collect();
    out.push_str(&table(
        &["指标", "目标", "实际", "应完成", "状态", "全年预计"],
        rows,
        &[1, 2, 3, 5],
    ));
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
    let rows = p
        .by_county
        .iter()
        .map(|(k, v)| vec![k.clone(), v.to_string()])
        .collect();
    out.push_str(&table(&["就业县（市、区）", "人数"], rows, &[1]));
    out.push_str("\n按万州乡镇（街道）\n");
    let rows = p
        .by_township
        .iter()
        .map(|(k, v)| {
            vec![
                k.clone(),
                v.helped.to_string(),
                v.transferred.to_string(),
                v.local.to_string(),
                v.trained.to_string(),
            ]
        })
        .collect();
    out.push_str(&table(
        &["乡镇（街道）", "帮扶", "转移", "就地就近", "培训"],
        rows,
        &[1, 2, 3, 4],
    ));
    out.push_str("\n按帮扶方式（就地就近就业、培训）\n");
    let rows = p
        .by_mode
        .iter()
        .map(|(k, v)| vec![k.clone(), v.to_string()])
        .collect();
    out.push_str(&table(&["帮扶方式", "人数"], rows, &[1]));
    out.push_str("\n逐月累计\n");
    let rows = p
        .series
        .iter()
        .map(|s| {
            vec![
                s.month.clone(),
                s.helped.to_string(),
                s.transferred.to_string(),
                s.local.to_string(),
                s.trained.to_string(),
                s.expected_helped.to_string(),
            ]
        })
        .collect();
    out.push_str(&table(
        &["月份", "帮扶", "转移", "就地就近", "培训", "帮扶应完成"],
        rows,
        &[1, 2, 3, 4, 5],
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::table;

    /// Display width: CJK and full-width forms take two columns.
    fn width(s: &str) -> usize {
        s.chars()
            .map(|c| match c as u32 {
                0x1100..=0x115F
                | 0x2E80..=0xA4CF
                | 0xAC00..=0xD7A3
                | 0xF900..=0xFAFF
                | 0xFE30..=0xFE4F
                | 0xFF00..=0xFF60
                | 0xFFE0..=0xFFE6 => 2,
                _ => 1,
            })
            .sum()
    }

    #[test]
    fn columns_line_up_with_chinese_in_them() {
        let t = table(
            &["指标", "目标", "实际"],
            vec![
                vec!["帮扶就业总数".into(), "520".into(), "523".into()],
                vec!["转移到济宁就业".into(), "40".into(), "41".into()],
                vec!["x".into(), "5".into(), "6".into()],
            ],
            &[1, 2],
        );
        let lines: Vec<&str> = t.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 4, "{t}");
        let w = width(lines[0].trim_end());
        for l in &lines {
            // Every row ends at the same display column: the numbers are right-aligned.
            assert_eq!(width(l.trim_end()), w, "{t}");
        }
    }
}
