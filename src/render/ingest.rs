//! What an ingest did, in Chinese for the clerk, one block per file: read, skipped as already
//! held, replaced, flagged for re-export (需重新导出) or refused, with the rejected rows.

use crate::ingest::batch::{self, Outcome, Report};

/// The ingest summary in Chinese, one block per file.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let (mut ok, mut skipped, mut failed, mut read, mut rejected) = (0, 0, 0, 0, 0);
    let mut flagged = 0;
    for f in &report.files {
        let name = f.path.display();
        match &f.outcome {
            Outcome::Ingested(lines) => {
                ok += 1;
                let flag = if lines.iter().any(|l| l.reexport.is_some()) {
                    flagged += 1;
                    "⚠"
                } else {
                    "✓"
                };
                for l in lines {
                    read += l.rows_read;
                    rejected += l.rows_rejected;
                    let status = match (&l.replaced_by, &l.replaces) {
                        (Some(by), _) => format!("已被同批更正版 {by} 取代，存入历史"),
                        (None, Some(old)) => format!("当前版本（更正并取代 {old}）"),
                        (None, None) => "当前版本".to_string(),
                    };
                    out.push_str(&format!(
                        "{flag} {name}\n    {} · {} · {} · 读取 {} 行，接收 {} 行，拒收 {} 行 · {status}\n",
                        l.table, l.region, l.month, l.rows_read, l.rows_accepted, l.rows_rejected
                    ));
                    if let Some(r) = &l.reexport {
                        out.push_str(&format!("    ⚠ {}\n", r.sentence()));
                    }
                }
            }
            Outcome::AlreadyReceived { when, .. } => {
                skipped += 1;
                out.push_str(&format!(
                    "= {name}\n    已于 {when} 接收过相同内容的文件，跳过\n"
                ));
            }
            Outcome::Failed(why) => {
                failed += 1;
                out.push_str(&format!("✗ {name}\n    未导入：{why}\n"));
            }
        }
    }
    out.push_str(&format!(
        "合计：导入 {ok} 个文件，跳过 {skipped} 个（已接收过），失败 {failed} 个；读取 {read} 行，拒收 {rejected} 行\n"
    ));
    if flagged > 0 {
        out.push_str(&format!(
            "⚠ {flagged} 个文件拒收的行超过 {}/{}，需重新导出（好的行已导入；重新导出的文件再导入即作为更正版取代）\n",
            batch::REEXPORT_SHARE.0,
            batch::REEXPORT_SHARE.1
        ));
    }
    if rejected > 0 {
        out.push_str("拒收明细：luyu rejects（按文件、行、列、值、原因列出）\n");
    }
    out
}
