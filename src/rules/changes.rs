//! What changed in a cumulative ledger between two snapshots: rows added, changed (column,
//! old → new) and withdrawn, matched by each table's natural key (`Table::natural_key`).

use std::collections::BTreeMap;

use polars::prelude::*;

use crate::ids::{mask_id, mask_name};
use crate::ingest::tables::Table;

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

/// The rows of a snapshot frame, unmasked (mask what you show: [`Change::masked`]).
pub fn rows(df: &DataFrame, table: Table) -> PolarsResult<Rows> {
    let mut out = Rows::new();
    let cols = compared(table);
    for i in 0..df.height() {
        let mut values = BTreeMap::new();
        for name in &cols {
            let v = df.column(name)?.get(i)?;
            let text = match v {
                AnyValue::Null => String::new(),
                AnyValue::Boolean(b) => if b { "是" } else { "否" }.to_string(),
                v => v.str_value().to_string(),
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

/// The columns a change is looked for in.
fn compared(table: Table) -> Vec<&'static str> {
    table
        .columns()
        .iter()
        .map(|c| c.name)
        .filter(|n| *n != "month")
        .collect()
}

/// The changes between two snapshots of a ledger, as [`between`] gives them for all rows, but
/// with only the rows that differ read out of the frames: at national scale a snapshot has
/// millions of rows and a month changes few of them. Masked (IDs and names) when `mask`.
pub fn diff(
    old: &DataFrame,
    new: &DataFrame,
    table: Table,
    mask: bool,
) -> PolarsResult<Vec<Change>> {
    let (old_rows, new_rows) = differing(old, new, table)?;
    read_out(&old_rows, &new_rows, table, mask)
}

/// The changes between the rows of two frames, masked when `mask`.
fn read_out(
    old: &DataFrame,
    new: &DataFrame,
    table: Table,
    mask: bool,
) -> PolarsResult<Vec<Change>> {
    let list = between(&rows(old, table)?, &rows(new, table)?, table);
    Ok(if mask {
        list.into_iter().map(|c| c.masked(table)).collect()
    } else {
        list
    })
}

/// A snapshot as its natural key ([`as_compared`]), its row number `__i`, and
/// one hash of the whole row `__row` to compare; when a key repeats, its last row stands, as
/// in [`rows`]. The values are hashed as typed (a missing text as "", as [`rows`] reads it;
/// `as_text`: the columns whose type differs between the two snapshots, hashed as text), so
/// two rows hash alike exactly when [`rows`] reads them alike, but for a 64-bit collision
/// (about one in 10^19 per changed row). A column of no type (all empty) is hashed as text
/// too, so an empty column reads the same whatever type the reader gave it. Measured at a
/// million persons (one run each): the report's quality phase, which compares each month's
/// snapshots, went 2.5 → 1.9 s and its peak 1.72 → 1.33 GB against comparing one text per
/// row, which cast every value to text.
fn hashed(df: &DataFrame, table: Table, as_text: &[&str]) -> PolarsResult<DataFrame> {
    let key: Vec<Expr> = table.natural_key().iter().map(|k| col(*k)).collect();
    let values: Vec<Expr> = compared(table)
        .into_iter()
        .map(|c| as_compared(df, c, as_text))
        .collect();
    let values = df.clone().lazy().select(values).collect()?;
    let mut out = df
        .clone()
        .lazy()
        .with_row_index("__i", None)
        .select(
            table
                .natural_key()
                .iter()
                .map(|k| as_compared(df, k, as_text))
                .chain([col("__i")])
                .collect::<Vec<_>>(),
        )
        .collect()?;
    out.with_column(Column::new("__row".into(), row_hashes(&values)?))?;
    // Usually no key repeats and every row stands. One hash of each row's key tells it
    // exactly when the hashes are all different (equal keys hash alike); only otherwise are
    // the keys grouped to keep each one's last row, which took as long as the rest of this.
    let key_hashes = row_hashes(&out.select(table.natural_key().iter().copied())?)?;
    let mut seen = PlHashSet::with_capacity(key_hashes.len());
    let distinct = key_hashes.iter().all(|h| seen.insert(*h));
    drop(seen);
    out.with_column(Column::new("__key".into(), key_hashes))?;
    if distinct {
        return Ok(out);
    }
    out.lazy()
        .unique_stable_generic(Some(key), UniqueKeepStrategy::Last)
        .collect()
}

/// A column as two snapshots are compared and matched on it (its values hashed, a key joined):
/// a text with a missing value as "" (as [`rows`] reads it); a typed column (a date) as it is,
/// a missing value matching a missing one — typed values are equal exactly when their texts
/// are, and casting a million dates to text was a third of the help ledger's comparison. A
/// column typed differently in the two snapshots (`as_text`) or of no type, as text.
fn as_compared(df: &DataFrame, c: &str, as_text: &[&str]) -> Expr {
    match df.column(c).map(|c| c.dtype()) {
        Ok(DataType::String) => col(c).fill_null(lit("")),
        Ok(DataType::Null) => text_of(c),
        _ if as_text.contains(&c) => text_of(c),
        _ => col(c),
    }
}

/// A column as text, a missing value as "" (as [`rows`] reads it).
fn text_of(c: &str) -> Expr {
    col(c).cast(DataType::String).fill_null(lit(""))
}

/// One hash per row of all the frame's columns, the rows cut into a part per core.
fn row_hashes(df: &DataFrame) -> PolarsResult<Vec<u64>> {
    use rayon::prelude::*;
    let n = df.height();
    let part = n.div_ceil(rayon::current_num_threads().max(1)).max(1);
    let parts: Vec<Vec<u64>> = (0..n)
        .step_by(part)
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|start| {
            let slice = df.slice(start as i64, part);
            let seed = PlSeedableRandomStateQuality::seed_from_u64(0x6c75_7975);
            let mut hashes = Vec::with_capacity(slice.height());
            for (k, c) in slice.columns().iter().enumerate() {
                let s = c.as_materialized_series();
                if k == 0 {
                    s.vec_hash(seed.clone(), &mut hashes)?;
                } else {
                    s.vec_hash_combine(seed.clone(), &mut hashes)?;
                }
            }
            Ok(hashes)
        })
        .collect::<PolarsResult<_>>()?;
    Ok(parts.concat())
}

/// The rows that differ between two snapshots, each with its natural key: `added`
/// (`__i`, row in `new`), `changed` (`__i` in `new`, `__j` in `old`) and `withdrawn` (`__i`,
/// row in `old`).
struct Compared {
    added: DataFrame,
    changed: DataFrame,
    withdrawn: DataFrame,
}

impl Compared {
    /// How many rows were added, changed and withdrawn.
    fn counts(&self) -> (usize, usize, usize) {
        (
            self.added.height(),
            self.changed.height(),
            self.withdrawn.height(),
        )
    }
}

/// Some withdrawn rows of a [`Compared`] (`__i`: their rows in `old`), read out.
fn withdrawn_out(
    old: &DataFrame,
    new: &DataFrame,
    rows: &DataFrame,
    table: Table,
    mask: bool,
) -> PolarsResult<Vec<Change>> {
    read_out(&old.take(&idx(rows, "__i")?)?, &new.clear(), table, mask)
}

/// Matches two snapshots by natural key and compares their rows.
fn compare(old: &DataFrame, new: &DataFrame, table: Table) -> PolarsResult<Compared> {
    // A column typed differently in the two snapshots (e.g. all empty in one) is compared as
    // text, as `rows` reads it.
    let as_text: Vec<&str> = compared(table)
        .into_iter()
        .filter(|c| match (old.column(c), new.column(c)) {
            (Ok(a), Ok(b)) => a.dtype() != b.dtype(),
            _ => true,
        })
        .collect();
    let (a, b) = (hashed(old, table, &as_text)?, hashed(new, table, &as_text)?);
    // The rows in the same order in both are paired as they come; only the rest are joined.
    let (in_order, a, b) = paired_in_order(&a, &b, table.natural_key())?;
    // Rows' keys as compared, by row number (`__i`) in a snapshot.
    let keys_at = |df: &DataFrame, rows: &IdxCa| -> PolarsResult<DataFrame> {
        let key = table.natural_key();
        df.select(key.iter().copied())?
            .take(rows)?
            .lazy()
            .select(
                key.iter()
                    .map(|k| as_compared(df, k, &as_text))
                    .collect::<Vec<_>>(),
            )
            .collect()
    };
    let joined = match joined_by_hash(&a, &b, |side, rows| match side {
        Side::Old => keys_at(old, rows),
        Side::New => keys_at(new, rows),
    })? {
        Some(joined) => joined,
        None => full_join(&a, &b, table.natural_key())?,
    };
    let joined = joined
        .select(["__i", "__j", "__changed"])?
        .vstack(&in_order)?;
    let rows_where = |mask: Expr, cols: Vec<Expr>| -> PolarsResult<DataFrame> {
        joined.clone().lazy().filter(mask).select(cols).collect()
    };
    let ours = [col("__i"), col("__j"), col("__changed")];
    // Each list with its rows' keys, from the snapshot that has them (`__i` is its row).
    let keyed = |rows: DataFrame, side: &DataFrame| -> PolarsResult<DataFrame> {
        keys_at(side, &idx(&rows, "__i")?)?.hstack(rows.columns())
    };
    let added = keyed(rows_where(col("__j").is_null(), ours.to_vec())?, new)?;
    // Both sides there (a missing side makes the comparison null, which filters it out).
    let changed = keyed(rows_where(col("__changed"), ours.to_vec())?, new)?;
    let withdrawn = keyed(
        rows_where(col("__i").is_null(), vec![col("__j").alias("__i")])?,
        old,
    )?;
    Ok(Compared {
        added,
        changed,
        withdrawn,
    })
}

/// Of two snapshots as [`hashed`] gives them, the rows that come in the same order in both,
/// paired (`__i` in `new`, `__j` in `old`, `__changed`), and the rest of each, which only a
/// join can pair. A ledger exported again by the system that keeps it lists its rows in the
/// same order, the month's new rows among them (the registry at their places, the help ledger
/// after each person's earlier rows): walking both in step pairs nearly every row, where
/// joining them was the larger part of a report's 台账变动 (0.24 s of the registry's 0.41 and
/// of the help ledger's 0.47 at a million persons).
///
/// Rows are paired by their keys' hashes (`__key`), then every pair's keys are compared: a pair
/// whose keys differ (two keys of one hash) leaves every row to the join. Where the two
/// disagree on order (a row moved), both rows go to the join. Keys are unique on each side
/// (`hashed` keeps a repeated key's last row), so a row's partner, if it has one, is either
/// paired with it here or in the other rest, and the pairs are the ones the join would make.
fn paired_in_order(
    a: &DataFrame,
    b: &DataFrame,
    key: &[&str],
) -> PolarsResult<(DataFrame, DataFrame, DataFrame)> {
    let hashes = |df: &DataFrame| -> PolarsResult<Vec<u64>> {
        Ok(df.column("__key")?.u64()?.into_no_null_iter().collect())
    };
    let (ka, kb) = (hashes(a)?, hashes(b)?);
    // Each side's hashes, made only once the two first differ (never for a ledger unchanged
    // but for its values).
    let mut sets: Option<(PlHashSet<u64>, PlHashSet<u64>)> = None;
    let (mut in_a, mut in_b) = (Vec::new(), Vec::new());
    let (mut i, mut j) = (0, 0);
    while i < ka.len() && j < kb.len() {
        if ka[i] == kb[j] {
            in_a.push(i as IdxSize);
            in_b.push(j as IdxSize);
            (i, j) = (i + 1, j + 1);
            continue;
        }
        let (of_a, of_b) = sets
            .get_or_insert_with(|| (ka.iter().copied().collect(), kb.iter().copied().collect()));
        if !of_a.contains(&kb[j]) {
            // Added: to the join, which finds it alone.
            j += 1;
        } else if !of_b.contains(&ka[i]) {
            // Withdrawn.
            i += 1;
        } else {
            // Both are on both sides, elsewhere: a row moved.
            (i, j) = (i + 1, j + 1);
        }
    }
    let (in_a, in_b) = (
        IdxCa::from_vec("in_a".into(), in_a),
        IdxCa::from_vec("in_b".into(), in_b),
    );
    let mut keys_agree = true;
    for k in key {
        let (x, y) = (a.column(k)?.take(&in_a)?, b.column(k)?.take(&in_b)?);
        keys_agree &= x
            .as_materialized_series()
            .equal_missing(y.as_materialized_series())?
            .all();
    }
    if !keys_agree {
        let none = IdxCa::from_vec("none".into(), Vec::new());
        return paired_in_order_at(a, b, &none, &none);
    }
    paired_in_order_at(a, b, &in_a, &in_b)
}

/// [`paired_in_order`]'s result, given the places paired in each side.
fn paired_in_order_at(
    a: &DataFrame,
    b: &DataFrame,
    in_a: &IdxCa,
    in_b: &IdxCa,
) -> PolarsResult<(DataFrame, DataFrame, DataFrame)> {
    let taken = |df: &DataFrame, c: &str, at: &IdxCa| -> PolarsResult<Series> {
        df.column(c)?.as_materialized_series().take(at)
    };
    let changed = taken(a, "__row", in_a)?
        .not_equal(&taken(b, "__row", in_b)?)?
        .with_name("__changed".into());
    let pairs = DataFrame::new_infer_height(vec![
        taken(b, "__i", in_b)?.into(),
        taken(a, "__i", in_a)?.with_name("__j".into()).into(),
        changed.into_series().into(),
    ])?;
    // The rows not paired, in their order.
    let rest = |df: &DataFrame, paired: &IdxCa| -> PolarsResult<DataFrame> {
        let mut keep = vec![true; df.height()];
        for at in paired.into_no_null_iter() {
            keep[at as usize] = false;
        }
        df.filter(&BooleanChunked::from_slice("rest".into(), &keep))
    };
    Ok((pairs, rest(a, in_a)?, rest(b, in_b)?))
}

/// The two sides of [`compare`] in one full join by key (one hash table, where a left join each
/// way built two): a row of `new` alone has no `__j`, one of `old` alone no `__i`, and a pair
/// whose row hashes differ is `__changed`. `on`: the columns joined on; `nulls_equal`: a
/// missing date in a key matches a missing one, as their texts ("") did.
fn full_join(a: &DataFrame, b: &DataFrame, on: &[&str]) -> PolarsResult<DataFrame> {
    let on: Vec<Expr> = on.iter().map(|k| col(*k)).collect();
    let mut theirs = on.clone();
    theirs.extend([col("__row").alias("__old_row"), col("__i").alias("__j")]);
    let mut ours = on.clone();
    ours.extend([col("__row"), col("__i")]);
    b.clone()
        .lazy()
        .select(ours)
        .join(
            a.clone().lazy().select(theirs),
            on.clone(),
            on,
            JoinArgs {
                nulls_equal: true,
                ..JoinArgs::new(JoinType::Full).with_coalesce(JoinCoalesce::CoalesceColumns)
            },
        )
        .with_column(col("__old_row").neq(col("__row")).alias("__changed"))
        .collect()
}

/// [`full_join`] on the keys' hashes (`__key`): one integer column, where the keys are up to
/// four texts and dates (at a million persons the join took 0.3 s of the registry's 0.45 and
/// 0.45 s of the help ledger's 0.7). Exact, or `None`: equal keys hash alike, so every true
/// pair is joined, and every joined pair's keys are then compared; one pair whose keys differ
/// (two keys of one hash) sends the comparison back to the keys themselves.
fn joined_by_hash(
    a: &DataFrame,
    b: &DataFrame,
    keys_at: impl Fn(Side, &IdxCa) -> PolarsResult<DataFrame>,
) -> PolarsResult<Option<DataFrame>> {
    let joined = full_join(a, b, &["__key"])?;
    let pairs = joined
        .clone()
        .lazy()
        .filter(col("__i").is_not_null().and(col("__j").is_not_null()))
        .select([col("__i"), col("__j")])
        .collect()?;
    let ours = keys_at(Side::New, &idx(&pairs, "__i")?)?;
    let theirs = keys_at(Side::Old, &idx(&pairs, "__j")?)?;
    for (x, y) in ours.columns().iter().zip(theirs.columns()) {
        let same = x
            .as_materialized_series()
            .equal_missing(y.as_materialized_series())?;
        if !same.all() {
            return Ok(None);
        }
    }
    Ok(Some(joined))
}

/// Which snapshot of the two compared.
#[derive(Clone, Copy)]
enum Side {
    Old,
    New,
}

fn idx(df: &DataFrame, c: &str) -> PolarsResult<IdxCa> {
    Ok(df.column(c)?.idx()?.clone())
}

/// The rows of each frame whose natural key is missing from the other frame or whose values
/// differ there (when a key repeats, its last row stands, as in [`rows`]).
fn differing(
    old: &DataFrame,
    new: &DataFrame,
    table: Table,
) -> PolarsResult<(DataFrame, DataFrame)> {
    let c = compare(old, new, table)?;
    let mut new_idx = idx(&c.added, "__i")?;
    new_idx.append(&idx(&c.changed, "__i")?)?;
    let mut old_idx = idx(&c.changed, "__j")?;
    old_idx.append(&idx(&c.withdrawn, "__i")?)?;
    Ok((old.take(&old_idx)?, new.take(&new_idx)?))
}

/// A ledger's edits between two snapshots, counted, with the first changed and withdrawn rows
/// (in key order) read out: what a circulated report shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Edits {
    pub added: usize,
    pub changed: usize,
    pub withdrawn: usize,
    /// The first `limit` changed rows, as [`diff`] lists them.
    pub changed_list: Vec<Change>,
    /// The first `limit` withdrawn rows, as [`diff`] lists them.
    pub withdrawn_list: Vec<Change>,
}

/// The edits between two snapshots, as [`diff`] finds them, but only counted: only the first
/// `limit` changed and withdrawn rows are read out of the frames (at national scale a month
/// adds a hundred thousand rows, and a report lists none of them). Masked when `mask`.
pub fn edits(
    old: &DataFrame,
    new: &DataFrame,
    table: Table,
    limit: usize,
    mask: bool,
) -> PolarsResult<Edits> {
    let c = compare(old, new, table)?;
    let (added, changed, withdrawn) = c.counts();
    let changed_rows = first(c.changed, table, limit)?;
    let withdrawn_rows = first(c.withdrawn, table, limit)?;
    let changed_list = read_out(
        &old.take(&idx(&changed_rows, "__j")?)?,
        &new.take(&idx(&changed_rows, "__i")?)?,
        table,
        mask,
    )?;
    let withdrawn_list = withdrawn_out(old, new, &withdrawn_rows, table, mask)?;
    Ok(Edits {
        added,
        changed,
        withdrawn,
        changed_list,
        withdrawn_list,
    })
}

/// The first `limit` rows of a list of [`compare`] in key order, as [`rows`] orders them: by
/// the keys' texts.
fn first(rows: DataFrame, table: Table, limit: usize) -> PolarsResult<DataFrame> {
    let as_text: Vec<Expr> = table.natural_key().iter().map(|k| text_of(k)).collect();
    rows.lazy()
        .sort_by_exprs(as_text, SortMultipleOptions::default())
        .limit(limit as IdxSize)
        .collect()
}

/// The changes between two snapshots, counted in full, with the first `limit` of them as
/// [`diff`] lists them (added and changed rows in key order, then withdrawn ones) read out:
/// `luyu diff` shows a few hundred of a national-scale month's hundred thousand.
#[derive(Debug, Clone, PartialEq)]
pub struct Listed {
    pub added: usize,
    pub changed: usize,
    pub withdrawn: usize,
    pub first: Vec<Change>,
}

/// [`Listed`] of two snapshots; masked when `mask`.
pub fn listed(
    old: &DataFrame,
    new: &DataFrame,
    table: Table,
    limit: usize,
    mask: bool,
) -> PolarsResult<Listed> {
    let c = compare(old, new, table)?;
    let (added, changed, withdrawn) = c.counts();
    // The first `limit` of the added and changed rows together are among the first `limit`
    // of each: both are read out, and `between` puts them in one key order.
    let (added_rows, changed_rows) = (
        first(c.added, table, limit)?,
        first(c.changed, table, limit)?,
    );
    let mut new_rows = idx(&added_rows, "__i")?;
    new_rows.append(&idx(&changed_rows, "__i")?)?;
    let mut list = read_out(
        &old.take(&idx(&changed_rows, "__j")?)?,
        &new.take(&new_rows)?,
        table,
        mask,
    )?;
    list.truncate(limit);
    if list.len() < limit {
        let withdrawn_rows = first(c.withdrawn, table, limit - list.len())?;
        list.extend(withdrawn_out(old, new, &withdrawn_rows, table, mask)?);
    }
    Ok(Listed {
        added,
        changed,
        withdrawn,
        first: list,
    })
}

fn header(table: Table, name: &str) -> &'static str {
    table
        .columns()
        .iter()
        .find(|c| c.name == name)
        .map_or("", |c| c.header)
}

