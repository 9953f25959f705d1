//! What a finding is: the rules of summary.md ("How findings are counted") as one enum with
//! everything each rule carries — its code in `summary.json`, its severity, its Chinese name
//! and, for the rules a briefing asks the offices to act on, what to do — and the one order
//! in which findings are listed by the CLI, the workbook, the web pages and every report.

use std::borrow::Cow;
use std::fmt;

use rust_decimal::Decimal;

use crate::ingest::tables::Region;
use crate::policy::Policy;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// 错误 (a payment or a record is wrong and must be corrected) or 提示 (worth a look).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Severity {
    #[serde(rename = "错误")]
    Error,
    #[serde(rename = "提示")]
    Notice,
}

impl Severity {
    pub fn chinese(self) -> &'static str {
        match self {
            Severity::Error => "错误",
            Severity::Notice => "提示",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.chinese())
    }
}

/// Every rule of summary.md, in its order (the order of `findings.by_rule`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    UnregisteredPerson,
    InvalidId,
    InvalidCreditCode,
    DuplicateVoucher,
    VoucherConflict,
    UnknownItem,
    WrongPool,
    OutOfPeriod,
    NotEligible,
    OverEntitlement,
    BelowFloor,
    StackedTraining,
    OneSidedTransfer,
    RosterMismatch,
    EligibleUnpaid,
    GateUnproven,
}

impl Rule {
    pub const ALL: [Rule; 16] = [
        Rule::UnregisteredPerson,
        Rule::InvalidId,
        Rule::InvalidCreditCode,
        Rule::DuplicateVoucher,
        Rule::VoucherConflict,
        Rule::UnknownItem,
        Rule::WrongPool,
        Rule::OutOfPeriod,
        Rule::NotEligible,
        Rule::OverEntitlement,
        Rule::BelowFloor,
        Rule::StackedTraining,
        Rule::OneSidedTransfer,
        Rule::RosterMismatch,
        Rule::EligibleUnpaid,
        Rule::GateUnproven,
    ];

    /// The rule's key in `summary.json` and in the 问题编号's hash.
    pub fn code(self) -> &'static str {
        match self {
            Rule::UnregisteredPerson => "unregistered_person",
            Rule::InvalidId => "invalid_id",
            Rule::InvalidCreditCode => "invalid_credit_code",
            Rule::DuplicateVoucher => "duplicate_voucher",
            Rule::VoucherConflict => "voucher_conflict",
            Rule::UnknownItem => "unknown_item",
            Rule::WrongPool => "wrong_pool",
            Rule::OutOfPeriod => "out_of_period",
            Rule::NotEligible => "not_eligible",
            Rule::OverEntitlement => "over_entitlement",
            Rule::BelowFloor => "below_floor",
            Rule::StackedTraining => "stacked_training",
            Rule::OneSidedTransfer => "one_sided_transfer",
            Rule::RosterMismatch => "roster_mismatch",
            Rule::EligibleUnpaid => "eligible_unpaid",
            Rule::GateUnproven => "gate_unproven",
        }
    }

    pub fn from_code(code: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.code() == code)
    }

    pub fn severity(self) -> Severity {
        match self {
            Rule::UnregisteredPerson
            | Rule::InvalidId
            | Rule::VoucherConflict
            | Rule::UnknownItem
            | Rule::WrongPool
            | Rule::OutOfPeriod
            | Rule::NotEligible
            | Rule::OverEntitlement
            | Rule::BelowFloor
            | Rule::StackedTraining => Severity::Error,
            Rule::InvalidCreditCode
            | Rule::DuplicateVoucher
            | Rule::OneSidedTransfer
            | Rule::RosterMismatch
            | Rule::EligibleUnpaid
            | Rule::GateUnproven => Severity::Notice,
        }
    }

    /// The name a clerk reads (问题类型), with the numbers of the policy in force: the gate's
    /// months ([`Policy::gate_name`]) and the training living allowance's daily floor.
    pub fn name(self, policy: &Policy) -> Cow<'static, str> {
        Cow::Borrowed(match self {
            Rule::UnregisteredPerson => "非建档立卡或不在名册",
            Rule::InvalidId => "身份证号错误（已拒收）",
            Rule::InvalidCreditCode => "统一社会信用代码校验未通过",
            Rule::DuplicateVoucher => "凭证重复导出",
            Rule::VoucherConflict => "同一凭证号内容不一致",
            Rule::UnknownItem => "政策外补贴项目",
            Rule::WrongPool => "资金来源错误",
            Rule::OutOfPeriod => "发放日期超出期限",
            Rule::NotEligible => "不符合享受条件",
            Rule::OverEntitlement => "超标准、超期限或重复发放",
            Rule::BelowFloor => {
                let floor = policy.n.training_living_daily_floor.normalize();
                return format!("培训生活费低于每天 {floor} 元").into();
            }
            Rule::StackedTraining => "以工代训与职业培训补贴重复享受",
            Rule::OneSidedTransfer => "转移就业仅一方记录",
            Rule::RosterMismatch => "基地名册人数与台账不符",
            Rule::EligibleUnpaid => "符合条件尚未发放",
            Rule::GateUnproven => return format!("{}无法证明", policy.gate_name()).into(),
        })
    }

    /// What the briefing's 需整改事项 asks the offices to do, for the rules it lists (in the
    /// order of [`Rule::REMEDIED`]).
    pub fn remedy(self) -> Option<&'static str> {
        Some(match self {
            Rule::OverEntitlement => "超标准或重复发放，核实后追回多发金额",
            Rule::NotEligible => "不符合条件发放，核实资格或追回",
            Rule::WrongPool => "资金来源用错，调整账务列支",
            Rule::VoucherConflict => "凭证号内容不一致，核对原始凭证",
            Rule::UnregisteredPerson => "非建档立卡人员计入台账或享受补贴，核实身份",
            _ => return None,
        })
    }

    /// The rules with a remedy, in the order the briefing lists them (largest money first).
    pub const REMEDIED: [Rule; 5] = [
        Rule::OverEntitlement,
        Rule::NotEligible,
        Rule::WrongPool,
        Rule::VoucherConflict,
        Rule::UnregisteredPerson,
    ];
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// 问题编号: stable while the finding exists (see [`finding_id`]).
    pub id: String,
    pub rule: Rule,
    pub severity: Severity,
    pub clause: String,
    /// Masked payee: a person's ID, or a unit's name.
    pub payee: String,
    pub payee_name: String,
    /// Unmasked, for the office (`--unmasked`, `explain`); never rendered in circulated output.
    #[serde(skip)]
    pub payee_key: String,
    pub item: String,
    pub paid: Option<Decimal>,
    pub entitled: Option<Decimal>,
    pub difference: Option<Decimal>,
    pub vouchers: Vec<String>,
    pub message: String,
    /// 责任单位: the Wanzhou township or Jining county that answers for it (see
    /// [`crate::rules::audit::assign_units`]).
    pub unit: String,
    /// The side the unit belongs to: 济宁 or 万州.
    pub side: Region,
}

