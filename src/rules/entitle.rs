//! Entitlements: one small formula per subsidy item, named after its clause (rules.md,
//! "Subsidies"). Each says whether the payee qualifies on a date, how much it is entitled to
//! (None: the policy sets no cap), the months or days cap where there is one, and why, in
//! Chinese with the facts and the arithmetic.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::dates::{add_months, months_held};
use crate::ingest::tables::Region;
use crate::model::facts::{Facts, HelpMode, HelpType, Person, Spell, Workshop};
use crate::money::{round2, yuan};
use crate::policy::{ItemCode, Policy};

#[derive(Debug, Clone, Default)]
pub struct Judgement {
    pub eligible: bool,
    /// The stable-work gate could not be shown from the files (就业登记 missing).
    pub unproven: bool,
    /// Entitled amount; `None` when the policy fixes none.
    pub amount: Option<Decimal>,
    /// Most months or days that may be paid, with the unit.
    pub units: Option<(i64, &'static str)>,
    /// Why, in Chinese; empty for an eligible judgement made [`Words::Unworded`].
    pub why: String,
}

/// Whether an eligible judgement's reason is worded. Judging every payment needs only the
/// verdict and the amounts: the reason of an eligible one is read only where a finding or
/// `luyu why` shows it, and wording it for each of a million payments cost some 5 % of the
/// summary. A reason for not being eligible is always worded (it is a finding's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Words {
    Worded,
    Unworded,
}

impl Words {
    fn say(self, why: impl FnOnce() -> String) -> String {
        match self {
            Words::Worded => why(),
            Words::Unworded => String::new(),
        }
    }
}

fn no(why: String) -> Judgement {
    Judgement {
        eligible: false,
        why,
        ..Default::default()
    }
}

