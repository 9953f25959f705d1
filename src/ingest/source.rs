//! Reading a received file into sheets of raw cells, whatever its format and encoding.
//!
//! The format is sniffed from the bytes, not the file name: an `.xlsx` that is really a CSV
//! (offices rename files) is read as the CSV it is, and `.et`/`.xls`/`.ods` are read by what
//! they hold. Text files are decoded by their bytes, never by asking the clerk:
//! - a UTF-8 BOM, a UTF-16LE BOM (`FF FE`, Excel's "Unicode 文本") or a UTF-16BE BOM (`FE FF`)
//!   says it;
//! - without a BOM, UTF-16 is recognised by its zero bytes: text that is mostly ASCII
//!   (digits, delimiters, dates) has a zero in the high byte of nearly every pair, at odd
//!   offsets for little-endian and even ones for big-endian, while UTF-8 and GB18030 text never
//!   holds a zero byte at all;
//! - otherwise valid UTF-8 is UTF-8, and anything else is GB18030/GBK: GBK text with Chinese in
//!   it is practically never valid UTF-8, and GB18030 decodes every byte sequence Excel writes.
//!
//! The delimiter (comma, tab or semicolon) is not decided here: the table reader tries each on
//! the header (see `parse`), since only the header says which one splits it into known columns.

use std::borrow::Cow;
use std::io::Cursor;

use calamine::{open_workbook_auto_from_rs, Data, Reader, SheetVisible, Sheets};

use crate::ingest::cells::Raw;

/// A merged range of a sheet, 0-based and inclusive, as the workbook records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Merge {
    pub first: (usize, usize),
    pub last: (usize, usize),
}

/// Cells of one sheet, row by row, each row with the row number a clerk sees in Excel.
pub enum Sheet<'a> {
    Grid {
        name: String,
        /// Hidden (or "very hidden") in the workbook: a kept copy of last month, a list of
        /// drop-down values. Never read as the table.
        hidden: bool,
        rows: Vec<(usize, Vec<Raw<'static>>)>,
        /// Merged ranges that start near the top (where a header can be).
        merges: Vec<Merge>,
    },
    Csv {
        /// Borrowed from the file's bytes when they are UTF-8 already.
        text: Cow<'a, str>,
        delimiter: u8,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xlsx,
    Xls,
    Ods,
    Csv(Encoding),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf8Bom,
    Gb18030,
    Utf16Le,
    Utf16Be,
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Format::Xlsx => "xlsx",
            Format::Xls => "xls",
            Format::Ods => "ods",
            Format::Csv(Encoding::Utf8) => "csv (UTF-8)",
            Format::Csv(Encoding::Utf8Bom) => "csv (UTF-8 BOM)",
            Format::Csv(Encoding::Gb18030) => "csv (GB18030)",
            Format::Csv(Encoding::Utf16Le) => "text (UTF-16LE)",
            Format::Csv(Encoding::Utf16Be) => "text (UTF-16BE)",
        })
    }
}

/// How far down a merged range may start and still matter (the header search's reach).
pub const MERGE_ROWS: usize = 40;

/// Opens a file's bytes as sheets. Errors are sentences for the clerk.
pub fn open(bytes: &[u8]) -> Result<(Format, Vec<Sheet<'_>>), String> {
    if bytes.is_empty() {
        return Err("文件是空的（0 字节）".into());
    }
    let is_zip = bytes.starts_with(b"PK\x03\x04");
    let is_ole = bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]);
    if is_zip || is_ole {
        return read_workbook_guarded(bytes);
    }
    let (encoding, text) = decode(bytes)?;
    if text.contains('\0') {
        return Err("文件含有 NUL 字节，不是 CSV 文本，也不是 xlsx 工作簿".into());
    }
    Ok((
        Format::Csv(encoding),
        vec![Sheet::Csv {
            text,
            delimiter: b',',
        }],
    ))
}