/// A finding's 问题编号: `ZG-` and the first 10 hex digits of the sha256 of what it is about —
/// its rule, its payee (the unmasked 身份证号, credit code or name) and its item, or for the
/// voucher-level rules its voucher — which are exactly what makes a rule report it once
/// (`Ctx::add` in `rules::audit`). Amounts and sentences are not in it, so the same problem
/// keeps its number in every month's computation while it exists.
pub fn finding_id(rule: Rule, payee: &str, about: &str) -> String {
    let digest = Sha256::digest(format!("{rule}\0{payee}\0{about}").as_bytes());
    let hex: String = digest.iter().take(5).map(|b| format!("{b:02X}")).collect();
    format!("ZG-{hex}")
}

/// The one order findings are listed in — by `luyu audit`, the follow-up workbook, the web
/// pages and every report: errors (错误) before notices (提示), larger amounts paid first;
/// findings equal in both keep the order the rules found them in (the sort is stable), which
/// is the order of the clauses in the audit and of the payments within a clause.
pub fn listing_order(findings: &[Finding]) -> Vec<&Finding> {
    let mut v: Vec<&Finding> = findings.iter().collect();
    v.sort_by(|a, b| {
        a.severity
            .cmp(&b.severity)
            .then(b.paid.unwrap_or_default().cmp(&a.paid.unwrap_or_default()))
    });
    v
}

/// The Chinese name of a rule given by its code (as `summary.json` and the caches hold it);
/// 其他 for a code no rule has.
pub fn rule_name(code: &str, policy: &Policy) -> Cow<'static, str> {
    Rule::from_code(code).map_or("其他".into(), |r| r.name(policy))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_has_its_code_back_and_all_is_complete() {
        for r in Rule::ALL {
            assert_eq!(Rule::from_code(r.code()), Some(r));
            let json = serde_json::to_string(&r).unwrap();
            assert_eq!(json, format!("\"{}\"", r.code()));
        }
        let mut sorted = Rule::ALL;
        sorted.sort();
        assert_eq!(sorted, Rule::ALL, "ALL is in declaration order");
        for r in Rule::REMEDIED {
            assert!(r.remedy().is_some());
        }
        assert_eq!(
            Rule::ALL.iter().filter(|r| r.remedy().is_some()).count(),
            Rule::REMEDIED.len()
        );
        let policy = Policy::builtin().unwrap();
        assert_eq!(rule_name("nonsense", &policy), "其他");
        assert_eq!(rule_name("gate_unproven", &policy), "六个月条件无法证明");
        assert_eq!(
            rule_name("below_floor", &policy),
            "培训生活费低于每天 50 元"
        );
        let mut other = policy.clone();
        other.n.gate_min_full_months = 3;
        other.n.training_living_daily_floor = rust_decimal::Decimal::new(605, 1);
        assert_eq!(Rule::GateUnproven.name(&other), "三个月条件无法证明");
        assert_eq!(Rule::BelowFloor.name(&other), "培训生活费低于每天 60.5 元");
    }
}
