//! The table reader: from a file's sheets to typed exports, one per region it names.
//!
//! It finds the header row under the title area, recognises the table from it, reads the
//! title area (month, 填报日期, region), skips what is not data (合计 rows, blank and
//! pre-numbered rows), types every cell and rejects rows whose cells cannot be typed, each
//! rejection naming row, column, value and reason (exports.md).

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};

use chrono::NaiveDate;
use polars_arrow::array::{MutableBinaryViewArray, Utf8ViewArray};

use crate::dates::Month;
use crate::ingest::cells::{self, Raw};
use crate::ingest::source::{Format, Sheet};
use crate::ingest::tables::{normalise_header, Column, Kind, Region, Table, RECOGNISED};

/// How many rows from the top a header may sit at.
const HEADER_SEARCH_ROWS: usize = 30;

/// A rejected cell: the row it rejects, the column, the value and why.
#[derive(Debug, Clone)]
pub struct Reject {
    pub row: usize,
    pub column: String,
    pub value: String,
    pub reason: String,
    /// `invalid_id` for a failing 身份证号 (summary.md); `invalid_value` otherwise.
    pub rule: &'static str,
}

/// A column of typed values, as it goes to the warehouse.
#[derive(Debug, Clone)]
pub enum Values {
    Text(TextValues),
    Date(Vec<Option<NaiveDate>>),
    Int(Vec<Option<i64>>),
    Bool(Vec<Option<bool>>),
}