fn decode(bytes: &[u8]) -> Result<(Encoding, Cow<'_, str>), String> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return utf8(rest)
            .map(|t| (Encoding::Utf8Bom, Cow::Borrowed(t)))
            .ok_or_else(|| {
                "文件声明为 UTF-8（带 BOM），但内容不是有效的 UTF-8，请重新导出".into()
            });
    }
    if let Some(encoding) = utf16(bytes) {
        let (rest, codec) = match encoding {
            Encoding::Utf16Le => (
                bytes.strip_prefix(b"\xFF\xFE").unwrap_or(bytes),
                encoding_rs::UTF_16LE,
            ),
            _ => (
                bytes.strip_prefix(b"\xFE\xFF").unwrap_or(bytes),
                encoding_rs::UTF_16BE,
            ),
        };
        // Bytes that only look like UTF-16 and do not decode as it are tried as the others.
        if let Some(t) = codec.decode_without_bom_handling_and_without_replacement(rest) {
            return Ok((encoding, Cow::Owned(t.into_owned())));
        }
    }
    if let Some(t) = utf8(bytes) {
        return Ok((Encoding::Utf8, Cow::Borrowed(t)));
    }
    let (text, _, had_errors) = encoding_rs::GB18030.decode(bytes);
    if had_errors {
        return Err(
            "无法识别文件编码（既不是 UTF-8 也不是 GB18030/GBK），请用 Excel 另存为 CSV 或 xlsx"
                .into(),
        );
    }
    Ok((Encoding::Gb18030, Cow::Owned(text.into_owned())))
}

/// The bytes as text if they are UTF-8. Checked with SIMD: the standard library's check goes
/// byte by byte through Chinese text, and every byte of every text file passes here.
fn utf8(bytes: &[u8]) -> Option<&str> {
    simdutf8::basic::from_utf8(bytes).ok()
}

/// UTF-16 by its BOM, or by where its zero bytes are (see the module comment).
fn utf16(bytes: &[u8]) -> Option<Encoding> {
    if bytes.starts_with(b"\xFF\xFE") {
        return Some(Encoding::Utf16Le);
    }
    if bytes.starts_with(b"\xFE\xFF") {
        return Some(Encoding::Utf16Be);
    }
    let sample = &bytes[..bytes.len().min(4096) & !1];
    let pairs = sample.len() / 2;
    if pairs < 2 {
        return None;
    }
    let (mut even, mut odd) = (0usize, 0usize);
    for pair in sample.chunks_exact(2) {
        even += usize::from(pair[0] == 0);
        odd += usize::from(pair[1] == 0);
    }
    // A quarter of the pairs with a zero on one side and almost none on the other: a header
    // line of Chinese names still has its delimiters, and the data rows are digits.
    let clear = |zeros: usize, other: usize| zeros * 4 >= pairs && other * 50 <= pairs;
    if clear(odd, even) {
        Some(Encoding::Utf16Le)
    } else if clear(even, odd) {
        Some(Encoding::Utf16Be)
    } else {
        None
    }
}

/// [`read_workbook`], with a panic inside the workbook library turned into the file's error:
/// a damaged cell address in an xlsx overflows calamine's column arithmetic (found by the
/// damaged-xlsx property test), and one bad file must not stop a batch.
/// The panic is the file's error, not a program fault: it is not printed (the clerk would see
/// an English message and a backtrace above the sentence that says what to do).
fn read_workbook_guarded(bytes: &[u8]) -> Result<(Format, Vec<Sheet<'static>>), String> {
    quiet_guarded_panics();
    GUARDED.with(|g| g.set(true));
    let read = std::panic::catch_unwind(|| read_workbook(bytes));
    GUARDED.with(|g| g.set(false));
    read.unwrap_or_else(|_| {
        Err("工作簿已损坏，其中的单元格地址无法解析，无法读取；请在 Excel 或 WPS 中打开后另存为新文件，或重新导出".into())
    })
}

thread_local! {
    /// Whether this thread is inside [`read_workbook_guarded`].
    static GUARDED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Installs, once, a panic hook that stays silent for panics inside
/// [`read_workbook_guarded`] and hands every other panic to the hook there was before.
fn quiet_guarded_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let before = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !GUARDED.with(std::cell::Cell::get) {
                before(info);
            }
        }));
    });
}

