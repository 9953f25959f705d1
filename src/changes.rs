//! What changed in a cumulative ledger between two snapshots: rows added, changed (column,
//! old → new) and withdrawn, matched by each table's natural key (`Table::natural_key`).

use std::collections::BTreeMap;

use polars::prelude::*;

use crate::ids::{mask_id, mask_name};
use crate::tables::Table;

/// Rows by natural key; each row's values by column, as text.
pub type Rows = BTreeMap<Vec<String>, BTreeMap<&'static str, String>>;

#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    Added(Vec<String>),
    /// The key and, per changed column, (Chinese header, old, new).
    Changed(Vec<String>, Vec<(&'static str, String, String)>),
    Withdrawn(Vec<String>),
}

impl Change {
    /// One line in Chinese.
    pub fn describe(&self) -> String {
        match self {
            Change::Added(k) => format!("+ 新增 {}", k.join(" | ")),
            Change::Withdrawn(k) => format!("- 撤回 {}", k.join(" | ")),
            Change::Changed(k, cols) => {
                let cols: Vec<String> = cols
                    .iter()
                    .map(|(h, a, b)| format!("{h}：{a} → {b}"))
                    .collect();
                format!("~ 修改 {}：{}", k.join(" | "), cols.join("；"))
            }
        }
    }
}

/// The rows of a snapshot frame, masked (IDs and names) when `mask`.
pub fn rows(df: &DataFrame, table: Table, mask: bool) -> PolarsResult<Rows> {
    let mut out = Rows::new();
    let cols: Vec<&'static str> = table
        .columns()
        .iter()
        .map(|c| c.name)
        .filter(|n| *n != "month")
        .collect();
    for i in 0..df.height() {
        let mut values = BTreeMap::new();
        for name in &cols {
            let v = df.column(name)?.get(i)?;
            let text = match v {
                AnyValue::Null => String::new(),
                AnyValue::Boolean(b) => if b { "是" } else { "否" }.to_string(),
                v => v.str_value().to_string(),
            };
            let text = match *name {
                "id_number" if mask => mask_id(&text),
                "name" if mask && table != Table::Workshops => mask_name(&text),
                _ => text,
            };
            values.insert(*name, text);
        }
        let key = table
            .natural_key()
            .iter()
            .map(|k| values.get(k).cloned().unwrap_or_default())
            .collect();
        out.insert(key, values);
    }
    Ok(out)
}

fn header(table: Table, name: &str) -> &'static str {
    table
        .columns()
        .iter()
        .find(|c| c.name == name)
        .map_or("", |c| c.header)
}

/// Added, then changed, in key order, then withdrawn.
pub fn between(old: &Rows, new: &Rows, table: Table) -> Vec<Change> {
    let mut out = Vec::new();
    for (key, row) in new {
        match old.get(key) {
            None => out.push(Change::Added(key.clone())),
            Some(prev) => {
                let cols: Vec<(&'static str, String, String)> = row
                    .iter()
                    .filter(|(k, v)| prev.get(*k) != Some(v))
                    .map(|(k, v)| {
                        (
                            header(table, k),
                            prev.get(k).cloned().unwrap_or_default(),
                            v.clone(),
                        )
                    })
                    .collect();
                if !cols.is_empty() {
                    out.push(Change::Changed(key.clone(), cols));
                }
            }
        }
    }
    out.extend(
        old.keys()
            .filter(|k| !new.contains_key(*k))
            .map(|k| Change::Withdrawn(k.clone())),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, end: &str) -> (Vec<String>, BTreeMap<&'static str, String>) {
        let key = vec![id.to_string()];
        let mut v = BTreeMap::new();
        v.insert("id_number", id.to_string());
        v.insert("end_date", end.to_string());
        (key, v)
    }

    #[test]
    fn added_changed_withdrawn() {
        let old: Rows = [row("A", ""), row("B", "")].into_iter().collect();
        let new: Rows = [row("A", "2020-03-01"), row("C", "")].into_iter().collect();
        let c = between(&old, &new, Table::Help);
        assert_eq!(c.len(), 3);
        assert_eq!(c[0].describe(), "~ 修改 A：结束日期： → 2020-03-01");
        assert_eq!(c[1], Change::Added(vec!["C".into()]));
        assert_eq!(c[2], Change::Withdrawn(vec!["B".into()]));
    }
}