/// A value as it may circulate: IDs and persons' names masked.
fn mask_value(table: Table, column: &str, v: &str) -> String {
    match column {
        "id_number" => mask_id(v),
        "name" if table != Table::Workshops => mask_name(v),
        _ => v.to_string(),
    }
}

impl Change {
    /// The change with IDs and persons' names masked, for anything that circulates.
    pub fn masked(self, table: Table) -> Change {
        let key = |k: Vec<String>| -> Vec<String> {
            table
                .natural_key()
                .iter()
                .zip(&k)
                .map(|(c, v)| mask_value(table, c, v))
                .collect()
        };
        match self {
            Change::Added(k) => Change::Added(key(k)),
            Change::Withdrawn(k) => Change::Withdrawn(key(k)),
            Change::Changed(k, cols) => {
                let cols = cols
                    .into_iter()
                    .map(|(h, a, b)| {
                        let name = table
                            .columns()
                            .iter()
                            .find(|c| c.header == h)
                            .map_or("", |c| c.name);
                        (h, mask_value(table, name, &a), mask_value(table, name, &b))
                    })
                    .collect();
                Change::Changed(key(k), cols)
            }
        }
    }
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

    /// A registry snapshot: (ID, name, township) per row, the other columns empty.
    fn registry(rows: &[(&str, &str, &str)]) -> DataFrame {
        let cols: Vec<Column> = compared(Table::Registry)
            .into_iter()
            .map(|c| {
                let v: Vec<Option<String>> = rows
                    .iter()
                    .map(|(id, name, town)| match c {
                        "id_number" => Some(id.to_string()),
                        "name" => Some(name.to_string()),
                        "township" => Some(town.to_string()),
                        _ => None,
                    })
                    .collect();
                if c == "registered" {
                    Column::new(c.into(), vec![Some(true); rows.len()])
                } else {
                    Column::new(c.into(), v)
                }
            })
            .collect();
        DataFrame::new_infer_height(cols).unwrap()
    }