fn read_workbook(bytes: &[u8]) -> Result<(Format, Vec<Sheet<'static>>), String> {
    let mut book = open_book(bytes)?;
    let format = match &book {
        Sheets::Xls(_) => Format::Xls,
        Sheets::Ods(_) => Format::Ods,
        _ => Format::Xlsx,
    };
    let sheets_meta: Vec<(String, bool)> = book
        .sheets_metadata()
        .iter()
        .map(|s| (s.name.clone(), s.visible != SheetVisible::Visible))
        .collect();
    let mut sheets = Vec::new();
    for (name, hidden) in sheets_meta {
        let range = match &mut book {
            Sheets::Xlsx(x) => xlsx_range(x, &name)?,
            _ => other_range(&mut book, &name)?,
        };
        let (first_row, first_col) = range.start().unwrap_or((0, 0));
        let rows = range
            .rows()
            .enumerate()
            .map(|(i, row)| {
                // Pad on the left so that column positions match the sheet's.
                let mut cells = vec![Raw::Empty; first_col as usize];
                cells.extend(row.iter().map(raw_of));
                (first_row as usize + i + 1, cells)
            })
            .collect();
        let merges = merges_of(&mut book, &name);
        sheets.push(Sheet::Grid {
            name,
            hidden,
            rows,
            merges,
        });
    }
    Ok((format, sheets))
}

/// The most cells a sheet's box (from its first to its last filled row and column) may hold:
/// calamine lays the box out in full, so one cell far from the table (a stray note at column
/// ZZ of row 1,000,000, or a damaged cell address) would ask for gigabytes. A million-row
/// ledger of 15 columns is 15 million.
const MAX_BOX_CELLS: u64 = 60_000_000;

/// An xlsx sheet's cells as calamine's `worksheet_range` lays them out (the box of its cells
/// from the first non-empty one on), but read one cell at a time first: a cell address beyond
/// Excel's last row or column, or a box too large to lay out, is the file's error instead of
/// an allocation that takes the machine's memory. (In a release build calamine's column
/// arithmetic wraps on a damaged address instead of panicking, and gave such a box.)
fn xlsx_range(
    book: &mut calamine::Xlsx<Cursor<&[u8]>>,
    name: &str,
) -> Result<calamine::Range<Data>, String> {
    use calamine::{Cell, DataRef};
    // Excel's last row and column (XFD1048576).
    const MAX_ROWS: u32 = 1_048_576;
    const MAX_COLUMNS: u32 = 16_384;
    let unreadable = |e: calamine::XlsxError| format!("工作表“{name}”无法读取（{e}）");
    let mut reader = match book.worksheet_cells_reader(name) {
        Ok(reader) => reader,
        // A chart sheet or a macro sheet: no cells, as `worksheet_range` gives it.
        Err(calamine::XlsxError::NotAWorksheet(_)) => return Ok(calamine::Range::default()),
        Err(e) => return Err(unreadable(e)),
    };
    let mut cells: Vec<Cell<Data>> = Vec::new();
    let (mut top, mut bottom, mut left, mut right) = (u32::MAX, 0, u32::MAX, 0);
    while let Some(cell) = reader.next_cell().map_err(unreadable)? {
        if cells.is_empty() && matches!(cell.get_value(), DataRef::Empty) {
            continue;
        }
        let (row, col) = cell.get_position();
        if row >= MAX_ROWS || col >= MAX_COLUMNS {
            // The place named as far as it is Excel's: a damaged column's number is whatever
            // calamine's arithmetic wrapped it to, so it is not shown.
            let place = if row >= MAX_ROWS {
                format!("行号超过最后一行 {MAX_ROWS}")
            } else {
                format!("第 {} 行中列号超过最后一列 XFD", u64::from(row) + 1)
            };
            return Err(format!(
                "工作簿已损坏：工作表“{name}”中有单元格地址超出 Excel 的范围（{place}），无法读取；请在 Excel 或 WPS 中打开后另存为新文件，或重新导出"
            ));
        }
        (top, bottom) = (top.min(row), bottom.max(row));
        (left, right) = (left.min(col), right.max(col));
        cells.push(Cell::new((row, col), Data::from(cell.get_value().clone())));
    }
    // With no cell kept the bounds are still their starting values (top above bottom).
    if !cells.is_empty() {
        check_box(name, (top, left), (bottom, right))?;
    }
    Ok(calamine::Range::from_sparse(cells))
}

