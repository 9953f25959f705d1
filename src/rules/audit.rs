//! Money: distinct payments, spend per pool, and every payment checked against the policy
//! (rules.md "Checks on every payment", summary.md "How findings are counted").

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::dates::Month;
use crate::ids::{mask_id, mask_name};
use crate::ingest::tables::Region;
use crate::model::facts::{Facts, HelpMode, HelpType, Person, Text, Workshop};
use crate::rules::entitle::{self, Judgement, Words};
use polars::prelude::*;

use crate::model::Model;
use crate::money::{from_fen, yuan};
use crate::policy::{Item, ItemCode, Payee, Policy};
use crate::rules::findings::{finding_id, Finding, Rule, Severity};
use crate::rules::targets::{IdSet, Window};
use crate::store::warehouse::days_to_date;

/// One payment row as exported, borrowed from the payment columns.
#[derive(Debug, Clone, Copy, Default)]
pub struct Payment<'a> {
    pub voucher: &'a str,
    pub region: &'a str,
    pub pool: &'a str,
    pub item: &'a str,
    pub payee_type: &'a str,
    pub payee_name: &'a str,
    pub payee_id: &'a str,
    pub linked_id: &'a str,
    pub amount_fen: i64,
    pub pay_date: Option<NaiveDate>,
    pub months_paid: Option<i64>,
    pub days_paid: Option<i64>,
    pub export_month: &'a str,
    /// The export's rank in the order of the exports' ids ([`crate::store::warehouse::Warehouse::read`]).
    pub export: u32,
    pub row: i64,
}

impl<'a> Payment<'a> {
    /// What makes two exports of a voucher the same payment.
    fn content(&self) -> impl PartialEq + '_ {
        (
            self.region,
            self.pool,
            self.item,
            (self.payee_type, self.payee_name, self.payee_id),
            self.linked_id,
            self.amount_fen,
            self.pay_date,
            self.months_paid,
            self.days_paid,
        )
    }

    /// The labourer a per-person payment is for.
    pub fn person(&self) -> &'a str {
        let to_person =
            self.payee_type == "个人" || (self.payee_type.is_empty() && self.linked_id.is_empty());
        if to_person {
            self.payee_id
        } else {
            self.linked_id
        }
    }

    pub fn amount(&self) -> Decimal {
        from_fen(self.amount_fen)
    }
}

type Arr<T> = <T as PolarsDataType>::Array;

/// A text column's one Arrow array: the texts themselves, or, for the payments' few-valued
/// columns ([`FEW_VALUED`]), each row's category and the text of each category (looked up in
/// Polars' mapping once, not per row).
enum Texts<'a> {
    Plain(&'a Arr<StringType>),
    Coded(&'a Arr<UInt32Type>, Vec<Option<&'a str>>),
}

/// The text of each category a categorical column may hold, by category.
fn category_texts(cats: &Categorical32Chunked) -> Vec<Option<&str>> {
    let mapping = cats.get_mapping();
    (0..mapping.num_cats_upper_bound())
        .map(|cat| mapping.cat_to_str(cat as u32))
        .collect()
}

impl<'a> Texts<'a> {
    /// The column's one chunk, `None` for a column with none (no rows).
    fn of(c: &'a Column) -> PolarsResult<Option<Texts<'a>>> {
        Ok(match c.dtype() {
            DataType::Categorical(..) => {
                let cats = c.cat32()?;
                one_chunk(cats.physical())?.map(|a| Texts::Coded(a, category_texts(cats)))
            }
            _ => one_chunk(c.str()?)?.map(Texts::Plain),
        })
    }

    fn get(&self, i: usize) -> Option<&'a str> {
        match self {
            Texts::Plain(a) => a.get(i),
            Texts::Coded(a, texts) => texts.get(a.get(i)? as usize).copied().flatten(),
        }
    }
}

/// The payment columns of few distinct values (a handful of regions, pools, payee types and
/// months, a dozen items), held as Polars categoricals from [`Paid::of`] on: four bytes a row
/// where a text is a sixteen-byte view, 100 MB less for all the rules' steps at a million
/// persons. The checks compare them by category, not by text.
const FEW_VALUED: [&str; 5] = ["region", "pool", "item", "payee_type", "export_month"];

/// The [`FEW_VALUED`] columns of the payments as categoricals.
fn as_categories(all: &mut DataFrame) -> PolarsResult<()> {
    let dtype = DataType::from_categories(Categories::global());
    for name in FEW_VALUED {
        let coded = all.column(name)?.cast(&dtype)?;
        all.with_column(coded)?;
    }
    Ok(())
}

/// The columns of a payment frame, read row by row without copying (a missing text is "").
/// The frame must be in one chunk (`rechunk`): rows are read straight from the Arrow arrays.
pub struct PaymentColumns<'a> {
    /// Row `i` is the frame's row `order[i]` (all rows in frame order without it).
    order: Option<&'a [IdxSize]>,
    height: usize,
    /// `None` for a frame with no rows (and no chunk).
    text: [Option<Texts<'a>>; 9],
    ints: [Option<&'a Arr<Int64Type>>; 4],
    export: Option<&'a Arr<UInt32Type>>,
    pay_date: Option<&'a Arr<Int32Type>>,
}

/// The one Arrow array of a column.
fn one_chunk<T: PolarsDataType>(ca: &ChunkedArray<T>) -> PolarsResult<Option<&Arr<T>>> {
    match ca.chunks().len() {
        0 => Ok(None),
        1 => Ok(ca.downcast_iter().next()),
        n => polars_bail!(ComputeError: "payment column {} is in {n} chunks, not one", ca.name()),
    }
}

impl<'a> PaymentColumns<'a> {
    const TEXT: [&'static str; 9] = [
        "voucher",
        "region",
        "pool",
        "item",
        "payee_type",
        "payee_name",
        "payee_id",
        "linked_id",
        "export_month",
    ];

    pub fn new(df: &'a DataFrame) -> PolarsResult<PaymentColumns<'a>> {
        let mut text = Vec::with_capacity(9);
        for name in Self::TEXT {
            text.push(Texts::of(df.column(name)?)?);
        }
        let mut ints = Vec::with_capacity(4);
        for name in ["amount_fen", "months_paid", "days_paid", "row"] {
            ints.push(one_chunk(df.column(name)?.i64()?)?);
        }
        let shape = || polars_err!(ComputeError: "payment columns");
        Ok(PaymentColumns {
            order: None,
            height: df.height(),
            text: text.try_into().map_err(|_| shape())?,
            ints: ints.try_into().map_err(|_| shape())?,
            export: one_chunk(df.column("export")?.u32()?)?,
            pay_date: one_chunk(df.column("pay_date")?.date()?.physical())?,
        })
    }

    /// What judging an entitlement reads ([`Self::get_payee_and_amount`], [`Self::voucher`]).
    const JUDGING: [&'static str; 9] = [
        "voucher",
        "payee_type",
        "payee_name",
        "payee_id",
        "linked_id",
        "amount_fen",
        "months_paid",
        "days_paid",
        "pay_date",
    ];

    /// The columns judging an entitlement reads, of the frame's rows `rows`, gathered in that
    /// order: the judging loop then reads its rows one after the other. Read at the random
    /// places of the judging order in the frame itself, they stalled on memory more than the
    /// loop computed.
    ///
    /// Column by column on the calling thread: the judging's parts are already one per core.
    pub fn gathered(df: &DataFrame, rows: &[IdxSize]) -> PolarsResult<DataFrame> {
        let rows = IdxCa::from_vec("i".into(), rows.to_vec());
        let columns = Self::JUDGING
            .iter()
            .map(|name| Ok(df.column(name)?.take(&rows)?.rechunk()))
            .collect::<PolarsResult<Vec<_>>>()?;
        DataFrame::new(rows.len(), columns)
    }

    /// The rows of a frame [`Self::gathered`] made; the columns it leaves out read as empty.
    pub fn of_gathered(df: &'a DataFrame) -> PolarsResult<PaymentColumns<'a>> {
        let mut text: [Option<Texts>; 9] = Default::default();
        for (slot, name) in text.iter_mut().zip(Self::TEXT) {
            if Self::JUDGING.contains(&name) {
                *slot = Texts::of(df.column(name)?)?;
            }
        }
        let int = |name: &str| -> PolarsResult<_> { one_chunk(df.column(name)?.i64()?) };
        Ok(PaymentColumns {
            order: None,
            height: df.height(),
            text,
            ints: [
                int("amount_fen")?,
                int("months_paid")?,
                int("days_paid")?,
                None,
            ],
            export: None,
            pay_date: one_chunk(df.column("pay_date")?.date()?.physical())?,
        })
    }

    /// The frame's rows `order` (indices < its height), in that order.
    pub fn ordered(df: &'a DataFrame, order: &'a [IdxSize]) -> PolarsResult<PaymentColumns<'a>> {
        let mut cols = PaymentColumns::new(df)?;
        cols.order = Some(order);
        Ok(cols)
    }

    pub fn len(&self) -> usize {
        self.order.map_or(self.height, <[IdxSize]>::len)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The frame's row of row `i` (< `len()`).
    fn at(&self, i: usize) -> usize {
        self.order.map_or(i, |o| o[i] as usize)
    }

    /// Row `i` (< `len()`).
    pub fn get(&self, i: usize) -> Payment<'a> {
        let paid = self.get_payee_and_amount(i);
        let i = self.at(i);
        let t = |k: usize| self.text[k].as_ref().and_then(|a| a.get(i)).unwrap_or("");
        Payment {
            voucher: t(0),
            region: t(1),
            pool: t(2),
            item: t(3),
            export_month: t(8),
            export: self.export.and_then(|a| a.get(i)).unwrap_or(0),
            row: self.ints[3].and_then(|a| a.get(i)).unwrap_or(0),
            ..paid
        }
    }

    /// Row `i`'s payee texts alone (< `len()`): its type, name, ID and 关联身份证号.
    fn get_payee(&self, i: usize) -> Payment<'a> {
        self.with_payee(i, Payment::default())
    }

    /// `rest` with row `i`'s payee texts (< `len()`).
    fn with_payee(&self, i: usize, rest: Payment<'a>) -> Payment<'a> {
        let i = self.at(i);
        let t = |k: usize| self.text[k].as_ref().and_then(|a| a.get(i)).unwrap_or("");
        Payment {
            payee_type: t(4),
            payee_name: t(5),
            payee_id: t(6),
            linked_id: t(7),
            ..rest
        }
    }

    /// Row `i`'s labourer ([`Payment::person`]).
    fn person(&self, i: usize) -> &'a str {
        self.get_payee(i).person()
    }

    /// Row `i`'s key as the checks group it ([`payee_key`]): its labourer for a per-person
    /// item, else the payee's ID, else its name.
    fn key(&self, i: usize, per_person: bool) -> &'a str {
        payee_key(&self.get_payee(i), per_person.then_some(Payee::Person))
    }

    /// Row `i` (< `len()`) with only what judging its entitlement reads: the payee and the
    /// amount, date, months and days. The voucher, region, pool, item, export and row are
    /// left empty: the judging loop reads a million rows, and these six are needed only where
    /// a finding is made ([`Self::voucher`]).
    pub fn get_payee_and_amount(&self, i: usize) -> Payment<'a> {
        self.with_payee(i, self.get_amounts(i))
    }

    /// Row `i` (< `len()`) with only the amount, date, months and days: what judging a
    /// payment of a labourer already known reads (the texts are a cache miss or two each).
    pub fn get_amounts(&self, i: usize) -> Payment<'a> {
        let i = self.at(i);
        let n = |k: usize| self.ints[k].and_then(|a| a.get(i));
        Payment {
            amount_fen: n(0).unwrap_or(0),
            months_paid: n(1),
            days_paid: n(2),
            pay_date: self.pay_date.and_then(|a| a.get(i)).map(days_to_date),
            ..Payment::default()
        }
    }

    /// Row `i`'s 凭证号 (< `len()`).
    pub fn voucher(&self, i: usize) -> &'a str {
        let i = self.at(i);
        self.text[0].as_ref().and_then(|a| a.get(i)).unwrap_or("")
    }

    /// Row `i`'s amount in fen (< `len()`).
    pub fn amount_fen(&self, i: usize) -> i64 {
        let i = self.at(i);
        self.ints[0].and_then(|a| a.get(i)).unwrap_or(0)
    }

    pub fn iter(&self) -> impl Iterator<Item = Payment<'a>> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ItemSpend {
    pub paid: Decimal,
    pub payments: i64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct PoolSpend {
    pub paid: Decimal,
    pub payments: i64,
    pub by_item: BTreeMap<String, ItemSpend>,
    pub by_region: BTreeMap<String, ItemSpend>,
    pub by_month: BTreeMap<String, ItemSpend>,
    /// Entitled as of M, per item of the policy's pool, summed over the payees paid, where the
    /// policy fixes the amount (items without a fixed amount are absent).
    pub entitled_by_item: BTreeMap<String, Decimal>,
}