impl Values {
    fn for_kind(kind: Kind) -> Values {
        match kind {
            Kind::Date => Values::Date(Vec::new()),
            Kind::Money | Kind::Count => Values::Int(Vec::new()),
            Kind::Bool => Values::Bool(Vec::new()),
            _ => Values::Text(TextValues::default()),
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Values::Text(v) => v.len(),
            Values::Date(v) => v.len(),
            Values::Int(v) => v.len(),
            Values::Bool(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A text column typed straight into Arrow's string-view layout, the one its frame holds: no
/// allocation per cell, and each cell's bytes copied once (a buffer of our own, copied again
/// into the frame, was 7 % of the ingest's CPU with its growth).
#[derive(Clone, Default)]
pub struct TextValues(MutableBinaryViewArray<str>);

impl std::fmt::Debug for TextValues {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TextValues({} values)", self.len())
    }
}

impl TextValues {
    pub fn push(&mut self, v: Option<&str>) {
        self.0.push(v);
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The column's values as the array a frame's column holds.
    pub fn into_array(self) -> Utf8ViewArray {
        self.0.freeze()
    }
}

/// One typed cell before it joins its column (text borrowed from the row where it can be).
enum Value<'r> {
    Text(Option<Cow<'r, str>>),
    Date(Option<NaiveDate>),
    Int(Option<i64>),
    Bool(Option<bool>),
}

impl Values {
    fn push(&mut self, v: Value<'_>) {
        match (self, v) {
            (Values::Text(c), Value::Text(v)) => c.push(v.as_deref()),
            (Values::Date(c), Value::Date(v)) => c.push(v),
            (Values::Int(c), Value::Int(v)) => c.push(v),
            (Values::Bool(c), Value::Bool(v)) => c.push(v),
            _ => {}
        }
    }
}

/// Typed rows of one (table, region, month) export.
#[derive(Debug, Clone)]
pub struct Export {
    pub region: Region,
    pub month: Month,
    pub rows_read: usize,
    /// Named columns: the table's columns, `row` (Excel row number) and `*_ok` checksum flags.
    pub columns: Vec<(String, Values)>,
    pub rejects: Vec<Reject>,
}

/// The warehouse columns of a table, empty: `row`, the table's columns, and a `*_ok` checksum
/// flag after each 统一社会信用代码 column.
pub fn empty_columns(table: Table) -> Vec<(String, Values)> {
    let mut columns: Vec<(String, Values)> = vec![("row".into(), Values::Int(Vec::new()))];
    for c in table.columns() {
        columns.push((c.name.to_string(), Values::for_kind(c.kind)));
        if matches!(c.kind, Kind::CreditCode | Kind::PayeeId) {
            columns.push((format!("{}_ok", c.name), Values::Bool(Vec::new())));
        }
    }
    columns
}

impl Export {
    fn new(table: Table, region: Region, month: Month) -> Export {
        Export {
            region,
            month,
            rows_read: 0,
            columns: empty_columns(table),
            rejects: Vec::new(),
        }
    }

    pub fn rows_accepted(&self) -> usize {
        self.columns.first().map_or(0, |(_, v)| v.len())
    }

    pub fn rows_rejected(&self) -> usize {
        let mut rows: Vec<usize> = self.rejects.iter().map(|r| r.row).collect();
        rows.dedup();
        rows.len()
    }

    pub fn invalid_id_rows(&self) -> usize {
        let mut rows: Vec<usize> = self
            .rejects
            .iter()
            .filter(|r| r.rule == "invalid_id")
            .map(|r| r.row)
            .collect();
        rows.dedup();
        rows.len()
    }
}

/// What a file turned out to be.
#[derive(Debug)]
pub struct Parsed {
    pub table: Table,
    pub format: Format,
    pub sheet: String,
    pub fill_date: Option<NaiveDate>,
    /// The warehouse names of the table's columns the file has (others are all empty).
    pub present: Vec<String>,
    pub exports: Vec<Export>,
}

struct Header {
    table: Table,
    /// Index (0-based) of the (last) header row among the sheet's rows: data starts below it.
    index: usize,
    /// For each of the table's columns, its position in the row.
    positions: Vec<Option<usize>>,
    title: Vec<String>,
    /// The 序号 column, if any (a row with only it filled is a pre-numbered empty row).
    serial_col: Option<usize>,
}

/// Reads a file's bytes. `Err` is a file-level problem in Chinese (the file is not taken).
pub fn parse(bytes: &[u8]) -> Result<Parsed, String> {
    let (format, sheets) = crate::ingest::source::open(bytes)?;
    let mut problems = Vec::new();
    let mut hidden_tables = Vec::new();
    for sheet in &sheets {
        if let Sheet::Csv { .. } = sheet {
            return read_text(format, sheet);
        }
        match find_header(sheet) {
            // A hidden sheet is last month's copy or a list of drop-down values, never the
            // table: reading it gave a December file November's rows.
            Ok(Some(_)) | Err(_) if sheet.is_hidden() => hidden_tables.push(sheet.name()),
            Ok(Some(header)) => return read_sheet(format, sheet, header),
            Ok(None) => {}
            Err(e) => problems.push(e),
        }
    }
    if let Some(p) = problems.into_iter().next() {
        return Err(p);
    }
    if !hidden_tables.is_empty() {
        return Err(format!(
            "表格只在隐藏的工作表“{}”中；luyu 只读取可见的工作表（隐藏的工作表常是上月的副本或下拉选项）。如果这就是本月的表，请在 Excel 中右键工作表标签“取消隐藏”后重新保存",
            hidden_tables.join("”“")
        ));
    }
    Err(NO_HEADER.into())
}

const NO_HEADER: &str = "没有找到可识别的表头：文件不是名册、帮扶台账、来济就业台账、车间名册或补贴发放明细中的任何一种（前 30 行内没有“是否建档立卡”“帮扶类型”“用工单位+入职日期”“车间名称”或“凭证号+补贴项目”列）";

/// The delimiters a text export may use: comma (CSV), tab (Excel's "Unicode 文本" and
/// "文本文件(制表符分隔)"), semicolon (CSV saved where the comma is the decimal mark).
const DELIMITERS: [(u8, &str); 3] = [(b',', "逗号"), (b'\t', "制表符"), (b';', "分号")];

/// A text file: the delimiter is the one that splits a header into a known table's columns.
fn read_text(format: Format, sheet: &Sheet<'_>) -> Result<Parsed, String> {
    let mut problem = None;
    for (d, _) in DELIMITERS {
        let Some(split) = sheet.with_delimiter(d) else {
            continue;
        };
        match find_header(&split) {
            Ok(Some(header)) => return read_sheet(format, &split, header),
            Ok(None) => {}
            Err(e) => {
                problem.get_or_insert(e);
            }
        }
    }
    if let Some(p) = problem {
        return Err(p);
    }
    // The header's words are there, but no delimiter splits them into columns.
    let words: Vec<&str> = RECOGNISED
        .iter()
        .flat_map(|t| t.signature().iter().copied())
        .collect();
    for (i, line) in sheet.text_lines(HEADER_SEARCH_ROWS).iter().enumerate() {
        if let Some(w) = words.iter().find(|w| line.contains(**w)) {
            let names: Vec<&str> = DELIMITERS.iter().map(|(_, n)| *n).collect();
            return Err(format!(
                "第 {} 行像是表头（含“{w}”），但无法按{}分列，读不出各列；请在 Excel 中另存为“CSV（逗号分隔）”或 xlsx 后重新导入",
                i + 1,
                names.join("、")
            ));
        }
    }
    Err(NO_HEADER.into())
}

/// The normalised label of each cell of a row.
fn labels(cells: &[Raw]) -> Vec<String> {
    cells
        .iter()
        .map(|c| {
            cells::text(c)
                .map(|t| normalise_header(&t))
                .unwrap_or_default()
        })
        .collect()
}

/// How a row of labels fits the tables.
enum Fit {
    /// A table whose signature and key columns are all there.
    Complete(Table, Vec<Option<usize>>),
    /// A clerk-facing reason the labels are a table's header but cannot be read as one.
    Problem(String),
    None,
}

/// Fits labels to the first table whose signature they hold. `all_distinct`: every non-empty
/// label must be distinct (a single header row); else only the table's own column names must
/// be (a two-row header, whose group labels are carried across several columns).
fn fit(names: &[String], all_distinct: bool, sheet: &Sheet<'_>) -> Fit {
    for table in RECOGNISED {
        if !table
            .signature()
            .iter()
            .all(|s| names.iter().any(|n| n == s))
        {
            continue;
        }
        let mut seen: HashSet<&str> = HashSet::new();
        let own = |n: &str| table.columns().iter().any(|c| c.header == n);
        for n in names.iter().filter(|n| !n.is_empty()) {
            if (all_distinct || own(n)) && !seen.insert(n) {
                return Fit::Problem(format!(
                    "{}表头中“{n}”列出现了两次，无法判断用哪一列",
                    where_(sheet)
                ));
            }
        }
        let positions: Vec<Option<usize>> = table
            .columns()
            .iter()
            .map(|c| names.iter().position(|n| n == c.header))
            .collect();
        let missing: Vec<&str> = table
            .columns()
            .iter()
            .zip(&positions)
            .filter(|(c, p)| c.key && p.is_none())
            .map(|(c, _)| c.header)
            .collect();
        if !missing.is_empty() {
            return Fit::Problem(format!(
                "{}这是一份{}，但表头缺少必填列：{}",
                where_(sheet),
                table.chinese(),
                missing.join("、")
            ));
        }
        return Fit::Complete(table, positions);
    }
    Fit::None
}

/// The labels of a two-row header (government templates: a group label such as 就业情况
/// merged over 单位名称 | 开始日期 | 结束日期, and 姓名 merged down both rows): per column, the
/// lower label, else the upper one, else the upper row's merged label that covers the column.
fn two_row_labels(
    upper: &(usize, Vec<Raw<'static>>),
    lower: &(usize, Vec<Raw<'static>>),
    merges: &[crate::ingest::source::Merge],
) -> Vec<String> {
    let (up, low) = (labels(&upper.1), labels(&lower.1));
    let upper_row = upper.0.saturating_sub(1);
    (0..up.len().max(low.len()))
        .map(|c| {
            let own = low
                .get(c)
                .filter(|l| !l.is_empty())
                .or_else(|| up.get(c).filter(|l| !l.is_empty()));
            if let Some(l) = own {
                return l.clone();
            }
            merges
                .iter()
                .find(|m| {
                    m.first.0 == upper_row
                        && m.first.1 <= c
                        && c <= m.last.1
                        && upper_row <= m.last.0
                })
                .and_then(|m| up.get(m.first.1).cloned())
                .unwrap_or_default()
        })
        .collect()
}

fn find_header(sheet: &Sheet<'_>) -> Result<Option<Header>, String> {
    let head = sheet.head(HEADER_SEARCH_ROWS + 1);
    let rows: Vec<Vec<String>> = head.iter().map(|(_, cells)| labels(cells)).collect();
    let found = |first: usize, index: usize, names: &[String], table, positions| {
        let title = head[..first]
            .iter()
            .flat_map(|(_, cells)| cells.iter().filter_map(cells::text))
            .map(Cow::into_owned)
            .collect();
        Some(Header {
            table,
            index,
            positions,
            title,
            serial_col: names.iter().position(|n| n == "序号"),
        })
    };
    for index in 0..rows.len().min(HEADER_SEARCH_ROWS) {
        let one = fit(&rows[index], true, sheet);
        if let Fit::Complete(table, positions) = one {
            return Ok(found(index, index, &rows[index], table, positions));
        }
        if let Some(next) = rows.get(index + 1) {
            // The next row alone is a header (this one is a title): take it there.
            let next_alone = matches!(fit(next, true, sheet), Fit::Complete(..));
            if !next_alone && !rows[index].iter().all(String::is_empty) {
                let names = two_row_labels(&head[index], &head[index + 1], sheet.merges());
                if let Fit::Complete(table, positions) = fit(&names, false, sheet) {
                    return Ok(found(index, index + 1, &names, table, positions));
                }
            }
        }
        if let Fit::Problem(p) = one {
            return Err(p);
        }
    }
    Ok(None)
}

fn where_(sheet: &Sheet<'_>) -> String {
    if sheet.name().is_empty() {
        String::new()
    } else {
        format!("工作表“{}”：", sheet.name())
    }
}

/// Month, 填报日期 and region named in the title area.
fn read_title(title: &[String]) -> (Option<Month>, Option<NaiveDate>, Option<Region>) {
    let mut month = None;
    let mut fill_date = None;
    let mut region = None;
    for cell in title {
        let mut text = cell.as_str();
        if let Some(i) = text.find("填报日期") {
            let rest = text[i + "填报日期".len()..].trim_start_matches([':', '：', ' ']);
            let date_text: String = rest
                .chars()
                .take_while(|c| c.is_ascii_digit() || "年月日-/.".contains(*c))
                .collect();
            fill_date = fill_date.or(cells::date(&Raw::Text(date_text.into())).ok().flatten());
            text = &text[..i];
        }
        if month.is_none() {
            month = month_in_text(text);
        }
        if region.is_none() {
            region = Region::named_in(text);
        }
    }
    (month, fill_date, region)
}

/// The first `YYYY年M月` in a title line.
fn month_in_text(s: &str) -> Option<Month> {
    let chars: Vec<char> = s.chars().collect();
    for i in 0..chars.len() {
        if chars[i] != '年' || i < 4 {
            continue;
        }
        let year: String = chars[i - 4..i].iter().collect();
        let month: String = chars[i + 1..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .collect();
        let after = chars.get(i + 1 + month.chars().count());
        if after == Some(&'月') {
            if let (Ok(y), Ok(m)) = (year.parse(), month.parse()) {
                if let Some(m) = Month::new(y, m) {
                    return Some(m);
                }
            }
        }
    }
    None
}

/// Whether a row is data: not blank, not a 合计/总计 row, not a pre-numbered empty row.
fn is_data(cells: &[Raw], serial_col: Option<usize>) -> bool {
    let mut first = true;
    let mut any = false;
    for (i, c) in cells.iter().enumerate() {
        if c.is_empty() {
            continue;
        }
        if first {
            if matches!(c, Raw::Text(t) if is_total_label(t)) {
                return false;
            }
            first = false;
        }
        if Some(i) != serial_col {
            any = true;
        }
    }
    any
}

/// Whether a row's first cell makes it a 合计/总计 row, spaces anywhere (`合 计`). Only a cell
/// starting with 合/总 is looked at closer; one starting with a printable ASCII character (a
/// row's 序号) is settled without decoding.
fn is_total_label(t: &str) -> bool {
    if t.as_bytes().first().is_some_and(u8::is_ascii_graphic) {
        return false;
    }
    let t = t.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{3000}');
    if !(t.starts_with('合') || t.starts_with('总')) {
        return false;
    }
    let t: String = t
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{3000}')
        .collect();
    t.starts_with("合计") || t.starts_with("总计")
}

/// Whether a row fills one of the `reply` columns (all rows do when there are none).
fn answered(positions: &[Option<usize>], cells: &[Raw], reply: &[usize]) -> bool {
    reply.is_empty() || reply.iter().any(|i| !cell(positions, cells, *i).is_empty())
}

/// The cell of the table's i-th column in a row (empty where the file lacks the column).
fn cell<'a, 'b>(positions: &[Option<usize>], cells: &'a [Raw<'b>], i: usize) -> &'a Raw<'b> {
    static EMPTY: Raw<'static> = Raw::Empty;
    positions[i].and_then(|p| cells.get(p)).unwrap_or(&EMPTY)
}

/// How a sheet's month and default region are found: from the title where it names them,
/// else by the rows' votes — the most common month (of equally common ones, the later) and the
/// most common region. `None` fields are known from the title or the table.
struct Ballot<'h> {
    table: Table,
    positions: &'h [Option<usize>],
    title_month: Option<Month>,
    title_region: Option<Region>,
    /// The 所属月份 column, when the title does not name the month.
    month_col: Option<usize>,
    /// The 所在地区/发放地区 column, when neither the table nor the title fixes the region.
    region_col: Option<usize>,
}

/// The rows' votes so far.
#[derive(Default)]
struct Votes {
    month: BTreeMap<Month, usize>,
    region: BTreeMap<Region, usize>,
    data_rows: usize,
}

impl<'h> Ballot<'h> {
    fn new(header: &'h Header, title_month: Option<Month>, title_region: Option<Region>) -> Self {
        let table = header.table;
        let columns = table.columns();
        let need_region = table.fixed_region().is_none() && title_region.is_none();
        Ballot {
            table,
            positions: &header.positions,
            title_month,
            title_region,
            month_col: columns
                .iter()
                .position(|c| c.kind == Kind::Month)
                .filter(|_| title_month.is_none()),
            region_col: columns
                .iter()
                .position(|c| c.kind == Kind::Region)
                .filter(|_| need_region),
        }
    }

    /// Whether the rows have a say (else the title and the table settle it alone).
    fn needs_votes(&self) -> bool {
        self.title_month.is_none() || self.region_col.is_some()
    }

    /// One data row's votes.
    fn vote(&self, cells: &[Raw], votes: &mut Votes) {
        votes.data_rows += 1;
        if let Some(Ok(Some(m))) = self
            .month_col
            .map(|i| cells::month(cell(self.positions, cells, i)))
        {
            *votes.month.entry(m).or_default() += 1;
        }
        if let Some(r) = self
            .region_col
            .and_then(|i| cells::text(cell(self.positions, cells, i)))
            .and_then(|t| Region::parse(&t))
        {
            *votes.region.entry(r).or_default() += 1;
        }
    }

    /// The month and default region the votes give, or why there are none.
    fn settle(&self, votes: &Votes) -> Result<(Month, Region), String> {
        let voted_month = votes
            .month
            .iter()
            .max_by_key(|(m, n)| (**n, **m))
            .map(|(m, _)| *m);
        let Some(month) = self.title_month.or(voted_month) else {
            return Err(
                "文件没有数据行，标题中也没有写明月份（如“2020年6月”），无法判断是哪个月的报表，已跳过"
                    .into(),
            );
        };
        let default_region = self.table.fixed_region().or(self.title_region).or_else(|| {
            votes
                .region
                .iter()
                .max_by_key(|(_, n)| **n)
                .map(|(r, _)| *r)
        });
        let Some(default_region) = default_region else {
            return Err(if votes.data_rows == 0 {
                "文件没有数据行，标题和填报单位中也没有写明是济宁还是万州，无法归档，已跳过".into()
            } else {
                "没有一行的“所在地区/发放地区”写明是“济宁”或“万州”，标题中也没有，无法归档，已跳过"
                    .into()
            });
        };
        Ok((month, default_region))
    }
}

/// Whether a row counts: data (see [`is_data`]) and, in a returned follow-up list, answered.
fn counts(cells: &[Raw], header: &Header, reply: &[usize]) -> bool {
    is_data(cells, header.serial_col) && answered(&header.positions, cells, reply)
}

/// The month and default region to type the rows with, and whether that is settled. When
/// the rows must vote, they are read only as far as the first rows that give both: a guess,
/// which the typing pass confirms by counting every row's vote as it goes (an export's rows
/// nearly always agree, so the file is read once instead of once to vote and once to type).
/// A file whose rows never give both has been read to its end: its votes are final.
fn first_guess(
    sheet: &Sheet<'_>,
    header: &Header,
    reply: &[usize],
    ballot: &Ballot<'_>,
) -> Result<((Month, Region), bool), String> {
    if !ballot.needs_votes() {
        return Ok((ballot.settle(&Votes::default())?, true));
    }
    let mut votes = Votes::default();
    let mut guess = None;
    let read = sheet.for_each_row(header.index + 1, |_, cells| {
        if !counts(cells, header, reply) {
            return Ok(());
        }
        ballot.vote(cells, &mut votes);
        match ballot.settle(&votes) {
            Ok(g) => {
                guess = Some(g);
                // Stops the reading: the guess is made.
                Err(String::new())
            }
            Err(_) => Ok(()),
        }
    });
    match (guess, read) {
        (Some(g), _) => Ok((g, false)),
        (None, Err(e)) => Err(e),
        (None, Ok(())) => Ok((ballot.settle(&votes)?, true)),
    }
}

/// What a row's cells are typed against: the export's month (and its text, which nearly every
/// 所属月份 cell gives: formatted once, not once a row), the latest birth date it allows,
/// whether the row's payee is a person (by 对象类型), and whether the table is cumulative.
struct RowContext<'m> {
    month: Month,
    month_text: &'m str,
    latest: NaiveDate,
    payee_is_person: Option<bool>,
    cumulative: bool,
}

/// A cell typed by its column's kind: one value, or two for a code column (the code and
/// whether it passes its checksum).
enum Typed<'r> {
    One(Value<'r>),
    Code(Value<'r>, Value<'r>),
}

/// Types one cell. A cell that fails its kind's check calls `reject` (the row is rejected);
/// a 所在地区/发放地区 cell sets the row's `region`.
#[inline]
fn type_cell<'r>(
    kind: Kind,
    raw: &'r Raw<'_>,
    at: &RowContext<'r>,
    region: &mut Region,
    reject: &mut impl FnMut(String, &'static str),
) -> Typed<'r> {
    let code = |code: Option<(String, bool)>| match code {
        Some((code, ok)) => Typed::Code(Value::Text(Some(Cow::Owned(code))), Value::Bool(Some(ok))),
        None => Typed::Code(Value::Text(None), Value::Bool(None)),
    };
    let value = match kind {
        Kind::Text => Value::Text(cells::text(raw)),
        Kind::Id => match cells::id_number(raw, at.latest) {
            Ok(v) => Value::Text(v.map(Cow::Owned)),
            Err(e) => {
                reject(e, "invalid_id");
                Value::Text(None)
            }
        },
        Kind::PayeeId => {
            let text = cells::text(raw);
            let looks_like_id = text.as_deref().is_some_and(crate::ids::looks_like_id);
            if !(at.payee_is_person.unwrap_or(looks_like_id) && text.is_some()) {
                return code(cells::credit_code(raw));
            }
            return match cells::id_number(raw, at.latest) {
                Ok(v) => Typed::Code(Value::Text(v.map(Cow::Owned)), Value::Bool(Some(true))),
                Err(e) => {
                    reject(e, "invalid_id");
                    Typed::Code(Value::Text(None), Value::Bool(Some(false)))
                }
            };
        }
        Kind::CreditCode => return code(cells::credit_code(raw)),
        Kind::Region => match cells::text(raw) {
            None => Value::Text(None),
            Some(t) => match Region::parse(&t) {
                Some(r) => {
                    *region = r;
                    Value::Text(Some(Cow::Borrowed(r.chinese())))
                }
                None => {
                    reject(format!("“{t}”不是“济宁”或“万州”"), "invalid_value");
                    Value::Text(None)
                }
            },
        },
        Kind::Month => match cells::month(raw) {
            Ok(Some(m)) => {
                if at.cumulative && m != at.month {
                    let month = at.month;
                    reject(
                        format!("所属月份与本期不符：本表是 {month} 的报表，此行写的是 {m}"),
                        "invalid_value",
                    );
                }
                Value::Text(Some(match m == at.month {
                    true => Cow::Borrowed(at.month_text),
                    false => Cow::Owned(m.to_string()),
                }))
            }
            Ok(None) => Value::Text(None),
            Err(e) => {
                reject(e, "invalid_value");
                Value::Text(None)
            }
        },
        Kind::Date => match cells::date(raw) {
            Ok(v) => Value::Date(v),
            Err(e) => {
                reject(e, "invalid_value");
                Value::Date(None)
            }
        },
        Kind::Bool => match cells::yes_no(raw, false) {
            Ok(v) => Value::Bool(v),
            Err(e) => {
                reject(e, "invalid_value");
                Value::Bool(None)
            }
        },
        Kind::Money => match cells::money_fen(raw) {
            Ok(Some(fen)) if fen <= 0 => {
                reject(
                    format!("金额“{}”应大于 0", raw.display().trim()),
                    "invalid_value",
                );
                Value::Int(None)
            }
            Ok(v) => Value::Int(v),
            Err(e) => {
                reject(e, "invalid_value");
                Value::Int(None)
            }
        },
        Kind::Status => match cells::answer_status(raw) {
            Ok(v) => Value::Text(v.map(Cow::Borrowed)),
            Err(e) => {
                reject(e, "invalid_value");
                Value::Text(None)
            }
        },
        Kind::Count => match cells::count(raw) {
            Ok(v) => Value::Int(v),
            Err(e) => {
                reject(e, "invalid_value");
                Value::Int(None)
            }
        },
    };
    Typed::One(value)
}

/// Yes/no columns that mark yes with `√` somewhere: there a blank is 否.
fn blank_ticks_are_no(columns: &[Column], ticks: &[bool], exports: &mut BTreeMap<Region, Export>) {
    for (c, _) in columns.iter().zip(ticks).filter(|(_, t)| **t) {
        for export in exports.values_mut() {
            if let Some((_, Values::Bool(v))) = export.columns.iter_mut().find(|(n, _)| n == c.name)
            {
                v.iter_mut()
                    .filter(|b| b.is_none())
                    .for_each(|b| *b = Some(false));
            }
        }
    }
}

fn read_sheet(format: Format, sheet: &Sheet<'_>, header: Header) -> Result<Parsed, String> {
    let table = header.table;
    let columns = table.columns();
    let title = read_title(&header.title);
    let fill_date = title.1;
    // A returned follow-up list keeps its unanswered rows: they are not data.
    let reply: Vec<usize> = table
        .reply_columns()
        .iter()
        .filter_map(|n| columns.iter().position(|c| c.name == *n))
        .collect();
    let ballot = Ballot::new(&header, title.0, title.2);
    let (guess, settled) = first_guess(sheet, &header, &reply, &ballot)?;
    let mut votes = (!settled).then(Votes::default);
    let exports = type_rows(sheet, &header, &reply, guess, |cells| {
        if let Some(votes) = votes.as_mut() {
            ballot.vote(cells, votes);
        }
    })?;
    let exports = match votes.map(|v| ballot.settle(&v)).transpose()? {
        // The rows voted otherwise than the first of them: typed again with their choice.
        Some(voted) if voted != guess => type_rows(sheet, &header, &reply, voted, |_| {})?,
        _ => exports,
    };
    Ok(Parsed {
        table,
        format,
        sheet: sheet.name().to_string(),
        fill_date,
        present: columns
            .iter()
            .zip(&header.positions)
            .filter(|(_, p)| p.is_some())
            .map(|(c, _)| c.name.to_string())
            .collect(),
        exports,
    })
}

/// Types every data row of a sheet as of `month`, rows without a region going to
/// `default_region`; `each` sees every row that counts, before it is typed.
fn type_rows(
    sheet: &Sheet<'_>,
    header: &Header,
    reply: &[usize],
    (month, default_region): (Month, Region),
    mut each: impl FnMut(&[Raw]),
) -> Result<Vec<Export>, String> {
    let table = header.table;
    let columns = table.columns();
    let positions = &header.positions;
    // Nobody in an export can be born after its month.
    let latest = month.last_day();
    let month_text = month.to_string();
    let mut exports: BTreeMap<Region, Export> = BTreeMap::new();
    exports.insert(default_region, Export::new(table, default_region, month));
    // Yes/no columns that mark yes with `√`: there a blank is 否 (filled in after the pass).
    let mut ticks = vec![false; columns.len()];
    let payee_type_col = columns.iter().position(|c| c.name == "payee_type");
    sheet.for_each_row(header.index + 1, |row, cells| {
        if !counts(cells, header, reply) {
            return Ok(());
        }
        each(cells);
        let mut rejects = Vec::new();
        let mut row_values: Vec<Value> = Vec::with_capacity(columns.len() + 4);
        let mut region = default_region;
        let at = RowContext {
            month,
            month_text: &month_text,
            latest,
            payee_is_person: payee_type_col
                .and_then(|i| cells::text(cell(positions, cells, i)))
                .map(|t| t == "个人"),
            cumulative: table.cumulative(),
        };
        for (i, c) in columns.iter().enumerate() {
            let raw = cell(positions, cells, i);
            if c.kind == Kind::Bool && cells::is_tick(raw) {
                ticks[i] = true;
            }
            let mut reject = |reason: String, rule: &'static str| {
                rejects.push(Reject {
                    row,
                    column: c.header.to_string(),
                    value: raw.display(),
                    reason,
                    rule,
                })
            };
            let value = match type_cell(c.kind, raw, &at, &mut region, &mut reject) {
                Typed::One(v) => v,
                Typed::Code(code, ok) => {
                    row_values.push(code);
                    row_values.push(ok);
                    continue;
                }
            };
            let empty = matches!(
                &value,
                Value::Text(None) | Value::Date(None) | Value::Int(None) | Value::Bool(None)
            );
            if c.key && empty && raw.is_empty() {
                reject(format!("必填项“{}”为空", c.header), "invalid_value");
            }
            row_values.push(value);
        }
        let export = exports
            .entry(region)
            .or_insert_with(|| Export::new(table, region, month));
        export.rows_read += 1;
        if rejects.is_empty() {
            let mut values = row_values.into_iter();
            let mut it = export.columns.iter_mut();
            if let Some((_, col)) = it.next() {
                col.push(Value::Int(Some(row as i64)));
            }
            for (_, col) in it {
                if let Some(v) = values.next() {
                    col.push(v);
                }
            }
        } else {
            export.rejects.extend(rejects);
        }
        Ok(())
    })?;
    blank_ticks_are_no(columns, &ticks, &mut exports);
    Ok(exports.into_values().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_area() {
        let title = vec![
            "万州区2020年3月贫困劳动力名册".to_string(),
            "填报单位：万州区就业和人才服务局（盖章）".to_string(),
            "填报日期：2020年4月3日".to_string(),
        ];
        let (m, d, r) = read_title(&title);
        assert_eq!(m, Month::new(2020, 3));
        assert_eq!(d, NaiveDate::from_ymd_opt(2020, 4, 3));
        assert_eq!(r, Some(Region::Wanzhou));
        let (m, d, _) = read_title(&["填报日期：2021年1月5日".to_string()]);
        assert_eq!(m, None);
        assert_eq!(d, NaiveDate::from_ymd_opt(2021, 1, 5));
    }

    #[test]
    fn non_data_rows() {
        let t = |s: &str| Raw::Text(s.to_string().into());
        assert!(!is_data(&[t("合计"), Raw::Empty, t("50000")], Some(0)));
        assert!(!is_data(&[t("12"), Raw::Empty, Raw::Empty], Some(0)));
        assert!(!is_data(&[Raw::Empty, t(" ")], Some(0)));
        assert!(is_data(&[t("1"), t("王东")], Some(0)));
    }

    fn csv(text: &str) -> Result<Parsed, String> {
        parse(text.as_bytes())
    }

    #[test]
    fn recognises_and_types_a_registry() {
        let p = csv("万州区2020年3月贫困劳动力名册\n填报日期：2020年4月3日\n\n序号,所属月份*,身份证号 ,姓名,乡镇（街道）,是否建档立卡\n1,2020/3,11010519491231002x,张三,龙沙镇,是\n2,2020年3月,110105194912310021,李四,龙沙镇,是\n3,2020-02,500101198009018597,王东,龙沙镇,Y\n4,,,,,\n合计,,,,,\n").unwrap();
        assert_eq!(p.table, Table::Registry);
        assert_eq!(p.exports.len(), 1);
        let e = &p.exports[0];
        assert_eq!(e.month, Month::new(2020, 3).unwrap());
        assert_eq!(e.region, Region::Wanzhou);
        assert_eq!(e.rows_read, 3);
        assert_eq!(e.rows_accepted(), 1);
        assert_eq!(e.rejects.len(), 2);
        assert_eq!(e.rejects[0].row, 6);
        assert_eq!(e.rejects[0].column, "身份证号");
        assert_eq!(e.rejects[0].rule, "invalid_id");
        assert!(e.rejects[1].reason.contains("所属月份与本期不符"));
    }

    /// Without a title the rows vote for the month: when the first rows are outvoted, the
    /// file is typed again as of the month most rows give, and the first rows are rejected.
    #[test]
    fn the_month_most_rows_give_wins_over_the_first_rows() {
        let p = csv("序号,所属月份,身份证号,姓名,乡镇（街道）,是否建档立卡\n1,2020-02,500101198009018597,王东,燕山乡,是\n2,2020-03,11010519491231002X,张三,龙沙镇,是\n3,2020-03,110105194912310021,李四,龙沙镇,是\n").unwrap();
        let e = &p.exports[0];
        assert_eq!(e.month, Month::new(2020, 3).unwrap());
        assert_eq!(e.rows_read, 3);
        assert_eq!(e.rows_accepted(), 1);
        assert_eq!(e.rejects.len(), 2);
        assert_eq!(e.rejects[0].row, 2);
        assert!(e.rejects[0].reason.contains("所属月份与本期不符"));
        // The same rows with the first month in the majority: typed once, as of February.
        let p = csv("序号,所属月份,身份证号,姓名,乡镇（街道）,是否建档立卡\n1,2020-02,500101198009018597,王东,燕山乡,是\n2,2020-02,11010519491231002X,张三,龙沙镇,是\n3,2020-03,500101198009018597,李四,龙沙镇,是\n").unwrap();
        assert_eq!(p.exports[0].month, Month::new(2020, 2).unwrap());
        assert_eq!(p.exports[0].rejects[0].row, 4);
    }

    /// A payment file without a title: rows without 发放地区 go to the region most rows name,
    /// even when the first row names the other one.
    #[test]
    fn the_default_region_is_the_one_most_rows_name() {
        let head = "序号,所属月份,发放地区,资金来源,补贴项目,对象类型,对象名称,对象证件号码,关联身份证号,金额,发放日期,补贴月数,补贴天数,凭证号\n";
        let row = |n: usize, region: &str| {
            format!("{n},2020-03,{region},援助资金,培训补贴,单位,某校,52500101MAJ0FT5C2B,500101198009018597,1200.00,2020-03-05,,,V-{n}\n")
        };
        let text = format!(
            "{head}{}{}{}{}",
            row(1, "济宁"),
            row(2, "万州"),
            row(3, "万州"),
            row(4, "")
        );
        let p = csv(&text).unwrap();
        let rows: Vec<(Region, usize)> =
            p.exports.iter().map(|e| (e.region, e.rows_read)).collect();
        assert_eq!(rows, vec![(Region::Jining, 1), (Region::Wanzhou, 3)]);
    }

    #[test]
    fn missing_key_column_is_a_clear_error() {
        let e = csv("序号,所属月份,姓名,是否建档立卡\n1,2020-03,张三,是\n").unwrap_err();
        assert!(e.contains("缺少必填列：身份证号"), "{e}");
    }

    #[test]
    fn empty_export_takes_month_and_region_from_title() {
        let p = csv("济宁市2020年6月就业扶贫补贴发放明细（本月无发放）\n填报单位：济宁市公共就业和人才服务中心\n序号,所属月份,发放地区,资金来源,补贴项目,对象类型,对象名称,对象证件号码,关联身份证号,金额,发放日期,补贴月数,补贴天数,凭证号\n").unwrap();
        assert_eq!(p.exports.len(), 1);
        assert_eq!(p.exports[0].region, Region::Jining);
        assert_eq!(p.exports[0].month, Month::new(2020, 6).unwrap());
        assert_eq!(p.exports[0].rows_read, 0);
    }
}

/// The table reader on damaged input: random truncations, byte flips and insertions of valid
/// exports (csv and xlsx) must give a value or a message, never a panic. (A stand-in for a
/// coverage-guided fuzzer, which needs a nightly toolchain this project does not have.)
#[cfg(test)]
mod damage {
    use super::*;
    use proptest::prelude::*;

    const CSV: &str = "万州区2020年3月贫困劳动力名册\n填报日期：2020年4月3日\n序号,所属月份,身份证号,姓名,乡镇（街道）,是否建档立卡\n1,2020-03,11010519491231002X,张三,龙沙镇,是\n2,2020/3,500101198009018597,王东,燕山乡,√\n合计,,,,,\n";
    const PAY: &str = "序号,所属月份,发放地区,资金来源,补贴项目,对象类型,对象名称,对象证件号码,关联身份证号,金额,发放日期,补贴月数,补贴天数,凭证号\n1,2020-03,万州,援助资金,培训补贴,单位,某校,52500101MAJ0FT5C2B,500101198009018597,\"1,200.00\",2020年3月5日,,,WZ-1\n";

    fn xlsx() -> Vec<u8> {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for (r, line) in CSV.lines().enumerate() {
            for (c, v) in line.split(',').enumerate() {
                let _ = sheet.write_string(r as u32, c as u16, v);
            }
        }
        book.save_to_buffer().unwrap_or_default()
    }

    fn damage(mut bytes: Vec<u8>, cuts: &[(usize, u8, u8)]) -> Vec<u8> {
        for &(at, byte, how) in cuts {
            if bytes.is_empty() {
                break;
            }
            let i = at % bytes.len();
            match how % 3 {
                0 => bytes[i] = byte,
                1 => bytes.insert(i, byte),
                _ => bytes.truncate(i),
            }
        }
        bytes
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn damaged_csv_never_panics(cuts in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 0..8), pay in any::<bool>()) {
            let base = if pay { PAY } else { CSV };
            let _ = parse(&damage(base.as_bytes().to_vec(), &cuts));
        }

        /// Whatever the line endings (CRLF, LF, CR), blank lines and line breaks in quoted cells,
        /// a rejected row is the row Excel shows, and every data row is read once.
        #[test]
        fn rejects_name_the_row_excel_shows(
            eol in prop::sample::select(vec!["\r\n", "\n", "\r"]),
            rows in proptest::collection::vec((any::<bool>(), 0usize..3, any::<bool>()), 1..12),
            bad in any::<proptest::sample::Index>(),
        ) {
            let bad = bad.index(rows.len());
            let mut text = format!("万州区2020年3月贫困劳动力名册{eol}序号,所属月份,身份证号,姓名,乡镇（街道）,是否建档立卡{eol}");
            let mut excel_row = 2;
            let mut bad_row = 0;
            for (i, (quoted_break, blanks, quote_id)) in rows.iter().enumerate() {
                for _ in 0..*blanks {
                    text.push_str(eol);
                    excel_row += 1;
                }
                excel_row += 1;
                let id = if i == bad { "500101198009018598" } else { "500101198009018597" };
                let id = if *quote_id { format!("\"{id}\"") } else { id.to_string() };
                let name = if *quoted_break { format!("\"王{eol}东\"") } else { "王东".to_string() };
                if i == bad {
                    bad_row = excel_row;
                }
                text.push_str(&format!("{},2020-03,{id},{name},龙沙镇,是{eol}", i + 1));
            }
            let p = parse(text.as_bytes()).unwrap();
            let e = &p.exports[0];
            prop_assert_eq!(e.rows_read, rows.len());
            prop_assert_eq!(e.rows_accepted() + e.rows_rejected(), rows.len());
            prop_assert_eq!(e.rejects.len(), 1);
            prop_assert_eq!(e.rejects[0].row, bad_row);
        }

        #[test]
        fn damaged_xlsx_never_panics(cuts in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 0..4)) {
            let _ = parse(&damage(xlsx(), &cuts));
        }
    }
}