/// The workbook, opened as the format its bytes are. An ods is opened as one: calamine lays out
/// every sheet of an ods as it opens it, and the format detection would hide why one cannot be
/// (it says only that no format fits).
fn open_book(bytes: &[u8]) -> Result<Sheets<Cursor<&[u8]>>, String> {
    if !is_ods(bytes) {
        return open_workbook_auto_from_rs(Cursor::new(bytes))
            .map_err(|e| format!("xlsx 工作簿已损坏或不完整，无法打开（{e}）"));
    }
    calamine::open_workbook_from_rs(Cursor::new(bytes))
        .map(Sheets::Ods)
        .map_err(|e| match e {
            calamine::OdsError::CellLimitExceeded { requested, .. } => {
                spread_too_far("工作簿中有一张工作表", requested as u64, None)
            }
            e => format!("ods 工作簿已损坏或不完整，无法打开（{e}）"),
        })
}

/// Whether the bytes are an OpenDocument spreadsheet: a zip whose first entry is `mimetype`,
/// stored, naming the type (as ODF requires, and as LibreOffice and WPS write it).
fn is_ods(bytes: &[u8]) -> bool {
    const MIMETYPE: &[u8] = b"application/vnd.oasis.opendocument.spreadsheet";
    bytes.starts_with(b"PK\x03\x04")
        && bytes.get(30..38) == Some(b"mimetype")
        && bytes
            .get(..120)
            .is_some_and(|head| head.windows(MIMETYPE.len()).any(|w| w == MIMETYPE))
}

/// An xls or ods sheet's cells, held to the same box as an xlsx sheet's. calamine lays these
/// out itself, so a box up to its own limit (100 million cells, for ods) has been laid out by
/// the time it is measured; one past that limit is refused as the workbook opens.
fn other_range(
    book: &mut Sheets<Cursor<&[u8]>>,
    name: &str,
) -> Result<calamine::Range<Data>, String> {
    let range = book
        .worksheet_range(name)
        .map_err(|e| format!("工作表“{name}”无法读取（{e}）"))?;
    if let (Some(first), Some(last)) = (range.start(), range.end()) {
        check_box(name, first, last)?;
    }
    Ok(range)
}

/// Refuses a sheet whose box, from its first filled (row, column) to its last, holds more than
/// [`MAX_BOX_CELLS`].
fn check_box(name: &str, first: (u32, u32), last: (u32, u32)) -> Result<(), String> {
    let area = (u64::from(last.0.saturating_sub(first.0)) + 1)
        * (u64::from(last.1.saturating_sub(first.1)) + 1);
    if area > MAX_BOX_CELLS {
        return Err(spread_too_far(
            &format!("工作表“{name}”"),
            area,
            Some((first, last)),
        ));
    }
    Ok(())
}

/// The message for a sheet (`sheet`: which one, as the sentence names it) spread over `area`
/// cells, from one corner to the other if known.
fn spread_too_far(sheet: &str, area: u64, corners: Option<((u32, u32), (u32, u32))>) -> String {
    let span = match corners {
        Some((first, last)) => format!(
            "的内容从 {} 铺到 {}",
            excel_cell(first.0, first.1),
            excel_cell(last.0, last.1)
        ),
        None => "的内容铺得太开".to_string(),
    };
    format!(
        "{sheet}{span}（{area} 个单元格），远超一张报表：多半是表格外很远处有个别单元格填了内容（或文件已损坏）。请删除表格以外的内容后另存，或重新导出"
    )
}