impl PoolSpend {
    pub fn entitled(&self) -> Decimal {
        self.entitled_by_item.values().copied().sum()
    }
}

#[derive(Debug, Default)]
pub struct Audit {
    /// Every payment row up to M, as exported.
    pub payments: DataFrame,
    /// The distinct payments (one row per 凭证号, the version that counts) as rows of
    /// `payments`, by date and voucher.
    pub distinct: Vec<IdxSize>,
    pub spend: BTreeMap<String, PoolSpend>,
    pub findings: Vec<Finding>,
    /// [`Audit::compliance`], kept when the payment rows are released.
    released: Option<(Decimal, Decimal)>,
}

impl Audit {
    /// Takes the payment rows, keeping the compliance rate: a report needs no row, and at
    /// national scale they are half a gigabyte, which the caller frees. `payment_rows` is
    /// empty afterwards.
    pub fn take_payments(&mut self) -> (DataFrame, Vec<IdxSize>) {
        self.released = Some(self.compliance());
        (
            std::mem::take(&mut self.payments),
            std::mem::take(&mut self.distinct),
        )
    }

    pub fn count(&self, rule: Rule) -> usize {
        self.findings.iter().filter(|f| f.rule == rule).count()
    }

    /// The distinct payments, row by row.
    pub fn payment_rows(&self) -> PolarsResult<PaymentColumns<'_>> {
        PaymentColumns::ordered(&self.payments, &self.distinct)
    }

    /// Amount of distinct payments with no 错误 finding on their vouchers, and the total.
    pub fn compliance(&self) -> (Decimal, Decimal) {
        if let Some(kept) = self.released {
            return kept;
        }
        let flagged: PlHashSet<&str> = self
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .flat_map(|f| f.vouchers.iter().map(String::as_str))
            .collect();
        let Ok(rows) = self.payment_rows() else {
            return (Decimal::ZERO, Decimal::ZERO);
        };
        let (mut clean, mut total) = (0i64, 0i64);
        for i in 0..rows.len() {
            let amount = rows.amount_fen(i);
            total += amount;
            if !flagged.contains(rows.voucher(i)) {
                clean += amount;
            }
        }
        (from_fen(clean), from_fen(total))
    }
}

/// The payment rows up to M, in export order, each with how many rows share its voucher:
/// `(distinct, repeated)` — the rows that count, one per voucher (the first row of the latest
/// export that has it), ordered by payment date and voucher; and every row of a voucher
/// exported more than once, by voucher.
fn versions(payments: &DataFrame) -> PolarsResult<(Vec<IdxSize>, DataFrame)> {
    // Almost every voucher is in one row, which counts as it is: only the rows of a voucher
    // in several (one hash pass finds them; rows with no voucher are one group) are sorted
    // into export order to choose the version. Sorting all the rows on their text keys was
    // most of this step's time.
    let shared = payments.select(["voucher"])?.is_duplicated()?;
    let mut keys = payments.select(["voucher", "export_month", "export", "row"])?;
    keys.with_column(shared.clone().with_name("shared".into()).into_column())?;
    let keep_order = SortMultipleOptions::default().with_maintain_order(true);
    let sorted = keys
        .lazy()
        .with_row_index("i", None)
        .filter(col("shared"))
        .sort(["export_month", "export", "row"], keep_order.clone())
        .with_columns([col("export")
            .last()
            .over([col("voucher")])?
            .alias("last_export")])
        .collect()?;
    let picked = |lf: LazyFrame| -> PolarsResult<IdxCa> {
        let df = lf.select([col("i")]).collect()?;
        Ok(df.column("i")?.idx()?.clone())
    };
    let chosen = picked(
        sorted
            .clone()
            .lazy()
            .filter(col("export").eq(col("last_export")))
            .unique_stable_generic(Some(vec![col("voucher")]), UniqueKeepStrategy::First),
    )?;
    let mut repeated = payments.take(&picked(sorted.lazy().sort(["voucher"], keep_order))?)?;
    repeated.rechunk_mut();
    let mut distinct: Vec<IdxSize> = shared
        .iter()
        .zip(0..)
        .filter_map(|(shared, i)| (shared != Some(true)).then_some(i))
        .chain(chosen.into_no_null_iter())
        .collect();
    by_date_and_voucher(payments, &mut distinct)?;
    Ok((distinct, repeated))
}

/// A payment's date, voucher and row, ordered in that order (a missing value first).
type DatedVoucher<'a> = (Option<i32>, Option<&'a [u8]>, IdxSize);

/// Rows (of one voucher each) in order of payment date, then voucher, a missing one first.
/// Sorted as (date, voucher bytes) pairs on every core: a voucher's text orders as its bytes,
/// as Polars orders it, and most payments of a month share its last day, so the vouchers
/// decide; Polars' sort on the two columns compared them through a dynamic comparison per
/// pair, and took 0.4 s of the 1.0 s the payments' versions take at a million persons.
fn by_date_and_voucher(payments: &DataFrame, rows: &mut [IdxSize]) -> PolarsResult<()> {
    use rayon::prelude::*;
    let dates = payments.column("pay_date")?.date()?.physical().rechunk();
    let vouchers = payments.column("voucher")?.str()?.rechunk();
    let (Some(dates), Some(vouchers)) = (
        dates.downcast_iter().next(),
        vouchers.downcast_iter().next(),
    ) else {
        return Ok(()); // no payments
    };
    let mut keyed: Vec<DatedVoucher> = rows
        .par_iter()
        .map(|&i| {
            let at = i as usize;
            (dates.get(at), vouchers.get(at).map(str::as_bytes), i)
        })
        .collect();
    // No two rows have one voucher, so the order is total and the unstable sort the one order.
    keyed.par_sort_unstable();
    for (slot, (_, _, i)) in rows.iter_mut().zip(keyed) {
        *slot = i;
    }
    Ok(())
}

/// Whether each of `height` rows is one of `distinct` (a version that counts), as the column
/// `counts`: a filter on it keeps the frame's other columns where they are, where gathering
/// the distinct rows first copies them.
fn counts(height: usize, distinct: &[IdxSize]) -> Column {
    let mut counts = vec![false; height];
    for &i in distinct {
        counts[i as usize] = true;
    }
    Column::new("counts".into(), counts)
}

/// Spend per pool, and per item, region and export month within it, as recorded.
fn spend(
    payments: &DataFrame,
    distinct: &[IdxSize],
    policy: &Policy,
) -> PolarsResult<BTreeMap<String, PoolSpend>> {
    // The columns summed and grouped on, and which rows count: grouped where they are, as
    // gathering the rows that count first held a copy of these columns at the audit's peak.
    let mut rows = payments.select(["pool", "item", "region", "export_month", "amount_fen"])?;
    rows.with_column(counts(payments.height(), distinct))?;
    let mut spend: BTreeMap<String, PoolSpend> = BTreeMap::new();
    for pool in &policy.pools {
        spend.insert(pool.name.clone(), PoolSpend::default());
    }
    // One group-by on all four keys (a few hundred groups), added up here per pool and per
    // pool and item, region or month: four group-bys over every payment took twice as long.
    let keys = ["pool", "item", "region", "export_month"];
    // Grouped by category; a missing key is "" below, where its sums are added to those of
    // an empty one.
    let groups = rows
        .lazy()
        .group_by(keys.map(col))
        .agg([
            col("amount_fen").filter(col("counts")).sum().alias("fen"),
            col("counts").sum().alias("n"),
        ])
        .filter(col("n").gt(lit(0)))
        .with_column(col("n").cast(DataType::Int64))
        .with_columns(keys.map(|c| col(c).cast(DataType::String)))
        .collect()?;
    let [pool, item, region, month] = keys.map(|c| groups.column(c).and_then(|c| c.str()));
    let (pool, item, region, month) = (pool?, item?, region?, month?);
    let (fen, n) = (groups.column("fen")?.i64()?, groups.column("n")?.i64()?);
    // Fen and payments per pool, then per (pool, split, key).
    let mut totals: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    let mut splits: BTreeMap<(&str, usize, &str), (i64, i64)> = BTreeMap::new();
    for g in 0..groups.height() {
        let (f, n) = (fen.get(g).unwrap_or(0), n.get(g).unwrap_or(0));
        let add = |t: &mut (i64, i64)| {
            t.0 += f;
            t.1 += n;
        };
        let p = pool.get(g).unwrap_or("");
        add(totals.entry(p).or_default());
        for (split, key) in [item.get(g), region.get(g), month.get(g)]
            .into_iter()
            .enumerate()
        {
            add(splits.entry((p, split, key.unwrap_or(""))).or_default());
        }
    }
    let sums = |(fen, n): (i64, i64)| ItemSpend {
        paid: from_fen(fen),
        payments: n,
    };
    for (p, t) in totals {
        let entry = spend.entry(p.to_string()).or_default();
        let s = sums(t);
        entry.paid = s.paid;
        entry.payments = s.payments;
    }
    for ((p, split, key), t) in splits {
        let entry = spend.entry(p.to_string()).or_default();
        let by = match split {
            0 => &mut entry.by_item,
            1 => &mut entry.by_region,
            _ => &mut entry.by_month,
        };
        by.insert(key.to_string(), sums(t));
    }
    Ok(spend)
}

