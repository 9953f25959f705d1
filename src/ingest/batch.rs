//! A batch ingest: files → table reader → warehouse, with corrections resolved and every
//! received file archived.
//!
//! Within one batch, two files for the same (table, region, month) are ordered by 填报日期, then
//! by file modification time; where both tie, neither is taken. Across batches, the later
//! ingest is the correction. Replaced exports stay in the manifest as history.

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};

use chrono::{DateTime, Local, NaiveDate};

use crate::dates::Month;
use crate::ingest::reader::{self, Export};
use crate::ingest::tables::{Region, Table};
use crate::store::direct::AlignedBytes;
use crate::store::warehouse::{
    self, sha256_hex, ExportRecord, FileRecord, Reexport, SyncQueue, Syncer, Warehouse,
};

/// A file with more than this share of its rows rejected (numerator, denominator) is flagged
/// for re-export and makes ingest exit 1; its good rows are still taken. A few bad rows are
/// typing slips to correct in the next export; a quarter is a file damaged on its way.
pub const REEXPORT_SHARE: (usize, usize) = (1, 4);

/// ... and at least this many rows: one or two bad rows of a tiny file are slips to correct,
/// not a damaged file.
pub const REEXPORT_MIN_ROWS: usize = 3;

/// The re-export flag of an export, if its rejected share is over [`REEXPORT_SHARE`].
pub fn reexport(export: &Export) -> Option<Reexport> {
    let (rejected, read) = (export.rows_rejected(), export.rows_read);
    if rejected * REEXPORT_SHARE.1 <= read * REEXPORT_SHARE.0 || rejected < REEXPORT_MIN_ROWS {
        return None;
    }
    // The column that rejects the most rows (each row once per column), with its first reason.
    let mut rows_by_column: BTreeMap<&str, (usize, &str)> = BTreeMap::new();
    let mut last: Option<(usize, &str)> = None;
    for r in &export.rejects {
        if last == Some((r.row, r.column.as_str())) {
            continue;
        }
        last = Some((r.row, r.column.as_str()));
        rows_by_column.entry(&r.column).or_insert((0, &r.reason)).0 += 1;
    }
    let (column, (_, reason)) = rows_by_column.into_iter().max_by_key(|(_, (n, _))| *n)?;
    Some(Reexport {
        rows_rejected: rejected,
        rows_read: read,
        column: column.to_string(),
        reason: reason.to_string(),
        fix: fix_for(column, reason),
    })
}

/// What a clerk does about a file whose rows fail mostly for `reason` in `column`.
fn fix_for(column: &str, reason: &str) -> String {
    if reason.starts_with(crate::ingest::cells::ID_AS_NUMBER) || reason.contains("科学计数法")
    {
        format!("请把{column}列设为“文本”后重新导出（Excel/WPS：选中该列 → 设置单元格格式 → 文本；从 CSV 打开时在导入向导中把该列设为“文本”），不要手工补录已丢失的位数")
    } else if reason.contains("所属月份与本期不符") {
        "请确认这是本月的报表、各行“所属月份”都是本月后重新导出".to_string()
    } else if column == "金额" {
        "请把“金额”列改为 1500.00 这样的数字后重新导出".to_string()
    } else if reason.contains("日期") {
        format!("请把“{column}”列改为 2020-03-15 这样的日期后重新导出")
    } else {
        format!("请按 luyu rejects 列出的行核对“{column}”列后重新导出")
    }
}

/// What happened to one file.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Taken: the exports it gave (id, table, region, month, read, accepted, rejected, status).
    Ingested(Vec<ExportLine>),
    /// Received before (same content); nothing written.
    AlreadyReceived { when: String, exports: Vec<String> },
    /// Not taken; the reason in Chinese.
    Failed(String),
}

#[derive(Debug, Clone)]
pub struct ExportLine {
    pub id: String,
    pub table: Table,
    pub region: Region,
    pub month: Month,
    pub rows_read: usize,
    pub rows_accepted: usize,
    pub rows_rejected: usize,
    /// `None` when current; else the export that replaced it within this batch.
    pub replaced_by: Option<String>,
    pub replaces: Option<String>,
    /// Set when the file should be exported again (see [`REEXPORT_SHARE`]).
    pub reexport: Option<Reexport>,
}