/// A 0-based (row, column) as Excel names the cell: (0, 0) is A1, (4, 27) is AB5.
fn excel_cell(row: u32, col: u32) -> String {
    let mut letters = Vec::new();
    let mut c = u64::from(col) + 1;
    while c > 0 {
        let d = ((c - 1) % 26) as u8;
        letters.push(char::from(b'A' + d));
        c = (c - 1) / 26;
    }
    letters.reverse();
    format!(
        "{}{}",
        letters.into_iter().collect::<String>(),
        u64::from(row) + 1
    )
}

/// The merged ranges near the top of a sheet. xlsx and xls record them; calamine does not
/// give them for ods, where a two-row header is still read by its lowest labels.
fn merges_of(book: &mut Sheets<Cursor<&[u8]>>, name: &str) -> Vec<Merge> {
    let dims = match book {
        Sheets::Xlsx(x) => x.merge_cells_by_sheet_name(name).unwrap_or_default(),
        Sheets::Xls(x) => x.merge_cells_by_sheet_name(name).unwrap_or_default(),
        _ => Vec::new(),
    };
    dims.into_iter()
        .filter(|d| (d.start.0 as usize) < MERGE_ROWS)
        .map(|d| Merge {
            first: (d.start.0 as usize, d.start.1 as usize),
            last: (d.end.0 as usize, d.end.1 as usize),
        })
        .collect()
}

fn raw_of(d: &Data) -> Raw<'static> {
    match d {
        Data::Empty => Raw::Empty,
        Data::String(s) => Raw::Text(s.clone().into()),
        Data::Int(i) => Raw::Number(*i as f64),
        Data::Float(f) => Raw::Number(*f),
        Data::Bool(b) => Raw::Bool(*b),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(t) if dt.is_datetime() => Raw::Date(t.date()),
            _ => Raw::Number(dt.as_f64()),
        },
        // ods keeps dates as ISO text (`2020-03-15` or `2020-03-15T00:00:00`).
        Data::DateTimeIso(s) => match iso_date(s) {
            Some(d) => Raw::Date(d),
            None => Raw::Text(s.clone().into()),
        },
        Data::DurationIso(s) => Raw::Text(s.clone().into()),
        Data::Error(e) => Raw::Text(format!("#{e:?}").into()),
    }
}

fn iso_date(s: &str) -> Option<chrono::NaiveDate> {
    let day = s.split('T').next()?;
    chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()
}

/// A field of a CSV record read from a `&str`.
fn utf8_field(b: &[u8]) -> &str {
    debug_assert!(std::str::from_utf8(b).is_ok());
    // SAFETY: the reader's input is a `&str`, so valid UTF-8, and the csv reader splits and
    // unquotes it only at ASCII bytes (delimiter, quote, CR, LF), which never occur inside a
    // multi-byte character: every field is valid UTF-8 too.
    unsafe { std::str::from_utf8_unchecked(b) }
}