    #[test]
    fn diff_reads_out_only_what_differs_and_masks_after_matching() {
        // Two persons whose masked IDs are the same: matching must be on the real ID.
        let (a, b, c) = (
            "500101199001010012",
            "500101198802020012",
            "500101197003030023",
        );
        let old = registry(&[
            (a, "张三", "甘宁镇"),
            (b, "李四", "龙驹镇"),
            (c, "王五", "分水镇"),
        ]);
        let new = registry(&[
            (b, "李四", "龙驹镇"),
            (c, "王五", "余家镇"),
            (c, "王五", "太安镇"),
            ("500101196004040034", "赵六", "甘宁镇"),
        ]);
        let all = between(
            &rows(&old, Table::Registry).unwrap(),
            &rows(&new, Table::Registry).unwrap(),
            Table::Registry,
        );
        assert_eq!(diff(&old, &new, Table::Registry, false).unwrap(), all);
        let shown: Vec<String> = diff(&old, &new, Table::Registry, true)
            .unwrap()
            .iter()
            .map(Change::describe)
            .collect();
        assert_eq!(
            shown,
            [
                "+ 新增 500101********0034",
                "~ 修改 500101********0023：乡镇(街道)：分水镇 → 太安镇",
                "- 撤回 500101********0012",
            ]
        );
        // Counted, with the lists read out only up to the limit.
        let e = edits(&old, &new, Table::Registry, 5, true).unwrap();
        assert_eq!((e.added, e.changed, e.withdrawn), (1, 1, 1));
        let read: Vec<String> = e
            .changed_list
            .iter()
            .chain(&e.withdrawn_list)
            .map(Change::describe)
            .collect();
        assert_eq!(read, shown[1..]);
    }