#[derive(Debug, Clone)]
pub struct FileOutcome {
    pub path: PathBuf,
    pub outcome: Outcome,
}

#[derive(Debug, Default)]
pub struct Report {
    pub files: Vec<FileOutcome>,
}

impl Report {
    pub fn failed(&self) -> usize {
        self.files
            .iter()
            .filter(|f| matches!(f.outcome, Outcome::Failed(_)))
            .count()
    }

    /// Files taken but flagged for re-export (too many rows rejected).
    pub fn flagged(&self) -> usize {
        self.files
            .iter()
            .filter(|f| match &f.outcome {
                Outcome::Ingested(lines) => lines.iter().any(|l| l.reexport.is_some()),
                _ => false,
            })
            .count()
    }
}

/// Every file under the given paths (folders recursively, in name order). A path that does not
/// exist is reported as a failed file.
pub fn collect_files(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<FileOutcome>) {
    let mut files = Vec::new();
    let mut missing = Vec::new();
    for p in paths {
        if p.is_dir() {
            let before = files.len();
            walk(p, &mut files);
            if files.len() == before {
                missing.push(FileOutcome {
                    path: p.clone(),
                    outcome: Outcome::Failed("文件夹里没有任何文件".into()),
                });
            }
        } else if p.is_file() {
            files.push(p.clone());
        } else {
            missing.push(FileOutcome {
                path: p.clone(),
                outcome: Outcome::Failed("路径不存在".into()),
            });
        }
    }
    (files, missing)
}

/// Every file under `dir`, in name order, depth first; hidden files and folders (`.…`) and
/// Office's lock files (`~$…`) left out; links followed (a folder of links to files works).
fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let hidden = |e: &walkdir::DirEntry| {
        e.depth() > 0
            && e.file_name()
                .to_str()
                .is_some_and(|n| n.starts_with('.') || n.starts_with("~$"))
    };
    let entries = walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| !hidden(e))
        .filter_map(|entry| match entry {
            Ok(e) => e.file_type().is_file().then(|| e.into_path()),
            // A broken link is kept, so that reading it fails with the file's name.
            Err(e) => e.path().filter(|p| p.is_symlink()).map(Path::to_path_buf),
        });
    out.extend(entries);
}

/// An export read from a file and already written to the warehouse (under a name no manifest
/// refers to yet), waiting for the batch's corrections to be settled. Only its metadata is
/// kept, so a batch's memory does not grow with its files.
struct Candidate {
    file: usize,
    export: WrittenExport,
    table: Table,
    format: String,
    sheet: String,
    present: Vec<String>,
    fill_date: Option<NaiveDate>,
    modified: Option<std::time::SystemTime>,
}

fn now() -> String {
    Local::now().format("%Y-%m-%d %H:%M:%S").to_string()
}

/// A file as a reader thread hands it over: its size and hash, and, when this reader was the
/// first to see its content, what it did with it (archived it, parsed it and wrote its exports
/// as candidates). Its bytes are kept only when it was not the first: the thread taking the
/// files in order may still need them (see [`take_file`]).
struct Read {
    path: PathBuf,
    /// The name the file came under, when not its path's (an upload, stored by its hash).
    shown: Option<String>,
    bytes: Result<Arc<AlignedBytes>, String>,
    size: u64,
    hash: String,
    done: Option<Result<Taken, warehouse::Error>>,
}

/// Reads a file, and takes it (see [`take_content`]) unless its content was seen before: a
/// file received already is not parsed again, and two copies in a batch are taken once.
fn read(
    (wh, later): (&Warehouse, &SyncQueue),
    path: &Path,
    shown: Option<String>,
    (known, archives): (&HashSet<String>, &HashSet<String>),
    seen: &Mutex<HashSet<String>>,
) -> Read {
    let mut bytes = AlignedBytes::read(path)
        .map(Arc::new)
        .map_err(|e| format!("无法读取文件（{e}）"));
    let (size, hash, done) = match &bytes {
        Ok(b) => {
            let hash = sha256_hex(b.as_slice());
            let new = seen
                .lock()
                .map(|mut s| s.insert(hash.clone()))
                .unwrap_or(true);
            let shown_path = shown
                .as_ref()
                .map_or_else(|| path.to_path_buf(), PathBuf::from);
            let done = new.then(|| {
                let archived_as = archive_name(&shown_path, &hash);
                let archived = archives.contains(&archived_as);
                take_content(wh, b, &hash, (&archived_as, archived), later)
            });
            (b.as_slice().len() as u64, hash, done)
        }
        Err(_) => (0, String::new(), None),
    };
    // The bytes are needed later only by a first copy of a content new to the warehouse
    // that another reader took (see `take_file`).
    if done.is_some() || known.contains(&hash) {
        bytes = Ok(Arc::new(AlignedBytes::empty()));
    }
    Read {
        path: path.to_path_buf(),
        shown,
        bytes,
        size,
        hash,
        done,
    }
}