fn d(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// The longest Jining spell as of `date` and its full months.
fn best_spell(p: &Person, date: NaiveDate) -> Option<(&Spell, i64)> {
    p.spells
        .iter()
        .map(|s| (s, s.full_months_at(date)))
        .max_by_key(|(_, m)| *m)
}

/// 四(一)1: 来济稳定就业 3 个月以上 — the condition of A1 and A2.
fn jining_three_months(p: &Person, pol: &Policy, date: NaiveDate) -> Result<i64, String> {
    let c = pol.parameter_clause("transfer_min_full_months");
    let min = pol.n.transfer_min_full_months;
    match best_spell(p, date) {
        None => Err(format!("截至 {} 来济就业台账中没有其在济宁就业的记录，不符合{c} 在济稳定就业 {min} 个月以上的条件", d(date))),
        Some((s, m)) if m < min => Err(format!(
            "截至 {} 在济（{}）稳定就业 {m} 个整月，不足 {min} 个月，不符合{c} 条件",
            d(date), s.employer
        )),
        Some((_, m)) => Ok(m),
    }
}

/// A1 一次性交通伙食补助: 1500 once, after 3 full months in Jining.
pub fn a1_transport_meal(p: &Person, pol: &Policy, date: NaiveDate, w: Words) -> Judgement {
    match jining_three_months(p, pol, date) {
        Err(why) => no(why),
        Ok(m) => Judgement {
            eligible: true,
            amount: Some(pol.n.transport_meal_amount),
            why: w.say(|| {
                format!(
                    "在济稳定就业 {m} 个整月（≥{}），应享受一次性交通伙食补助 {} 元",
                    pol.n.transfer_min_full_months,
                    yuan(pol.n.transport_meal_amount)
                )
            }),
            ..Default::default()
        },
    }
}

/// A2 跨省就业补贴: 1000 per full month in Jining, at most 6 months.
pub fn a2_cross_province(p: &Person, pol: &Policy, date: NaiveDate, w: Words) -> Judgement {
    let c = pol.item_clause(ItemCode::A2);
    if let Err(why) = jining_three_months(p, pol, date) {
        return no(why);
    }
    let months: i64 = p.spells.iter().map(|s| s.full_months_at(date)).sum();
    let capped = months.min(pol.n.cross_province_max_months);
    let amount = pol.n.cross_province_monthly * Decimal::from(capped);
    Judgement {
        eligible: true,
        amount: Some(amount),
        units: Some((capped, "个月")),
        why: w.say(|| format!(
            "在济就业 {months} 个整月，按{c} 每月 {} 元、最多 {} 个月，应享受 {} × {capped} = {} 元",
            yuan(pol.n.cross_province_monthly), pol.n.cross_province_max_months, yuan(pol.n.cross_province_monthly), yuan(amount)
        )),
        ..Default::default()
    }
}

/// A3 一次性岗位补贴: a 企业吸纳 row with a contract, ≥ 12 months of social insurance, still employed.
pub fn a3_local_post(p: &Person, pol: &Policy, date: NaiveDate, w: Words) -> Judgement {
    let c = pol.item_clause(ItemCode::A3);
    let min = pol.n.local_post_min_social_months;
    let rows: Vec<_> = p
        .help
        .iter()
        .filter(|h| h.help_type == HelpType::Local && h.help_mode == HelpMode::Enterprise)
        .collect();
    if rows.is_empty() {
        return no(format!(
            "就业帮扶台账中没有其就地就近就业（企业吸纳）的记录，不符合{c} 条件"
        ));
    }
    for h in &rows {
        let employed = h.start.is_some_and(|s| s <= date) && h.end.is_none_or(|e| e >= date);
        if h.contract == Some(true) && h.social_months.unwrap_or(0) >= min && employed {
            return Judgement {
                eligible: true,
                amount: Some(pol.n.local_post_amount),
                why: w.say(|| format!("在{}就业，签订劳动合同、缴纳社保 {} 个月（≥{min}）且仍在岗，应享受一次性岗位补贴 {} 元", h.employer, h.social_months.unwrap_or(0), yuan(pol.n.local_post_amount))),
                ..Default::default()
            };
        }
    }
    let h = rows[0];
    no(format!(
        "在{}就业：劳动合同“{}”、社保缴纳 {} 个月、{}，不满足{c} 签订劳动合同且连续缴纳社保 {min} 个月以上并仍在岗的条件",
        h.employer,
        match h.contract { Some(true) => "是", Some(false) => "否", None => "未填" },
        h.social_months.unwrap_or(0),
        match h.end { Some(e) if e < date => format!("已于 {} 离岗", d(e)), _ => "在岗".to_string() }
    ))
}

/// A4 扶贫车间建设补助: a 万州 workshop recognised on or before the payment; once.
pub fn a4_workshop(ws: Option<&Workshop>, pol: &Policy, date: NaiveDate, w: Words) -> Judgement {
    let c = pol.item_clause(ItemCode::A4);
    let Some(ws) = ws.filter(|w| w.region == Some(Region::Wanzhou)) else {
        return no(format!("万州区扶贫车间名册中没有该车间，不符合{c} 条件"));
    };
    match ws.recognised {
        Some(r) if r <= date => Judgement {
            eligible: true,
            amount: pol.n.workshop_construction,
            why: w.say(|| {
                format!(
                    "{}于 {} 认定为扶贫车间，可享受一次性建设补助（每个车间一次）",
                    ws.name,
                    d(r)
                )
            }),
            ..Default::default()
        },
        Some(r) => no(format!(
            "{}于 {} 才认定为扶贫车间，发放日 {} 时尚未认定，不符合{c} 条件",
            ws.name,
            d(r),
            d(date)
        )),
        None => no(format!(
            "{}在名册中没有认定日期，无法确认已认定为扶贫车间",
            ws.name
        )),
    }
}

/// A5 公益性岗位补贴: 990 per month held on a 公益性岗位.
pub fn a5_public_post(p: &Person, pol: &Policy, date: NaiveDate, w: Words) -> Judgement {
    let c = pol.item_clause(ItemCode::A5);
    let mut months = 0;
    let mut seen = false;
    for h in p
        .help
        .iter()
        .filter(|h| h.help_type == HelpType::Local && h.help_mode == HelpMode::PublicPost)
    {
        seen = true;
        if let Some(s) = h.start.filter(|s| *s <= date) {
            months += months_held(s, h.end.map_or(date, |e| e.min(date)));
        }
    }
    if !seen {
        return no(format!(
            "就业帮扶台账中没有其公益性岗位安置记录，不符合{c} 条件"
        ));
    }
    if months == 0 {
        return no(format!(
            "截至 {} 尚未在公益性岗位上岗，不符合{c} 条件",
            d(date)
        ));
    }
    let amount = pol.n.public_post_monthly * Decimal::from(months);
    Judgement {
        eligible: true,
        amount: Some(amount),
        units: Some((months, "个月")),
        why: w.say(|| {
            format!(
                "公益性岗位在岗 {months} 个月，按{c} 每月 {} 元，应享受 {} × {months} = {} 元",
                yuan(pol.n.public_post_monthly),
                yuan(pol.n.public_post_monthly),
                yuan(amount)
            )
        }),
        ..Default::default()
    }
}

fn training_rows(p: &Person) -> Vec<&crate::model::facts::HelpRow> {
    p.help
        .iter()
        .filter(|h| h.help_type == HelpType::Training)
        .collect()
}

/// A6 培训补贴: a 技能培训 row; amount 按规定 (parameter, default no cap).
pub fn a6_training(p: &Person, pol: &Policy, _date: NaiveDate, w: Words) -> Judgement {
    let c = pol.item_clause(ItemCode::A6);
    let rows = training_rows(p);
    if rows.is_empty() {
        return no(format!(
            "就业帮扶台账中没有其技能培训记录，不符合{c} 培训补贴条件"
        ));
    }
    Judgement {
        eligible: true,
        amount: pol.n.training_subsidy_cap,
        why: w.say(|| {
            format!(
                "参加{}（{}），可享受培训补贴",
                rows[0].help_mode, rows[0].employer
            )
        }),
        ..Default::default()
    }
}

/// A7 培训生活费补贴: a 技能培训 row; days paid ≤ 培训天数; at least 50 per day (a floor).
pub fn a7_training_living(p: &Person, pol: &Policy, _date: NaiveDate, w: Words) -> Judgement {
    let c = pol.item_clause(ItemCode::A7);
    let rows = training_rows(p);
    if rows.is_empty() {
        return no(format!(
            "就业帮扶台账中没有其技能培训记录，不符合{c} 培训期间生活费补贴条件"
        ));
    }
    let days: i64 = rows.iter().map(|h| h.training_days.unwrap_or(0)).sum();
    Judgement {
        eligible: true,
        amount: None,
        units: Some((days, "天")),
        why: w.say(|| {
            format!(
                "培训 {days} 天，{c} 每天不低于 {} 元，最多 {days} 天",
                yuan(pol.n.training_living_daily_floor)
            )
        }),
        ..Default::default()
    }
}

/// 四(二): the gate of stable work in Jining (六个月条件 under the 2020 policy,
/// [`Policy::gate_name`]) — a Jining spell of at least `gate_min_full_months` full months, a
/// contract of at least `gate_min_contract_months`, social insurance for at least
/// `gate_min_social_months`, and 就业登记 = 是 where the ledger has that column. Returns the
/// spell that passes.
pub fn stable_work_gate<'a>(
    p: &'a Person,
    facts: &Facts,
    pol: &Policy,
    date: NaiveDate,
) -> Result<&'a Spell, Judgement> {
    let c = pol.parameter_clause("gate_min_full_months");
    let n = &pol.n;
    if p.spells.is_empty() {
        return Err(no(format!(
            "来济就业台账中没有其在济宁就业的记录，不满足{c} 在济稳定就业 {} 个月以上的条件",
            n.gate_min_full_months
        )));
    }
    let mut reasons = Vec::new();
    let mut unproven: Option<&Spell> = None;
    for s in &p.spells {
        let m = s.full_months_at(date);
        let mut fails = Vec::new();
        if m < n.gate_min_full_months {
            fails.push(format!(
                "截至 {} 在济稳定就业 {m} 个整月，不足 {} 个月",
                d(date),
                n.gate_min_full_months
            ));
        }
        if s.contract_months.unwrap_or(0) < n.gate_min_contract_months {
            fails.push(format!(
                "劳动合同期限 {} 个月，不足 {} 个月",
                s.contract_months.unwrap_or(0),
                n.gate_min_contract_months
            ));
        }
        if s.social_months.unwrap_or(0) < n.gate_min_social_months {
            fails.push(format!("社保缴纳 {} 个月", s.social_months.unwrap_or(0)));
        }
        if s.registration == Some(false) {
            fails.push("未办理就业登记".into());
        }
        if fails.is_empty() {
            if s.registration == Some(true) {
                return Ok(s);
            }
            unproven = Some(s);
        } else {
            reasons.push(format!("在{}：{}", s.employer, fails.join("，")));
        }
    }
    if unproven.is_some() {
        let why = if facts.jining_has_registration {
            "就业登记未填"
        } else {
            "来济就业台账没有“就业登记”列"
        };
        return Err(Judgement {
            eligible: false,
            unproven: true,
            why: format!("{why}，无法证明已满足{c} {}", pol.gate_name()),
            ..Default::default()
        });
    }
    Err(no(format!(
        "{}，不满足{c} {}",
        reasons.join("；"),
        pol.gate_name()
    )))
}