    /// `listed` counts every row and reads out the first rows of `diff`'s list: added and
    /// changed ones interleaved in key order, then the withdrawn.
    #[test]
    fn listed_is_the_head_of_the_diff() {
        let old = registry(&[
            ("500101199001010012", "张三", "甘宁镇"),
            ("500101197003030023", "王五", "分水镇"),
            ("500101198505050045", "钱七", "龙驹镇"),
        ]);
        let new = registry(&[
            ("500101196004040034", "赵六", "甘宁镇"),
            ("500101197003030023", "王五", "太安镇"),
            ("500101199901010018", "孙八", "余家镇"),
            ("500101198505050045", "钱七", "龙驹镇"),
        ]);
        let all = diff(&old, &new, Table::Registry, true).unwrap();
        let kinds: Vec<&str> = all
            .iter()
            .map(|c| match c {
                Change::Added(_) => "added",
                Change::Changed(..) => "changed",
                Change::Withdrawn(_) => "withdrawn",
            })
            .collect();
        assert_eq!(kinds, ["added", "changed", "added", "withdrawn"]);
        for limit in 0..=5 {
            let l = listed(&old, &new, Table::Registry, limit, true).unwrap();
            assert_eq!((l.added, l.changed, l.withdrawn), (2, 1, 1));
            assert_eq!(l.first, all[..limit.min(all.len())], "limit {limit}");
        }
    }

