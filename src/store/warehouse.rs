//! The warehouse: every received file archived byte for byte, each export's typed rows and
//! rejected rows as Parquet, and a manifest that says which export is current.
//!
//! Layout (under the warehouse folder):
//!
//! ```text
//! manifest.json                                   the commit point, rewritten atomically
//! raw/<sha256>.<ext>                              each received file, as received
//! tables/<table>/region=<r>/month=<YYYY-MM>/<export id>.parquet    accepted rows
//! rejects/<table>/region=<r>/month=<YYYY-MM>/<export id>.parquet   rejected cells
//! .lock                                           flock-ed while an ingest writes
//! ```
//!
//! Every file is written under a temporary name and renamed into place; an ingest's files are
//! fsynced on a thread of their own as they come ([`Syncer`]), all of them before the
//! manifest, which is written last. A crash at any point leaves the manifest as it was, and
//! files it does not name are never read, so the warehouse stays what it was before the
//! interrupted ingest.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use chrono::NaiveDate;
use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::dates::Month;
use crate::ingest::reader::{Export, Reject, Values};
use crate::ingest::tables::{Region, Table};
use crate::store::direct::AlignedBytes;
use crate::store::syncer::{sync_file, Failed, Job};
pub use crate::store::syncer::{SyncQueue, Syncer};

pub const DEFAULT_DIR: &str = "warehouse";

/// The sha256 of bytes in hex: how the warehouse names and checks what it keeps.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The warehouse folder: `--warehouse`, else `LUYU_WAREHOUSE`, else `./warehouse`.
pub fn resolve_dir(arg: Option<PathBuf>) -> PathBuf {
    arg.or_else(|| std::env::var_os("LUYU_WAREHOUSE").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from(DEFAULT_DIR))
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct Manifest {
    pub version: u32,
    pub files: Vec<FileRecord>,
    pub exports: Vec<ExportRecord>,
}

/// A file received, whether or not it could be read.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileRecord {
    pub sha256: String,
    pub name: String,
    pub source_path: String,
    pub size: u64,
    pub archived_as: String,
    pub received_at: String,
    pub batch: u64,
    /// The file-level problem, when it could not be read or recognised.
    pub error: Option<String>,
    /// When the file was received (RFC 3339): the ingest time, or `ingest --received`.
    /// Warehouses from before it was kept read `received_at` as local time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received: Option<String>,
}

impl FileRecord {
    pub fn received(&self) -> Option<crate::store::known::Instant> {
        self.received
            .as_deref()
            .and_then(crate::store::known::stored)
            .or_else(|| crate::store::known::stored(&self.received_at))
    }
}

/// One (table, region, month) export.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExportRecord {
    pub id: String,
    pub table: Table,
    pub region: Region,
    pub month: Month,
    pub file_sha256: String,
    pub file_name: String,
    pub format: String,
    pub sheet: String,
    pub fill_date: Option<NaiveDate>,
    pub file_modified: Option<String>,
    pub ingested_at: String,
    pub batch: u64,
    pub rows_read: usize,
    pub rows_accepted: usize,
    pub rows_rejected: usize,
    /// Rejected rows with a failing 身份证号 (the `invalid_id` rule).
    #[serde(default)]
    pub invalid_id_rows: usize,
    pub data: String,
    pub rejects: String,
    /// The table's columns the file had (a column it lacks is unknown, not empty).
    #[serde(default)]
    pub columns_present: Vec<String>,
    /// The export this one replaced (a correction of the same table, region and month).
    pub replaces: Option<String>,
    /// The export that replaced this one; `None` for the current one.
    pub replaced_by: Option<String>,
    /// When the file that brought this export was received (see [`FileRecord::received`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received: Option<String>,
    /// Set when so many rows were rejected that the file should be exported again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reexport: Option<Reexport>,
}

/// Why a file should be exported again: more than [`crate::ingest::batch::REEXPORT_SHARE`] of its
/// rows were rejected, which is a file damaged on its way (an ID column turned to numbers by
/// Excel), not a few typing slips.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reexport {
    pub rows_rejected: usize,
    pub rows_read: usize,
    /// The column most rejected rows fail on.
    pub column: String,
    /// One of its reasons, as the rejects list shows it.
    pub reason: String,
    /// What to do, in plain words.
    pub fix: String,
}

