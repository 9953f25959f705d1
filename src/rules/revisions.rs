//! Why a published figure moved: the latest publication of a month against the figures as the
//! warehouse knows them now — each figure of summary.json that differs, the exports received
//! since the publication that caused it, and the persons and vouchers behind the change.
//! ("6月通报就地就近就业 230 人，现为 228 人：…撤回 2 人（…），新增 0 人".)

use serde::Serialize;
use serde_json::Value;

use crate::dates::Month;
use crate::ids::{looks_like_id, mask_id, mask_name};
use crate::ingest::tables::Table;
use crate::model::Model;
use crate::policy::Policy;
use crate::rules::changes::{self, Change};
use crate::rules::targets::Progress;
use crate::store::publish::{self, Publication};
use crate::store::warehouse::Warehouse;

pub use crate::Error;

#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    /// The dotted path in summary.json.
    pub path: String,
    /// What it is, in Chinese.
    pub name: String,
    pub published: String,
    pub current: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Received {
    pub file: String,
    pub received: String,
    pub table: String,
    pub region: String,
    pub month: String,
    /// 更正 (replaces an export the publication used) or 新增.
    pub kind: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Persons {
    pub indicator: String,
    pub published: i64,
    pub current: i64,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    /// The sentence for the meeting.
    pub sentence: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Revisions {
    pub month: String,
    pub version: u32,
    pub title: Option<String>,
    pub published_on: String,
    pub figures: Vec<Figure>,
    pub received: Vec<Received>,
    pub persons: Vec<Persons>,
    /// Payments added, changed or withdrawn since, one line each.
    pub payments: Vec<String>,
}

/// The Chinese name of a summary.json figure.
fn figure_name(path: &str, progress: &Progress, policy: &Policy) -> String {
    let parts: Vec<&str> = path.split('.').collect();
    let target = |key: &str| {
        progress
            .targets
            .iter()
            .find(|t| t.key == key)
            .map_or(key.to_string(), |t| t.name.to_string())
    };
    match parts.as_slice() {
        ["targets", key, what] => {
            let what = match *what {
                "actual" => "",
                "expected" => "（应完成）",
                "status" => "（状态）",
                "projection" => "（预计全年）",
                "target" => "（目标）",
                other => other,
            };
            format!("{}{what}", target(key))
        }
        ["category_sum"] => "三类合计人次".into(),
        ["overlap"] => "重复计入人数".into(),
        ["transferred_stable", m] => format!("在济稳定就业满 {m} 个月人数"),
        ["spend", pool, "paid"] => format!("{pool}支出（元）"),
        ["spend", pool, "payments"] => format!("{pool}笔数"),
        ["spend", _, "by_item", item, "paid"] => format!("{item}支出（元）"),
        ["spend", _, "by_item", item, "payments"] => format!("{item}笔数"),
        ["findings", "errors"] => "“错误”问题数".into(),
        ["findings", "notices"] => "“提示”问题数".into(),
        ["findings", "by_rule", rule] => {
            format!("问题：{}", crate::rules::findings::rule_name(rule, policy))
        }
        ["data_quality", "files"] => "报表份数".into(),
        ["data_quality", "rows_read"] => "读取行数".into(),
        ["data_quality", "rows_rejected"] => "拒收行数".into(),
        _ => path.to_string(),
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::Null => "—".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A payment change as one line, IDs and persons' names masked unless `unmasked`.
fn payment_line(c: &Change, unmasked: bool) -> String {
    let show = |h: &str, v: &str| -> String {
        if unmasked {
            v.to_string()
        } else if looks_like_id(v) {
            mask_id(v)
        } else if h == "对象名称" {
            mask_name(v)
        } else {
            v.to_string()
        }
    };
    match c {
        Change::Added(k) => format!("新增凭证 {}", k.join(" ")),
        Change::Withdrawn(k) => format!("撤回凭证 {}", k.join(" ")),
        Change::Changed(k, cols) => {
            let cols: Vec<String> = cols
                .iter()
                .map(|(h, a, b)| format!("{h}：{} → {}", show(h, a), show(h, b)))
                .collect();
            format!("修改凭证 {}：{}", k.join(" "), cols.join("；"))
        }
    }
}

/// How the month's figures moved since `publication`. `current` is the summary and progress as
/// of its month computed now; `unmasked` shows IDs in full (the office, never circulated).
pub fn compute(
    wh: &Warehouse,
    publication: &Publication,
    current_summary: &Value,
    current: &Progress,
    policy: &Policy,
    unmasked: bool,
) -> Result<Revisions, Error> {
    let month = publication.month;
    let known_on = publication
        .known_on()
        .ok_or_else(|| format!("发布记录中的时间“{}”无法识别", publication.known_on))?;
    let then_wh = Warehouse::open(&wh.dir).as_known_on(Some(known_on));
    let published_summary: Value =
        serde_json::from_slice(&std::fs::read(wh.path(&publication.summary_rel()))?)?;
    let figures = publish::differences(&published_summary, current_summary)
        .into_iter()
        .map(|(path, a, b)| Figure {
            name: figure_name(&path, current, policy),
            path,
            published: text(&a),
            current: text(&b),
        })
        .collect();

    let received = received_since(wh, &then_wh, month)?;
    // Persons newly counted or no longer counted, per indicator.
    let then = crate::rules::targets::compute(
        &Model::load_ledgers(&then_wh, month)?,
        policy,
        publication.plan_year,
    )?;
    let persons = persons_moved(&then, current, month, &causes(&received), unmasked);
    let payments = payments_changed(wh, &then_wh, month, unmasked)?;
    Ok(Revisions {
        month: month.to_string(),
        version: publication.version,
        title: publication.title.clone(),
        published_on: publication.date(),
        figures,
        received,
        persons,
        payments,
    })
}

/// The exports of months up to `month` received after the publication's data was known
/// (`then_wh`), in the order they were received.
fn received_since(
    wh: &Warehouse,
    then_wh: &Warehouse,
    month: Month,
) -> Result<Vec<Received>, Error> {
    let manifest = wh.manifest()?;
    let then_ids: std::collections::HashSet<String> = then_wh
        .manifest()?
        .exports
        .into_iter()
        .map(|e| e.id)
        .collect();
    let mut received: Vec<Received> = manifest
        .exports
        .iter()
        .filter(|e| e.month <= month && !then_ids.contains(&e.id))
        .map(|e| Received {
            file: e.file_name.clone(),
            received: e
                .received()
                .map(|t| t.format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
            table: e.table.chinese().to_string(),
            region: e.region.chinese().to_string(),
            month: e.month.to_string(),
            kind: if e.replaces.as_ref().is_some_and(|r| then_ids.contains(r)) {
                "更正".into()
            } else {
                "新增".into()
            },
        })
        .collect();
    received.sort_by(|a, b| (&a.received, &a.file).cmp(&(&b.received, &b.file)));
    Ok(received)
}

/// What the exports received since say, as the persons' sentences give it.
fn causes(received: &[Received]) -> String {
    if received.is_empty() {
        "此后未收到新的报表".to_string()
    } else {
        let list: Vec<String> = received
            .iter()
            .map(|r| {
                format!(
                    "{}{}{}（{}，{} 收到）",
                    r.region,
                    month_label(&r.month),
                    r.table,
                    r.kind,
                    r.received
                )
            })
            .collect();
        format!("此后收到{}", list.join("、"))
    }
}

/// Per indicator whose persons differ between the publication (`then`) and now, who is newly
/// counted and who no longer is, with the sentence that says so.
fn persons_moved(
    then: &Progress,
    current: &Progress,
    month: Month,
    causes: &str,
    unmasked: bool,
) -> Vec<Persons> {
    let show = |id: &str| {
        if unmasked {
            id.to_string()
        } else {
            mask_id(id)
        }
    };
    let mut persons = Vec::new();
    let sets = |p: &Progress| {
        [
            ("helped", p.helped_ids()),
            ("transferred", p.transferred_ids.clone()),
            ("local", p.local_ids.clone()),
            ("trained", p.trained_ids.clone()),
        ]
    };
    for ((key, before), (_, now)) in sets(then).into_iter().zip(sets(current)) {
        if before == now {
            continue;
        }
        let name = current
            .targets
            .iter()
            .find(|t| t.key == key)
            .map_or(key, |t| t.name);
        let removed: Vec<String> = before.difference(&now).map(show).collect();
        let added: Vec<String> = now.difference(&before).map(show).collect();
        let list = |v: &[String]| {
            if v.is_empty() {
                String::new()
            } else {
                format!("（{}）", v.join("、"))
            }
        };
        let sentence = format!(
            "{}通报{name} {} 人，现为 {} 人：{causes}；不再计入 {} 人{}，新增计入 {} 人{}",
            month_label(&month.to_string()),
            before.len(),
            now.len(),
            removed.len(),
            list(&removed),
            added.len(),
            list(&added)
        );
        persons.push(Persons {
            indicator: name.to_string(),
            published: before.len() as i64,
            current: now.len() as i64,
            added,
            removed,
            sentence,
        });
    }
    persons
}

/// The payments added, changed or withdrawn (by 凭证号) since the publication (`then_wh`),
/// a line each.
fn payments_changed(
    wh: &Warehouse,
    then_wh: &Warehouse,
    month: Month,
    unmasked: bool,
) -> Result<Vec<String>, Error> {
    let payments_of = |w: &Warehouse| -> Result<polars::prelude::DataFrame, Error> {
        let m = w.manifest()?;
        let exports: Vec<_> = Warehouse::current(&m, month)
            .into_iter()
            .filter(|e| e.table == Table::Payments)
            .collect();
        Ok(w.read(Table::Payments, &exports)?)
    };
    Ok(changes::diff(
        &payments_of(then_wh)?,
        &payments_of(wh)?,
        Table::Payments,
        false,
    )?
    .iter()
    .map(|c| payment_line(c, unmasked))
    .collect())
}

/// `2020-06` → `2020年6月`.
fn month_label(m: &str) -> String {
    match m.parse::<Month>() {
        Ok(m) => format!("{}年{}月", m.year, m.month),
        Err(_) => m.to_string(),
    }
}
