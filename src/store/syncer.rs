//! The thread that makes an ingest's files durable: it fsyncs each file as it is written and
//! writes the raw archive copies (see [`crate::store::direct`]), so that the waits for the disk
//! run beside the ingest's work instead of inside it. The manifest names none of these files
//! until [`Syncer::finish`] has returned.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::mpsc::SyncSender;
use std::sync::Arc;

use crate::store::direct::{self, AlignedBytes};

/// What could not be made durable: the file, what was being done, the system's error. The
/// warehouse turns it into its own error ([`crate::store::warehouse::Error`]).
#[derive(Debug)]
pub struct Failed {
    pub path: PathBuf,
    pub what: &'static str,
    pub source: io::Error,
}

fn failed<'a>(path: &'a Path, what: &'static str) -> impl FnOnce(io::Error) -> Failed + 'a {
    move |source| Failed {
        path: path.to_path_buf(),
        what,
        source,
    }
}

/// fsyncs a written file.
pub fn sync_file(path: &Path) -> Result<(), Failed> {
    fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(failed(path, "无法同步到磁盘"))
}

/// Where the warehouse sends the work of [`Syncer`]'s thread. Bounded, so that archive copies
/// waiting for a slow disk do not pile up in memory.
#[derive(Clone)]
pub struct SyncQueue(SyncSender<Job>);

impl SyncQueue {
    pub fn send(&self, job: Job) -> Result<(), Failed> {
        self.0.send(job).map_err(|e| Failed {
            path: e.0.path().to_path_buf(),
            what: "无法同步到磁盘（同步线程已停止）",
            source: io::Error::other("sync thread stopped"),
        })
    }
}

pub enum Job {
    /// A written file to fsync.
    Sync(PathBuf),
    /// A received file's copy to write to `tmp`, sync and rename to `path`.
    Archive {
        tmp: PathBuf,
        path: PathBuf,
        bytes: Arc<AlignedBytes>,
    },
}

impl Job {
    fn path(&self) -> &Path {
        match self {
            Job::Sync(path) | Job::Archive { path, .. } => path,
        }
    }

    fn run(self) -> Result<(), Failed> {
        match self {
            Job::Sync(path) => sync_file(&path),
            Job::Archive { tmp, path, bytes } => {
                direct::write_synced(&tmp, &bytes).map_err(failed(&tmp, "无法写入临时文件"))?;
                fs::rename(&tmp, &path).map_err(failed(&path, "无法重命名临时文件"))
            }
        }
    }
}

/// The thread, started before an ingest writes and finished before its manifest.
pub struct Syncer {
    queue: SyncQueue,
    done: std::thread::JoinHandle<Result<(), Failed>>,
}

impl Syncer {
    pub fn start() -> Syncer {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Job>(16);
        let done = std::thread::spawn(move || {
            // Every job is done even after one fails, so none is left waiting; the first
            // failure is the answer.
            let mut first = Ok(());
            for job in rx {
                let done = job.run();
                if first.is_ok() {
                    first = done;
                }
            }
            first
        });
        Syncer {
            queue: SyncQueue(tx),
            done,
        }
    }

    pub fn queue(&self) -> &SyncQueue {
        &self.queue
    }

    /// Waits until every file sent (by every clone of the queue, all dropped by now) is on disk.
    pub fn finish(self) -> Result<(), Failed> {
        drop(self.queue);
        self.done.join().unwrap_or_else(|_| {
            Err(Failed {
                path: PathBuf::new(),
                what: "无法同步到磁盘（同步线程意外停止）",
                source: io::Error::other("sync thread panicked"),
            })
        })
    }
}