impl Reexport {
    /// One line for the clerk: share, main reason, what to do.
    pub fn sentence(&self) -> String {
        format!(
            "需重新导出：{} 行中拒收 {} 行（{}%），主要原因在“{}”列：{}。{}",
            self.rows_read,
            self.rows_rejected,
            self.rows_rejected * 100 / self.rows_read.max(1),
            self.column,
            self.reason,
            self.fix
        )
    }
}

impl Manifest {
    /// Expected (table, region, month) exports with none received, between the first and
    /// last month the warehouse holds (completeness).
    pub fn missing(&self, tables: &[Table]) -> Vec<(Table, Region, Month)> {
        let months = self.months(&crate::ingest::tables::RECOGNISED);
        let have: std::collections::BTreeSet<_> = self
            .exports
            .iter()
            .map(|e| (e.table, e.region, e.month))
            .collect();
        let mut out = Vec::new();
        for t in tables {
            for r in t.regions() {
                for m in &months {
                    if !have.contains(&(*t, *r, *m)) {
                        out.push((*t, *r, *m));
                    }
                }
            }
        }
        out
    }

    /// Every month from the first to the last that exports of these tables are for.
    pub fn months(&self, tables: &[Table]) -> Vec<Month> {
        let have = self
            .exports
            .iter()
            .filter(|e| tables.contains(&e.table))
            .map(|e| e.month);
        let (Some(first), Some(last)) = (have.clone().min(), have.max()) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut m = first;
        while m <= last {
            out.push(m);
            m = m.next();
        }
        out
    }
}

impl ExportRecord {
    pub fn is_current(&self) -> bool {
        self.replaced_by.is_none()
    }

    pub fn received(&self) -> Option<crate::store::known::Instant> {
        self.received
            .as_deref()
            .and_then(crate::store::known::stored)
            .or_else(|| crate::store::known::stored(&self.ingested_at))
    }
}

impl Manifest {
    /// The warehouse as it was known at `t`: only what was received by then, and an export
    /// replaced by a correction received later is current again.
    pub fn as_known_on(mut self, t: crate::store::known::Instant) -> Manifest {
        let known = |r: Option<crate::store::known::Instant>| r.is_some_and(|r| r <= t);
        self.files.retain(|f| known(f.received()));
        self.exports.retain(|e| known(e.received()));
        let ids: std::collections::HashSet<String> =
            self.exports.iter().map(|e| e.id.clone()).collect();
        for e in &mut self.exports {
            if e.replaced_by.as_ref().is_some_and(|by| !ids.contains(by)) {
                e.replaced_by = None;
            }
            if e.replaces.as_ref().is_some_and(|old| !ids.contains(old)) {
                e.replaces = None;
            }
        }
        self
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("仓库 {path}：{what}（{source}）")]
    Io {
        path: String,
        what: &'static str,
        source: std::io::Error,
    },
    #[error("仓库清单 {path} 已损坏，无法读取（{message}）")]
    Manifest { path: String, message: String },
    #[error("另一个 luyu 导入正在写入仓库 {path}（进程 {pid}）；请等它结束后再试")]
    Locked { path: String, pid: String },
    #[error("写入 Parquet 失败：{0}")]
    Parquet(String),
}

impl From<Failed> for Error {
    fn from(f: Failed) -> Error {
        Error::Io {
            path: f.path.display().to_string(),
            what: f.what,
            source: f.source,
        }
    }
}

/// An exclusive advisory lock on the file, without waiting.
#[cfg(unix)]
fn try_lock(file: &fs::File) -> bool {
    use std::os::fd::AsRawFd;
    // SAFETY: flock on a descriptor this File owns; no memory is involved.
    unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) == 0 }
}

#[cfg(not(unix))]
fn try_lock(_file: &fs::File) -> bool {
    true
}

fn io<'a>(path: &'a Path, what: &'static str) -> impl FnOnce(std::io::Error) -> Error + 'a {
    move |source| Error::Io {
        path: path.display().to_string(),
        what,
        source,
    }
}

pub struct Warehouse {
    pub dir: PathBuf,
    /// `--as-known-on`: every read sees the warehouse as it was at this time.
    pub known_on: Option<crate::store::known::Instant>,
}

/// Held while an ingest writes: an advisory lock (`flock`) on `.lock`, which the kernel
/// releases when the process ends, however it ends. The file itself stays: removing it would let
/// a process that opened it before the removal lock a file nobody else sees.
pub struct Lock {
    _file: fs::File,
}

impl Warehouse {
    pub fn open(dir: &Path) -> Warehouse {
        Warehouse {
            dir: dir.to_path_buf(),
            known_on: None,
        }
    }

