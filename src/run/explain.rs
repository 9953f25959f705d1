//! One person's story as of a month (`luyu explain`, the web page of a person): registry
//! status, ledger rows and their history across the monthly exports, which indicators count
//! them, the stable-work gate, each payment with its entitlement, and the findings. Unmasked:
//! it is for the office, not for circulation.

use polars::prelude::{col, lit, IntoLazy};

use super::At;
use crate::ingest::tables::Table;
use crate::money::yuan;
use crate::rules::changes;
use crate::rules::entitle;
use crate::store::warehouse::{ExportRecord, Warehouse};

use crate::Result;

/// The person's rows in each monthly export of the cumulative ledgers up to M: the first
/// appearance, then what each later export added, changed or withdrew.
fn ledger_history(at: &At, id: &str) -> Result<Vec<String>> {
    let wh = at.warehouse();
    let manifest = wh.manifest()?;
    let mut out = Vec::new();
    for table in [Table::Registry, Table::Help, Table::Jining] {
        let mut exports: Vec<&ExportRecord> = Warehouse::current(&manifest, at.as_of)
            .into_iter()
            .filter(|e| e.table == table)
            .collect();
        exports.sort_by_key(|e| e.month);
        let mut prev: Option<changes::Rows> = None;
        for e in exports {
            let theirs = wh
                .read(table, &[e])?
                .lazy()
                .filter(col("id_number").eq(lit(id)))
                .collect()?;
            let rows = changes::rows(&theirs, table)?;
            let found = match &prev {
                None if rows.is_empty() => Vec::new(),
                None => rows
                    .keys()
                    .map(|k| changes::Change::Added(k.clone()))
                    .collect(),
                Some(p) => changes::between(p, &rows, table),
            };
            for c in found {
                out.push(format!(
                    "{} {} {}（{}）：{}",
                    e.month,
                    table,
                    e.region,
                    e.file_name,
                    c.describe()
                ));
            }
            if prev.is_some() || !rows.is_empty() {
                prev = Some(rows);
            }
        }
    }
    Ok(out)
}

/// The person's story as `explain` prints it (unmasked), from the results as of the month.
pub fn story(at: &At, id: &str, r: &crate::run::Results) -> Result<String> {
    let mut out = String::new();
    macro_rules! say {
        ($($t:tt)*) => {{
            out.push_str(&format!($($t)*));
            out.push('\n');
        }};
    }
    let id = id.to_string();
    let date = r.model.date;
    let Some(p) = r.facts.person(&id) else {
        say!(
            "{id}：截至 {} 的名册、帮扶台账和来济就业台账中都没有此人",
            at.as_of
        );
        return Ok(out);
    };
    say!("{id} {}（截至 {}）", p.names.join(" / "), at.as_of);
    say!(
        "\n名册：{}",
        match (p.in_registry, p.registered) {
            (true, true) => format!("在册，建档立卡，{}", p.township.clone().unwrap_or_default()),
            (true, false) =>
                "在册，但“是否建档立卡”为否：不计入目标，不能享受按人补贴（一）".into(),
            _ => "不在贫困劳动力名册中：不计入目标，不能享受按人补贴（一）".into(),
        }
    );
    say!("\n就业帮扶台账：");
    for h in &p.help {
        let d =
            |x: Option<chrono::NaiveDate>| x.map(|d| d.to_string()).unwrap_or_else(|| "—".into());
        say!(
            "  {}/{} {} {} 至 {}",
            h.help_type,
            h.help_mode,
            h.employer,
            d(h.start),
            d(h.end)
        );
    }
    say!("\n来济就业台账：");
    for s in &p.spells {
        let d =
            |x: Option<chrono::NaiveDate>| x.map(|d| d.to_string()).unwrap_or_else(|| "—".into());
        say!(
            "  {} {} 入职 {} 离职 {}，截至 {date} 稳定就业 {} 个整月；合同 {} 个月，社保 {} 个月，就业登记 {}",
            s.county, s.employer, d(s.hire), d(s.leave), s.full_months_at(date),
            s.contract_months.unwrap_or(0), s.social_months.unwrap_or(0),
            match s.registration { Some(true) => "是", Some(false) => "否", None => "未填" }
        );
    }
    say!("\n各期报表中的记录（逐月变化）：");
    for line in ledger_history(at, &id)? {
        say!("  {line}");
    }
    let pr = &r.progress;
    say!("\n{} 年度目标计入情况（一）：", pr.plan_year);
    for (set, name, rule) in [
        (
            &pr.transferred_ids,
            "转移到济宁就业",
            "来济就业台账入职日期在年度内",
        ),
        (
            &pr.local_ids,
            "就地就近就业",
            "帮扶台账就地就近就业开始日期在年度内",
        ),
        (&pr.trained_ids, "帮扶培训", "培训在年度内结业"),
    ] {
        let yes = if set.contains(&id) {
            "计入"
        } else {
            "不计入"
        };
        say!("  {name}：{yes}（条件：建档立卡且{rule}）");
    }
    let gate = r.policy.parameter_clause("gate_min_full_months");
    match entitle::stable_work_gate(p, &r.facts, &r.policy, date) {
        Ok(s) => say!("\n{gate} {}：满足（{}）", r.policy.gate_name(), s.employer),
        Err(j) => say!("\n{gate} {}：{}", r.policy.gate_name(), j.why),
    }
    say!("\n补贴发放：");
    let rows = r.audit.payment_rows()?;
    for pay in rows.iter().filter(|x| x.person() == id) {
        let when = pay.pay_date.unwrap_or(date);
        let why = match r.policy.item_by_name(pay.item) {
            None => "政策外项目".to_string(),
            Some(item) => {
                let j = crate::rules::audit::judge_for(item.code, &pay, &r.facts, &r.policy, when);
                format!("{}：{}", item.reference, j.why)
            }
        };
        say!(
            "  {} {} {} {} 元（凭证号 {}）— {why}",
            when,
            pay.pool,
            pay.item,
            yuan(pay.amount()),
            pay.voucher
        );
    }
    say!("\n问题：");
    for f in r.audit.findings.iter().filter(|f| f.payee_key == id) {
        say!("  [{}] {} {}：{}", f.severity, f.rule, f.item, f.message);
    }
    Ok(out)
}