/// Where a file's copy is archived: `raw/<sha256>.<ext>`, the extension only letters and
/// digits of the name's (it becomes part of a path in the warehouse).
fn archive_name(path: &Path, hash: &str) -> String {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .filter(|e| !e.is_empty() && e.len() <= 8 && e.bytes().all(|b| b.is_ascii_alphanumeric()))
        .unwrap_or_else(|| "bin".into());
    format!("raw/{hash}.{ext}")
}

/// A content's exports, parsed and written under names no manifest refers to yet, or why the
/// file is not taken.
type Taken = Result<Written, String>;

/// What a file gave: its table and how it was read, and each export written.
struct Written {
    table: Table,
    format: String,
    sheet: String,
    present: Vec<String>,
    fill_date: Option<NaiveDate>,
    exports: Vec<WrittenExport>,
}

struct WrittenExport {
    id: String,
    region: Region,
    month: Month,
    rows_read: usize,
    rows_accepted: usize,
    rows_rejected: usize,
    invalid_id_rows: usize,
    reexport: Option<Reexport>,
    data: String,
    rejects: String,
}

/// Archives a content new to the warehouse (the raw copy first: nothing refers to it until
/// the manifest does), parses it and writes its exports, each file synced to disk by `later`.
/// The names are the content's, so two threads taking one content write the same files.
/// `archived`: the manifest already names the raw copy (a file that failed before); only
/// then is a copy there trusted, since one left by an interrupted ingest may not be synced.
fn take_content(
    wh: &Warehouse,
    bytes: &Arc<AlignedBytes>,
    hash: &str,
    (archived_as, archived): (&str, bool),
    later: &SyncQueue,
) -> Result<Taken, warehouse::Error> {
    if !(archived && wh.path(archived_as).exists()) {
        wh.archive_then_sync(archived_as, Arc::clone(bytes), later)?;
    }
    let parsed = match reader::parse(bytes.as_slice()) {
        Ok(p) => p,
        Err(e) => return Ok(Err(e)),
    };
    let exports = parsed
        .exports
        .into_iter()
        .map(|export| write_export(wh, parsed.table, export, hash, later))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Ok(Written {
        table: parsed.table,
        format: parsed.format.to_string(),
        sheet: parsed.sheet,
        present: parsed.present,
        fill_date: parsed.fill_date,
        exports,
    }))
}

/// How many files a reader may be ahead of the thread taking them in order. What waits there
/// is small (a file's record and its exports' names; bytes only for the rare copy of a content
/// another reader took), so the other readers go on past a large file one of them is still on.
const READ_AHEAD: usize = 8;

/// Where the writer is: readers wait on it before starting a file too far ahead.
#[derive(Default)]
struct Gate {
    /// (files handed to the writer, whether the writer has stopped)
    state: Mutex<(usize, bool)>,
    moved: Condvar,
}

impl Gate {
    /// Waits until file `i` may be read; false when the writer has stopped.
    fn wait_for(&self, i: usize) -> bool {
        let Ok(mut s) = self.state.lock() else {
            return false;
        };
        while !s.1 && i >= s.0 + READ_AHEAD {
            s = match self.moved.wait(s) {
                Ok(s) => s,
                Err(_) => return false,
            };
        }
        !s.1
    }

    fn set(&self, handed: Option<usize>) {
        if let Ok(mut s) = self.state.lock() {
            match handed {
                Some(n) => s.0 = n,
                None => s.1 = true,
            }
        }
        self.moved.notify_all();
    }
}

/// The files from the readers, in file order.
struct InOrder<'g> {
    rx: std::sync::mpsc::Receiver<(usize, Read)>,
    pending: BTreeMap<usize, Read>,
    gate: &'g Gate,
}

