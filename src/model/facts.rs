//! Facts per person and per workshop, read from the as-of model: what the subsidy rules judge.

use std::fmt;

use chrono::NaiveDate;
use polars::prelude::{DataFrame, PlHashMap, PlSmallStr, PolarsResult};

use crate::dates::full_months;
use crate::ids::{pack_id, unpack_id};
use crate::ingest::tables::Region;
use crate::model::{column_bools, column_dates, column_ints, column_strs, Model};

/// Text in facts: inline up to 24 bytes (an ID, a name, most codes), so a million persons
/// do not mean millions of small allocations.
pub type Text = PlSmallStr;

/// 帮扶类型 of a 就业帮扶台账 row (exports.md): which indicator and which items it can count for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum HelpType {
    /// 就地就近就业
    Local,
    /// 技能培训
    Training,
    /// 转移就业
    Transfer,
    /// A value exports.md does not list, kept as written so it can be shown; no rule counts it.
    Other(Text),
    #[default]
    Blank,
}

/// 帮扶方式 of a 就业帮扶台账 row (exports.md lists the modes of each 帮扶类型).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum HelpMode {
    /// 企业吸纳
    Enterprise,
    /// 扶贫车间
    Workshop,
    /// 公益性岗位
    PublicPost,
    /// 专项技能培训
    SpecialTraining,
    /// 岗前培训
    PreJobTraining,
    /// 岗位技能提升培训
    SkillUpgrade,
    /// 济宁 (转移就业 to Jining)
    Jining,
    /// 其他地区
    Elsewhere,
    /// A value exports.md does not list, kept as written.
    Other(Text),
    #[default]
    Blank,
}

impl HelpType {
    pub fn parse(s: &str) -> HelpType {
        match s {
            "就地就近就业" => HelpType::Local,
            "技能培训" => HelpType::Training,
            "转移就业" => HelpType::Transfer,
            "" => HelpType::Blank,
            other => HelpType::Other(other.into()),
        }
    }

    pub fn chinese(&self) -> &str {
        match self {
            HelpType::Local => "就地就近就业",
            HelpType::Training => "技能培训",
            HelpType::Transfer => "转移就业",
            HelpType::Other(s) => s,
            HelpType::Blank => "",
        }
    }
}

impl HelpMode {
    pub fn parse(s: &str) -> HelpMode {
        match s {
            "企业吸纳" => HelpMode::Enterprise,
            "扶贫车间" => HelpMode::Workshop,
            "公益性岗位" => HelpMode::PublicPost,
            "专项技能培训" => HelpMode::SpecialTraining,
            "岗前培训" => HelpMode::PreJobTraining,
            "岗位技能提升培训" => HelpMode::SkillUpgrade,
            "济宁" => HelpMode::Jining,
            "其他地区" => HelpMode::Elsewhere,
            "" => HelpMode::Blank,
            other => HelpMode::Other(other.into()),
        }
    }

    pub fn chinese(&self) -> &str {
        match self {
            HelpMode::Enterprise => "企业吸纳",
            HelpMode::Workshop => "扶贫车间",
            HelpMode::PublicPost => "公益性岗位",
            HelpMode::SpecialTraining => "专项技能培训",
            HelpMode::PreJobTraining => "岗前培训",
            HelpMode::SkillUpgrade => "岗位技能提升培训",
            HelpMode::Jining => "济宁",
            HelpMode::Elsewhere => "其他地区",
            HelpMode::Other(s) => s,
            HelpMode::Blank => "",
        }
    }
}

impl fmt::Display for HelpType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.chinese())
    }
}

impl fmt::Display for HelpMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.chinese())
    }
}