/// B1 社会保险补贴: gate; months paid ≤ 社保缴纳月数; monthly amount parameter (default no cap).
pub fn b1_social_insurance(
    p: &Person,
    facts: &Facts,
    pol: &Policy,
    date: NaiveDate,
    w: Words,
) -> Judgement {
    let c = pol.item_clause(ItemCode::B1);
    let s = match stable_work_gate(p, facts, pol, date) {
        Ok(s) => s,
        Err(j) => return j,
    };
    let months = s.social_months.unwrap_or(0);
    Judgement {
        eligible: true,
        amount: pol
            .n
            .social_insurance_monthly_cap
            .map(|c| c * Decimal::from(months)),
        units: Some((months, "个月")),
        why: w.say(|| {
            format!(
                "满足{}，社保缴纳 {months} 个月，按{c} 补贴月数不超过 {months} 个月",
                pol.gate_name()
            )
        }),
        ..Default::default()
    }
}

/// B2 岗位补贴: gate; 990 per month, months ≤ full months employed.
pub fn b2_post(p: &Person, facts: &Facts, pol: &Policy, date: NaiveDate, w: Words) -> Judgement {
    let c = pol.item_clause(ItemCode::B2);
    let s = match stable_work_gate(p, facts, pol, date) {
        Ok(s) => s,
        Err(j) => return j,
    };
    let months = s.full_months_at(date);
    let amount = pol.n.post_subsidy_monthly * Decimal::from(months);
    Judgement {
        eligible: true,
        amount: Some(amount),
        units: Some((months, "个月")),
        why: w.say(|| {
            format!(
                "满足{}，在济就业 {months} 个整月，按{c} 每月 {} 元，应享受 {} × {months} = {} 元",
                pol.gate_name(),
                yuan(pol.n.post_subsidy_monthly),
                yuan(pol.n.post_subsidy_monthly),
                yuan(amount)
            )
        }),
        ..Default::default()
    }
}