struct Ctx<'a> {
    policy: &'a Policy,
    facts: &'a Facts,
    date: NaiveDate,
    findings: Vec<Finding>,
    /// The (rule, key) of each of `findings`, in the same order.
    keys: Vec<(Rule, String, String)>,
    once: BTreeSet<(Rule, String, String)>,
}

impl<'a> Ctx<'a> {
    fn new(policy: &'a Policy, facts: &'a Facts, date: NaiveDate) -> Ctx<'a> {
        Ctx {
            policy,
            facts,
            date,
            findings: Vec::new(),
            keys: Vec::new(),
            once: BTreeSet::new(),
        }
    }

    /// Takes the findings of a context that judged later rows, as if added here one by one.
    fn absorb(&mut self, later: Ctx) {
        for (key, finding) in later.keys.into_iter().zip(later.findings) {
            if self.once.insert(key.clone()) {
                self.keys.push(key);
                self.findings.push(finding);
            }
        }
    }

    /// Adds a finding about a labourer (ID, name), by the ID, shown masked: no item, amounts or
    /// vouchers.
    fn add_person(&mut self, rule: Rule, (id, name): (&str, &str), clause: &str, message: String) {
        self.add(
            rule,
            (id.to_string(), String::new()),
            clause,
            (mask_id(id), mask_name(name)),
            "",
            (None, None),
            Vec::new(),
            message,
        );
    }

    /// Adds a finding unless one of the same rule is already there for the key.
    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        rule: Rule,
        key: (String, String),
        clause: &str,
        payee_label: (String, String),
        item: &str,
        amounts: (Option<Decimal>, Option<Decimal>),
        vouchers: Vec<String>,
        message: String,
    ) {
        if !self.once.insert((rule, key.0.clone(), key.1.clone())) {
            return;
        }
        self.keys.push((rule, key.0.clone(), key.1.clone()));
        let (paid, entitled) = amounts;
        self.findings.push(Finding {
            id: finding_id(rule, &key.0, &key.1),
            rule,
            severity: rule.severity(),
            clause: clause.to_string(),
            payee: payee_label.0,
            payee_name: payee_label.1,
            payee_key: key.0,
            item: item.to_string(),
            paid,
            entitled,
            difference: match (paid, entitled) {
                (Some(p), Some(e)) => Some(p - e),
                _ => None,
            },
            vouchers,
            message,
            unit: String::new(),
            side: Region::Wanzhou,
        });
    }
}

fn label_person(id: &str, facts: &Facts, fallback_name: &str) -> (String, String) {
    let name = facts
        .person(id)
        .and_then(|p| p.names.first())
        .map_or_else(|| fallback_name.to_string(), |n| n.to_string());
    (
        if id.is_empty() {
            "（未填身份证号）".into()
        } else {
            mask_id(id)
        },
        mask_name(&name),
    )
}

fn find_workshop<'a>(facts: &'a Facts, p: &Payment, region: Region) -> Option<&'a Workshop> {
    facts
        .workshops
        .iter()
        .filter(|w| w.region == Some(region))
        .find(|w| {
            (!p.payee_id.is_empty() && w.credit_code.as_deref() == Some(p.payee_id))
                || w.name == p.payee_name
        })
}

/// The entitlement of a payment's payee to item `code` on `date`.
pub fn judge_for(
    code: ItemCode,
    p: &Payment,
    facts: &Facts,
    pol: &Policy,
    date: NaiveDate,
) -> Judgement {
    let empty = Person::default();
    let person = facts.person(p.person()).unwrap_or(&empty);
    judge_with(code, person, p, facts, pol, date, Words::Worded)
}

/// [`judge_for`] with the labourer already looked up: a (payee, item) group is one person.
fn judge_with(
    code: ItemCode,
    person: &Person,
    p: &Payment,
    facts: &Facts,
    pol: &Policy,
    date: NaiveDate,
    w: Words,
) -> Judgement {
    match code {
        ItemCode::A1 => entitle::a1_transport_meal(person, pol, date, w),
        ItemCode::A2 => entitle::a2_cross_province(person, pol, date, w),
        ItemCode::A3 => entitle::a3_local_post(person, pol, date, w),
        ItemCode::A4 => {
            entitle::a4_workshop(find_workshop(facts, p, Region::Wanzhou), pol, date, w)
        }
        ItemCode::A5 => entitle::a5_public_post(person, pol, date, w),
        ItemCode::A6 => entitle::a6_training(person, pol, date, w),
        ItemCode::A7 => entitle::a7_training_living(person, pol, date, w),
        ItemCode::B1 => entitle::b1_social_insurance(person, facts, pol, date, w),
        ItemCode::B2 => entitle::b2_post(person, facts, pol, date, w),
        ItemCode::B3 => entitle::b3_vocational_training(person, facts, pol, date, w),
        ItemCode::B4 => entitle::b4_training_living(person, facts, pol, date, w),
        ItemCode::B5 => entitle::b5_work_training(person, facts, pol, date, w),
        ItemCode::B6 => {
            entitle::b6_base(find_workshop(facts, p, Region::Jining), facts, pol, date, w)
        }
    }
}

/// The payment rows up to M, moved out of the model (the audit owns them from here), with the
/// rows that count picked as indices: at national scale a copy of millions of rows would be
/// the largest thing in memory.
pub struct Paid {
    all: DataFrame,
    distinct: Vec<IdxSize>,
    repeated: DataFrame,
    /// (code, payee) of the 对象证件号码 that fail the credit-code checksum, in row order.
    payee_codes: Vec<(String, String)>,
}

impl Paid {
    /// The payment rows the model read (`std::mem::take(&mut model.payments)`): taken apart
    /// from the model so that the targets, which read only the ledgers, are computed beside.
    pub fn of(mut all: DataFrame) -> Result<Paid, String> {
        let e = |x: PolarsError| format!("读取补贴发放明细失败：{x}");
        // The few-valued texts coded first, chunk by chunk, so that only the other columns
        // are copied into one chunk (rows are read by index), one column at a time.
        as_categories(&mut all).map_err(e)?;
        all.rechunk_mut();
        // The texts the categories replace (130 MB at a million persons) and the chunks the
        // copies replace handed back at once: the targets beside reach their peak soon after.
        crate::memory::give_back();
        let (distinct, repeated) = versions(&all).map_err(e)?;
        let payee_codes = bad_codes(&all, "payee_id", "payee_name").map_err(e)?;
        Ok(Paid {
            all,
            distinct,
            repeated,
            payee_codes,
        })
    }
}

/// (code, name) of the 统一社会信用代码 in the ledgers (帮扶台账, 来济就业台账, 车间名册) that fail
/// their checksum, in row order: read before the ledgers' rows are freed for the audit.
pub fn ledger_codes(model: &Model) -> Result<Vec<(String, String)>, String> {
    let e = |x: PolarsError| format!("读取台账失败：{x}");
    let mut bad = Vec::new();
    for (df, col, name_col) in [
        (&model.help, "credit_code", "employer"),
        (&model.jining, "credit_code", "employer"),
        (&model.workshops, "credit_code", "name"),
    ] {
        bad.extend(bad_codes(df, col, name_col).map_err(e)?);
    }
    Ok(bad)
}

/// (code, name) of each row whose code fails its checksum (an 18-character 身份证号 in a
/// payee column is no credit code).
fn bad_codes(df: &DataFrame, col: &str, name_col: &str) -> PolarsResult<Vec<(String, String)>> {
    let codes = df.column(col)?.str()?;
    let ok = df.column(&format!("{col}_ok"))?.bool()?;
    let names = df.column(name_col)?.str()?;
    let mut out = Vec::new();
    for ((code, ok), name) in codes.iter().zip(ok.iter()).zip(names.iter()) {
        if let (Some(code), Some(false)) = (code, ok) {
            if col == "payee_id" && crate::ids::looks_like_id(code) {
                continue;
            }
            out.push((code.to_string(), name.unwrap_or_default().to_string()));
        }
    }
    Ok(out)
}

/// Runs every check as of `date` (the model's), on the payments [`Paid::of`] read and the
/// ledgers' failing credit codes ([`ledger_codes`]); `transferred`: the persons transferred
/// in the plan year (符合条件尚未发放 looks among them).
pub fn audit(
    date: NaiveDate,
    paid: Paid,
    ledger_codes: Vec<(String, String)>,
    (policy, facts): (&Policy, &Facts),
    window: Window,
    transferred: &IdSet,
) -> Result<Audit, String> {
    let e = |x: PolarsError| format!("读取补贴发放明细失败：{x}");
    let Paid {
        all,
        distinct,
        repeated,
        payee_codes,
    } = paid;
    let mut ctx = Ctx::new(policy, facts, date);

    // Vouchers exported more than once: one payment each, the version in the latest export
    // counts (`versions` picked it); here only the finding, from the few repeated rows.
    repeated_vouchers(&mut ctx, &PaymentColumns::new(&repeated).map_err(e)?);
    let mut spend = spend(&all, &distinct, policy).map_err(e)?;
    // Its grouping (150 MB at a million persons) handed back before the checks' columns.
    crate::memory::give_back();
    // Per payment, in the order of summary.md.
    let payments = PaymentColumns::ordered(&all, &distinct).map_err(e)?;
    let mut unregistered: BTreeSet<String> = BTreeSet::new();
    let checked = Checked::of(&all, (&distinct, &payments), policy, facts).map_err(e)?;
    // The few flagged payments' findings are worded on one core while the judging order is
    // sorted on the others: each alone leaves a core idle most of its time.
    let (checks, judged) = rayon::join(
        || payment_checks(&mut ctx, &payments, &checked, &mut unregistered),
        || Judged::of(&checked, &payments, facts),
    );
    checks.map_err(e)?;
    let judged = judged.map_err(e)?;
    // The checks' frame handed back before the judging allocates its own.
    drop(checked);
    crate::memory::give_back();
    // Beside the judging, the findings from the ledgers and the persons entitled but unpaid
    // (mostly one core each), with findings of their own: taken after the judging's, in the
    // order they would have been found one after the other (`absorb` keeps the first of a
    // rule and key, as adding them here would).
    let mut on_ledgers = Ctx::new(policy, facts, date);
    let (stacked, ((), unpaid)) = rayon::join(
        || entitlement_checks(&mut ctx, &all, &distinct, &judged, &mut spend),
        || {
            rayon::join(
                || {
                    ledger_findings(
                        &mut on_ledgers,
                        window,
                        &unregistered,
                        ledger_codes,
                        payee_codes,
                    )
                },
                || eligible_unpaid((&all, &distinct), policy, facts, transferred, date),
            )
        },
    );
    stacking_findings(&mut ctx, stacked.map_err(e)?);
    ctx.absorb(on_ledgers);
    let mut findings = ctx.findings;
    findings.extend(unpaid?);
    Ok(Audit {
        payments: all,
        distinct,
        spend,
        findings,
        released: None,
    })
}