impl Iterator for InOrder<'_> {
    type Item = Read;

    fn next(&mut self) -> Option<Read> {
        let want = self.gate.state.lock().map_or(0, |s| s.0);
        loop {
            if let Some(r) = self.pending.remove(&want) {
                self.gate.set(Some(want + 1));
                return Some(r);
            }
            let (i, r) = self.rx.recv().ok()?;
            self.pending.insert(i, r);
        }
    }
}

impl Drop for InOrder<'_> {
    /// The writer stopped (done, or an error): readers waiting at the gate go home.
    fn drop(&mut self) {
        self.gate.set(None);
    }
}

/// Writes an export's rows (taken into their frame) and rejected cells as Parquet under its
/// id, and returns its record: its counts are read before its rows are taken.
fn write_export(
    wh: &Warehouse,
    table: Table,
    export: Export,
    hash: &str,
    later: &SyncQueue,
) -> Result<WrittenExport, warehouse::Error> {
    let (region, month) = (export.region, export.month);
    let id = format!(
        "{}-{}-{}-{}",
        table.code(),
        region.code(),
        month,
        &hash[..12]
    );
    let part = format!("{}/region={}/month={}", table.code(), region.code(), month);
    let written = WrittenExport {
        data: format!("tables/{part}/{id}.parquet"),
        rejects: format!("rejects/{part}/{id}.parquet"),
        id,
        region,
        month,
        rows_read: export.rows_read,
        rows_accepted: export.rows_accepted(),
        rows_rejected: export.rows_rejected(),
        invalid_id_rows: export.invalid_id_rows(),
        reexport: reexport(&export),
    };
    let mut df =
        warehouse::frame(export.columns).map_err(|e| warehouse::Error::Parquet(e.to_string()))?;
    wh.write_then_sync(&written.data, &warehouse::parquet_bytes(&mut df)?, later)?;
    let mut rj = warehouse::rejects_frame(&export.rejects)
        .map_err(|e| warehouse::Error::Parquet(e.to_string()))?;
    wh.write_then_sync(&written.rejects, &warehouse::parquet_bytes(&mut rj)?, later)?;
    Ok(written)
}

/// Ingests a batch of files into the warehouse, received at `received` (default now).
/// `on_file` is called after each file is read (for progress).
pub fn ingest(
    wh: &Warehouse,
    paths: &[PathBuf],
    received: Option<crate::store::known::Instant>,
    on_file: impl FnMut(&Path),
) -> Result<Report, warehouse::Error> {
    let (files, outcomes) = collect_files(paths);
    let files = files.into_iter().map(|f| (f, None)).collect();
    ingest_files(wh, files, outcomes, received, on_file)
}

/// Ingests files that came under other names than their paths (uploads stored by content
/// hash): each `(path, name)`; the name is what the manifest, the summary and every report
/// show, and no part of it is ever used as a path.
pub fn ingest_named(
    wh: &Warehouse,
    files: Vec<(PathBuf, String)>,
    received: Option<crate::store::known::Instant>,
    on_file: impl FnMut(&Path),
) -> Result<Report, warehouse::Error> {
    let files = files.into_iter().map(|(p, n)| (p, Some(n))).collect();
    ingest_files(wh, files, Vec::new(), received, on_file)
}

fn ingest_files(
    wh: &Warehouse,
    named: Vec<(PathBuf, Option<String>)>,
    mut outcomes: Vec<FileOutcome>,
    received: Option<crate::store::known::Instant>,
    on_file: impl FnMut(&Path),
) -> Result<Report, warehouse::Error> {
    let _lock = wh.lock()?;
    let mut manifest = wh.manifest_for_update()?;
    let stamp = Stamp {
        batch: manifest.files.iter().map(|f| f.batch).max().unwrap_or(0) + 1,
        received_at: now(),
        received: crate::store::known::format(&received.unwrap_or_else(crate::store::known::now)),
    };
    let mut got = receive(wh, &manifest, named, &stamp, on_file)?;
    let choice = Choice::settle(&got.candidates, &got.outcomes);
    let mut records = records_of(&got, &choice, &stamp);
    link_corrections(&mut manifest, &mut records, &choice);
    file_lines(&mut got, &records, &choice.tie_failures);
    commit(wh, manifest, &mut got, records, &choice)?;
    outcomes.extend(got.outcomes);
    Ok(Report { files: outcomes })
}