    /// Rows in the same order in both snapshots are paired without the join and the rest are
    /// joined: the changes are the ones every row gives, wherever the orders differ.
    #[test]
    fn rows_in_order_pair_without_the_join_and_the_rest_still_match() {
        let id = |k: usize| format!("5001011990010{k:05}");
        let old_rows: Vec<(String, String, String)> = (0..40)
            .map(|k| (id(k), format!("名{k}"), "甘宁镇".to_string()))
            .collect();
        let mut new_rows = old_rows.clone();
        // Changed in place; withdrawn, moving the rows after it up; changed among those;
        // two of those trading places; added at the end.
        new_rows[3].2 = "龙驹镇".into();
        new_rows.remove(20);
        new_rows[25].1 = "改名".into();
        new_rows.swap(30, 32);
        new_rows.push((id(99), "新人".into(), "分水镇".into()));
        fn refs(v: &[(String, String, String)]) -> Vec<(&str, &str, &str)> {
            v.iter()
                .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
                .collect()
        }
        let (old, new) = (registry(&refs(&old_rows)), registry(&refs(&new_rows)));
        let (a, b) = (
            hashed(&old, Table::Registry, &[]).unwrap(),
            hashed(&new, Table::Registry, &[]).unwrap(),
        );
        // Paired in order but the withdrawn, added and moved rows, which are joined.
        let (pairs, a_rest, b_rest) =
            paired_in_order(&a, &b, Table::Registry.natural_key()).unwrap();
        assert_eq!(
            (pairs.height(), a_rest.height(), b_rest.height()),
            (37, 3, 3)
        );
        // Every key of one hash, as if they collided: a pair's keys differ, so every row goes
        // to the join.
        let collided = |df: &DataFrame| {
            let mut df = df.clone();
            df.with_column(Column::new("__key".into(), vec![7u64; df.height()]))
                .unwrap();
            df
        };
        let (pairs, a_rest, b_rest) =
            paired_in_order(&collided(&a), &collided(&b), Table::Registry.natural_key()).unwrap();
        assert_eq!(
            (pairs.height(), a_rest.height(), b_rest.height()),
            (0, 40, 40)
        );
        let all = between(
            &rows(&old, Table::Registry).unwrap(),
            &rows(&new, Table::Registry).unwrap(),
            Table::Registry,
        );
        assert_eq!(diff(&old, &new, Table::Registry, false).unwrap(), all);
        let e = edits(&old, &new, Table::Registry, 100, false).unwrap();
        assert_eq!((e.added, e.changed, e.withdrawn), (1, 2, 1));
    }