/// 重复导出 and 凭证号内容不一致: each voucher exported more than once, once.
fn repeated_vouchers(ctx: &mut Ctx, rows: &PaymentColumns) {
    let mut start = 0;
    while start < rows.len() {
        let voucher = rows.get(start).voucher;
        let mut versions = vec![rows.get(start)];
        while start + versions.len() < rows.len()
            && rows.get(start + versions.len()).voucher == voucher
        {
            versions.push(rows.get(start + versions.len()));
        }
        start += versions.len();
        let last_export = versions[versions.len() - 1].export;
        let chosen = versions
            .iter()
            .find(|v| v.export == last_export)
            .copied()
            .unwrap_or(versions[0]);
        let same = versions.iter().all(|v| v.content() == chosen.content());
        let (rule, msg) = if same {
            (
                Rule::DuplicateVoucher,
                format!(
                    "凭证号 {voucher} 被重复导出 {} 次，内容相同，只计一次",
                    versions.len()
                ),
            )
        } else {
            (
                Rule::VoucherConflict,
                format!(
                    "凭证号 {voucher} 出现 {} 次且内容不一致，按最新一期导出的版本计：{} {} 元",
                    versions.len(),
                    chosen.item,
                    yuan(chosen.amount())
                ),
            )
        };
        let policy = ctx.policy;
        ctx.add(
            rule,
            (voucher.to_string(), String::new()),
            &policy.funds_reference,
            (voucher.to_string(), String::new()),
            chosen.item,
            (Some(chosen.amount()), None),
            vec![voucher.to_string()],
            msg,
        );
    }
}

/// The payments with what each row's item says of it, looked up once per row by the item's
/// name: its place in the policy (`item_pos`, null for an item the policy does not have), its
/// code's order (`code_ord`), its pool's and the row's pool's places (`item_pool`,
/// `pool_pos`), `per_person` and `has_floor`; and each export month's last day (`month_end`).
fn with_item_columns(all: &DataFrame, policy: &Policy) -> PolarsResult<DataFrame> {
    // Of two items with one name, the first (as `item_by_name`). Looked up once per row, the
    // attributes then gathered by the item's position: a chain of `when`s over the policy's
    // items compared every row's text with each name, and was most of this step's time.
    let items = &policy.items;
    let names: Vec<(&str, u32)> = (0..)
        .zip(items)
        .map(|(k, i)| (i.name.as_str(), k))
        .collect();
    let item_pos: IdxCa = look_up(all, "item", &names)?.into_iter().collect();
    let of_items = |values: Series| values.take(&item_pos);
    let attribute = |name: &str,
                     dtype: DataType,
                     f: &dyn Fn(&Item) -> AnyValue<'static>|
     -> PolarsResult<Column> {
        let values: Vec<AnyValue> = items.iter().map(f).collect();
        let values = Series::from_any_values_and_dtype(name.into(), &values, &dtype, true)?;
        Ok(of_items(values)?.into_column())
    };
    let months = all
        .column("export_month")?
        .unique()?
        .cast(&DataType::String)?;
    let months: Vec<(String, i32)> = months
        .str()?
        .iter()
        .flatten()
        .filter_map(|m| Some((m.to_string(), days_of(m.parse::<Month>().ok()?.last_day()))))
        .collect();
    let months: Vec<(&str, i32)> = months.iter().map(|(m, d)| (m.as_str(), *d)).collect();
    let month_end: Int32Chunked = look_up(all, "export_month", &months)?.into_iter().collect();
    // 资金来源 compared by number: each pool's text as the position of the first item of
    // that pool, for the payment's and for its item's.
    let pool_of = |pool: &str| {
        (0..)
            .zip(items)
            .find(|(_, i)| i.pool == pool)
            .map(|(k, _)| k)
    };
    let pools: Vec<(&str, u32)> = items
        .iter()
        .filter_map(|i| Some((i.pool.as_str(), pool_of(&i.pool)?)))
        .collect();
    let pool_pos: IdxCa = look_up(all, "pool", &pools)?.into_iter().collect();
    let mut base = all.clone();
    base.with_column(item_pos.clone().with_name("item_pos".into()).into_column())?;
    base.with_column(attribute("code_ord", DataType::UInt32, &|i| {
        AnyValue::UInt32(i.code as u32)
    })?)?;
    base.with_column(attribute("item_pool", DataType::UInt32, &|i| {
        pool_of(&i.pool).map_or(AnyValue::Null, AnyValue::UInt32)
    })?)?;
    base.with_column(pool_pos.with_name("pool_pos".into()).into_column())?;
    base.with_column(attribute("per_person", DataType::Boolean, &|i| {
        AnyValue::Boolean(i.per_person())
    })?)?;
    base.with_column(attribute("has_floor", DataType::Boolean, &|i| {
        AnyValue::Boolean(i.daily_floor.is_some())
    })?)?;
    base.with_column(month_end.with_name("month_end".into()).into_column())?;
    Ok(base)
}

/// The checks of each payment on its own, as columns over the distinct payments (in their
/// order, `i`): the item's position in the policy (`item_pos`, null for an item the policy
/// does not have), whether it is paid per person, the labourer's place among the facts'
/// persons (`person_pos`), and each check's verdict — `wrong_pool`
/// (资金来源), `floor_due` (the item has a daily floor and days were paid: the exact comparison
/// is made in decimals on these rows), `out` (发放期限) and `unregistered` (建档立卡). `judged`:
/// the rows that go on to be judged against their entitlement.
struct Checked {
    frame: DataFrame,
}

impl Checked {
    fn of(
        all: &DataFrame,
        (distinct, payments): (&[IdxSize], &PaymentColumns),
        policy: &Policy,
        facts: &Facts,
    ) -> PolarsResult<Checked> {
        let base = with_item_columns(all, policy)?;
        let known = col("item_pos").is_not_null();
        let date = col("pay_date").cast(DataType::Int32);
        let out = known.clone().and(
            date.clone()
                .is_null()
                .or(date.clone().lt(lit(days_of(policy.period_from))))
                .or(date.clone().gt(lit(days_of(policy.period_to))))
                .or(date.gt(col("month_end")).fill_null(lit(false))),
        );
        let checked = base
            .lazy()
            .with_columns([
                known
                    .clone()
                    .and(col("pool_pos").neq(col("item_pool")).fill_null(lit(true)))
                    .alias("wrong_pool"),
                known
                    .clone()
                    .and(col("has_floor"))
                    .and(col("days_paid").gt(lit(0)).fill_null(lit(false)))
                    .alias("floor_due"),
                out.alias("out"),
            ])
            .select(columns(&[&VERDICTS[..], &["per_person"]]))
            .collect()?;
        // The distinct payments, in their order, numbered as `payments` reads them.
        let mut frame = checked.take(&IdxCa::from_vec("i".into(), distinct.to_vec()))?;
        frame.rechunk_mut();
        for c in registered_persons(payments, facts) {
            frame.with_column(c)?;
        }
        let known = col("item_pos").is_not_null();
        let mut frame = frame
            .lazy()
            .with_row_index("i", None)
            .with_column(
                known
                    .clone()
                    .and(col("out").not())
                    .and(col("per_person"))
                    .and(col("registered").not())
                    .alias("unregistered"),
            )
            .with_column(
                known
                    .and(col("out").not())
                    .and(col("unregistered").not())
                    .alias("judged"),
            )
            .select(columns(&[
                &["i"],
                &VERDICTS[..],
                &["unregistered", "judged", "per_person", "person_pos"],
            ]))
            .collect()?;
        frame.rechunk_mut();
        Ok(Checked { frame })
    }

    /// The rows some check speaks about (an unknown item, or a check failed or to be made in
    /// decimals), in payment order.
    fn flagged(&self) -> PolarsResult<DataFrame> {
        let flag = col("item_pos")
            .is_null()
            .or(col("wrong_pool"))
            .or(col("floor_due"))
            .or(col("out"))
            .or(col("unregistered"));
        let mut df = self.frame.clone().lazy().filter(flag).collect()?;
        df.rechunk_mut();
        Ok(df)
    }
}

/// The columns of [`Checked`] from each payment's item and its checks on its own, carried
/// from the checks over every row to the distinct payments.
const VERDICTS: [&str; 5] = ["item_pos", "code_ord", "wrong_pool", "floor_due", "out"];

/// The named columns, in order.
fn columns(groups: &[&[&str]]) -> Vec<Expr> {
    groups
        .iter()
        .flat_map(|g| g.iter().map(|n| col(*n)))
        .collect()
}

/// Each payment's labourer's ([`Payment::person`]) place among the facts' persons
/// (`person_pos`, null for someone the ledgers do not know) and whether they are a 建档立卡
/// labourer (`registered`), all found at once ([`Facts::positions`]). The labourer's ID is
/// read where the payment holds it: as a column of its own (a `when` over the payee columns)
/// it was a serial copy of every payment's ID, and an `is_in` against a list of the registered
/// IDs built a hash set of a million strings first (BENCHMARKS.md).
fn registered_persons(payments: &PaymentColumns, facts: &Facts) -> [Column; 2] {
    use rayon::prelude::*;
    let places = facts.positions(payments.len(), |i| payments.person(i));
    let registered: Vec<bool> = places
        .par_iter()
        .map(|r| r.is_some_and(|r| facts.persons[r as usize].1.registered))
        .collect();
    let places: IdxCa = places.into_iter().collect();
    [
        places.with_name("person_pos".into()).into_column(),
        Column::new("registered".into(), registered),
    ]
}

/// Each row's text of `column` looked up in `table` (a few texts; of two equal ones the first
/// counts), `None` where the text is missing or not in it.
fn look_up<T: Copy>(
    df: &DataFrame,
    column: &str,
    table: &[(&str, T)],
) -> PolarsResult<Vec<Option<T>>> {
    let mut by_text: PlHashMap<&str, T> = PlHashMap::default();
    for (text, value) in table {
        by_text.entry(text).or_insert(*value);
    }
    let c = df.column(column)?;
    if let DataType::Categorical(..) = c.dtype() {
        // Each category looked up once, each row by its category.
        let cats = c.cat32()?;
        let by_cat: Vec<Option<T>> = category_texts(cats)
            .into_iter()
            .map(|v| by_text.get(v?).copied())
            .collect();
        return Ok(cats
            .physical()
            .iter()
            .map(|cat| by_cat.get(cat? as usize).copied().flatten())
            .collect());
    }
    Ok(c.str()?
        .iter()
        .map(|v| v.and_then(|v| by_text.get(v).copied()))
        .collect())
}

/// A text column with a missing value as "" (as [`PaymentColumns`] reads it).
fn text(c: &str) -> Expr {
    col(c).fill_null(lit(""))
}

/// [`Payment::person`] over the columns: the payee for 对象类型 个人, or where nothing says it
/// is a 单位; else the 关联身份证号.
fn person_expr() -> Expr {
    // 对象类型 is a categorical ([`FEW_VALUED`]): a missing one is tested as such, not filled.
    let payee_type = |t: &str| col("payee_type").eq(lit(t)).fill_null(lit(false));
    let untyped = col("payee_type").is_null().or(payee_type(""));
    let to_person = payee_type("个人").or(untyped.and(text("linked_id").eq(lit(""))));
    when(to_person)
        .then(text("payee_id"))
        .otherwise(text("linked_id"))
}