/// What every record of one batch carries.
struct Stamp {
    batch: u64,
    received_at: String,
    received: String,
}

/// A batch's files once read: their outcomes (in file order), the exports they hold (written,
/// not yet current) and the records of the files new to the warehouse, by outcome index.
struct Received {
    outcomes: Vec<FileOutcome>,
    candidates: Vec<Candidate>,
    new_files: Vec<(usize, FileRecord)>,
}

/// Reads the files on reader threads, one per core: each reads, archives, parses and writes
/// a file whole (so the cores stay busy whatever the mix of large and small files), and this
/// thread takes what they did in file order. A reader starts a file only when it is at most
/// READ_AHEAD files ahead of this thread, which bounds the bytes kept for it (see [`Read`]).
fn receive(
    wh: &Warehouse,
    manifest: &warehouse::Manifest,
    named: Vec<(PathBuf, Option<String>)>,
    stamp: &Stamp,
    mut on_file: impl FnMut(&Path),
) -> Result<Received, warehouse::Error> {
    let (files, shown): (Vec<PathBuf>, Vec<Option<String>>) = named.into_iter().unzip();
    let mut seen: HashSet<String> = manifest
        .files
        .iter()
        .filter(|f| f.error.is_none())
        .map(|f| f.sha256.clone())
        .collect();
    let mut got = Received {
        outcomes: Vec::new(),
        candidates: Vec::new(),
        new_files: Vec::new(),
    };
    let readers = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(1, 4));
    let known = seen.clone();
    let archives: HashSet<String> = manifest
        .files
        .iter()
        .map(|f| f.archived_as.clone())
        .collect();
    let hashes = Mutex::new(seen.clone());
    let syncer = Syncer::start();
    let next = AtomicUsize::new(0);
    let gate = Gate::default();
    std::thread::scope(|scope| -> Result<(), warehouse::Error> {
        let (tx, rx) = std::sync::mpsc::channel::<(usize, Read)>();
        for _ in 0..readers {
            let tx = tx.clone();
            let (files, shown, known, archives, hashes, next, gate) =
                (&files, &shown, &known, &archives, &hashes, &next, &gate);
            let later = syncer.queue().clone();
            scope.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= files.len() || !gate.wait_for(i) {
                    break;
                }
                let r = read(
                    (wh, &later),
                    &files[i],
                    shown[i].clone(),
                    (known, archives),
                    hashes,
                );
                if tx.send((i, r)).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        let in_order = InOrder {
            rx,
            pending: BTreeMap::new(),
            gate: &gate,
        };
        for r in in_order {
            on_file(&r.path);
            take_file(
                (wh, syncer.queue()),
                (manifest, &archives),
                &mut seen,
                stamp,
                r,
                &mut got,
            )?;
        }
        Ok(())
    })?;
    // Every file written is on disk before the manifest names any of them.
    syncer.finish()?;
    Ok(got)
}