    /// A help ledger's key has a date (matched as a date, not as text): a row whose 开始日期 is
    /// missing in both snapshots is the same row, one whose date moved is withdrawn and added,
    /// and the listed rows come in the order of the keys' texts.
    #[test]
    fn a_join_by_key_hash_gives_way_when_two_keys_share_a_hash() {
        let registry = |ids: &[&str], names: &[&str]| -> DataFrame {
            let cols: Vec<Column> = compared(Table::Registry)
                .into_iter()
                .map(|c| match c {
                    "id_number" => Column::new(c.into(), ids.to_vec()),
                    "name" => Column::new(c.into(), names.to_vec()),
                    _ => Column::full_null(c.into(), ids.len(), &DataType::String),
                })
                .collect();
            DataFrame::new_infer_height(cols).unwrap()
        };
        let (x, y, z) = (
            "500101199001010012",
            "500101199001010039",
            "50010119900101005X",
        );
        let old = registry(&[x, y], &["张三", "李四"]);
        let new = registry(&[y, z], &["李五", "王六"]);
        let (a, b) = (
            hashed(&old, Table::Registry, &[]).unwrap(),
            hashed(&new, Table::Registry, &[]).unwrap(),
        );
        let keys_at = |side: Side, rows: &IdxCa| {
            let df = match side {
                Side::Old => &old,
                Side::New => &new,
            };
            df.select(["id_number"])?.take(rows)
        };
        // The keys' own hashes: y is matched by them, and it is the one changed row.
        let joined = joined_by_hash(&a, &b, keys_at).unwrap().unwrap();
        let changed = joined.column("__changed").unwrap().bool().unwrap().clone();
        assert_eq!(changed.sum(), Some(1));
        // Every key of one hash, as if they collided: x and z are paired and y with both, so the
        // pairs' keys differ and the join by hash gives way (`compare` then joins by the keys).
        let collided = |df: &DataFrame| {
            let mut df = df.clone();
            df.with_column(Column::new("__key".into(), vec![7u64; df.height()]))
                .unwrap();
            df
        };
        assert!(joined_by_hash(&collided(&a), &collided(&b), keys_at)
            .unwrap()
            .is_none());
        let e = edits(&old, &new, Table::Registry, 5, false).unwrap();
        assert_eq!((e.added, e.changed, e.withdrawn), (1, 1, 1));
    }