/// A date as Polars stores it: days since 1970-01-01.
fn days_of(d: NaiveDate) -> i32 {
    (d - NaiveDate::default()).num_days() as i32
}

/// The findings of the checks of each payment on its own — 政策外项目, 资金来源, the daily
/// floor, 发放期限, 建档立卡 — in the order of summary.md, made from the rows [`Checked`]
/// flagged.
fn payment_checks(
    ctx: &mut Ctx,
    payments: &PaymentColumns,
    checked: &Checked,
    unregistered: &mut BTreeSet<String>,
) -> PolarsResult<()> {
    let (policy, facts) = (ctx.policy, ctx.facts);
    let flagged = checked.flagged()?;
    let rows = flagged.column("i")?.idx()?;
    let item_pos = flagged.column("item_pos")?.u32()?;
    let flag = |c: &str| -> PolarsResult<Vec<bool>> {
        Ok(flagged
            .column(c)?
            .bool()?
            .iter()
            .map(|b| b == Some(true))
            .collect())
    };
    let (wrong_pool, floor_due) = (flag("wrong_pool")?, flag("floor_due")?);
    let (out, unreg) = (flag("out")?, flag("unregistered")?);
    for (j, i) in rows.into_no_null_iter().enumerate() {
        let p = payments.get(i as usize);
        let Some(item) = item_pos.get(j).and_then(|k| policy.items.get(k as usize)) else {
            ctx.add(
                Rule::UnknownItem,
                (payee_key(&p, None).to_string(), p.item.to_string()),
                &policy.funds_reference,
                payee_label(&p, None, facts),
                p.item,
                (Some(p.amount()), None),
                vec![p.voucher.to_string()],
                format!(
                    "补贴项目“{}”不是济人社字〔2020〕47号规定的项目，已计入{}支出但无法核对",
                    p.item, p.pool
                ),
            );
            continue;
        };
        let key = payee_key(&p, Some(item.payee));
        // Labels (masked IDs and names) only where a finding is made.
        let label = || payee_label(&p, Some(item.payee), facts);
        let finding_key = || (key.to_string(), item.code.to_string());
        if wrong_pool[j] {
            ctx.add(
                Rule::WrongPool,
                finding_key(),
                &item.reference,
                label(),
                p.item,
                (Some(p.amount()), None),
                vec![p.voucher.to_string()],
                format!(
                    "{}按{}应从{}列支，实际从{}发放 {} 元",
                    item.name,
                    item.reference,
                    item.pool,
                    p.pool,
                    yuan(p.amount())
                ),
            );
        }
        if let (true, Some((floor, clause)), Some(days)) =
            (floor_due[j], &item.daily_floor, p.days_paid)
        {
            let floor = *floor;
            if p.amount() < floor * Decimal::from(days) {
                ctx.add(Rule::BelowFloor, finding_key(), &item.reference, label(), p.item, (Some(p.amount()), Some(floor * Decimal::from(days))), vec![p.voucher.to_string()], format!("培训生活费 {} 元 ÷ {days} 天 = {} 元/天，低于{clause} 每天不低于 {} 元的标准", yuan(p.amount()), yuan(p.amount() / Decimal::from(days)), yuan(floor)));
            }
        }
        if out[j] {
            let why = match p.pay_date {
                None => "没有发放日期".to_string(),
                Some(d) if d < policy.period_from || d > policy.period_to => format!(
                    "发放日期 {} 不在政策执行期限 {} 至 {} 内（{}）",
                    d, policy.period_from, policy.period_to, policy.period_reference
                ),
                Some(d) => format!("发放日期 {} 晚于所在报表月份 {}", d, p.export_month),
            };
            ctx.add(
                Rule::OutOfPeriod,
                finding_key(),
                "五",
                label(),
                p.item,
                (Some(p.amount()), None),
                vec![p.voucher.to_string()],
                why,
            );
            continue;
        }
        if unreg[j] {
            unregistered.insert(p.person().to_string());
            let why = match facts.person(p.person()) {
                Some(x) if x.in_registry => "在贫困劳动力名册中“是否建档立卡”为否",
                _ => "不在贫困劳动力名册中",
            };
            ctx.add(
                Rule::UnregisteredPerson,
                (p.person().to_string(), String::new()),
                "一",
                label_person(p.person(), facts, p.payee_name),
                p.item,
                (Some(p.amount()), None),
                vec![p.voucher.to_string()],
                format!(
                    "{}（凭证号 {}）的对象{}，不能享受按人补贴",
                    p.item, p.voucher, why
                ),
            );
        }
    }
    Ok(())
}

/// The payments to judge against their entitlement, grouped: sorted by payee key, item and
/// payment order, so each (payee, item) group is a run and one payee's groups come in item
/// order (as stacking needs).
#[derive(Default)]
struct Judged {
    rows: Vec<IdxSize>,
    item_pos: Vec<u32>,
    /// Whether a row starts a new (payee, item) group. The keys themselves are read back from
    /// the payments ([`payee_key`]): a million copies of them would outlive the sort.
    starts: Vec<bool>,
    /// Whether a row starts a new payee (key): where the groups may be cut into parts.
    new_payee: Vec<bool>,
    /// The place among the facts' persons of a per-person item's labourer (the row's key),
    /// found once for the 建档立卡 check: judging then needs no second lookup by ID.
    person_pos: Vec<Option<u32>>,
}

impl Judged {
    fn of(checked: &Checked, payments: &PaymentColumns, facts: &Facts) -> PolarsResult<Judged> {
        use rayon::prelude::*;
        let f = &checked.frame;
        let judged = f.column("judged")?.bool()?;
        let per_person = f.column("per_person")?.bool()?;
        let code_ord = f.column("code_ord")?.u32()?;
        let (item_pos, person_pos) = (f.column("item_pos")?.u32()?, f.column("person_pos")?.idx()?);
        let (Some(judged), Some(per_person), Some(code_ord), Some(item_pos)) = (
            one_chunk(judged)?,
            one_chunk(per_person)?,
            one_chunk(code_ord)?,
            one_chunk(item_pos)?,
        ) else {
            return Ok(Judged::default()); // no payments
        };
        let person_pos = one_chunk(person_pos)?;
        let rows: Vec<usize> = (0..f.height())
            .filter(|&i| judged.get(i) == Some(true))
            .collect();
        // Each row's key by its place in the key order, as two integers: a person's ID is
        // `(its place among the persons, MAX)`; any other key `(the place it would take among
        // them, its rank among the other keys that would take that place)`, so it sorts just
        // before the person there, as its text does. The keys are never missing (they are built
        // from filled texts). Sorting on the text keys themselves was most of this step.
        let text_of = |i: usize| payments.key(i, per_person.get(i) == Some(true));
        // A per-person row's labourer was found by the 建档立卡 check; another key may still
        // be someone's ID.
        let labourer = |i: usize| match per_person.get(i) {
            Some(true) => person_pos.and_then(|p| p.get(i)),
            _ => None,
        };
        let persons: Vec<Option<u32>> = rows
            .par_iter()
            .map(|&i| labourer(i).or_else(|| facts.position(text_of(i))))
            .collect();
        // The other keys (few: workshops, bases) by their texts: (place, rank at that place).
        // In text order, so in place order too.
        let others: Vec<(u32, &str)> = rows
            .iter()
            .zip(&persons)
            .filter(|(_, p)| p.is_none())
            .map(|(&i, _)| text_of(i))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .map(|t| (facts.place_of(t), t))
            .collect();
        let mut other_place: PlHashMap<&str, (u32, u32)> = PlHashMap::default();
        let mut rank = 0;
        for (k, &(place, text)) in others.iter().enumerate() {
            rank = match k > 0 && others[k - 1].0 == place {
                true => rank + 1,
                false => 0,
            };
            other_place.insert(text, (place, rank));
        }
        // (place, rank, item, row) in one integer: sorted as such, the rows come in key, item
        // and payment order, and no two are equal.
        let mut order: Vec<u128> = rows
            .par_iter()
            .zip(&persons)
            .map(|(&i, person)| {
                let (p, r) = match person {
                    Some(p) => (*p, u32::MAX),
                    None => other_place.get(text_of(i)).copied().unwrap_or((0, 0)),
                };
                let code = code_ord.get(i).unwrap_or(0);
                (u128::from(p) << 96) | (u128::from(r) << 64) | (u128::from(code) << 32) | i as u128
            })
            .collect();
        order.par_sort_unstable();
        let mut j = Judged::default();
        let mut before: Option<(u128, u32)> = None;
        for k in order {
            let (i, at) = ((k & 0xFFFF_FFFF) as usize, k >> 64);
            let item = item_pos.get(i).unwrap_or(0);
            let new_payee = before.is_none_or(|(b, _)| b != at);
            let new_item = before.is_none_or(|(_, b)| b != item);
            j.rows.push(i as IdxSize);
            j.person_pos.push(labourer(i));
            j.item_pos.push(item);
            j.starts.push(new_payee || new_item);
            j.new_payee.push(new_payee);
            before = Some((at, item));
        }
        Ok(j)
    }

    /// The (payee, item) groups, as ranges of `rows`, in order.
    fn groups(&self) -> Vec<Range<usize>> {
        let mut groups = Vec::new();
        let mut start = 0;
        for end in 1..=self.rows.len() {
            if end == self.rows.len() || self.starts[end] {
                groups.push(start..end);
                start = end;
            }
        }
        groups
    }
}

/// Each (payee, item) group judged against its entitlement: 不符合享受条件 at each payment's
/// date, 超标准 as of M, and the entitlement added to spend. `judged.rows` are rows of
/// `distinct`, itself rows of `all`. Returns the stacked pairs (person, the item received
/// first, the other).
fn entitlement_checks<'c>(
    ctx: &mut Ctx<'c>,
    all: &DataFrame,
    distinct: &[IdxSize],
    judged: &Judged,
    spend: &mut BTreeMap<String, PoolSpend>,
) -> PolarsResult<Vec<(String, &'c Item, &'c Item)>> {
    use rayon::prelude::*;
    let groups = judged.groups();
    let parts = payee_parts(&groups, &judged.new_payee, 8 * rayon::current_num_threads());
    // Each part judged on its own core with its own findings and spend, then merged in part
    // order: the same findings in the same order as one pass over all the groups. Each part
    // gathers its payments' columns in the judging order when it starts and frees them when
    // it ends: the loop then reads its rows one after the other (read at the random places of
    // the judging order in `all`, they stalled on memory more than the loop computed), and
    // only the parts being judged hold a copy (all the judged rows at once were 180 MB of
    // the summary's peak at a million persons).
    let (policy, facts, date) = (ctx.policy, ctx.facts, ctx.date);
    let judged_parts: Vec<_> = parts
        .into_par_iter()
        .map(|part| -> PolarsResult<_> {
            let groups = &groups[part];
            let first = groups.first().map_or(0, |g| g.start);
            let last = groups.last().map_or(0, |g| g.end);
            let rows: Vec<IdxSize> = judged.rows[first..last]
                .iter()
                .map(|&r| distinct[r as usize])
                .collect();
            let frame = PaymentColumns::gathered(all, &rows)?;
            drop(rows);
            let payments = PaymentColumns::of_gathered(&frame)?;
            let mut local = Ctx::new(policy, facts, date);
            let mut local_spend = BTreeMap::new();
            let stacked = judge_groups(
                &mut local,
                &payments,
                first,
                judged,
                groups,
                &mut local_spend,
            );
            Ok((local, local_spend, stacked))
        })
        .collect::<PolarsResult<_>>()?;
    let mut stacked = Vec::new();
    for (local, local_spend, part_stacked) in judged_parts {
        ctx.absorb(local);
        for (pool, part) in local_spend {
            let whole: &mut PoolSpend = spend.entry(pool).or_default();
            for (item, amount) in part.entitled_by_item {
                *whole.entitled_by_item.entry(item).or_default() += amount;
            }
        }
        stacked.extend(part_stacked);
    }
    Ok(stacked)
}

