//! `summary.json` (spec/summary.md): the machine-readable result of a run.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::model::Model;
use crate::money::yuan;
use crate::rules::audit::Audit;
use crate::rules::findings::{Rule, Severity};
use crate::rules::targets::Progress;

pub fn build(model: &Model, progress: &Progress, audit: &Audit) -> Value {
    let mut targets = Map::new();
    for t in &progress.targets {
        targets.insert(
            t.key.to_string(),
            json!({"target": t.target, "actual": t.actual, "expected": t.expected, "status": t.status, "projection": t.projection}),
        );
    }
    let stable: BTreeMap<String, i64> = progress
        .stable
        .iter()
        .map(|(k, v)| (k.to_string(), *v))
        .collect();
    let mut spend = Map::new();
    for (pool, s) in &audit.spend {
        let by_item: Map<String, Value> = s
            .by_item
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    json!({"paid": yuan(v.paid), "payments": v.payments}),
                )
            })
            .collect();
        spend.insert(
            pool.clone(),
            json!({"paid": yuan(s.paid), "payments": s.payments, "by_item": by_item}),
        );
    }
    let by_rule: BTreeMap<&'static str, usize> = Rule::ALL
        .into_iter()
        .map(|rule| {
            let n = match rule {
                Rule::InvalidId => invalid_ids(model),
                _ => audit.count(rule),
            };
            (rule.code(), n)
        })
        .collect();
    let of = |severity: Severity| -> usize {
        Rule::ALL
            .into_iter()
            .filter(|r| r.severity() == severity)
            .map(|r| by_rule[r.code()])
            .sum()
    };
    let (errors, notices) = (of(Severity::Error), of(Severity::Notice));
    json!({
        "plan_year": progress.plan_year,
        "as_of": progress.as_of.to_string(),
        "targets": targets,
        "category_sum": progress.category_sum,
        "overlap": progress.overlap,
        "transferred_stable": stable,
        "spend": spend,
        "findings": {"errors": errors, "notices": notices, "by_rule": by_rule},
        "data_quality": {
            "files": model.exports.len(),
            "rows_read": model.exports.iter().map(|e| e.rows_read).sum::<usize>(),
            "rows_rejected": model.exports.iter().map(|e| e.rows_rejected).sum::<usize>(),
        },
    })
}

/// Rejected rows whose 身份证号 failed, in the current exports up to M (once per row).
pub fn invalid_ids(model: &Model) -> usize {
    model.exports.iter().map(|e| e.invalid_id_rows).sum()
}