    #[test]
    fn a_missing_date_in_a_key_matches_a_missing_one() {
        let help = |rows: &[(&str, Option<i32>, &str)]| -> DataFrame {
            let cols: Vec<Column> = compared(Table::Help)
                .into_iter()
                .map(|c| match c {
                    "id_number" => {
                        Column::new(c.into(), rows.iter().map(|r| r.0).collect::<Vec<_>>())
                    }
                    "start_date" => {
                        Column::new(c.into(), rows.iter().map(|r| r.1).collect::<Vec<_>>())
                            .cast(&DataType::Date)
                            .unwrap()
                    }
                    "help_type" => Column::new(c.into(), vec!["技能培训"; rows.len()]),
                    "help_mode" => {
                        Column::new(c.into(), rows.iter().map(|r| r.2).collect::<Vec<_>>())
                    }
                    _ => Column::full_null(c.into(), rows.len(), &DataType::String),
                })
                .collect();
            DataFrame::new_infer_height(cols).unwrap()
        };
        let (a, b) = ("500101199001010012", "500101199001010039");
        // 18262: 2020-01-01.
        let old = help(&[
            (b, Some(18262), "甲"),
            (a, None, "甲"),
            (a, Some(18300), "甲"),
        ]);
        let new = help(&[
            (a, None, "甲"),
            (a, Some(18301), "甲"),
            (b, Some(18262), "甲"),
        ]);
        let e = edits(&old, &new, Table::Help, 5, false).unwrap();
        assert_eq!((e.added, e.changed, e.withdrawn), (1, 0, 1));
        assert!(e.withdrawn_list[0].describe().contains("2020-02-08"));
        // Two withdrawn rows of one person, the missing date first (its text is "").
        let e = edits(&old, &help(&[]), Table::Help, 5, false).unwrap();
        let listed: Vec<String> = e.withdrawn_list.iter().map(|c| c.describe()).collect();
        assert_eq!(e.withdrawn, 3);
        assert!(
            listed[0].contains(a) && !listed[0].contains("2020-"),
            "{listed:?}"
        );
        assert!(
            listed[1].contains("2020-02-08") && listed[2].contains(b),
            "{listed:?}"
        );
        // A key twice in one snapshot: its last row stands (the rows are grouped by key only
        // when some key repeats).
        let twice = help(&[
            (a, None, "岗前培训"),
            (b, None, "岗前培训"),
            (a, None, "专项技能培训"),
        ]);
        let last = help(&[(b, None, "岗前培训"), (a, None, "专项技能培训")]);
        let e = edits(&twice, &last, Table::Help, 5, false).unwrap();
        assert_eq!((e.added, e.changed, e.withdrawn), (0, 0, 0));
        let first = help(&[(a, None, "岗前培训"), (b, None, "岗前培训")]);
        let e = edits(&twice, &first, Table::Help, 5, false).unwrap();
        assert_eq!((e.added, e.changed, e.withdrawn), (0, 1, 0));
        let listed = diff(&first, &twice, Table::Help, false).unwrap();
        assert!(
            listed[0].describe().contains("岗前培训 → 专项技能培训"),
            "{listed:?}"
        );
    }

