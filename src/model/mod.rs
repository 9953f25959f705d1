//! The world as of a month (rules.md, "As of M"): for each cumulative ledger the latest export
//! at or before M, and every payment exported in months up to M. Everything downstream reads
//! this, never the raw exports.
//!
//! Named tables for SQL (`queries/`):
//!
//! | name | rows |
//! | --- | --- |
//! | `registry` | 贫困劳动力名册 snapshot |
//! | `registered` | its rows with 是否建档立卡 = 是 (the persons who count) |
//! | `help` | 就业帮扶台账 snapshot |
//! | `jining` | 来济就业台账 snapshot, plus `spell_end` (离职日期, else the as-of date), `full_months` (to `spell_end`) and `training_end` (培训开始日期 + 培训天数 − 1) |
//! | `workshops` | 扶贫车间名册 snapshots of both regions |
//! | `payments` | 补贴发放明细 rows of every export up to M, plus `export_month` |

pub mod facts;

use chrono::NaiveDate;
use polars::prelude::*;
use polars::sql::SQLContext;

use crate::dates;
use crate::dates::Month;
use crate::ingest::tables::Table;
use crate::store::warehouse::{self, days_to_date, ExportRecord, Warehouse};

pub struct Model {
    pub as_of: Month,
    /// The last day of the as-of month.
    pub date: NaiveDate,
    /// The current export of every (table, region, month ≤ M).
    pub exports: Vec<ExportRecord>,
    pub registry: DataFrame,
    pub help: DataFrame,
    pub jining: DataFrame,
    pub workshops: DataFrame,
    /// Every payment row up to M; `run::compute` hands them to the audit (`audit::Paid::of`),
    /// which leaves this empty.
    pub payments: DataFrame,
    /// Whether the Jining snapshot has a 就业登记 column (without it the gate is unproven).
    pub jining_has_registration: bool,
    /// The snapshot exports used, per cumulative table.
    pub snapshots: Vec<ExportRecord>,
}

pub use crate::Error;

impl Model {
    /// Takes the ledgers' rows, keeping the as-of month and the exports: what a report needs
    /// once the figures are computed. The caller frees them (on another thread, while it goes
    /// on with what needs none of them).
    pub fn take_ledgers(&mut self) -> [DataFrame; 5] {
        [
            &mut self.registry,
            &mut self.help,
            &mut self.jining,
            &mut self.workshops,
            &mut self.payments,
        ]
        .map(std::mem::take)
    }

    /// Every column of every table: what `luyu query` gives SQL.
    pub fn load(wh: &Warehouse, as_of: Month) -> Result<Model, Error> {
        Model::load_with(wh, as_of, true, Skip::default())
    }

    /// The model without the ledger columns no rule reads (`Skip::RULES` lists them): what the
    /// figures and findings are computed from.
    pub fn load_for_rules(wh: &Warehouse, as_of: Month) -> Result<Model, Error> {
        Model::load_with(wh, as_of, true, Skip::RULES)
    }

    /// The ledgers only, with no payment rows: what the targets need (the report's previous
    /// month), without reading every payment again.
    pub fn load_ledgers(wh: &Warehouse, as_of: Month) -> Result<Model, Error> {
        Model::load_with(wh, as_of, false, Skip::RULES)
    }

    fn load_with(
        wh: &Warehouse,
        as_of: Month,
        with_payments: bool,
        skip: Skip,
    ) -> Result<Model, Error> {
        let manifest = wh.manifest()?;
        // The monthly exports; returned follow-up lists are read by `followup`.
        let exports: Vec<ExportRecord> = Warehouse::current(&manifest, as_of)
            .into_iter()
            .filter(|e| crate::ingest::tables::ALL.contains(&e.table))
            .cloned()
            .collect();
        let date = as_of.last_day();
        let snap = |t: Table| Warehouse::snapshots(&manifest, t, as_of);
        let jining_exports = snap(Table::Jining);
        let jining_has_registration = !jining_exports.is_empty()
            && jining_exports.iter().all(|e| {
                e.columns_present
                    .iter()
                    .any(|c| c == "employment_registered")
            });
        let payment_exports: Vec<&ExportRecord> = exports
            .iter()
            .filter(|e| with_payments && e.table == Table::Payments)
            .collect();
        // The tables read side by side: each file's read keeps a core busy only part of the
        // time (its columns are few and decompress in one go).
        let ((registry, help), (jining, (workshops, payments))) = rayon::join(
            || {
                rayon::join(
                    || wh.read_without(Table::Registry, &snap(Table::Registry), skip.registry),
                    || wh.read_without(Table::Help, &snap(Table::Help), skip.help),
                )
            },
            || {
                rayon::join(
                    || -> Result<DataFrame, Error> {
                        with_spell_columns(wh.read(Table::Jining, &jining_exports)?, date)
                    },
                    || {
                        rayon::join(
                            || wh.read(Table::Workshops, &snap(Table::Workshops)),
                            // `export_month` is added per file by `read`.
                            || wh.read_without(Table::Payments, &payment_exports, skip.payments),
                        )
                    },
                )
            },
        );
        let (registry, help, workshops, payments) = (registry?, help?, workshops?, payments?);
        let jining = jining?;
        let mut snapshots = Vec::new();
        for t in [
            Table::Registry,
            Table::Help,
            Table::Jining,
            Table::Workshops,
        ] {
            snapshots.extend(snap(t).into_iter().cloned());
        }
        Ok(Model {
            as_of,
            date,
            exports,
            registry,
            help,
            jining,
            workshops,
            payments,
            jining_has_registration,
            snapshots,
        })
    }