/// One file, in file order: its outcome, and when its content is new, its exports as
/// candidates and its record.
fn take_file(
    (wh, later): (&Warehouse, &SyncQueue),
    (manifest, archives): (&warehouse::Manifest, &HashSet<String>),
    seen: &mut HashSet<String>,
    stamp: &Stamp,
    r: Read,
    got: &mut Received,
) -> Result<(), warehouse::Error> {
    let Read {
        path: stored,
        shown,
        bytes,
        size,
        hash,
        done,
    } = r;
    // What the clerk sees: the name it came under, else its path.
    let path = &shown.as_ref().map_or_else(|| stored.clone(), PathBuf::from);
    let idx = got.outcomes.len();
    let outcome = |outcome| FileOutcome {
        path: path.clone(),
        outcome,
    };
    let bytes = match bytes {
        Ok(b) => b,
        Err(e) => {
            got.outcomes.push(outcome(Outcome::Failed(e)));
            return Ok(());
        }
    };
    if seen.contains(&hash) {
        let prior = manifest
            .files
            .iter()
            .find(|f| f.sha256 == hash && f.error.is_none());
        let exports = manifest
            .exports
            .iter()
            .filter(|e| e.file_sha256 == hash)
            .map(|e| e.id.clone())
            .collect();
        got.outcomes.push(outcome(Outcome::AlreadyReceived {
            when: prior.map_or_else(|| "本批次中".to_string(), |f| f.received_at.clone()),
            exports,
        }));
        return Ok(());
    }
    seen.insert(hash.clone());
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let modified = fs::metadata(&stored).and_then(|m| m.modified()).ok();
    let mut record = FileRecord {
        sha256: hash.clone(),
        name,
        source_path: match &shown {
            Some(n) => format!("上传：{n}"),
            None => path.display().to_string(),
        },
        size,
        archived_as: archive_name(path, &hash),
        received_at: stamp.received_at.clone(),
        batch: stamp.batch,
        error: None,
        received: Some(stamp.received.clone()),
    };
    let taken = match done {
        Some(taken) => taken?,
        // Readers take a content once: when another reader took this content's copy later
        // in the batch first, this earlier copy is taken here (into the same files).
        None => {
            let archived = archives.contains(&record.archived_as);
            take_content(wh, &bytes, &hash, (&record.archived_as, archived), later)?
        }
    };
    match taken {
        Ok(written) => {
            for export in written.exports {
                got.candidates.push(Candidate {
                    file: idx,
                    export,
                    table: written.table,
                    format: written.format.clone(),
                    sheet: written.sheet.clone(),
                    present: written.present.clone(),
                    fill_date: written.fill_date,
                    modified,
                });
            }
            got.outcomes.push(outcome(Outcome::Ingested(Vec::new())));
        }
        Err(e) => {
            record.error = Some(e.clone());
            got.outcomes.push(outcome(Outcome::Failed(e)));
        }
    }
    got.new_files.push((idx, record));
    Ok(())
}

/// Corrections within the batch, settled per candidate: per (table, region, month), the
/// later 填报日期, then the later modification time, is the current one; where the two
/// latest tie, none is taken.
struct Choice {
    taken: Vec<bool>,
    /// The in-batch winner that replaces a candidate.
    winner_of: Vec<Option<usize>>,
    /// (file, why) of the files a tie refused.
    tie_failures: Vec<(usize, String)>,
}

impl Choice {
    fn settle(candidates: &[Candidate], outcomes: &[FileOutcome]) -> Choice {
        let mut groups: BTreeMap<(Table, Region, Month), Vec<usize>> = BTreeMap::new();
        for (i, c) in candidates.iter().enumerate() {
            if c.table.corrected_by_next() {
                groups
                    .entry((c.table, c.export.region, c.export.month))
                    .or_default()
                    .push(i);
            }
        }
        let mut choice = Choice {
            taken: vec![true; candidates.len()],
            winner_of: vec![None; candidates.len()],
            tie_failures: Vec::new(),
        };
        for ((table, region, month), mut members) in groups {
            if members.len() < 2 {
                continue;
            }
            let key = |i: &usize| (candidates[*i].fill_date, candidates[*i].modified);
            members.sort_by_key(key);
            let best = members[members.len() - 1];
            let second = members[members.len() - 2];
            if key(&best) == key(&second) {
                let names: Vec<String> = members
                    .iter()
                    .map(|i| outcomes[candidates[*i].file].path.display().to_string())
                    .collect();
                for i in &members {
                    choice.taken[*i] = false;
                    choice.tie_failures.push((
                        candidates[*i].file,
                        format!(
                            "同一批中有 {} 个文件都是 {region} {month} 的{table}，填报日期和修改时间都相同，无法判断哪个是更正版，都未采用；请单独导入正确的那个文件：{}",
                            members.len(),
                            names.join("、")
                        ),
                    ));
                }
                continue;
            }
            for i in &members[..members.len() - 1] {
                choice.winner_of[*i] = Some(best);
            }
        }
        choice
    }
}

