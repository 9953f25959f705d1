//! Publications: the figures and reports of a month as presented (a 联席会议 briefing, a
//! supervision review), kept in the warehouse so that they can always be explained later.
//!
//! ```text
//! publications/index.json                      every publication, written last (the commit point)
//! publications/<YYYY-MM>/v<N>/summary.json      the figures, byte for byte as published
//! publications/<YYYY-MM>/v<N>/<kind>-<M>.html   the reports as rendered (and .md with its charts)
//! ```
//!
//! A publication records the month, the time its data was known on (`--as-known-on`, default
//! the moment of publishing), the title, the plan year, the policy file's hash and a sha256 of
//! every file. It is never changed or removed: publishing the month again after corrections is
//! version 2, 3, … Recomputing a publication from the warehouse as known on its time must give
//! its summary.json byte for byte ([`verify`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::dates::Month;
use crate::store::known::Instant;
use crate::store::warehouse::{sha256_hex, Warehouse};

pub const INDEX: &str = "publications/index.json";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct File {
    pub name: String,
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Publication {
    pub month: Month,
    pub version: u32,
    #[serde(default)]
    pub title: Option<String>,
    /// The figures are those of the exports received up to this time (RFC 3339).
    pub known_on: String,
    /// When the publication was recorded (RFC 3339).
    pub recorded_at: String,
    pub plan_year: i32,
    /// sha256 of the policy file the figures were computed with (`builtin` for the built-in).
    pub policy: String,
    pub list_cap: usize,
    /// The folder under the warehouse that holds its files.
    pub dir: String,
    pub files: Vec<File>,
}

/// A publication as its reports' header names it: the templates' `publication`.
#[derive(Debug, Serialize)]
pub struct Stamp<'a> {
    date: String,
    version: u32,
    title: Option<&'a str>,
    known_on: &'a str,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Index {
    publications: Vec<Publication>,
}

impl Publication {
    pub fn known_on(&self) -> Option<Instant> {
        crate::store::known::stored(&self.known_on)
    }

    /// The day it was published: the date of the time its data was known on.
    pub fn date(&self) -> String {
        self.known_on
            .get(..10)
            .unwrap_or(&self.known_on)
            .to_string()
    }

    /// What its reports say in their header (已于 2020-07-10 发布，第 1 版).
    pub fn stamp(&self) -> Stamp<'_> {
        Stamp {
            date: self.date(),
            version: self.version,
            title: self.title.as_deref(),
            known_on: &self.known_on,
        }
    }

    pub fn summary_rel(&self) -> String {
        format!("{}/summary.json", self.dir)
    }
}

pub use crate::Error;