#[derive(Debug, Clone, Default)]
pub struct HelpRow {
    pub help_type: HelpType,
    pub help_mode: HelpMode,
    /// Shared by the rows of one gathering range that name the same employer: a ledger names a
    /// few employers many times, and most names are longer than [`Text`] holds inline.
    pub employer: std::sync::Arc<str>,
    pub start: Option<NaiveDate>,
    pub end: Option<NaiveDate>,
    pub contract: Option<bool>,
    pub social_months: Option<i64>,
    pub training_days: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct Spell {
    pub county: Text,
    pub employer: Text,
    pub credit_code: Option<Text>,
    pub hire: Option<NaiveDate>,
    pub leave: Option<NaiveDate>,
    pub contract_months: Option<i64>,
    pub social_months: Option<i64>,
    pub registration: Option<bool>,
    pub level: Option<Text>,
    pub training_start: Option<NaiveDate>,
    pub training_days: Option<i64>,
    pub certificate: Option<bool>,
    pub work_training_days: Option<i64>,
}

impl Spell {
    /// Full months in Jining as of `d` (an open spell ends on `d`).
    pub fn full_months_at(&self, d: NaiveDate) -> i64 {
        match self.hire {
            Some(h) if h <= d => full_months(h, self.leave.map_or(d, |l| l.min(d))),
            _ => 0,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Person {
    pub names: Vec<Text>,
    pub registered: bool,
    /// In the registry at all (maybe with 是否建档立卡 = 否).
    pub in_registry: bool,
    pub township: Option<Text>,
    pub help: Vec<HelpRow>,
    pub spells: Vec<Spell>,
}

#[derive(Debug, Clone, Default)]
pub struct Workshop {
    /// 所在地区; `None` when the cell names neither region.
    pub region: Option<Region>,
    pub name: Text,
    pub credit_code: Option<Text>,
    pub recognised: Option<NaiveDate>,
    pub staff_total: Option<i64>,
    pub absorbed: Option<i64>,
}

#[derive(Default)]
pub struct Facts {
    /// Every person with their ID, in ID order. A vector, not the map itself: a hash map of a
    /// million persons rounds up to two million slots of the whole struct.
    pub persons: Vec<(Text, Person)>,
    /// Position in `persons` by ID.
    index: Index,
    pub workshops: Vec<Workshop>,
    pub jining_has_registration: bool,
}

impl Person {
    /// Adds a spelling of the name unless the person has it already.
    fn add_name(&mut self, name: Option<&str>) {
        if let Some(n) = name {
            if !self.names.iter().any(|x| x == n) {
                push_tight(&mut self.names, n.into());
            }
        }
    }
}

/// Pushes without the room a `Vec` makes for four on its first push: most persons have one
/// name, one help row and no spell, and a million persons' spare room was 400 MB.
fn push_tight<T>(v: &mut Vec<T>, x: T) {
    if v.len() == v.capacity() && v.len() < 4 {
        v.reserve_exact(1);
    }
    v.push(x);
}

/// Places by ID: a 身份证号 by its packed integer ([`pack_id`]), which hashes and compares
/// as one word where the text was a hash and a compare of 18 bytes (most of the facts' time at
/// a million persons); any other text as it is.
#[derive(Default)]
pub(crate) struct Index {
    packed: PlHashMap<u64, u32>,
    other: PlHashMap<Text, u32>,
}

impl Index {
    pub(crate) fn with_capacity(n: usize) -> Index {
        Index {
            packed: PlHashMap::with_capacity_and_hasher(n, Default::default()),
            other: PlHashMap::default(),
        }
    }

    pub(crate) fn get(&self, id: &str) -> Option<u32> {
        match pack_id(id) {
            Some(key) => self.packed.get(&key).copied(),
            None => self.other.get(id).copied(),
        }
    }

    /// The place of `id`, given `next` if it has none yet; and whether it was new.
    pub(crate) fn get_or_insert(&mut self, id: &str, next: u32) -> (u32, bool) {
        let place = match pack_id(id) {
            Some(key) => *self.packed.entry(key).or_insert(next),
            None => match self.other.get(id) {
                Some(place) => *place,
                None => *self.other.entry(Text::from(id)).or_insert(next),
            },
        };
        (place, place == next)
    }
}

/// A ledger's rows by person: (packed ID, row) of the rows whose ID packs, sorted — each
/// person's rows together and in row order —, and (ID, row) of the rows whose ID does not (a
/// malformed ID, rare) in row order. Gathering a person's rows by merging these sorted lists
/// with the persons (in the same order) reads and writes memory in sequence; looking each row's
/// person up in a hash map of a million was a cache miss per row and most of the facts' time.
struct ByPerson {
    /// The ledger's rows.
    len: usize,
    packed: Vec<(u64, u32)>,
    other: Vec<(Text, u32)>,
}

impl ByPerson {
    fn of(ids: &[Option<&str>]) -> ByPerson {
        use rayon::iter::Either;
        use rayon::prelude::*;
        // Each ID packed once, on every core; the others keep their row order.
        let (mut packed, other): (Vec<_>, Vec<_>) = ids
            .par_iter()
            .enumerate()
            .filter_map(|(i, id)| Some((i as u32, (*id)?)))
            .partition_map(|(i, id)| match pack_id(id) {
                Some(key) => Either::Left((key, i)),
                None => Either::Right((Text::from(id), i)),
            });
        // (ID, row) pairs are distinct, so the unstable sort is the one order.
        packed.par_sort_unstable();
        ByPerson {
            len: ids.len(),
            packed,
            other,
        }
    }
}

/// Every person some ledger names, with nothing gathered yet: first those whose IDs pack, in
/// ID order (`keys`, their packed IDs), then the others in the order of their texts (`others`,
/// their places after the packed ones). [`Facts::new`] puts the few others in their places.
struct Skeleton {
    persons: Vec<(Text, Person)>,
    keys: Vec<u64>,
    others: PlHashMap<Text, u32>,
}

impl Skeleton {
    fn of(ledgers: &[&ByPerson]) -> Skeleton {
        use rayon::prelude::*;
        let mut keys: Vec<u64> = ledgers
            .iter()
            .flat_map(|l| l.packed.iter().map(|(k, _)| *k))
            .collect();
        keys.par_sort_unstable();
        keys.dedup();
        let mut persons: Vec<(Text, Person)> = keys
            .par_iter()
            .map(|&k| (Text::from(unpack_id(k, &mut [0; 18])), Person::default()))
            .collect();
        let mut texts: Vec<&Text> = ledgers
            .iter()
            .flat_map(|l| l.other.iter().map(|(t, _)| t))
            .collect();
        texts.sort_unstable();
        texts.dedup();
        let others = texts
            .iter()
            .enumerate()
            .map(|(i, t)| ((*t).clone(), i as u32))
            .collect();
        persons.extend(texts.into_iter().map(|t| (t.clone(), Person::default())));
        Skeleton {
            persons,
            keys,
            others,
        }
    }

    /// Runs `add(person, row)` for every row of a ledger, each person's rows in row order.
    /// Each row's person is found by merging the ledger's sorted IDs with the persons'; then
    /// the rows are read in row order (a row's columns read at random places stalled on memory
    /// more than gathering computed), each core taking the rows of one range of persons.
    /// `add` gets a state of its own per range (an [`Interner`], or `()`).
    fn gather<S: Default>(
        &mut self,
        rows: &ByPerson,
        add: impl Fn(&mut S, &mut Person, usize) + Sync,
    ) {
        use rayon::prelude::*;
        let place = self.places(rows);
        let ranges = rayon::current_num_threads().clamp(1, 8);
        let size = self.persons.len().div_ceil(ranges).max(1);
        self.persons
            .par_chunks_mut(size)
            .enumerate()
            .for_each(|(c, part)| {
                let first = c * size;
                let mut state = S::default();
                for (row, &at) in place.iter().enumerate() {
                    if let Some((_, p)) = (at as usize)
                        .checked_sub(first)
                        .and_then(|i| part.get_mut(i))
                    {
                        add(&mut state, p, row);
                    }
                }
            });
    }

    /// Each row's place among the persons (`u32::MAX` for a row with no ID).
    fn places(&self, rows: &ByPerson) -> Vec<u32> {
        let mut place = vec![u32::MAX; rows.len];
        let mut at = 0;
        for &(k, row) in &rows.packed {
            // `keys` holds every packed ID of every ledger, in order, as `rows.packed` does.
            while at < self.keys.len() && self.keys[at] < k {
                at += 1;
            }
            if let (Some(slot), true) = (place.get_mut(row as usize), self.keys.get(at) == Some(&k))
            {
                *slot = at as u32;
            }
        }
        for (id, row) in &rows.other {
            if let (Some(slot), Some(i)) = (place.get_mut(*row as usize), self.others.get(id)) {
                *slot = (self.keys.len() + *i as usize) as u32;
            }
        }
        place
    }
}

/// One shared copy of each text: see [`HelpRow::employer`].
#[derive(Default)]
struct Interner<'a>(PlHashMap<&'a str, std::sync::Arc<str>>);

impl<'a> Interner<'a> {
    fn get(&mut self, text: &'a str) -> std::sync::Arc<str> {
        self.0.entry(text).or_insert_with(|| text.into()).clone()
    }
}

/// No packed ID is this: 11^18 is below it.
const UNPACKED: u64 = u64::MAX;

/// Puts `items[order[k]]` at `k` for every k, moving each item once (following the cycles of
/// the permutation), without a second vector of the items.
fn permute<T: Default>(items: &mut [T], order: &[u32]) {
    let mut done = vec![false; items.len()];
    for start in 0..items.len() {
        if done[start] {
            continue;
        }
        let held = std::mem::take(&mut items[start]);
        let mut k = start;
        loop {
            done[k] = true;
            let from = order[k] as usize;
            if from == start {
                items[k] = held;
                break;
            }
            items[k] = std::mem::take(&mut items[from]);
            k = from;
        }
    }
}

impl Facts {
    /// Facts of these persons (any order; each person's names come out sorted) and workshops.
    pub fn new(
        mut persons: Vec<(Text, Person)>,
        workshops: Vec<Workshop>,
        jining_has_registration: bool,
    ) -> Facts {
        use rayon::prelude::*;
        // The ledgers' persons come in ID order already unless some ID is malformed: then
        // nothing moves.
        if !persons.par_windows(2).all(|w| w[0].0 < w[1].0) {
            // The order sorted as (packed ID, place) pairs, which compare as integers (a pair
            // with an ID that does not pack compares by the texts), then each person moved
            // once. IDs are unique, so the unstable sort is the one order.
            let mut order: Vec<(u64, u32)> = persons
                .par_iter()
                .enumerate()
                .map(|(i, (id, _))| (pack_id(id).unwrap_or(UNPACKED), i as u32))
                .collect();
            order.par_sort_unstable_by(|a, b| match (a.0, b.0) {
                (UNPACKED, _) | (_, UNPACKED) => {
                    persons[a.1 as usize].0.cmp(&persons[b.1 as usize].0)
                }
                (x, y) => x.cmp(&y),
            });
            let places: Vec<u32> = order.into_iter().map(|(_, i)| i).collect();
            permute(&mut persons, &places);
        }
        persons.par_iter_mut().for_each(|(_, p)| p.names.sort());
        let mut index = Index::with_capacity(persons.len());
        for (i, (id, _)) in persons.iter().enumerate() {
            index.get_or_insert(id, i as u32);
        }
        Facts {
            persons,
            index,
            workshops,
            jining_has_registration,
        }
    }

    pub fn person(&self, id: &str) -> Option<&Person> {
        self.persons
            .get(self.position(id)? as usize)
            .map(|(_, p)| p)
    }

    /// The person's place in `persons` (in ID order).
    pub fn position(&self, id: &str) -> Option<u32> {
        self.index.get(id)
    }

    /// The places of many IDs at once (`id(i)` for each `i` below `n`), as [`Self::position`]
    /// gives each: the IDs by person ([`ByPerson`]) walked beside the persons, who are in ID
    /// order and so in packed order too. In sequence, where a hash lookup per ID was a cache
    /// miss each (a million payments' labourers, `audit`); an ID that does not pack is looked
    /// up.
    pub fn positions<'a>(
        &self,
        n: usize,
        id: impl Fn(usize) -> &'a str + Sync,
    ) -> Vec<Option<u32>> {
        use rayon::prelude::*;
        let ids: Vec<Option<&str>> = (0..n).into_par_iter().map(|i| Some(id(i))).collect();
        let rows = ByPerson::of(&ids);
        drop(ids);
        let mut places = vec![None; n];
        let mut persons = (0..)
            .zip(&self.persons)
            .filter_map(|(k, (t, _))| Some((pack_id(t)?, k)))
            .peekable();
        for &(key, row) in &rows.packed {
            while persons.next_if(|&(p, _)| p < key).is_some() {}
            places[row as usize] = persons.peek().filter(|&&(p, _)| p == key).map(|&(_, k)| k);
        }
        for (text, row) in &rows.other {
            places[*row as usize] = self.position(text);
        }
        places
    }

    /// How many persons' IDs sort before `text`: where it would go among them.
    pub fn place_of(&self, text: &str) -> u32 {
        self.persons.partition_point(|(id, _)| id.as_str() < text) as u32
    }

    /// The facts of the model's ledgers, which it takes: each ledger's rows are freed as soon
    /// as they are gathered, so the rows and the facts are not all in memory at once. The
    /// model keeps its month, its exports and its payments.
    pub fn take(model: &mut Model) -> PolarsResult<Facts> {
        let facts = Facts::build_from(
            std::mem::take(&mut model.registry),
            std::mem::take(&mut model.help),
            std::mem::take(&mut model.jining),
            std::mem::take(&mut model.workshops),
            model.jining_has_registration,
        )?;
        Ok(facts)
    }

    fn build_from(
        registry: DataFrame,
        help: DataFrame,
        jining: DataFrame,
        workshops: DataFrame,
        jining_has_registration: bool,
    ) -> PolarsResult<Facts> {
        // Every ledger's rows by person first (the IDs alone), so the persons are known in ID
        // order before any row is gathered.
        let by_registry = ByPerson::of(&column_strs(&registry, "id_number")?);
        let by_help = ByPerson::of(&column_strs(&help, "id_number")?);
        let by_jining = ByPerson::of(&column_strs(&jining, "id_number")?);
        let mut persons = Skeleton::of(&[&by_registry, &by_help, &by_jining]);
        // Each ledger's rows are freed once gathered, and go back to the kernel at once: the
        // persons grow as the ledgers go, and both at once were the summary's peak.
        Self::gather_registry(&mut persons, registry, by_registry)?;
        Self::gather_help(&mut persons, help, by_help)?;
        Self::gather_jining(&mut persons, jining, by_jining)?;
        Ok(Facts::new(
            persons.persons,
            workshops_of(&workshops)?,
            jining_has_registration,
        ))
    }

    /// The registry's rows into their persons: in the registry, 建档立卡, township, names.
    fn gather_registry(
        persons: &mut Skeleton,
        registry: DataFrame,
        by_registry: ByPerson,
    ) -> PolarsResult<()> {
        let r = &registry;
        let names = column_strs(r, "name")?;
        let reg = column_bools(r, "registered")?;
        let towns = column_strs(r, "township")?;
        persons.gather(&by_registry, |_: &mut (), p, i| {
            p.in_registry = true;
            p.registered |= reg[i] == Some(true);
            if p.township.is_none() {
                p.township = towns[i].map(Text::from);
            }
            p.add_name(names[i]);
        });

        drop((by_registry, registry));
        crate::memory::give_back();
        Ok(())
    }

    /// The help ledger's rows into their persons: names and help rows.
    fn gather_help(persons: &mut Skeleton, help: DataFrame, by_help: ByPerson) -> PolarsResult<()> {
        let h = &help;
        let names = column_strs(h, "name")?;
        let (types, modes, employers) = (
            column_strs(h, "help_type")?,
            column_strs(h, "help_mode")?,
            column_strs(h, "employer")?,
        );
        let (starts, ends) = (column_dates(h, "start_date")?, column_dates(h, "end_date")?);
        let contracts = column_bools(h, "contract")?;
        let social = column_ints(h, "social_months")?;
        let tdays = column_ints(h, "training_days")?;
        persons.gather(&by_help, |shared: &mut Interner, p, i| {
            p.add_name(names[i]);
            push_tight(
                &mut p.help,
                HelpRow {
                    help_type: HelpType::parse(types[i].unwrap_or_default()),
                    help_mode: HelpMode::parse(modes[i].unwrap_or_default()),
                    employer: shared.get(employers[i].unwrap_or_default()),
                    start: starts[i],
                    end: ends[i],
                    contract: contracts[i],
                    social_months: social[i],
                    training_days: tdays[i],
                },
            );
        });

        drop((by_help, help));
        crate::memory::give_back();
        Ok(())
    }

    /// The 来济就业台账's rows into their persons: names and spells of work in Jining.
    fn gather_jining(
        persons: &mut Skeleton,
        jining: DataFrame,
        by_jining: ByPerson,
    ) -> PolarsResult<()> {
        let j = &jining;
        let names = column_strs(j, "name")?;
        let (counties, employers, codes) = (
            column_strs(j, "county")?,
            column_strs(j, "employer")?,
            column_strs(j, "credit_code")?,
        );
        let (hires, leaves) = (
            column_dates(j, "hire_date")?,
            column_dates(j, "leave_date")?,
        );
        let (contract, social) = (
            column_ints(j, "contract_months")?,
            column_ints(j, "social_months")?,
        );
        let registration = column_bools(j, "employment_registered")?;
        let levels = column_strs(j, "training_level")?;
        let tstart = column_dates(j, "training_start")?;
        let tdays = column_ints(j, "training_days")?;
        let cert = column_bools(j, "certificate")?;
        let wtd = column_ints(j, "work_training_days")?;
        persons.gather(&by_jining, |_: &mut (), p, i| {
            p.add_name(names[i]);
            push_tight(
                &mut p.spells,
                Spell {
                    county: counties[i].unwrap_or_default().into(),
                    employer: employers[i].unwrap_or_default().into(),
                    credit_code: codes[i].map(Text::from),
                    hire: hires[i],
                    leave: leaves[i],
                    contract_months: contract[i],
                    social_months: social[i],
                    registration: registration[i],
                    level: levels[i].map(Text::from),
                    training_start: tstart[i],
                    training_days: tdays[i],
                    certificate: cert[i],
                    work_training_days: wtd[i],
                },
            );
        });

        drop((by_jining, jining));
        crate::memory::give_back();
        Ok(())
    }
}

/// The 车间名册 and 基地名册's rows (a few to a few hundred).
fn workshops_of(w: &DataFrame) -> PolarsResult<Vec<Workshop>> {
    let (regions, wnames, codes) = (
        column_strs(w, "region")?,
        column_strs(w, "name")?,
        column_strs(w, "credit_code")?,
    );
    let recognised = column_dates(w, "recognised_date")?;
    let (staff, absorbed) = (column_ints(w, "staff_total")?, column_ints(w, "absorbed")?);
    Ok((0..regions.len())
        .map(|i| Workshop {
            region: regions[i].and_then(Region::parse),
            name: wnames[i].unwrap_or_default().into(),
            credit_code: codes[i].map(Text::from),
            recognised: recognised[i],
            staff_total: staff[i],
            absorbed: absorbed[i],
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::{Column, DataType, NamedFrom, Series};

    /// A frame of text columns (`None` for a missing cell), plus the named columns of other
    /// types, all missing.
    fn frame(texts: &[(&str, Vec<Option<&str>>)], others: &[(&str, DataType)]) -> DataFrame {
        let n = texts.first().map_or(0, |(_, v)| v.len());
        let mut cols: Vec<Column> = texts
            .iter()
            .map(|(name, v)| Series::new((*name).into(), v.clone()).into())
            .collect();
        for (name, dtype) in others {
            cols.push(Column::full_null((*name).into(), n, dtype));
        }
        DataFrame::new(n, cols).unwrap_or_default()
    }

    #[test]
    fn persons_come_in_id_order_with_their_rows_in_row_order() {
        // Three IDs that pack and one malformed ID, which sorts between them as text.
        let (a, c, b, bad) = (
            "110105194912310029",
            "130000000000000000",
            "500101198009018597",
            "12345",
        );
        let mut registry = frame(
            &[
                (
                    "id_number",
                    vec![Some(b), Some(a), Some(bad), Some(a), None],
                ),
                (
                    "name",
                    vec![
                        Some("李四"),
                        Some("张三"),
                        Some("王五"),
                        Some("张三丰"),
                        Some("无名"),
                    ],
                ),
                (
                    "township",
                    vec![Some("甲镇"), None, None, Some("乙镇"), Some("丙镇")],
                ),
            ],
            &[],
        );
        let registered = Series::new("registered".into(), [true, false, true, true, true]);
        registry
            .with_column(Column::from(registered))
            .unwrap_or_else(|e| panic!("{e}"));
        let date = DataType::Date;
        let help = frame(
            &[
                (
                    "id_number",
                    vec![Some(a), Some(c), Some(a), Some(bad), None],
                ),
                (
                    "name",
                    vec![Some("张三"), Some("赵六"), Some("张三"), Some("王五"), None],
                ),
                ("help_type", vec![Some("转移就业"); 5]),
                ("help_mode", vec![Some("济宁"); 5]),
                (
                    "employer",
                    vec![
                        Some("一厂"),
                        Some("二厂"),
                        Some("三厂"),
                        Some("四厂"),
                        Some("五厂"),
                    ],
                ),
            ],
            &[
                ("start_date", date.clone()),
                ("end_date", date.clone()),
                ("contract", DataType::Boolean),
                ("social_months", DataType::Int64),
                ("training_days", DataType::Int64),
            ],
        );
        let text = |name: &'static str| (name, Vec::<Option<&str>>::new());
        let jining = frame(
            &[
                text("id_number"),
                text("name"),
                text("county"),
                text("employer"),
                text("credit_code"),
                text("training_level"),
            ],
            &[
                ("hire_date", date.clone()),
                ("leave_date", date.clone()),
                ("contract_months", DataType::Int64),
                ("social_months", DataType::Int64),
                ("employment_registered", DataType::Boolean),
                ("training_start", date.clone()),
                ("training_days", DataType::Int64),
                ("certificate", DataType::Boolean),
                ("work_training_days", DataType::Int64),
            ],
        );
        let workshops = frame(
            &[text("region"), text("name"), text("credit_code")],
            &[
                ("recognised_date", date),
                ("staff_total", DataType::Int64),
                ("absorbed", DataType::Int64),
            ],
        );
        let facts = Facts::build_from(registry, help, jining, workshops, true)
            .unwrap_or_else(|e| panic!("{e}"));
        let ids: Vec<&str> = facts.persons.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, [a, bad, c, b]);
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(facts.position(id), Some(i as u32));
        }
        // Many at once, in any order, repeated, with one nobody has: as one by one.
        let asked = [c, "999", bad, a, c, b, "500101199001010000", a];
        let one_by_one: Vec<Option<u32>> = asked.iter().map(|id| facts.position(id)).collect();
        assert_eq!(facts.positions(asked.len(), |i| asked[i]), one_by_one);
        let person = |id| facts.person(id).unwrap_or_else(|| panic!("{id}"));
        let pa = person(a);
        assert_eq!(pa.names, ["张三", "张三丰"]);
        assert_eq!(pa.township.as_deref(), Some("乙镇"));
        assert!(pa.registered && pa.in_registry);
        let employers: Vec<&str> = pa.help.iter().map(|h| &*h.employer).collect();
        assert_eq!(employers, ["一厂", "三厂"]);
        assert_eq!(pa.help[0].help_mode, HelpMode::Jining);
        let pc = person(c);
        assert!(!pc.in_registry && !pc.registered);
        assert_eq!(pc.names, ["赵六"]);
        assert_eq!(person(bad).help.len(), 1);
        assert!(person(bad).registered);
        assert_eq!(person(b).township.as_deref(), Some("甲镇"));
        assert!(person(b).help.is_empty());
        assert_eq!(facts.position("999"), None);
    }
}