/// The groups cut into about `n` parts of similar size, each cut where the payee changes
/// (`new_payee`, per row: the payee key differs from the row before's; the rows are in key
/// order): stacking compares only one payee's groups, so the parts can be judged apart.
fn payee_parts(groups: &[Range<usize>], new_payee: &[bool], n: usize) -> Vec<Range<usize>> {
    let rows = groups.last().map_or(0, |g| g.end);
    let size = rows.div_ceil(n.max(1)).max(1);
    let mut parts = Vec::new();
    let mut start = 0;
    for (g, group) in groups.iter().enumerate() {
        let cut = new_payee.get(group.start).copied().unwrap_or(true);
        if g > start && cut && group.start - groups[start].start >= size {
            parts.push(start..g);
            start = g;
        }
    }
    if start < groups.len() {
        parts.push(start..groups.len());
    }
    parts
}

/// [`entitlement_checks`] over some groups, in order. `payments`: the groups' payments in the
/// judging order, its row 0 the judging order's row `offset` (the first group's start).
fn judge_groups<'c>(
    ctx: &mut Ctx<'c>,
    payments: &PaymentColumns,
    offset: usize,
    judged: &Judged,
    groups: &[Range<usize>],
    spend: &mut BTreeMap<String, PoolSpend>,
) -> Vec<(String, &'c Item, &'c Item)> {
    let (policy, facts) = (ctx.policy, ctx.facts);
    let empty = Person::default();
    // Eligibility at each payment date; over-entitlement as of M; stacking. Each (payee, item)
    // group in key order, its payments in date order.
    // (person, item, other): the person received both, and the policy says not both.
    let mut stacked: Vec<(String, &Item, &Item)> = Vec::new();
    let mut received: Vec<&Item> = Vec::new();
    let mut received_by: Option<&str> = None;
    let mut pays: Vec<Payment> = Vec::new();
    for group in groups {
        // The group's payments: `payments` holds them in the judging order.
        let Some(item) = policy.items.get(judged.item_pos[group.start] as usize) else {
            continue;
        };
        // A per-person item's group is one labourer's (its key is the person), judged on
        // the person's facts alone: of its later payments only the amounts are read. Other
        // items are judged on each payment's payee (the workshop it names).
        pays.clear();
        pays.extend(
            group
                .clone()
                .map(|r| match r == group.start || !item.per_person() {
                    true => payments.get_payee_and_amount(r - offset),
                    false => payments.get_amounts(r - offset),
                }),
        );
        let voucher = |k: usize| payments.voucher(group.start - offset + k).to_string();
        let code = item.code;
        let first = pays[0];
        let key = payee_key(&first, Some(item.payee));
        // One labourer per group: the key is the person for a per-person item, looked up once.
        let labourer = item.per_person().then(|| {
            judged.person_pos[group.start]
                .and_then(|r| facts.persons.get(r as usize))
                .map_or(&empty, |(_, p)| p)
        });
        let person_of = |p: &Payment| match labourer {
            Some(person) => person,
            None => facts.person(p.person()).unwrap_or(&empty),
        };
        let label = || payee_label(&first, Some(item.payee), facts);
        let finding_key = || (key.to_string(), code.to_string());
        // Stacking (not_with, either way round): the groups of one payee come in item order.
        if received_by != Some(key) {
            received.clear();
            received_by = Some(key);
        }
        for earlier in &received {
            if earlier.not_with.contains(&code) || item.not_with.contains(&earlier.code) {
                stacked.push((key.to_string(), earlier, item));
            }
        }
        received.push(item);
        // Not eligible: a payment made when the payee had no entitlement to the item.
        for (k, p) in pays.iter().enumerate() {
            let date = p.pay_date.unwrap_or(ctx.date);
            let j = judge_with(code, person_of(p), p, facts, policy, date, Words::Unworded);
            if j.unproven {
                ctx.add(
                    Rule::GateUnproven,
                    finding_key(),
                    &item.reference,
                    label(),
                    &item.name,
                    (Some(p.amount()), None),
                    vec![voucher(k)],
                    j.why.clone(),
                );
            } else if !j.eligible {
                ctx.add(
                    Rule::NotEligible,
                    finding_key(),
                    &item.reference,
                    label(),
                    &item.name,
                    (Some(p.amount()), Some(Decimal::ZERO)),
                    vec![voucher(k)],
                    format!(
                        "{}：{}；发放日 {} 已发 {} 元",
                        item.name,
                        j.why,
                        date,
                        yuan(p.amount())
                    ),
                );
            }
        }
        // Labels (masked IDs and names) are made only where a finding is.
        if let Some((why, paid, entitled)) =
            over_entitlement(ctx, item, person_of(&first), &pays, spend)
        {
            ctx.add(
                Rule::OverEntitlement,
                finding_key(),
                &item.reference,
                label(),
                &item.name,
                (Some(paid), entitled),
                (0..group.len()).map(voucher).collect(),
                why,
            );
        }
    }
    stacked
}

/// 超标准、超期限或重复发放: what a (payee, item) group was paid up to M beyond its
/// entitlement as of M (once-only items paid twice, amounts over the standard, months or days
/// over the cap); the entitlement is added to the item's spend. Returns the finding's reason,
/// the amount paid and the entitlement, if paid beyond it. `pays` carry only the payee and
/// amounts ([`PaymentColumns::get_payee_and_amount`]).
fn over_entitlement(
    ctx: &Ctx,
    item: &Item,
    person: &Person,
    pays: &[Payment],
    spend: &mut BTreeMap<String, PoolSpend>,
) -> Option<(String, Decimal, Option<Decimal>)> {
    let (code, first) = (item.code, pays[0]);
    let (facts, policy, date) = (ctx.facts, ctx.policy, ctx.date);
    let judge = |w| judge_with(code, person, &first, facts, policy, date, w);
    let j = judge(Words::Unworded);
    if !j.eligible {
        return None;
    }
    if let Some(amount) = j.amount {
        let pool = spend.entry(item.pool.clone()).or_default();
        *pool.entitled_by_item.entry(item.name.clone()).or_default() += amount;
    }
    let paid: Decimal = from_fen(pays.iter().map(|p| p.amount_fen).sum());
    let units_paid: i64 = pays
        .iter()
        .map(|p| {
            if j.units.is_some_and(|u| u.1 == "天") {
                p.days_paid.unwrap_or(0)
            } else {
                p.months_paid.unwrap_or(0)
            }
        })
        .sum();
    let mut over = None;
    if item.once && pays.len() > 1 {
        over = Some(format!(
            "{}每人（每个单位）仅限一次，已发 {} 次共 {} 元",
            item.name,
            pays.len(),
            yuan(paid)
        ));
    }
    let over_amount = j.amount.filter(|a| *a > Decimal::ZERO && paid > *a);
    let over_units = j.units.filter(|(cap, _)| *cap > 0 && units_paid > *cap);
    // The entitlement's reason is worded only for the few groups paid over it.
    let why = match over_amount.is_some() || over_units.is_some() {
        true => judge(Words::Worded).why,
        false => String::new(),
    };
    if let Some(amount) = over_amount {
        over = Some(format!(
            "{why}；已发 {} 元，超出 {} 元",
            yuan(paid),
            yuan(paid - amount)
        ));
    }
    if let Some((cap, unit)) = over_units {
        over = Some(format!(
            "{why}；已发 {units_paid} {unit}，超过上限 {cap} {unit}"
        ));
    }
    over.map(|why| (why, paid, j.amount))
}

/// 不得重复享受: one finding per person who received two items that exclude each other,
/// named and cited from the two items.
fn stacking_findings(ctx: &mut Ctx, stacked: Vec<(String, &Item, &Item)>) {
    let facts = ctx.facts;
    for (person, first, then) in stacked {
        let (id, name) = label_person(&person, facts, "");
        let (a, b, clause) = (&first.name, &then.name, &then.reference);
        ctx.add(
            Rule::StackedTraining,
            (person, String::new()),
            clause,
            (id, name),
            &format!("{a}+{b}"),
            (None, None),
            Vec::new(),
            format!("同一人既领取了{a}又领取了{b}，{clause} 规定{b}不与其他形式的{a}重复享受"),
        );
    }
}

fn payee_key<'a>(p: &Payment<'a>, payee: Option<Payee>) -> &'a str {
    match payee {
        Some(Payee::Person | Payee::Enterprise) => p.person(),
        _ if !p.payee_id.is_empty() => p.payee_id,
        _ => p.payee_name,
    }
}

fn payee_label(p: &Payment, payee: Option<Payee>, facts: &Facts) -> (String, String) {
    match payee {
        Some(Payee::Person | Payee::Enterprise) => label_person(p.person(), facts, p.payee_name),
        _ if p.payee_type == "个人" => label_person(p.payee_id, facts, p.payee_name),
        _ => (p.payee_name.to_string(), p.payee_name.to_string()),
    }
}

/// Findings from the ledgers themselves: unregistered persons in counted rows (but those the
/// payment checks found already, `unregistered`), invalid credit codes, one-sided transfers,
/// roster mismatches.
fn ledger_findings(
    ctx: &mut Ctx,
    window: Window,
    unregistered: &BTreeSet<String>,
    ledger_codes: Vec<(String, String)>,
    payee_codes: Vec<(String, String)>,
) {
    counted_unregistered(ctx, window, unregistered);
    invalid_credit_codes(ctx, ledger_codes.into_iter().chain(payee_codes));
    one_sided_transfers(ctx);
    roster_mismatches(ctx);
}

