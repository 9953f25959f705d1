//! Reading a received file into sheets of raw cells, whatever its format and encoding.
//!
//! The format is sniffed from the bytes, not the file name: an `.xlsx` that is really a CSV
//! (offices rename files) is read as the CSV it is. CSV text is UTF-8 (with or without BOM) or
//! GB18030/GBK, told apart by whether the bytes are valid UTF-8: GBK text with Chinese in it is
//! practically never valid UTF-8, and GB18030 decodes every byte sequence Excel writes.

use std::borrow::Cow;
use std::io::Cursor;

use calamine::{open_workbook_auto_from_rs, Data, Reader};

use crate::cells::Raw;

/// Cells of one sheet, row by row, each row with the row number a clerk sees in Excel.
pub enum Sheet<'a> {
    Grid {
        name: String,
        rows: Vec<(usize, Vec<Raw<'static>>)>,
    },
    Csv {
        /// Borrowed from the file's bytes when they are UTF-8 already.
        text: Cow<'a, str>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xlsx,
    Csv(Encoding),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf8Bom,
    Gb18030,
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Format::Xlsx => "xlsx",
            Format::Csv(Encoding::Utf8) => "csv (UTF-8)",
            Format::Csv(Encoding::Utf8Bom) => "csv (UTF-8 BOM)",
            Format::Csv(Encoding::Gb18030) => "csv (GB18030)",
        })
    }
}

/// Opens a file's bytes as sheets. Errors are sentences for the clerk.
pub fn open(bytes: &[u8]) -> Result<(Format, Vec<Sheet<'_>>), String> {
    if bytes.is_empty() {
        return Err("文件是空的（0 字节）".into());
    }
    let is_zip = bytes.starts_with(b"PK\x03\x04");
    let is_ole = bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]);
    if is_zip || is_ole {
        return read_workbook(bytes).map(|s| (Format::Xlsx, s));
    }
    let (encoding, text) = decode(bytes)?;
    if text.contains('\0') {
        return Err("文件含有 NUL 字节，不是 CSV 文本，也不是 xlsx 工作簿".into());
    }
    Ok((Format::Csv(encoding), vec![Sheet::Csv { text }]))
}

fn decode(bytes: &[u8]) -> Result<(Encoding, Cow<'_, str>), String> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return std::str::from_utf8(rest)
            .map(|t| (Encoding::Utf8Bom, Cow::Borrowed(t)))
            .map_err(|_| "文件声明为 UTF-8（带 BOM），但内容不是有效的 UTF-8，请重新导出".into());
    }
    if let Ok(t) = std::str::from_utf8(bytes) {
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

fn read_workbook(bytes: &[u8]) -> Result<Vec<Sheet<'static>>, String> {
    let mut book = open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|e| format!("xlsx 工作簿已损坏或不完整，无法打开（{e}）"))?;
    let mut sheets = Vec::new();
    for name in book.sheet_names() {
        let range = book
            .worksheet_range(&name)
            .map_err(|e| format!("工作表“{name}”无法读取（{e}）"))?;
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
        sheets.push(Sheet::Grid { name, rows });
    }
    Ok(sheets)
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
        Data::DateTimeIso(s) | Data::DurationIso(s) => Raw::Text(s.clone().into()),
        Data::Error(e) => Raw::Text(format!("#{e:?}").into()),
    }
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

    fn csv_reader(text: &str) -> csv::Reader<&[u8]> {
        csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
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
            Sheet::Csv { text } => {
                let mut reader = Sheet::csv_reader(text);
                // Byte records: `text` is UTF-8 already, and a StringRecord would check every
                // record again (≈ 7 % of a CSV's parse time).
                let mut record = csv::ByteRecord::new();
                let mut index = 0usize;
                loop {
                    let more = reader
                        .read_byte_record(&mut record)
                        .map_err(|e| format!("CSV 第 {} 行格式错误（{e}）", index + 1))?;
                    if !more {
                        return Ok(());
                    }
                    let line = record.position().map_or(index + 1, |p| p.line() as usize);
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
                        f(line, &cells)?;
                    }
                    index += 1;
                }
            }
        }
    }
}