    /// Keeps only the payment rows that bear on the findings about `keys` (a labourer's ID, a
    /// payee unit's code or name, a 凭证号, a credit code): every row that names one of them as
    /// its 凭证号, 对象证件号码, 关联身份证号 or 对象名称, and every other export of those rows'
    /// vouchers (the version that counts is chosen among them; rows with no voucher are one).
    /// A payee's payments are then all there, and each is judged on them and on the persons'
    /// facts, which come from the ledgers: its findings are the ones every row gives.
    pub fn keep_payments_naming(&mut self, keys: &[String]) -> PolarsResult<()> {
        if self.payments.height() == 0 {
            return Ok(());
        }
        let keys = list_of(Series::new("keys".into(), keys))?;
        let naming = ["voucher", "payee_id", "linked_id", "payee_name"]
            .map(|c| one_of(c, &keys))
            .into_iter()
            .reduce(Expr::or)
            .unwrap_or(lit(false));
        let vouchers = rows_where(&self.payments, naming)?;
        let vouchers = list_of(texts(&vouchers, "voucher")?)?;
        self.payments = rows_where(&self.payments, col("voucher").is_in(vouchers, true))?;
        Ok(())
    }

    /// Keeps only the ledger rows that bear on the findings about `keys`, once the payments
    /// are [`Self::keep_payments_naming`]: every row of the persons named — by the keys, or as
    /// a payment's payee or labourer, or with a spell at a 车间 or 基地 named (a base's
    /// entitlement and its roster check count those) — and the rows whose credit code is a
    /// key (统一社会信用代码 findings). The workshop rosters stay whole: they are short. Each
    /// named person's facts are then whole, and the findings about the keys are the ones every
    /// row gives.
    pub fn keep_ledgers_naming(&mut self, keys: &[String]) -> PolarsResult<()> {
        let keys = Series::new("named".into(), keys);
        let mut named = keys.clone();
        if self.payments.height() > 0 {
            for c in ["payee_id", "linked_id", "payee_name"] {
                named.append(&texts(&self.payments, c)?)?;
            }
        }
        let (keys, mut persons) = (list_of(keys)?, named.clone());
        let named = list_of(named)?;
        let workshops = rows_where(
            &self.workshops,
            one_of("name", &named).or(one_of("credit_code", &named)),
        )?;
        let (names, codes) = (
            list_of(texts(&workshops, "name")?)?,
            list_of(texts(&workshops, "credit_code")?)?,
        );
        let staff = rows_where(
            &self.jining,
            one_of("employer", &names).or(one_of("credit_code", &codes)),
        )?;
        persons.append(&texts(&staff, "id_number")?)?;
        let persons = list_of(persons)?;
        let of_persons = one_of("id_number", &persons);
        let or_coded = of_persons.clone().or(one_of("credit_code", &keys));
        self.registry = rows_where(&self.registry, of_persons)?;
        self.help = rows_where(&self.help, or_coded.clone())?;
        self.jining = rows_where(&self.jining, or_coded)?;
        Ok(())
    }

    /// A SQL context with the named tables above.
    pub fn sql(&self) -> SQLContext {
        let ctx = SQLContext::new();
        ctx.register("registry", self.registry.clone().lazy());
        ctx.register(
            "registered",
            self.registry
                .clone()
                .lazy()
                .filter(col("registered").eq(lit(true))),
        );
        ctx.register("help", self.help.clone().lazy());
        ctx.register("jining", self.jining.clone().lazy());
        ctx.register("workshops", self.workshops.clone().lazy());
        ctx.register("payments", self.payments.clone().lazy());
        ctx
    }
}

/// Ledger columns left unread.
#[derive(Clone, Copy, Default)]
struct Skip {
    registry: &'static [&'static str],
    help: &'static [&'static str],
    payments: &'static [&'static str],
}

impl Skip {
    /// What no target, fact or check reads (the queries, `facts`, `audit::ledger_codes`):
    /// at a million persons these are about a tenth of the model's memory. The ledger edits
    /// of the supervision review read whole snapshots themselves (`rules::quality`).
    const RULES: Skip = Skip {
        registry: &["month", "gender", "village", "work_ability", "phone", "row"],
        help: &["month", "training_level", "certificate", "row"],
        // A payment's month is the export's (`export_month`), its 所属月份 cell unread.
        payments: &["month"],
    };
}

/// A column's values, as a list literal for [`one_of`].
fn list_of(values: Series) -> PolarsResult<Expr> {
    Ok(lit(values.implode()?.into_series()))
}