    #[test]
    fn a_missing_text_is_no_change_and_a_typed_change_is_found() {
        let id = "500101199001010012";
        let old = registry(&[(id, "张三", "甘宁镇")]);
        let with = |df: &DataFrame, c: Column| {
            let mut df = df.clone();
            df.with_column(c).unwrap();
            df
        };
        // 是否建档立卡 from 是 to 否: a change of a typed column.
        let new = with(&old, Column::new("registered".into(), [Some(false)]));
        let e = edits(&old, &new, Table::Registry, 5, false).unwrap();
        assert_eq!((e.added, e.changed, e.withdrawn), (0, 1, 0));
        assert_eq!(
            e.changed_list[0].describe(),
            format!("~ 修改 {id}：是否建档立卡：是 → 否")
        );
        // A missing text, an empty one and a missing value of no type read alike.
        let empty = with(&old, Column::new("village".into(), [Some("")]));
        let untyped = with(
            &old,
            Column::full_null("village".into(), 1, &DataType::Null),
        );
        for (a, b) in [(&old, &empty), (&empty, &untyped), (&untyped, &old)] {
            let e = edits(a, b, Table::Registry, 5, false).unwrap();
            assert_eq!((e.added, e.changed, e.withdrawn), (0, 0, 0));
            assert!(diff(a, b, Table::Registry, false).unwrap().is_empty());
        }
        // And a value that appears in a column of no type is a change.
        let named = with(&untyped, Column::new("village".into(), [Some("上坪村")]));
        let e = edits(&untyped, &named, Table::Registry, 5, false).unwrap();
        assert_eq!(e.changed, 1);
    }

    #[test]
    fn edits_read_out_the_first_rows_in_key_order_and_count_all() {
        let ids: Vec<String> = (0..40).map(|i| format!("5001011990010100{i:02}")).collect();
        let old_rows: Vec<(&str, &str, &str)> = ids
            .iter()
            .map(|id| (id.as_str(), "张三", "甘宁镇"))
            .collect();
        // Rows 0..10 withdrawn, 10..25 moved township, 25..40 unchanged, 3 added.
        let mut new_rows: Vec<(&str, &str, &str)> = ids[10..25]
            .iter()
            .rev()
            .map(|id| (id.as_str(), "张三", "龙驹镇"))
            .collect();
        new_rows.extend(ids[25..].iter().map(|id| (id.as_str(), "张三", "甘宁镇")));
        let added = [
            "500101200001010011",
            "500101200001010022",
            "500101200001010033",
        ];
        new_rows.extend(added.iter().map(|id| (*id, "李四", "甘宁镇")));
        let (old, new) = (registry(&old_rows), registry(&new_rows));
        let e = edits(&old, &new, Table::Registry, 4, false).unwrap();
        assert_eq!((e.added, e.changed, e.withdrawn), (3, 15, 10));
        let keys = |l: &[Change]| -> Vec<String> {
            l.iter()
                .map(|c| match c {
                    Change::Changed(k, _) | Change::Withdrawn(k) | Change::Added(k) => k[0].clone(),
                })
                .collect()
        };
        assert_eq!(keys(&e.changed_list), ids[10..14]);
        assert_eq!(keys(&e.withdrawn_list), ids[0..4]);
        // The same changes diff lists, cut to the limit.
        let all = diff(&old, &new, Table::Registry, false).unwrap();
        let of = |pick: fn(&Change) -> bool| -> Vec<Change> {
            all.iter().filter(|c| pick(c)).take(4).cloned().collect()
        };
        assert_eq!(e.changed_list, of(|c| matches!(c, Change::Changed(..))));
        assert_eq!(e.withdrawn_list, of(|c| matches!(c, Change::Withdrawn(..))));
    }
}