/// B3 职业培训补贴: gate; training within 12 months of hire; certificate; cap by level; once.
pub fn b3_vocational_training(
    p: &Person,
    facts: &Facts,
    pol: &Policy,
    date: NaiveDate,
    w: Words,
) -> Judgement {
    let c = pol.item_clause(ItemCode::B3);
    if let Err(j) = stable_work_gate(p, facts, pol, date) {
        return j;
    }
    let within = pol.n.vocational_training_within_months as i32;
    let mut why = Vec::new();
    for s in &p.spells {
        let (Some(hire), Some(start)) = (s.hire, s.training_start) else {
            why.push(format!("在{}没有培训记录", s.employer));
            continue;
        };
        if start > add_months(hire, within) {
            why.push(format!(
                "培训开始于 {}，已超过入职（{}）后 {within} 个月",
                d(start),
                d(hire)
            ));
            continue;
        }
        if s.certificate != Some(true) {
            why.push("未取得证书".into());
            continue;
        }
        let level = s.level.as_deref().unwrap_or_default().to_string();
        let Some(cap) = pol.n.vocational_training_cap.get(&level) else {
            why.push(format!("培训等级“{level}”不是初级/中级/高级"));
            continue;
        };
        return Judgement {
            eligible: true,
            amount: Some(*cap),
            why: w.say(|| format!("满足{}，入职后 {within} 个月内参加{level}培训并取得证书，按{c} {level}不高于 {} 元", pol.gate_name(), yuan(*cap))),
            ..Default::default()
        };
    }
    no(format!("{}，不符合{c} 职业培训补贴条件", why.join("；")))
}