/// Whether column `c` holds one of the values of `list` ([`list_of`]); a missing value does not.
fn one_of(c: &str, list: &Expr) -> Expr {
    col(c).is_in(list.clone(), false).fill_null(false)
}

/// The rows of `df` where `wanted` holds, in their order.
fn rows_where(df: &DataFrame, wanted: Expr) -> PolarsResult<DataFrame> {
    df.clone().lazy().filter(wanted).collect()
}

/// A text column's values.
fn texts(df: &DataFrame, c: &str) -> PolarsResult<Series> {
    Ok(df.column(c)?.as_materialized_series().clone())
}

/// Adds `spell_end`, `full_months` and `training_end` to the Jining ledger.
fn with_spell_columns(mut df: DataFrame, as_of: NaiveDate) -> Result<DataFrame, Error> {
    let hire = column_dates(&df, "hire_date")?;
    let leave = column_dates(&df, "leave_date")?;
    let t_start = column_dates(&df, "training_start")?;
    let t_days = column_ints(&df, "training_days")?;
    let mut ends = Vec::with_capacity(hire.len());
    let mut months = Vec::with_capacity(hire.len());
    let mut t_end = Vec::with_capacity(hire.len());
    for i in 0..hire.len() {
        let end = leave[i].map_or(as_of, |l| l.min(as_of));
        ends.push(Some(warehouse::date_to_days(end)));
        months.push(hire[i].map(|h| dates::full_months(h, end)));
        t_end.push(match (t_start[i], t_days[i]) {
            (Some(s), Some(d)) if d >= 1 => {
                Some(warehouse::date_to_days(s + chrono::Duration::days(d - 1)))
            }
            _ => None,
        });
    }
    df.with_column(Column::new("spell_end".into(), ends).cast(&DataType::Date)?)?;
    df.with_column(Column::new("full_months".into(), months))?;
    df.with_column(Column::new("training_end".into(), t_end).cast(&DataType::Date)?)?;
    Ok(df)
}

/// A text column borrowed, for reading row by row without copying.
pub fn column_strs<'a>(df: &'a DataFrame, name: &str) -> PolarsResult<Vec<Option<&'a str>>> {
    Ok(df.column(name)?.str()?.iter().collect())
}

pub fn column_dates(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<NaiveDate>>> {
    Ok(df
        .column(name)?
        .date()?
        .physical()
        .iter()
        .map(|v| v.map(days_to_date))
        .collect())
}

pub fn column_ints(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<i64>>> {
    let c = df.column(name)?.cast(&DataType::Int64)?;
    Ok(c.i64()?.iter().collect())
}

pub fn column_bools(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<bool>>> {
    Ok(df.column(name)?.bool()?.iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(name: &str, v: &[Option<&str>]) -> Column {
        Column::new(name.into(), v.to_vec())
    }

    fn ids(df: &DataFrame) -> Vec<String> {
        column_strs(df, "id_number")
            .unwrap()
            .into_iter()
            .flatten()
            .map(String::from)
            .collect()
    }

    /// A month asked about a base's finding (名册不一致, keyed by the base's name) keeps every
    /// row of the base's staff, whom no key and no payment names (the roster check counts
    /// them), and the Jining rows whose credit code is a key; nobody else's.
    #[test]
    fn a_base_named_keeps_its_staff_and_a_code_named_its_rows() {
        let frame = |cols: Vec<Column>| DataFrame::new(cols[0].len(), cols).unwrap();
        let as_of = Month::new(2020, 12).unwrap();
        let mut model = Model {
            as_of,
            date: as_of.last_day(),
            exports: Vec::new(),
            registry: frame(vec![texts(
                "id_number",
                &[Some("P1"), Some("P2"), Some("P3"), Some("P4")],
            )]),
            help: frame(vec![
                texts("id_number", &[Some("P1"), Some("P4"), Some("P5")]),
                texts("credit_code", &[None, None, Some("C1")]),
            ]),
            jining: frame(vec![
                texts("id_number", &[Some("P1"), Some("P2"), Some("P3")]),
                texts("employer", &[Some("甲基地"), Some("别处"), Some("乙车间")]),
                texts("credit_code", &[None, Some("K9"), None]),
            ]),
            workshops: frame(vec![
                texts("name", &[Some("甲基地"), Some("乙车间")]),
                texts("credit_code", &[Some("C1"), None]),
            ]),
            payments: frame(vec![
                texts("payee_id", &[Some("X")]),
                texts("linked_id", &[None]),
                texts("payee_name", &[Some("某单位")]),
            ]),
            jining_has_registration: true,
            snapshots: Vec::new(),
        };
        let keys = ["甲基地".to_string(), "K9".to_string()];
        model.keep_ledgers_naming(&keys).unwrap();
        assert_eq!(ids(&model.registry), ["P1"]);
        assert_eq!(ids(&model.help), ["P1"]);
        assert_eq!(ids(&model.jining), ["P1", "P2"]);
        assert_eq!(model.workshops.height(), 2);
    }
}