impl Sheet<'_> {
    pub fn name(&self) -> &str {
        match self {
            Sheet::Grid { name, .. } => name,
            Sheet::Csv { .. } => "",
        }
    }

    pub fn is_hidden(&self) -> bool {
        matches!(self, Sheet::Grid { hidden: true, .. })
    }

    pub fn merges(&self) -> &[Merge] {
        match self {
            Sheet::Grid { merges, .. } => merges,
            Sheet::Csv { .. } => &[],
        }
    }

    /// The same text read with another delimiter (a CSV's delimiter is tried, not declared).
    pub fn with_delimiter(&self, d: u8) -> Option<Sheet<'_>> {
        match self {
            Sheet::Csv { text, .. } => Some(Sheet::Csv {
                text: Cow::Borrowed(text),
                delimiter: d,
            }),
            Sheet::Grid { .. } => None,
        }
    }

    /// The first lines of a text file, as text (for a message when no delimiter fits).
    pub fn text_lines(&self, n: usize) -> Vec<&str> {
        match self {
            Sheet::Csv { text, .. } => text.lines().take(n).collect(),
            Sheet::Grid { .. } => Vec::new(),
        }
    }

    fn csv_reader(text: &str, delimiter: u8) -> csv::Reader<&[u8]> {
        csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(text.as_bytes())
    }

    /// The first `n` rows (to find the header under the title area).
    pub fn head(&self, n: usize) -> Vec<(usize, Vec<Raw<'static>>)> {
        let mut out = Vec::new();
        let _ = self.for_each_row(0, |row, cells| {
            let owned = cells
                .iter()
                .map(|c| match c {
                    Raw::Text(t) => Raw::Text(t.to_string().into()),
                    Raw::Empty => Raw::Empty,
                    Raw::Number(x) => Raw::Number(*x),
                    Raw::Date(d) => Raw::Date(*d),
                    Raw::Bool(b) => Raw::Bool(*b),
                })
                .collect();
            out.push((row, owned));
            if out.len() >= n {
                Err(String::new())
            } else {
                Ok(())
            }
        });
        out
    }

    /// Calls `f` with each row from the `skip`-th on (0-based), with its Excel row number.
    /// Stops at the first error `f` returns or the file's own (a malformed CSV line).
    pub fn for_each_row(
        &self,
        skip: usize,
        mut f: impl FnMut(usize, &[Raw<'_>]) -> Result<(), String>,
    ) -> Result<(), String> {
        match self {
            Sheet::Grid { rows, .. } => {
                for (row, cells) in rows.iter().skip(skip) {
                    f(*row, cells)?;
                }
                Ok(())
            }
            Sheet::Csv { text, delimiter } => {
                let mut reader = Sheet::csv_reader(text, *delimiter);
                // Byte records: `text` is UTF-8 already, and a StringRecord would check every
                // record again (≈ 7 % of a CSV's parse time).
                let mut record = csv::ByteRecord::new();
                let mut rows = RowCounter::new(text.as_bytes(), *delimiter);
                let mut index = 0usize;
                loop {
                    let more = reader
                        .read_byte_record(&mut record)
                        .map_err(|e| format!("CSV 第 {} 行格式错误（{e}）", rows.row))?;
                    if !more {
                        return Ok(());
                    }
                    let start = record.position().map_or(0, |p| p.byte() as usize);
                    let row = rows.row_at(start);
                    if index >= skip {
                        // Cells borrow from the record: no allocation per cell.
                        let cells: Vec<Raw<'_>> = record
                            .iter()
                            .map(|b| {
                                if b.is_empty() {
                                    Raw::Empty
                                } else {
                                    Raw::Text(utf8_field(b).into())
                                }
                            })
                            .collect();
                        f(row, &cells)?;
                    }
                    index += 1;
                }
            }
        }
    }
}

/// The row number Excel shows for a CSV record, from the record's byte offset.
///
/// Excel starts a row at every line ending outside quotes — CRLF (what Excel on Windows saves),
/// LF, or a lone CR (old Mac files) — and shows blank lines as empty rows; a line break inside
/// a quoted cell stays in the cell. The csv reader skips blank lines and its own line count
/// follows LF only, so rows are counted here: the bytes between one record's start and the
/// next are scanned once, so the whole file is scanned once.
struct RowCounter<'t> {
    text: &'t [u8],
    delimiter: u8,
    /// Counted up to this byte offset, which starts row `row`.
    at: usize,
    row: usize,
}

impl<'t> RowCounter<'t> {
    fn new(text: &'t [u8], delimiter: u8) -> Self {
        RowCounter {
            text,
            delimiter,
            at: 0,
            row: 1,
        }
    }

    /// The row of the record starting at byte `start` (offsets only grow).
    fn row_at(&mut self, start: usize) -> usize {
        // The reader may place a record's start on the line ending before it (the LF of a
        // CRLF, or the blank lines it skipped): a record's content never starts with one.
        let mut end = start.min(self.text.len());
        while matches!(self.text.get(end), Some(b'\r' | b'\n')) {
            end += 1;
        }
        if end > self.at {
            self.row += line_ends(&self.text[self.at..end], self.delimiter);
            self.at = end;
        }
        self.row
    }
}