/// 未建档立卡: persons not registered whom a ledger would count in the plan year's window
/// (unless a payment's finding already named them, `unregistered`).
fn counted_unregistered(ctx: &mut Ctx, window: Window, unregistered: &BTreeSet<String>) {
    use rayon::prelude::*;
    let facts = ctx.facts;
    let in_window = |d: Option<NaiveDate>| d.is_some_and(|d| d >= window.start && d <= window.end);
    // The persons are judged on every core, a range each (a million at national scale, and
    // tens of thousands of findings to word), and the ranges' findings taken in ID order, so
    // findings come out the same every run.
    let size = facts
        .persons
        .len()
        .div_ceil(rayon::current_num_threads().max(1) * 4)
        .max(1);
    let found: Vec<Ctx> = facts
        .persons
        .par_chunks(size)
        .map(|part| {
            let mut found = Ctx::new(ctx.policy, facts, ctx.date);
            for (id, p) in part {
                if p.registered || unregistered.contains(id.as_str()) {
                    continue;
                }
                let counted = p.spells.iter().any(|s| {
                    in_window(s.hire)
                        || (s.training_days.unwrap_or(0) >= 1
                            && in_window(s.training_start.map(|t| {
                                t + chrono::Duration::days(s.training_days.unwrap_or(1) - 1)
                            })))
                }) || p.help.iter().any(|h| {
                    (h.help_type == HelpType::Local && in_window(h.start))
                        || (h.help_type == HelpType::Training && in_window(h.end))
                });
                if counted {
                    let why = if p.in_registry {
                        "在贫困劳动力名册中“是否建档立卡”为否"
                    } else {
                        "不在贫困劳动力名册中"
                    };
                    let name = p.names.first().cloned().unwrap_or_default();
                    found.add_person(
                        Rule::UnregisteredPerson,
                        (id, &name),
                        "一",
                        format!("台账中有其帮扶记录，但{why}，不计入目标"),
                    );
                }
            }
            found
        })
        .collect();
    for part in found {
        ctx.absorb(part);
    }
}

/// Credit codes that fail their checksum, once per code: (code, name).
fn invalid_credit_codes(ctx: &mut Ctx, codes: impl Iterator<Item = (String, String)>) {
    for (code, name) in codes {
        ctx.add(Rule::InvalidCreditCode, (code.clone(), String::new()), "", (name.clone(), name.clone()), "", (None, None), Vec::new(), format!("{name}的统一社会信用代码 {code} 未通过 GB 32100-2015 校验，请核对（部分早期试点代码真实有效但不符合校验规则）"));
    }
}

/// One-sided transfers: 万州's 转移就业/济宁 rows against 济宁's ledger.
fn one_sided_transfers(ctx: &mut Ctx) {
    use rayon::prelude::*;
    let facts = ctx.facts;
    let one_sided: Vec<(&Text, &Person, bool)> = facts
        .persons
        .par_iter()
        .filter_map(|(id, p)| {
            let wz = p
                .help
                .iter()
                .any(|h| h.help_type == HelpType::Transfer && h.help_mode == HelpMode::Jining);
            let jn = !p.spells.is_empty();
            (wz != jn && (p.registered || wz)).then_some((id, p, wz))
        })
        .collect();
    for (id, p, wz) in one_sided {
        let name = p.names.first().cloned().unwrap_or_default();
        let msg = if wz {
            "万州帮扶台账记为转移到济宁就业，济宁来济就业台账中没有此人"
        } else {
            "济宁来济就业台账有此人，万州帮扶台账中没有转移就业（济宁）记录"
        };
        ctx.add_person(Rule::OneSidedTransfer, (id, &name), "二", msg.into());
    }
}

/// Roster counts against the ledger (the 基地's, B6's clause): the absorbed persons a 基地
/// reports against those the 来济就业台账 shows meeting the stable-work gate.
fn roster_mismatches(ctx: &mut Ctx) {
    let facts = ctx.facts;
    let base_clause = ctx.policy.item_clause(ItemCode::B6);
    for ws in &facts.workshops {
        if ws.region != Some(Region::Jining) {
            continue;
        }
        let n = entitle::absorbed_by(ws, facts, ctx.policy, ctx.date);
        if let Some(r) = ws.absorbed.filter(|r| *r != n) {
            ctx.add(
                Rule::RosterMismatch,
                (ws.name.to_string(), String::new()),
                base_clause,
                (ws.name.to_string(), ws.name.to_string()),
                "",
                (None, None),
                Vec::new(),
                format!(
                    "{}名册填报吸纳建档立卡 {r} 人，来济就业台账中满足{}的为 {n} 人",
                    ws.name,
                    ctx.policy.gate_name()
                ),
            );
        }
    }
}

/// Persons entitled as of M to A1 (the policy's 一次性交通伙食补助: its name and clause come
/// from the policy file) with nothing paid: a reminder, not an error.
fn eligible_unpaid(
    (payments, distinct): (&DataFrame, &[IdxSize]),
    policy: &Policy,
    facts: &Facts,
    transferred_ids: &IdSet,
    date: NaiveDate,
) -> Result<Vec<Finding>, String> {
    let Some(item) = policy.item(ItemCode::A1) else {
        return Ok(Vec::new()); // a policy without the item has no such reminder
    };
    let e = |x: PolarsError| format!("读取补贴发放明细失败：{x}");
    // The item's few rows picked where they are: the four columns of every distinct payment
    // gathered first were a copy of 100 MB at a million persons, at the summary's peak.
    let mut rows = payments
        .select(["item", "payee_type", "payee_id", "linked_id"])
        .map_err(e)?;
    rows.with_column(counts(payments.height(), distinct))
        .map_err(e)?;
    let of_item = col("item")
        .eq(lit(item.name.as_str()))
        .fill_null(lit(false));
    let paid = rows
        .lazy()
        .filter(col("counts").and(of_item))
        .select([person_expr().alias("person")])
        .unique(None, UniqueKeepStrategy::Any)
        .collect()
        .map_err(e)?;
    let paid = paid.column("person").and_then(|c| c.str()).map_err(e)?;
    let paid: PlHashSet<&str> = paid.iter().flatten().collect();
    let mut new = Vec::new();
    for id in transferred_ids.iter() {
        let Some(p) = facts.person(id) else { continue };
        if paid.contains(id) {
            continue;
        }
        let j = entitle::a1_transport_meal(p, policy, date, Words::Worded);
        if j.eligible {
            let name = p.names.first().cloned().unwrap_or_default();
            new.push(Finding {
                id: finding_id(Rule::EligibleUnpaid, id, &item.name),
                rule: Rule::EligibleUnpaid,
                severity: Severity::Notice,
                clause: item.reference.clone(),
                payee: mask_id(id),
                payee_name: mask_name(&name),
                payee_key: id.to_string(),
                item: item.name.clone(),
                paid: Some(Decimal::ZERO),
                entitled: j.amount,
                difference: j.amount.map(|a| -a),
                vouchers: Vec::new(),
                message: format!("{}，截至 {} 尚未发放", j.why, date),
                unit: String::new(),
                side: Region::Wanzhou,
            });
        }
    }
    Ok(new)
}