/// B4 培训生活补贴: gate; a training record; 60% of the minimum wage ÷ 21.75 per day, days ≤
/// min(培训天数, 60).
pub fn b4_training_living(
    p: &Person,
    facts: &Facts,
    pol: &Policy,
    date: NaiveDate,
    w: Words,
) -> Judgement {
    let c = pol.item_clause(ItemCode::B4);
    if let Err(j) = stable_work_gate(p, facts, pol, date) {
        return j;
    }
    let days: i64 = p
        .spells
        .iter()
        .filter(|s| s.training_start.is_some())
        .map(|s| s.training_days.unwrap_or(0))
        .sum();
    if days <= 0 {
        return no(format!(
            "来济就业台账中没有其培训记录，不符合{c} 培训生活补贴条件"
        ));
    }
    let capped = days.min(pol.n.training_living_max_days);
    let rate = pol.training_living_daily();
    let amount = round2(rate * Decimal::from(capped));
    Judgement {
        eligible: true,
        amount: Some(amount),
        units: Some((capped, "天")),
        why: w.say(|| format!(
            "培训 {days} 天（最多 {} 天），日标准 {} × {} ÷ {} = {} 元，应享受 {} × {capped} = {} 元",
            pol.n.training_living_max_days, yuan(pol.n.min_wage_monthly), pol.n.training_living_wage_share, pol.n.days_per_month, yuan(rate), yuan(rate), yuan(amount)
        )),
        ..Default::default()
    }
}

/// B5 以工代训补贴: gate; 以工代训天数 ≥ 30; 1000 once.
pub fn b5_work_training(
    p: &Person,
    facts: &Facts,
    pol: &Policy,
    date: NaiveDate,
    w: Words,
) -> Judgement {
    let c = pol.item_clause(ItemCode::B5);
    if let Err(j) = stable_work_gate(p, facts, pol, date) {
        return j;
    }
    let days = p
        .spells
        .iter()
        .filter_map(|s| s.work_training_days)
        .max()
        .unwrap_or(0);
    if days < pol.n.work_training_min_days {
        return no(format!(
            "以工代训 {days} 天，不足{c} 要求的 {} 天",
            pol.n.work_training_min_days
        ));
    }
    Judgement {
        eligible: true,
        amount: Some(pol.n.work_training_amount),
        why: w.say(|| {
            format!(
                "以工代训 {days} 天（≥{}），按{c} 一次性补贴 {} 元",
                pol.n.work_training_min_days,
                yuan(pol.n.work_training_amount)
            )
        }),
        ..Default::default()
    }
}

/// Distinct gated persons whose Jining spell is at the base (by 统一社会信用代码, else name).
pub fn absorbed_by(ws: &Workshop, facts: &Facts, pol: &Policy, date: NaiveDate) -> i64 {
    use rayon::prelude::*;
    // Every person looked at (a million at national scale), on every core.
    facts
        .persons
        .par_iter()
        .map(|(_, p)| p)
        .filter(|p| p.registered)
        // Only persons with a spell at the base can count: check that before the gate.
        .filter(|p| {
            p.spells
                .iter()
                .any(|s| match (&ws.credit_code, &s.credit_code) {
                    (Some(a), Some(b)) => a == b,
                    _ => s.employer == ws.name,
                })
        })
        .filter(|p| match stable_work_gate(p, facts, pol, date) {
            Ok(s) => match (&ws.credit_code, &s.credit_code) {
                (Some(a), Some(b)) => a == b,
                _ => s.employer == ws.name,
            },
            Err(_) => false,
        })
        .count() as i64
}

/// B6 就业扶贫基地奖补: a 济宁 base absorbing ≥ 10, or ≥ 20% of its staff; 3000 × absorbed, once.
pub fn b6_base(
    ws: Option<&Workshop>,
    facts: &Facts,
    pol: &Policy,
    date: NaiveDate,
    w: Words,
) -> Judgement {
    let c = pol.item_clause(ItemCode::B6);
    let Some(ws) = ws.filter(|w| w.region == Some(Region::Jining)) else {
        return no(format!(
            "济宁市就业扶贫基地名册中没有该基地，不符合{c} 条件"
        ));
    };
    let n = absorbed_by(ws, facts, pol, date);
    let staff = ws.staff_total.unwrap_or(0);
    let share_ok = staff > 0 && Decimal::from(n) >= pol.n.base_min_share * Decimal::from(staff);
    if n >= pol.n.base_min_absorbed || share_ok {
        let amount = pol.n.base_per_person * Decimal::from(n);
        return Judgement {
            eligible: true,
            amount: Some(amount),
            why: w.say(|| format!("{}吸纳满足{}的建档立卡劳动力 {n} 人（职工 {staff} 人），按{c} 每人 {} 元，应奖补 {} × {n} = {} 元", ws.name, pol.gate_name(), yuan(pol.n.base_per_person), yuan(pol.n.base_per_person), yuan(amount))),
            ..Default::default()
        };
    }
    no(format!(
        "{}吸纳满足{}的建档立卡劳动力 {n} 人，职工 {staff} 人，既不足 {} 人也不足职工总数的 {}%，不符合{c} 条件",
        ws.name, pol.gate_name(), pol.n.base_min_absorbed, pol.n.base_min_share * Decimal::from(100)
    ))
}