/// Line endings outside quoted cells in `span`, which starts at the start of a record.
/// CRLF counts once. A quote opens a quoted cell only at the start of a cell (as the csv
/// reader reads it); inside one, `""` is an escaped quote.
fn line_ends(span: &[u8], delimiter: u8) -> usize {
    if memchr::memchr(b'"', span).is_none() {
        // The common case: no quotes, so every ending counts. memchr's vectorised search:
        // this runs over every byte of a file (7 % of a large CSV's ingest byte by byte).
        let lf = memchr::memchr_iter(b'\n', span).count();
        let lone_cr = memchr::memchr_iter(b'\r', span)
            .filter(|&i| span.get(i + 1) != Some(&b'\n'))
            .count();
        return lf + lone_cr;
    }
    #[derive(PartialEq)]
    enum State {
        CellStart,
        Plain,
        Quoted,
        /// A quote inside a quoted cell: the cell's end, or the first of `""`.
        QuoteInQuoted,
    }
    let mut state = State::CellStart;
    let mut ends = 0;
    let mut i = 0;
    while i < span.len() {
        let b = span[i];
        match state {
            State::Quoted => {
                if b == b'"' {
                    state = State::QuoteInQuoted;
                }
            }
            State::QuoteInQuoted if b == b'"' => state = State::Quoted,
            _ => {
                if b == b'\r' || b == b'\n' {
                    ends += 1;
                    if b == b'\r' && span.get(i + 1) == Some(&b'\n') {
                        i += 1;
                    }
                    state = State::CellStart;
                } else if b == delimiter {
                    state = State::CellStart;
                } else if b == b'"' && state == State::CellStart {
                    state = State::Quoted;
                } else {
                    // Text after a closing quote joins the cell as plain text, as in the reader.
                    state = State::Plain;
                }
            }
        }
        i += 1;
    }
    ends
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &str) -> Vec<(usize, Vec<String>)> {
        let sheet = Sheet::Csv {
            text: Cow::Borrowed(text),
            delimiter: b',',
        };
        let mut out = Vec::new();
        sheet
            .for_each_row(0, |row, cells| {
                out.push((row, cells.iter().map(|c| c.display()).collect()));
                Ok(())
            })
            .unwrap();
        out
    }

    #[test]
    fn rows_are_the_rows_excel_shows() {
        let numbers = |t: &str| rows(t).into_iter().map(|(r, _)| r).collect::<Vec<_>>();
        assert_eq!(numbers("a,b\r\n1,2\r\n3,4\r\n"), [1, 2, 3]);
        assert_eq!(numbers("a,b\n1,2\n\n3,4\n"), [1, 2, 4]);
        assert_eq!(numbers("a,b\r1,2\r3,4"), [1, 2, 3]);
        assert_eq!(numbers("a,b\r\n\"x\r\ny\",2\r\n3,4\r\n"), [1, 2, 3]);
        assert_eq!(
            numbers("a,b\n1,\"He said \"\"hi\"\"\n\",2\n\r\n5,6"),
            [1, 2, 4]
        );
        // A quote inside a plain cell is a character, not the start of a quoted cell.
        assert_eq!(numbers("a,b\n1,x\"y\n3,4\n"), [1, 2, 3]);
    }

    #[test]
    fn cells_are_named_as_excel_names_them() {
        let names: Vec<String> = [(0, 0), (4, 27), (0, 701), (1_048_575, 16_383)]
            .into_iter()
            .map(|(r, c)| excel_cell(r, c))
            .collect();
        assert_eq!(names, ["A1", "AB5", "ZZ1", "XFD1048576"]);
    }

    #[test]
    fn utf16_is_told_by_its_bytes() {
        let text = "序号\t身份证号\r\n1\t500101198009018597\r\n";
        let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        for (bytes, enc) in [(&le, Encoding::Utf16Le), (&be, Encoding::Utf16Be)] {
            let (e, t) = decode(bytes).unwrap();
            assert_eq!((e, t.as_ref()), (enc, text));
        }
        let mut bom = vec![0xFF, 0xFE];
        bom.extend(&le);
        assert_eq!(decode(&bom).unwrap().1, text);
        assert_eq!(
            decode("序号,身份证号\n".as_bytes()).unwrap().0,
            Encoding::Utf8
        );
    }
}
