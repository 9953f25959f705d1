//! Work that takes longer than a request: an ingest of uploaded files, and the first
//! computation of a month (seconds at a million persons). Each runs on its own thread; the page
//! polls `/api/jobs/{id}` for its progress and never waits on a request that hangs.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

use serde::Serialize;

use super::App;
use crate::dates::Month;
use crate::ingest::batch::Outcome;

#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub id: u64,
    pub kind: &'static str,
    /// running, done or failed.
    pub state: &'static str,
    pub done: usize,
    pub total: usize,
    pub message: String,
    /// Where the result is shown, when done.
    pub result: Option<String>,
}

/// One file of an ingest, as the CLI's summary gives it.
#[derive(Debug, Clone, Serialize)]
pub struct FileLine {
    pub name: String,
    /// ✓, ⚠ (flagged for re-export), = (received before) or ✗.
    pub mark: &'static str,
    pub table: String,
    pub region: String,
    pub month: String,
    pub read: usize,
    pub accepted: usize,
    pub rejected: usize,
    pub status: String,
    pub note: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RejectLine {
    pub file: String,
    pub row: usize,
    pub column: String,
    pub value: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct IngestResult {
    pub files: Vec<FileLine>,
    pub rejects: Vec<RejectLine>,
    pub ingested: usize,
    pub skipped: usize,
    pub failed: usize,
    pub flagged: usize,
    pub rows_read: usize,
    pub rows_rejected: usize,
    /// The CLI's exact summary text.
    pub text: String,
}

struct Job {
    status: Status,
    ingest: Option<IngestResult>,
}

#[derive(Default)]
pub struct Jobs {
    next: AtomicU64,
    map: Mutex<HashMap<u64, Job>>,
    ingesting: AtomicBool,
    /// The latest job of each kind for each month (to join one that is running).
    by_month: Mutex<HashMap<(&'static str, Month), u64>>,
}

impl Jobs {
    fn add(&self, kind: &'static str, total: usize, message: &str) -> u64 {
        let id = self.next.fetch_add(1, Ordering::SeqCst) + 1;
        if let Ok(mut m) = self.map.lock() {
            m.insert(
                id,
                Job {
                    status: Status {
                        id,
                        kind,
                        state: "running",
                        done: 0,
                        total,
                        message: message.to_string(),
                        result: None,
                    },
                    ingest: None,
                },
            );
        }
        id
    }

    fn update(&self, id: u64, f: impl FnOnce(&mut Job)) {
        if let Ok(mut m) = self.map.lock() {
            if let Some(j) = m.get_mut(&id) {
                f(j);
            }
        }
    }

    pub fn status(&self, id: u64) -> Option<Status> {
        self.map.lock().ok()?.get(&id).map(|j| j.status.clone())
    }

    pub fn ingest_result(&self, id: u64) -> Option<IngestResult> {
        self.map
            .lock()
            .ok()?
            .get(&id)
            .and_then(|j| j.ingest.clone())
    }

    pub fn ingesting(&self) -> bool {
        self.ingesting.load(Ordering::SeqCst)
    }

    /// Ends a job: done with its message and where its result is shown, or failed.
    fn finish(&self, id: u64, outcome: Result<(String, String), String>) {
        self.update(id, |j| match outcome {
            Ok((message, result)) => {
                j.status.state = "done";
                j.status.message = message;
                j.status.result = Some(result);
            }
            Err(e) => {
                j.status.state = "failed";
                j.status.message = e;
            }
        });
    }
}

/// Runs `work` on its own thread as a job of `kind` for `month` — or, when one of that kind is
/// running for the month already, joins it: a hundred clients asking for a month not computed
/// yet start one computation. `work` hears a `say` for its progress and returns where its
/// result is shown.
fn start_for_month<F>(app: &App, kind: &'static str, month: Month, message: String, work: F) -> u64
where
    F: FnOnce(&App, &dyn Fn(&str)) -> Result<String, String> + Send + 'static,
{
    // Held from the look-up to the insert: two requests cannot both start one.
    let mut running = app.jobs.by_month.lock().ok();
    let joined = running
        .as_ref()
        .and_then(|m| m.get(&(kind, month)).copied())
        .filter(|id| app.jobs.status(*id).is_some_and(|s| s.state == "running"));
    if let Some(id) = joined {
        return id;
    }
    let id = app.jobs.add(kind, 0, &message);
    if let Some(m) = running.as_mut() {
        m.insert((kind, month), id);
    }
    drop(running);
    let app = app.clone();
    std::thread::spawn(move || {
        let say = |s: &str| app.jobs.update(id, |j| j.status.message = s.to_string());
        let outcome = work(&app, &say).map(|result| ("核算完成".to_string(), result));
        app.jobs.finish(id, outcome);
    });
    id
}

/// Starts an ingest of uploaded files (stored by hash, with the names they came under).
/// `None` when another ingest is running.
pub fn start_ingest(
    app: &App,
    files: Vec<(PathBuf, String)>,
    who: super::auth::User,
) -> Option<u64> {
    if app.jobs.ingesting.swap(true, Ordering::SeqCst) {
        return None;
    }
    let id = app.jobs.add("ingest", files.len(), "正在读取文件……");
    let app = app.clone();
    std::thread::spawn(move || {
        let names: Vec<String> = files.iter().map(|(_, n)| n.clone()).collect();
        app.auth.log(
            &who,
            &format!("上传 {} 个文件：{}", names.len(), names.join("、")),
        );
        let wh = app.warehouse();
        let stored: Vec<PathBuf> = files.iter().map(|(p, _)| p.clone()).collect();
        let mut done = 0;
        let result = crate::ingest::batch::ingest_named(&wh, files, None, |_| {
            done += 1;
            let d = done;
            app.jobs.update(id, |j| j.status.done = d);
        });
        // The warehouse's raw/ archive keeps every file received; the upload's own copies go
        // (before the job says it is done).
        for p in stored {
            let _ = std::fs::remove_file(p);
        }
        let outcome = result.map_err(|e| e.to_string()).map(|report| {
            let r = summarise(&app, &report);
            let message = format!(
                "导入 {} 个文件，跳过 {} 个，失败 {} 个，需重新导出 {} 个",
                r.ingested, r.skipped, r.failed, r.flagged
            );
            app.jobs.update(id, |j| j.ingest = Some(r));
            (message, format!("/upload/result/{id}"))
        });
        app.jobs.finish(id, outcome);
        app.jobs.ingesting.store(false, Ordering::SeqCst);
    });
    Some(id)
}

fn summarise(app: &App, report: &crate::ingest::batch::Report) -> IngestResult {
    let mut r = IngestResult {
        text: crate::render::ingest::render(report),
        ..Default::default()
    };
    let wh = app.warehouse();
    let manifest = wh.manifest().unwrap_or_default();
    for f in &report.files {
        let name = f.path.display().to_string();
        match &f.outcome {
            Outcome::Ingested(lines) => {
                r.ingested += 1;
                let flagged = lines.iter().any(|l| l.reexport.is_some());
                r.flagged += usize::from(flagged);
                for l in lines {
                    r.rows_read += l.rows_read;
                    r.rows_rejected += l.rows_rejected;
                    let status = match (&l.replaced_by, &l.replaces) {
                        (Some(_), _) => "已被同批更正版取代，存入历史".to_string(),
                        (None, Some(_)) => "当前版本（更正并取代此前的版本）".to_string(),
                        (None, None) => "当前版本".to_string(),
                    };
                    r.files.push(FileLine {
                        name: name.clone(),
                        mark: if flagged { "⚠" } else { "✓" },
                        table: l.table.chinese().into(),
                        region: l.region.chinese().into(),
                        month: l.month.to_string(),
                        read: l.rows_read,
                        accepted: l.rows_accepted,
                        rejected: l.rows_rejected,
                        status,
                        note: l
                            .reexport
                            .as_ref()
                            .map(|x| x.sentence())
                            .unwrap_or_default(),
                    });
                    if l.rows_rejected > 0 {
                        if let Some(e) = manifest.exports.iter().find(|e| e.id == l.id) {
                            for (_, rj) in wh.read_rejects(&[e]).unwrap_or_default() {
                                r.rejects.push(RejectLine {
                                    file: name.clone(),
                                    row: rj.row,
                                    column: rj.column,
                                    value: rj.value,
                                    reason: rj.reason,
                                });
                            }
                        }
                    }
                }
            }
            Outcome::AlreadyReceived { when, .. } => {
                r.skipped += 1;
                r.files.push(FileLine {
                    name,
                    mark: "=",
                    note: format!("已于 {when} 接收过相同内容的文件，跳过"),
                    ..blank()
                });
            }
            Outcome::Failed(why) => {
                r.failed += 1;
                r.files.push(FileLine {
                    name,
                    mark: "✗",
                    note: format!("未导入：{why}"),
                    ..blank()
                });
            }
        }
    }
    r
}

fn blank() -> FileLine {
    FileLine {
        name: String::new(),
        mark: "",
        table: String::new(),
        region: String::new(),
        month: String::new(),
        read: 0,
        accepted: 0,
        rejected: 0,
        status: String::new(),
        note: String::new(),
    }
}

/// Starts (or joins) the first computation of a month: the reports' preparation, which fills
/// the report cache the dashboard reads.
pub fn start_compute(app: &App, month: Month) -> u64 {
    let message = format!("正在核算截至 {month} 的数据……");
    start_for_month(app, "compute", month, message, move |app, say| {
        let at = app.at(month);
        crate::run::reports::prepare_all(&at, &[], crate::render::report::LIST_CAP, false, say)
            .map(|_prepared| format!("/dashboard?as_of={month}"))
            .map_err(|e| e.to_string())
    })
}

/// Starts (or joins) the computation of a month's full results — what the lists behind the
/// figures and a person's page read — and keeps them in memory when done (one month at a
/// time). `back` is the page to return to.
pub fn start_results(app: &App, month: Month, manifest: String, back: String) -> u64 {
    let message = format!("正在核算截至 {month} 的明细……");
    start_for_month(app, "results", month, message, move |app, _| {
        let results = app.at(month).compute().map_err(|e| e.to_string())?;
        let c = std::sync::Arc::new(super::Computed {
            month,
            manifest,
            results,
        });
        let old = app
            .computed
            .lock()
            .ok()
            .and_then(|mut slot| slot.replace(c));
        // The previous month's results are freed here, not in a request.
        drop(old);
        Ok(back)
    })
}