/// One test per item, amounts worked out by hand in each.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::facts::HelpRow;
    use std::str::FromStr;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }
    fn yuan_of(s: &str) -> Option<Decimal> {
        Some(Decimal::from_str(s).unwrap())
    }
    fn pol() -> Policy {
        Policy::builtin().unwrap()
    }
    fn spell(hire: NaiveDate) -> Spell {
        Spell {
            employer: "济宁某公司".into(),
            credit_code: Some("91370812MADJPGD78U".into()),
            hire: Some(hire),
            contract_months: Some(12),
            social_months: Some(6),
            registration: Some(true),
            ..Default::default()
        }
    }
    fn person(spells: Vec<Spell>, help: Vec<HelpRow>) -> Person {
        Person {
            registered: true,
            in_registry: true,
            spells,
            help,
            ..Default::default()
        }
    }
    fn facts_of(persons: Vec<Person>, jining_has_registration: bool) -> Facts {
        let persons = persons
            .into_iter()
            .enumerate()
            .map(|(i, p)| (format!("P{i}").into(), p))
            .collect();
        Facts::new(persons, Vec::new(), jining_has_registration)
    }
    fn row(help_type: &str, mode: &str, start: NaiveDate) -> HelpRow {
        HelpRow {
            help_type: HelpType::parse(help_type),
            help_mode: HelpMode::parse(mode),
            employer: "万州某单位".into(),
            start: Some(start),
            ..Default::default()
        }
    }

    /// A Wanzhou formula judged, with its reason worded, for a person with only these help rows.
    fn help_judged(
        formula: fn(&Person, &Policy, NaiveDate, Words) -> Judgement,
        help: Vec<HelpRow>,
        date: NaiveDate,
    ) -> Judgement {
        formula(&person(vec![], help), &pol(), date, Words::Worded)
    }

    /// A Jining formula judged, with its reason worded, for a person with only these spells
    /// (the 来济就业台账 has its 就业登记 column).
    fn spell_judged(
        formula: fn(&Person, &Facts, &Policy, NaiveDate, Words) -> Judgement,
        spells: Vec<Spell>,
        date: NaiveDate,
    ) -> Judgement {
        let f = facts_of(vec![], true);
        formula(&person(spells, vec![]), &f, &pol(), date, Words::Worded)
    }

    #[test]
    fn a1_needs_three_full_months() {
        let p = person(vec![spell(d(2020, 1, 31))], vec![]);
        // 01-31 + 3 months = 04-30, so 04-29 (e + 1 = 04-30) is the first day with 3 full months.
        assert!(!a1_transport_meal(&p, &pol(), d(2020, 4, 28), Words::Worded).eligible);
        let j = a1_transport_meal(&p, &pol(), d(2020, 4, 29), Words::Worded);
        assert!(j.eligible);
        assert_eq!(j.amount, yuan_of("1500"));
    }

    #[test]
    fn a2_is_1000_a_month_capped_at_six() {
        let p = person(vec![spell(d(2020, 1, 1))], vec![]);
        // 01-01 .. 05-31: 5 full months → 5 × 1000.
        let j = a2_cross_province(&p, &pol(), d(2020, 5, 31), Words::Worded);
        assert_eq!((j.amount, j.units), (yuan_of("5000"), Some((5, "个月"))));
        // 01-01 .. 09-30: 9 full months, capped at 6 → 6000.
        let j = a2_cross_province(&p, &pol(), d(2020, 9, 30), Words::Worded);
        assert_eq!((j.amount, j.units), (yuan_of("6000"), Some((6, "个月"))));
        assert!(!a2_cross_province(&p, &pol(), d(2020, 3, 30), Words::Worded).eligible);
    }

    #[test]
    fn a3_needs_contract_twelve_months_and_still_employed() {
        let judge = |r: HelpRow| help_judged(a3_local_post, vec![r], d(2020, 6, 1));
        let mut r = row("就地就近就业", "企业吸纳", d(2019, 1, 1));
        r.contract = Some(true);
        r.social_months = Some(12);
        let j = judge(r.clone());
        assert_eq!((j.eligible, j.amount), (true, yuan_of("6000")));
        let mut short = r.clone();
        short.social_months = Some(11);
        assert!(!judge(short).eligible);
        let mut left = r;
        left.end = Some(d(2020, 5, 31));
        assert!(!judge(left).eligible);
    }

    #[test]
    fn a4_needs_a_recognised_wanzhou_workshop() {
        let ws = Workshop {
            region: Some(Region::Wanzhou),
            name: "某车间".into(),
            recognised: Some(d(2020, 3, 20)),
            ..Default::default()
        };
        assert!(!a4_workshop(Some(&ws), &pol(), d(2020, 3, 19), Words::Worded).eligible);
        let j = a4_workshop(Some(&ws), &pol(), d(2020, 3, 20), Words::Worded);
        assert!(j.eligible);
        assert_eq!(j.amount, None, "no cap by default");
        assert!(!a4_workshop(None, &pol(), d(2020, 3, 20), Words::Worded).eligible);
    }

    #[test]
    fn a5_is_990_per_month_held() {
        let mut r = row("就地就近就业", "公益性岗位", d(2020, 1, 31));
        r.end = Some(d(2020, 4, 1));
        // Months held: January, February, March, April → 4 × 990 = 3960.
        let j = help_judged(a5_public_post, vec![r], d(2020, 12, 31));
        assert_eq!((j.amount, j.units), (yuan_of("3960"), Some((4, "个月"))));
        assert!(!help_judged(a5_public_post, vec![], d(2020, 12, 31)).eligible);
    }

    #[test]
    fn a6_needs_a_training_row_and_has_no_cap() {
        let r = row("技能培训", "岗前培训", d(2020, 1, 6));
        let j = help_judged(a6_training, vec![r], d(2020, 2, 1));
        assert_eq!((j.eligible, j.amount), (true, None));
        assert!(!help_judged(a6_training, vec![], d(2020, 2, 1)).eligible);
    }

    #[test]
    fn a7_caps_days_at_the_training_days() {
        let mut r = row("技能培训", "岗前培训", d(2020, 1, 6));
        r.training_days = Some(20);
        let j = help_judged(a7_training_living, vec![r], d(2020, 2, 1));
        assert_eq!((j.eligible, j.units), (true, Some((20, "天"))));
        assert_eq!(pol().n.training_living_daily_floor, Decimal::from(50));
    }

    #[test]
    fn the_stable_work_gate() {
        let f = facts_of(vec![], true);
        let p = person(vec![spell(d(2020, 1, 1))], vec![]);
        assert!(stable_work_gate(&p, &f, &pol(), d(2020, 6, 29)).is_err());
        assert!(stable_work_gate(&p, &f, &pol(), d(2020, 6, 30)).is_ok());
        let mut s = spell(d(2020, 1, 1));
        s.contract_months = Some(5);
        assert!(stable_work_gate(&person(vec![s], vec![]), &f, &pol(), d(2020, 12, 31)).is_err());
        let mut s = spell(d(2020, 1, 1));
        s.registration = None;
        let j =
            stable_work_gate(&person(vec![s], vec![]), &f, &pol(), d(2020, 12, 31)).unwrap_err();
        assert!(
            j.unproven,
            "a missing 就业登记 leaves the gate unproven, not failed"
        );
    }

    #[test]
    fn b1_months_up_to_social_insurance_months() {
        let j = spell_judged(
            b1_social_insurance,
            vec![spell(d(2020, 1, 1))],
            d(2020, 8, 1),
        );
        assert_eq!(
            (j.eligible, j.units, j.amount),
            (true, Some((6, "个月")), None)
        );
    }

    #[test]
    fn b2_is_990_per_full_month() {
        // 01-01 .. 08-15: 7 full months → 7 × 990 = 6930.
        let j = spell_judged(b2_post, vec![spell(d(2020, 1, 1))], d(2020, 8, 15));
        assert_eq!((j.amount, j.units), (yuan_of("6930"), Some((7, "个月"))));
    }

    #[test]
    fn b3_caps_by_level_within_twelve_months_with_certificate() {
        let mut s = spell(d(2020, 1, 1));
        s.level = Some("中级".into());
        s.training_start = Some(d(2021, 1, 1));
        s.certificate = Some(true);
        let j = spell_judged(b3_vocational_training, vec![s.clone()], d(2021, 3, 1));
        assert_eq!((j.eligible, j.amount), (true, yuan_of("1500")));
        let mut late = s.clone();
        late.training_start = Some(d(2021, 1, 2));
        assert!(!spell_judged(b3_vocational_training, vec![late], d(2021, 3, 1)).eligible);
        let mut no_cert = s;
        no_cert.certificate = Some(false);
        assert!(!spell_judged(b3_vocational_training, vec![no_cert], d(2021, 3, 1)).eligible);
    }

    #[test]
    fn b4_is_60_percent_of_minimum_wage_per_day_up_to_60_days() {
        let mut s = spell(d(2020, 1, 1));
        s.training_start = Some(d(2020, 2, 1));
        s.training_days = Some(61);
        // 1730 × 0.6 ÷ 21.75 = 47.7241… → 47.72 a day; 61 days capped at 60 → 2863.20.
        let j = spell_judged(b4_training_living, vec![s.clone()], d(2020, 9, 1));
        assert_eq!((j.amount, j.units), (yuan_of("2863.20"), Some((60, "天"))));
        s.training_days = Some(7);
        let j = spell_judged(b4_training_living, vec![s], d(2020, 9, 1));
        assert_eq!(j.amount, yuan_of("334.04"));
    }

    #[test]
    fn b5_needs_thirty_days_of_work_training() {
        let mut s = spell(d(2020, 1, 1));
        s.work_training_days = Some(29);
        assert!(!spell_judged(b5_work_training, vec![s.clone()], d(2020, 9, 1)).eligible);
        s.work_training_days = Some(30);
        let j = spell_judged(b5_work_training, vec![s], d(2020, 9, 1));
        assert_eq!((j.eligible, j.amount), (true, yuan_of("1000")));
    }

    fn base_with(absorbed: usize, staff: i64, pol: &Policy) -> Judgement {
        let persons = (0..absorbed)
            .map(|_| person(vec![spell(d(2020, 1, 1))], vec![]))
            .collect();
        let f = facts_of(persons, true);
        let ws = Workshop {
            region: Some(Region::Jining),
            name: "济宁某公司".into(),
            credit_code: Some("91370812MADJPGD78U".into()),
            staff_total: Some(staff),
            ..Default::default()
        };
        b6_base(Some(&ws), &f, pol, d(2020, 12, 31), Words::Worded)
    }

    #[test]
    fn b6_at_nine_and_ten_absorbed() {
        // Staff 100: 9 absorbed is under 10 and under 20% → nothing; 10 → 10 × 3000.
        assert!(!base_with(9, 100, &pol()).eligible);
        let j = base_with(10, 100, &pol());
        assert_eq!((j.eligible, j.amount), (true, yuan_of("30000")));
    }

    #[test]
    fn b6_at_19_9_and_20_percent() {
        // Raise the head-count threshold out of the way so only the share decides.
        let mut p = pol();
        p.n.base_min_absorbed = 10_000;
        assert!(!base_with(199, 1000, &p).eligible, "19.9%");
        let j = base_with(200, 1000, &p);
        assert_eq!(
            (j.eligible, j.amount),
            (true, yuan_of("600000")),
            "20%: 200 × 3000"
        );
    }

    #[test]
    fn unworded_leaves_only_an_eligible_reason_empty() {
        let p = person(vec![spell(d(2020, 1, 1))], vec![]);
        let (yes, no) = (d(2020, 5, 31), d(2020, 3, 30));
        let worded = a2_cross_province(&p, &pol(), yes, Words::Worded);
        let unworded = a2_cross_province(&p, &pol(), yes, Words::Unworded);
        assert!(worded.why.contains("5000"), "{}", worded.why);
        assert_eq!(unworded.why, "");
        assert_eq!(
            (worded.eligible, worded.amount, worded.units),
            (unworded.eligible, unworded.amount, unworded.units)
        );
        // Not eligible: the reason is a finding's, worded either way.
        let worded = a2_cross_province(&p, &pol(), no, Words::Worded);
        let unworded = a2_cross_province(&p, &pol(), no, Words::Unworded);
        assert!(!unworded.eligible);
        assert!(!unworded.why.is_empty());
        assert_eq!(worded.why, unworded.why);
    }
}