    /// The same warehouse as known at `t` (or now, with `None`).
    pub fn as_known_on(mut self, t: Option<crate::store::known::Instant>) -> Warehouse {
        self.known_on = t;
        self
    }

    pub fn manifest_path(&self) -> PathBuf {
        self.dir.join("manifest.json")
    }

    pub fn exists(&self) -> bool {
        self.manifest_path().exists()
    }

    /// The manifest as this view knows it (see [`Warehouse::as_known_on`]).
    pub fn manifest(&self) -> Result<Manifest, Error> {
        let m = self.manifest_for_update()?;
        Ok(match self.known_on {
            Some(t) => m.as_known_on(t),
            None => m,
        })
    }

    /// The whole manifest, whatever the view: what an ingest adds to and saves.
    pub fn manifest_for_update(&self) -> Result<Manifest, Error> {
        let path = self.manifest_path();
        match fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| Error::Manifest {
                path: path.display().to_string(),
                message: e.to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Manifest {
                version: 1,
                ..Default::default()
            }),
            Err(e) => Err(io(&path, "无法读取清单")(e)),
        }
    }

    /// Takes the write lock; refuses while another process holds it. A killed ingest holds
    /// nothing: its lock went with it.
    pub fn lock(&self) -> Result<Lock, Error> {
        fs::create_dir_all(&self.dir).map_err(io(&self.dir, "无法创建仓库目录"))?;
        let path = self.dir.join(".lock");
        let mut file = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io(&path, "无法创建锁文件"))?;
        if !try_lock(&file) {
            let pid = fs::read_to_string(&path).unwrap_or_default();
            let pid = pid.trim();
            return Err(Error::Locked {
                path: self.dir.display().to_string(),
                pid: if pid.is_empty() { "?" } else { pid }.to_string(),
            });
        }
        // Who holds it, for the message another ingest gives.
        let _ = file.set_len(0);
        let _ = write!(file, "{}", std::process::id());
        let _ = file.flush();
        Ok(Lock { _file: file })
    }

    /// Writes `bytes` to `rel` under the warehouse: temporary file, fsync, rename.
    pub fn write_atomic(&self, rel: &str, bytes: &[u8]) -> Result<(), Error> {
        let (tmp, path) = self.write_temporary(rel, bytes)?;
        sync_file(&tmp)?;
        fs::rename(&tmp, &path).map_err(io(&path, "无法重命名临时文件"))?;
        Ok(())
    }

    /// Writes `bytes` to `rel` under the warehouse (temporary file, rename) and hands its fsync
    /// to `later`. Only for files that nothing names until a manifest written after
    /// [`Syncer::finish`]: a crash before then may leave the file torn, but unnamed.
    pub fn write_then_sync(&self, rel: &str, bytes: &[u8], later: &SyncQueue) -> Result<(), Error> {
        let (tmp, path) = self.write_temporary(rel, bytes)?;
        fs::rename(&tmp, &path).map_err(io(&path, "无法重命名临时文件"))?;
        Ok(later.send(Job::Sync(path))?)
    }

    /// Archives a received file's `bytes` at `rel`, written (straight to the disk where it
    /// can be, see [`crate::store::direct`]), synced and renamed into place by `later`'s thread
    /// while the caller goes on. As [`Self::write_then_sync`], only for files nothing names
    /// until [`Syncer::finish`] has returned.
    pub fn archive_then_sync(
        &self,
        rel: &str,
        bytes: Arc<AlignedBytes>,
        later: &SyncQueue,
    ) -> Result<(), Error> {
        let (tmp, path) = self.temporary_beside(rel)?;
        Ok(later.send(Job::Archive { tmp, path, bytes })?)
    }

    /// `bytes` in a temporary file beside `rel`, not yet synced: (its path, `rel`'s path).
    fn write_temporary(&self, rel: &str, bytes: &[u8]) -> Result<(PathBuf, PathBuf), Error> {
        let (tmp, path) = self.temporary_beside(rel)?;
        let mut f = fs::File::create(&tmp).map_err(io(&tmp, "无法写入临时文件"))?;
        f.write_all(bytes).map_err(io(&tmp, "无法写入临时文件"))?;
        Ok((tmp, path))
    }

    /// A temporary name beside `rel` (its folder made), unique per write since two threads may
    /// write the same content-named file at once: (the temporary path, `rel`'s path).
    fn temporary_beside(&self, rel: &str) -> Result<(PathBuf, PathBuf), Error> {
        static WRITES: AtomicU64 = AtomicU64::new(0);
        let path = self.dir.join(rel);
        let parent = path.parent().unwrap_or(&self.dir).to_path_buf();
        fs::create_dir_all(&parent).map_err(io(&parent, "无法创建目录"))?;
        let tmp = parent.join(format!(
            ".{}.tmp-{}-{}",
            path.file_name().and_then(|n| n.to_str()).unwrap_or("file"),
            std::process::id(),
            WRITES.fetch_add(1, Ordering::Relaxed)
        ));
        Ok((tmp, path))
    }

    pub fn save_manifest(&self, manifest: &Manifest) -> Result<(), Error> {
        let bytes =
            serde_json::to_vec_pretty(manifest).map_err(|e| Error::Parquet(e.to_string()))?;
        self.write_atomic("manifest.json", &bytes)?;
        if let Ok(d) = fs::File::open(&self.dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    /// The current export of each (table, region, month) with month ≤ `as_of`.
    pub fn current(manifest: &Manifest, as_of: Month) -> Vec<&ExportRecord> {
        manifest
            .exports
            .iter()
            .filter(|e| e.is_current() && e.month <= as_of)
            .collect()
    }

    /// For a cumulative table: the latest current export at or before `as_of`, per region.
    pub fn snapshots(manifest: &Manifest, table: Table, as_of: Month) -> Vec<&ExportRecord> {
        let mut latest: BTreeMap<Region, &ExportRecord> = BTreeMap::new();
        for e in Self::current(manifest, as_of)
            .into_iter()
            .filter(|e| e.table == table)
        {
            let slot = latest.entry(e.region).or_insert(e);
            if e.month > slot.month {
                *slot = e;
            }
        }
        latest.into_values().collect()
    }

    /// Reads the accepted rows of the given exports into one frame, with an `export` column:
    /// the export's rank among `exports` in the order of their ids (a 4-byte integer per row
    /// where the id itself took a 16-byte view and 40 bytes of text; the ids of one month's
    /// exports sort as the payments' versions are chosen, `rules::audit::versions`). An empty
    /// list gives the table's empty frame.
    pub fn read(&self, table: Table, exports: &[&ExportRecord]) -> Result<DataFrame, Error> {
        self.read_without(table, exports, &[])
    }

    /// [`Self::read`] without the columns named in `skip` (never decoded, so never in memory).
    pub fn read_without(
        &self,
        table: Table,
        exports: &[&ExportRecord],
        skip: &[&str],
    ) -> Result<DataFrame, Error> {
        let mut ids: Vec<&str> = exports.iter().map(|e| e.id.as_str()).collect();
        ids.sort_unstable();
        let mut frames = Vec::new();
        for e in exports {
            let path = self.path(&e.data);
            let parquet = |err: PolarsError| Error::Parquet(format!("{}：{err}", path.display()));
            let file = fs::File::open(&path).map_err(io(&path, "无法读取数据文件"))?;
            let mut reader = ParquetReader::new(file);
            if !skip.is_empty() {
                let keep: Vec<String> = reader
                    .schema()
                    .map_err(parquet)?
                    .iter_names()
                    .filter(|n| !skip.contains(&n.as_str()))
                    .map(|n| n.to_string())
                    .collect();
                reader = reader.with_columns(Some(keep));
            }
            let mut df = reader.finish().map_err(parquet)?;
            let n = df.height();
            // One value per file: a scalar column, not a string per row.
            let text = |name: &str, v: &str| {
                Column::new_scalar(
                    name.into(),
                    Scalar::new(DataType::String, AnyValue::StringOwned(v.into())),
                    n,
                )
            };
            let rank = ids.partition_point(|id| *id < e.id.as_str()) as u32;
            df.with_column(Column::new_scalar(
                "export".into(),
                Scalar::new(DataType::UInt32, AnyValue::UInt32(rank)),
                n,
            ))
            .map_err(|err| Error::Parquet(err.to_string()))?;
            if table == Table::Payments {
                df.with_column(text("export_month", &e.month.to_string()))
                    .map_err(|err| Error::Parquet(err.to_string()))?;
            }
            frames.push(df);
        }
        match frames.len() {
            0 => {
                let mut df = frame(empty_export(table).columns)
                    .map_err(|e| Error::Parquet(e.to_string()))?
                    .drop_many(skip.iter().copied());
                df.with_column(Column::new("export".into(), Vec::<u32>::new()))
                    .map_err(|err| Error::Parquet(err.to_string()))?;
                if table == Table::Payments {
                    df.with_column(Column::new("export_month".into(), Vec::<String>::new()))
                        .map_err(|err| Error::Parquet(err.to_string()))?;
                }
                Ok(df)
            }
            _ => {
                let mut it = frames.into_iter();
                let mut first = it.next().unwrap_or_default();
                for df in it {
                    first
                        .vstack_mut(&df)
                        .map_err(|e| Error::Parquet(e.to_string()))?;
                }
                Ok(first)
            }
        }
    }

    /// Reads the rejected cells of the given exports.
    pub fn read_rejects(&self, exports: &[&ExportRecord]) -> Result<Vec<(String, Reject)>, Error> {
        let mut out = Vec::new();
        for e in exports {
            let path = self.path(&e.rejects);
            let file = fs::File::open(&path).map_err(io(&path, "无法读取拒收记录"))?;
            let df = ParquetReader::new(file)
                .finish()
                .map_err(|err| Error::Parquet(format!("{}：{err}", path.display())))?;
            let get = |name: &str| {
                df.column(name)
                    .and_then(|c| c.str().cloned())
                    .map_err(|e| Error::Parquet(e.to_string()))
            };
            let rows = df
                .column("row")
                .and_then(|c| c.i64().cloned())
                .map_err(|e| Error::Parquet(e.to_string()))?;
            let (col, val, why, rule) =
                (get("column")?, get("value")?, get("reason")?, get("rule")?);
            for i in 0..df.height() {
                out.push((
                    e.id.clone(),
                    Reject {
                        row: rows.get(i).unwrap_or(0) as usize,
                        column: col.get(i).unwrap_or("").to_string(),
                        value: val.get(i).unwrap_or("").to_string(),
                        reason: why.get(i).unwrap_or("").to_string(),
                        rule: if rule.get(i) == Some("invalid_id") {
                            "invalid_id"
                        } else {
                            "invalid_value"
                        },
                    },
                ));
            }
        }
        Ok(out)
    }
}

fn empty_export(table: Table) -> Export {
    Export {
        region: Region::Jining,
        month: Month {
            year: 2020,
            month: 1,
        },
        rows_read: 0,
        columns: crate::ingest::reader::empty_columns(table),
        rejects: Vec::new(),
    }
}

/// A frame as the bytes of a Parquet file.
pub fn parquet_bytes(df: &mut DataFrame) -> Result<Vec<u8>, Error> {
    let mut buf = Vec::new();
    ParquetWriter::new(&mut buf)
        .finish(df)
        .map_err(|e| Error::Parquet(e.to_string()))?;
    Ok(buf)
}

/// The accepted rows of an export (its columns, taken) as a frame.
pub fn frame(columns: Vec<(String, Values)>) -> PolarsResult<DataFrame> {
    let mut cols = Vec::with_capacity(columns.len());
    for (name, values) in columns {
        let name: PlSmallStr = name.as_str().into();
        let col = match values {
            Values::Text(v) => StringChunked::with_chunk(name, v.into_array()).into_column(),
            Values::Int(v) => Column::new(name, v),
            Values::Bool(v) => Column::new(name, v),
            Values::Date(v) => {
                let days: Vec<Option<i32>> = v.iter().map(|d| d.map(date_to_days)).collect();
                Column::new(name, days).cast(&DataType::Date)?
            }
        };
        cols.push(col);
    }
    DataFrame::new_infer_height(cols)
}

/// The rejected cells of an export as a frame.
pub fn rejects_frame(rejects: &[Reject]) -> PolarsResult<DataFrame> {
    DataFrame::new_infer_height(vec![
        Column::new(
            "row".into(),
            rejects.iter().map(|r| r.row as i64).collect::<Vec<_>>(),
        ),
        Column::new(
            "column".into(),
            rejects
                .iter()
                .map(|r| r.column.as_str())
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "value".into(),
            rejects.iter().map(|r| r.value.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            "reason".into(),
            rejects
                .iter()
                .map(|r| r.reason.as_str())
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "rule".into(),
            rejects.iter().map(|r| r.rule).collect::<Vec<_>>(),
        ),
    ])
}

pub fn date_to_days(d: NaiveDate) -> i32 {
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()).num_days() as i32
}

pub fn days_to_date(days: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default() + chrono::Duration::days(days as i64)
}