/// Every publication, in the order recorded.
pub fn list(wh: &Warehouse) -> Result<Vec<Publication>, Error> {
    match std::fs::read(wh.path(INDEX)) {
        Ok(bytes) => {
            let index: Index = serde_json::from_slice(&bytes)
                .map_err(|e| format!("发布记录 {INDEX} 已损坏，无法读取（{e}）"))?;
            Ok(index.publications)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(format!("无法读取发布记录 {INDEX}（{e}）").into()),
    }
}

/// The latest publication of a month.
pub fn latest(wh: &Warehouse, month: Month) -> Result<Option<Publication>, Error> {
    Ok(list(wh)?
        .into_iter()
        .filter(|p| p.month == month)
        .max_by_key(|p| p.version))
}

/// The latest time any publication's data was known on: receipts back-dated before it would
/// change published figures.
pub fn latest_known_on(wh: &Warehouse) -> Result<Option<(Publication, Instant)>, Error> {
    Ok(list(wh)?
        .into_iter()
        .filter_map(|p| Some((p.known_on()?, p)))
        .max_by_key(|(t, _)| *t)
        .map(|(t, p)| (p, t)))
}

/// The hash a policy file is recorded by.
pub fn policy_hash(path: Option<&std::path::Path>) -> Result<String, Error> {
    Ok(match path {
        Some(p) => sha256_hex(
            &std::fs::read(p).map_err(|e| format!("无法读取政策文件 {}（{e}）", p.display()))?,
        ),
        None => "builtin".to_string(),
    })
}

/// Adds a publication whose files are already in place under its `dir` (the index is written
/// last, atomically: a publication that is not in the index does not exist).
pub fn record(wh: &Warehouse, publication: Publication) -> Result<(), Error> {
    let mut index = Index {
        publications: list(wh)?,
    };
    if index
        .publications
        .iter()
        .any(|p| p.month == publication.month && p.version == publication.version)
    {
        return Err(format!(
            "{} 第 {} 版已发布过，发布记录不能修改",
            publication.month, publication.version
        )
        .into());
    }
    index.publications.push(publication);
    wh.write_atomic(INDEX, &serde_json::to_vec_pretty(&index)?)?;
    Ok(())
}

/// Every leaf of a JSON value by its dotted path (`targets.local.actual`).
pub fn flatten(v: &serde_json::Value) -> BTreeMap<String, serde_json::Value> {
    fn walk(v: &serde_json::Value, path: &str, out: &mut BTreeMap<String, serde_json::Value>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, v) in m {
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    walk(v, &p, out);
                }
            }
            other => {
                out.insert(path.to_string(), other.clone());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(v, "", &mut out);
    out
}

/// The paths whose values differ between two summaries, with both values (absent: `null`).
pub fn differences(
    a: &serde_json::Value,
    b: &serde_json::Value,
) -> Vec<(String, serde_json::Value, serde_json::Value)> {
    let (fa, fb) = (flatten(a), flatten(b));
    let mut keys: Vec<&String> = fa.keys().chain(fb.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|k| {
            let (x, y) = (
                fa.get(k).cloned().unwrap_or_default(),
                fb.get(k).cloned().unwrap_or_default(),
            );
            (x != y).then(|| (k.clone(), x, y))
        })
        .collect()
}

/// What one publication's check found: nothing (reproduced), or sentences saying what differs.
pub struct Check {
    pub publication: Publication,
    pub problems: Vec<String>,
}

/// Checks every publication: its files are as recorded (sha256), and its summary.json is what
/// the warehouse as known on its time computes today, byte for byte. `recompute`: the
/// summary.json bytes of a publication's month and plan year from the warehouse as known on
/// its time (the caller's computation: the store computes nothing).
pub fn verify(
    dir: &std::path::Path,
    policy_path: Option<&std::path::Path>,
    recompute: impl Fn(&Warehouse, &Publication) -> Result<Vec<u8>, Error>,
) -> Result<Vec<Check>, Error> {
    let wh = Warehouse::open(dir);
    let policy_sha = policy_hash(policy_path)?;
    let mut checks = Vec::new();
    for p in list(&wh)? {
        let mut problems = Vec::new();
        for f in &p.files {
            let rel = format!("{}/{}", p.dir, f.name);
            match std::fs::read(wh.path(&rel)) {
                Ok(b) if sha256_hex(&b) == f.sha256 => {}
                Ok(_) => problems.push(format!("{rel} 已被改动（sha256 与发布时不符）")),
                Err(e) => problems.push(format!("{rel} 无法读取（{e}）")),
            }
        }
        if p.policy != policy_sha {
            problems.push("政策文件与发布时不同（用发布时的 --policy 文件再核对）".to_string());
        }
        let Some(t) = p.known_on() else {
            problems.push(format!("发布记录中的时间“{}”无法识别", p.known_on));
            checks.push(Check {
                publication: p,
                problems,
            });
            continue;
        };
        let again = recompute(&Warehouse::open(dir).as_known_on(Some(t)), &p)?;
        let stored = std::fs::read(wh.path(&p.summary_rel())).unwrap_or_default();
        if again != stored {
            let published: serde_json::Value =
                serde_json::from_slice(&stored).unwrap_or(serde_json::Value::Null);
            let now: serde_json::Value = serde_json::from_slice(&again)?;
            let diffs = differences(&published, &now);
            if diffs.is_empty() {
                problems.push("summary.json 的字节与重新核算的结果不同（数值相同）".to_string());
            }
            for (path, a, b) in diffs {
                problems.push(format!("{path}：发布时 {a}，按发布时的数据重新核算为 {b}"));
            }
        }
        checks.push(Check {
            publication: p,
            problems,
        });
    }
    Ok(checks)
}