/// The exports taken, as manifest records (by candidate index).
fn records_of(got: &Received, choice: &Choice, stamp: &Stamp) -> Vec<(usize, ExportRecord)> {
    let ingested_at = now();
    let mut records = Vec::new();
    for (i, c) in got.candidates.iter().enumerate() {
        if !choice.taken[i] {
            continue;
        }
        let file = &got.outcomes[c.file];
        let hash = got
            .new_files
            .iter()
            .find(|(f, _)| *f == c.file)
            .map(|(_, r)| r.sha256.clone())
            .unwrap_or_default();
        records.push((
            i,
            ExportRecord {
                id: c.export.id.clone(),
                table: c.table,
                region: c.export.region,
                month: c.export.month,
                file_sha256: hash,
                file_name: file
                    .path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                format: c.format.clone(),
                sheet: c.sheet.clone(),
                fill_date: c.fill_date,
                file_modified: c.modified.map(|t| {
                    DateTime::<Local>::from(t)
                        .format("%Y-%m-%d %H:%M:%S")
                        .to_string()
                }),
                ingested_at: ingested_at.clone(),
                batch: stamp.batch,
                rows_read: c.export.rows_read,
                rows_accepted: c.export.rows_accepted,
                rows_rejected: c.export.rows_rejected,
                invalid_id_rows: c.export.invalid_id_rows,
                data: c.export.data.clone(),
                rejects: c.export.rejects.clone(),
                columns_present: c.present.clone(),
                replaces: None,
                replaced_by: None,
                received: Some(stamp.received.clone()),
                reexport: c.export.reexport.clone(),
            },
        ));
    }
    records
}

/// Links corrections: in-batch losers are replaced by their winner; a winner replaces the
/// export that was current before this batch.
fn link_corrections(
    manifest: &mut warehouse::Manifest,
    records: &mut [(usize, ExportRecord)],
    choice: &Choice,
) {
    let id_by_candidate: BTreeMap<usize, String> =
        records.iter().map(|(i, r)| (*i, r.id.clone())).collect();
    for (i, record) in records.iter_mut() {
        if let Some(w) = choice.winner_of[*i] {
            // An in-batch loser is the older version of the winner: history, not current.
            record.replaced_by = id_by_candidate.get(&w).cloned();
        }
    }
    for (i, record) in records.iter_mut() {
        if choice.winner_of[*i].is_some() || !record.table.corrected_by_next() {
            continue;
        }
        if let Some(prev) = manifest.exports.iter_mut().find(|e| {
            e.is_current()
                && e.table == record.table
                && e.region == record.region
                && e.month == record.month
        }) {
            prev.replaced_by = Some(record.id.clone());
            record.replaces = Some(prev.id.clone());
        }
    }
}

/// Each file's outcome lists the exports it gave; a tie's files fail with its reason.
fn file_lines(
    got: &mut Received,
    records: &[(usize, ExportRecord)],
    tie_failures: &[(usize, String)],
) {
    for (i, record) in records {
        let c = &got.candidates[*i];
        if let Outcome::Ingested(lines) = &mut got.outcomes[c.file].outcome {
            lines.push(ExportLine {
                id: record.id.clone(),
                table: record.table,
                region: record.region,
                month: record.month,
                rows_read: record.rows_read,
                rows_accepted: record.rows_accepted,
                rows_rejected: record.rows_rejected,
                replaced_by: record.replaced_by.clone(),
                replaces: record.replaces.clone(),
                reexport: record.reexport.clone(),
            });
        }
    }
    for (file, why) in tie_failures {
        got.outcomes[*file].outcome = Outcome::Failed(why.clone());
    }
}

/// The manifest, written last, makes the batch current; then the exports a tie refused go.
fn commit(
    wh: &Warehouse,
    mut manifest: warehouse::Manifest,
    got: &mut Received,
    records: Vec<(usize, ExportRecord)>,
    choice: &Choice,
) -> Result<(), warehouse::Error> {
    for (idx, mut record) in std::mem::take(&mut got.new_files) {
        if let Outcome::Failed(why) = &got.outcomes[idx].outcome {
            record.error = Some(why.clone());
        }
        manifest.files.push(record);
    }
    manifest.exports.extend(records.into_iter().map(|(_, r)| r));
    manifest.version = 1;
    wh.save_manifest(&manifest)?;
    // The exports a tie refused were written before the choice and nothing names them: they
    // go. (A crash before this line leaves them behind, unread, as any unnamed file.)
    let named: HashSet<&str> = manifest
        .exports
        .iter()
        .flat_map(|e| [e.data.as_str(), e.rejects.as_str()])
        .collect();
    for (i, c) in got.candidates.iter().enumerate() {
        for rel in [&c.export.data, &c.export.rejects] {
            if !choice.taken[i] && !named.contains(rel.as_str()) {
                let _ = fs::remove_file(wh.path(rel));
            }
        }
    }
    Ok(())
}
