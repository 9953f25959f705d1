//! `summary.json` (spec/summary.md): the machine-readable result of a run, as a typed struct.
//!
//! Fields are declared in alphabetical order, the order the file has always had its keys in
//! (and maps are `BTreeMap`s), so the bytes stay the same as the format's first version.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::Model;
use crate::money::yuan;
use crate::rules::audit::Audit;
use crate::rules::findings::{Rule, Severity};
use crate::rules::targets::Progress;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub as_of: String,
    pub category_sum: i64,
    pub data_quality: DataQuality,
    pub findings: FindingCounts,
    pub overlap: i64,
    pub plan_year: i32,
    /// Per pool (资金来源).
    pub spend: BTreeMap<String, PoolSpend>,
    /// Per indicator key (`helped`, `transferred`, `local`, `trained`).
    pub targets: BTreeMap<String, TargetFigures>,
    /// Transferred persons by months stable in Jining (3, 6, 12).
    pub transferred_stable: BTreeMap<String, i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataQuality {
    pub files: usize,
    pub rows_read: usize,
    pub rows_rejected: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindingCounts {
    /// Per rule code, every rule of [`Rule::ALL`] (zero included).
    pub by_rule: BTreeMap<String, usize>,
    pub errors: usize,
    pub notices: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoolSpend {
    pub by_item: BTreeMap<String, Spent>,
    /// Yuan with two decimals, as text (exact).
    pub paid: String,
    pub payments: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Spent {
    pub paid: String,
    pub payments: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetFigures {
    pub actual: i64,
    pub expected: i64,
    pub projection: f64,
    pub status: crate::rules::targets::Status,
    pub target: i64,
}

pub fn build(model: &Model, progress: &Progress, audit: &Audit) -> Summary {
    let targets = progress
        .targets
        .iter()
        .map(|t| {
            let figures = TargetFigures {
                actual: t.actual,
                expected: t.expected,
                projection: t.projection,
                status: t.status,
                target: t.target,
            };
            (t.key.to_string(), figures)
        })
        .collect();
    let transferred_stable = progress
        .stable
        .iter()
        .map(|(k, v)| (k.to_string(), *v))
        .collect();
    let spent = |paid, payments| Spent {
        paid: yuan(paid),
        payments,
    };
    let spend = audit
        .spend
        .iter()
        .map(|(pool, s)| {
            let by_item = s
                .by_item
                .iter()
                .map(|(k, v)| (k.clone(), spent(v.paid, v.payments)))
                .collect();
            let pool_spend = PoolSpend {
                by_item,
                paid: yuan(s.paid),
                payments: s.payments,
            };
            (pool.clone(), pool_spend)
        })
        .collect();
    let by_rule: BTreeMap<String, usize> = Rule::ALL
        .into_iter()
        .map(|rule| {
            let n = match rule {
                Rule::InvalidId => invalid_ids(model),
                _ => audit.count(rule),
            };
            (rule.code().to_string(), n)
        })
        .collect();
    let of = |severity: Severity| -> usize {
        Rule::ALL
            .into_iter()
            .filter(|r| r.severity() == severity)
            .map(|r| by_rule[r.code()])
            .sum()
    };
    let findings = FindingCounts {
        errors: of(Severity::Error),
        notices: of(Severity::Notice),
        by_rule,
    };
    Summary {
        as_of: progress.as_of.to_string(),
        category_sum: progress.category_sum,
        data_quality: DataQuality {
            files: model.exports.len(),
            rows_read: model.exports.iter().map(|e| e.rows_read).sum(),
            rows_rejected: model.exports.iter().map(|e| e.rows_rejected).sum(),
        },
        findings,
        overlap: progress.overlap,
        plan_year: progress.plan_year,
        spend,
        targets,
        transferred_stable,
    }
}

impl Summary {
    /// summary.json's bytes, the same wherever luyu writes it (summary, report, publish and
    /// its --verify, the web download): pretty JSON and a final newline.
    pub fn to_bytes(&self) -> serde_json::Result<Vec<u8>> {
        Ok((serde_json::to_string_pretty(self)? + "\n").into_bytes())
    }

    /// As a JSON value, for comparing with a published file figure by figure.
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

/// Rejected rows whose 身份证号 failed, in the current exports up to M (once per row).
pub fn invalid_ids(model: &Model) -> usize {
    model.exports.iter().map(|e| e.invalid_id_rows).sum()
}