/// Fills in each finding's 责任单位 (README, "The supervision loop"): a finding about a payment
/// made by Jining belongs to the Jining county the person works in; anything else about a
/// person to the Wanzhou township of the registry (else the county, for a person only Jining
/// records); a unit's finding (a workshop, a credit code) to its region. Where the files name
/// no township or county, the side's bureau answers.
pub fn assign_units(audit: &mut Audit, facts: &Facts) -> PolarsResult<()> {
    let wanted: PlHashSet<&str> = audit
        .findings
        .iter()
        .flat_map(|f| f.vouchers.iter().map(String::as_str))
        .collect();
    let mut region_of: PlHashMap<String, String> = PlHashMap::default();
    if !wanted.is_empty() {
        let rows = audit.payment_rows()?;
        for i in 0..rows.len() {
            let voucher = rows.voucher(i);
            if wanted.contains(voucher) {
                region_of.insert(voucher.to_string(), rows.get(i).region.to_string());
            }
        }
    }
    // It borrows the findings, which are filled in below.
    drop(wanted);
    // Units by name and by credit code: a workshop's region, an employer in Jining.
    // A workshop whose region names neither side is still known (as `None`): a spell at an
    // employer of the same name does not make it Jining's.
    let mut unit_region: PlHashMap<&str, Option<Region>> = PlHashMap::default();
    for w in &facts.workshops {
        unit_region.insert(w.name.as_str(), w.region);
        if let Some(code) = &w.credit_code {
            unit_region.insert(code.as_str(), w.region);
        }
    }
    for (_, p) in &facts.persons {
        for s in &p.spells {
            unit_region
                .entry(s.employer.as_str())
                .or_insert(Some(Region::Jining));
            if let Some(code) = &s.credit_code {
                unit_region
                    .entry(code.as_str())
                    .or_insert(Some(Region::Jining));
            }
        }
    }
    for f in &mut audit.findings {
        let region = f.vouchers.iter().find_map(|v| region_of.get(v)).cloned();
        let person = facts.person(&f.payee_key);
        let county = person.and_then(|p| {
            p.spells
                .iter()
                .map(|s| s.county.to_string())
                .find(|c| !c.is_empty())
        });
        let township = person.and_then(|p| p.township.as_ref().map(|t| t.to_string()));
        let (side, unit) = match (region.as_deref(), person) {
            (Some("济宁"), Some(_)) => {
                (Region::Jining, county.unwrap_or_else(|| "济宁市".into()))
            }
            (Some("济宁"), None) => (Region::Jining, "济宁市".into()),
            (_, Some(_)) => match (township, county) {
                (Some(t), _) => (Region::Wanzhou, t),
                (None, Some(c)) => (Region::Jining, c),
                (None, None) => (Region::Wanzhou, "万州区".into()),
            },
            (Some(_), None) => (Region::Wanzhou, "万州区".into()),
            (None, None) => match unit_region
                .get(f.payee_key.as_str())
                .or_else(|| unit_region.get(f.payee_name.as_str()))
            {
                Some(Some(Region::Jining)) => (Region::Jining, "济宁市".into()),
                _ => (Region::Wanzhou, "万州区".into()),
            },
        };
        f.side = side;
        f.unit = unit;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{
        as_categories, by_date_and_voucher, payee_parts, person_expr, spend, Checked, Judged,
        PaymentColumns,
    };
    use crate::model::facts::{Facts, Person};
    use polars::prelude::*;

    /// The payments' order is the one Polars' sort on (pay_date, voucher) gives: by date, then
    /// by the voucher's bytes, a missing date or voucher first; the rows not asked about are
    /// left out.
    #[test]
    fn payments_are_ordered_by_date_then_voucher_as_polars_sorts_them() {
        let day = |d: i32| Some(d);
        let dates = [
            day(10),
            None,
            day(10),
            day(9),
            day(10),
            day(10),
            None,
            day(11),
        ];
        let vouchers = [
            Some("B-2"),
            Some("Z"),
            Some("B-10"),
            Some("C"),
            None,
            Some("中文"),
            Some("A"),
            Some("B-1"),
        ];
        let mut df = DataFrame::new(
            dates.len(),
            vec![
                Column::new("pay_date".into(), dates)
                    .cast(&DataType::Date)
                    .unwrap(),
                Column::new("voucher".into(), vouchers),
            ],
        )
        .unwrap();
        let asked: Vec<IdxSize> = vec![0, 1, 2, 3, 4, 5, 6];
        let mut ours = asked.clone();
        by_date_and_voucher(&df, &mut ours).unwrap();
        df.with_column(Column::new("i".into(), (0..8).collect::<Vec<IdxSize>>()))
            .unwrap();
        let polars: Vec<IdxSize> = df
            .take(&IdxCa::from_vec("i".into(), asked))
            .unwrap()
            .lazy()
            .sort(["pay_date", "voucher"], SortMultipleOptions::default())
            .collect()
            .unwrap()
            .column("i")
            .unwrap()
            .idx()
            .unwrap()
            .into_no_null_iter()
            .collect();
        assert_eq!(ours, polars);
        assert_eq!(ours, vec![6, 1, 3, 4, 2, 0, 5]);
    }

    /// A frame of payments as [`PaymentColumns`] reads them, one per (对象类型, payee's ID,
    /// 关联身份证号, 资金来源, item); the rest alike (the payee's name 某某).
    #[allow(clippy::type_complexity)]
    fn payment_frame(
        rows: &[(Option<&str>, &str, Option<&str>, Option<&str>, Option<&str>)],
    ) -> DataFrame {
        let n = rows.len();
        let day = chrono::NaiveDate::from_ymd_opt(2020, 3, 10).unwrap();
        let days = day - chrono::NaiveDate::default();
        DataFrame::new_infer_height(vec![
            Column::new(
                "voucher".into(),
                (0..n).map(|i| format!("V{i}")).collect::<Vec<_>>(),
            ),
            Column::new("region".into(), vec![Some("万州"); n]),
            Column::new("pool".into(), rows.iter().map(|r| r.3).collect::<Vec<_>>()),
            Column::new("item".into(), rows.iter().map(|r| r.4).collect::<Vec<_>>()),
            Column::new(
                "payee_type".into(),
                rows.iter().map(|r| r.0).collect::<Vec<_>>(),
            ),
            Column::new("payee_name".into(), vec!["某某"; n]),
            Column::new(
                "payee_id".into(),
                rows.iter().map(|r| r.1).collect::<Vec<_>>(),
            ),
            Column::new(
                "linked_id".into(),
                rows.iter().map(|r| r.2).collect::<Vec<_>>(),
            ),
            Column::new("export_month".into(), vec!["2020-03"; n]),
            Column::new("amount_fen".into(), vec![100i64; n]),
            Column::new("months_paid".into(), vec![None::<i64>; n]),
            Column::new("days_paid".into(), vec![None::<i64>; n]),
            Column::new("row".into(), (2..).take(n).collect::<Vec<i64>>()),
            Column::new("export".into(), vec![0u32; n]),
            Column::new("pay_date".into(), vec![days.num_days() as i32; n])
                .cast(&DataType::Date)
                .unwrap(),
        ])
        .unwrap()
    }

    /// The few-valued columns read and checked the same as texts and as categories, a missing
    /// one included: the labourer of a payment by its 对象类型 and 关联身份证号 (over the
    /// columns and row by row alike), and the 资金来源 check (a missing or unknown pool is wrong).
    #[test]
    fn few_valued_texts_are_checked_alike_as_categories() {
        let policy = crate::policy::Policy::load(None).unwrap();
        let item = policy.items.iter().find(|i| i.per_person()).unwrap();
        let (name, pool) = (Some(item.name.as_str()), Some(item.pool.as_str()));
        // (payee type, payee id, linked id, pool, item) → (key, wrong pool)
        let rows = [
            (Some("个人"), "P1", Some("L1"), pool, name, "P1", false),
            (Some("单位"), "U2", Some("L2"), None, name, "L2", true),
            (None, "P3", None, Some("别的来源"), name, "P3", true),
            (Some(""), "P4", Some("L4"), pool, name, "L4", false),
            (None, "P5", Some("L5"), pool, name, "L5", false),
            (None, "P6", Some(""), pool, name, "P6", false),
            (
                Some("个人"),
                "P7",
                None,
                Some("别的来源"),
                None,
                "P7",
                false,
            ),
            (Some("个人"), "P8", None, Some(""), name, "P8", true),
            (Some(""), "P9", None, pool, name, "P9", false),
        ];
        let n = rows.len();
        let payees: Vec<_> = rows.iter().map(|r| (r.0, r.1, r.2, r.3, r.4)).collect();
        let plain = payment_frame(&payees);
        let mut coded = plain.clone();
        as_categories(&mut coded).unwrap();
        assert!(matches!(
            coded.column("payee_type").unwrap().dtype(),
            DataType::Categorical(..)
        ));
        let facts = Facts::new(Vec::new(), Vec::new(), true);
        let distinct: Vec<IdxSize> = (0..n as IdxSize).collect();
        for frame in [&plain, &coded] {
            let payments = PaymentColumns::ordered(frame, &distinct).unwrap();
            let checked = Checked::of(frame, (&distinct, &payments), &policy, &facts)
                .unwrap()
                .frame;
            let per_person = checked.column("per_person").unwrap().bool().unwrap();
            let wrong = checked.column("wrong_pool").unwrap().bool().unwrap();
            // The labourer as the columns spell it (`person_expr`, for 符合条件尚未发放) and
            // as the rows do (`Payment::person`, for the checks): one rule, two spellings.
            let persons = frame
                .clone()
                .lazy()
                .select([person_expr().alias("person")])
                .collect()
                .unwrap();
            let persons = persons.column("person").unwrap().str().unwrap();
            for (i, r) in rows.iter().enumerate() {
                if r.4.is_some() {
                    let key = payments.key(i, per_person.get(i) == Some(true));
                    assert_eq!(key, r.5, "row {i}");
                }
                assert_eq!(persons.get(i), Some(payments.person(i)), "row {i}");
                assert_eq!(wrong.get(i), Some(r.6), "row {i}");
            }
        }
        // The spend by pool, item, region and month, a missing pool with an empty one.
        let spent = |frame: &DataFrame| {
            serde_json::to_value(spend(frame, &distinct, &policy).unwrap()).unwrap()
        };
        assert_eq!(spent(&plain), spent(&coded));
        let (a, b) = (
            PaymentColumns::new(&plain).unwrap(),
            PaymentColumns::new(&coded).unwrap(),
        );
        for i in 0..n {
            let (x, y) = (a.get(i), b.get(i));
            assert_eq!(
                (x.region, x.pool, x.item, x.payee_type, x.export_month),
                (y.region, y.pool, y.item, y.payee_type, y.export_month),
                "row {i}"
            );
            assert_eq!(x.person(), y.person(), "row {i}");
        }
    }

    /// The judging order by places among the persons is the order of the key texts, then item,
    /// then row: keys that are persons' IDs and keys that are not (before, between and after
    /// them, equal to each other, a prefix of another), per-person rows and others.
    #[test]
    fn judging_order_is_the_key_texts_order() {
        let ids = [
            "500101198001010011",
            "500101198001010038",
            "50010119800101004X",
        ];
        let persons = ids
            .iter()
            .map(|i| ((*i).into(), Person::default()))
            .collect();
        let facts = Facts::new(persons, Vec::new(), true);
        // (key, per person, item, judged)
        let rows = [
            ("50010119800101004X", true, 3u32, true),
            ("某车间", false, 1, true),
            ("500101198001010011", true, 2, true),
            ("5001011980", false, 1, true),
            ("500101198001010038", false, 4, true),
            ("500101198001010011", true, 1, true),
            ("500101198001010012", false, 4, true),
            ("", false, 2, true),
            ("500101198001010012", false, 4, false),
            ("500101198001010011", true, 2, true),
            ("5001011980010100111", false, 1, true),
            ("某车间", false, 0, true),
            ("5001011980", false, 1, true),
        ];
        let person_pos: Vec<Option<u32>> = rows
            .iter()
            .map(|r| if r.1 { facts.position(r.0) } else { None })
            .collect();
        // Each key as a payment holds it: a labourer's as a 个人's ID, any other as a 单位's
        // ID (an empty one as its empty name).
        let payees: Vec<_> = rows
            .iter()
            .map(|r| {
                (
                    Some(if r.1 { "个人" } else { "单位" }),
                    r.0,
                    None,
                    None,
                    None,
                )
            })
            .collect();
        let mut payments = payment_frame(&payees);
        payments
            .with_column(Column::new("payee_name".into(), vec![""; rows.len()]))
            .unwrap();
        let distinct: Vec<IdxSize> = (0..rows.len() as IdxSize).collect();
        let payments = PaymentColumns::ordered(&payments, &distinct).unwrap();
        let per_person: Vec<bool> = rows.iter().map(|r| r.1).collect();
        // The item's position doubles as its order here.
        let items: Vec<u32> = rows.iter().map(|r| r.2).collect();
        let judged: Vec<bool> = rows.iter().map(|r| r.3).collect();
        let frame = DataFrame::new_infer_height(vec![
            Column::new("per_person".into(), per_person),
            Column::new("code_ord".into(), &items),
            Column::new("item_pos".into(), &items),
            Column::new("judged".into(), judged),
            person_pos
                .into_iter()
                .collect::<IdxCa>()
                .with_name("person_pos".into())
                .into_column(),
        ])
        .unwrap();
        let judged = Judged::of(&Checked { frame }, &payments, &facts).unwrap();
        let mut expected: Vec<usize> = (0..rows.len()).filter(|&i| rows[i].3).collect();
        expected.sort_by_key(|&i| (rows[i].0, rows[i].2, i));
        let got: Vec<usize> = judged.rows.iter().map(|&i| i as usize).collect();
        assert_eq!(got, expected);
        for (k, &i) in expected.iter().enumerate() {
            let before = k.checked_sub(1).map(|b| expected[b]);
            let new_payee = before.is_none_or(|b| rows[b].0 != rows[i].0);
            assert_eq!(judged.new_payee[k], new_payee, "row {i}");
            let new_item = before.is_none_or(|b| rows[b].2 != rows[i].2);
            assert_eq!(judged.starts[k], new_payee || new_item, "row {i}");
        }
    }

    /// The parts cover every group once, in order, and never part one payee's groups.
    #[test]
    fn parts_cut_only_where_the_payee_changes() {
        // One row per group; the payee of each, in key order.
        let keys = ["a", "a", "b", "b", "b", "c", "c", "d"];
        let new_payee: Vec<bool> = (0..keys.len())
            .map(|i| i == 0 || keys[i] != keys[i - 1])
            .collect();
        let groups: Vec<_> = (0..keys.len()).map(|g| g..g + 1).collect();
        for n in 1..=10 {
            let parts = payee_parts(&groups, &new_payee, n);
            let covered: Vec<usize> = parts.iter().flat_map(|p| p.clone()).collect();
            assert_eq!(covered, (0..keys.len()).collect::<Vec<_>>(), "n = {n}");
            for p in &parts[1..] {
                assert_ne!(
                    keys[p.start - 1],
                    keys[p.start],
                    "n = {n}: cut inside a payee"
                );
            }
            if n >= 4 {
                assert!(parts.len() > 1, "n = {n}: not cut at all");
            }
        }
        assert!(payee_parts(&[], &[], 4).is_empty());
    }
}
