//! The report cache: what `report` computed as of a month, kept in the warehouse
//! (`cache/report-<kind>-YYYY-MM.json`), so that rendering the same reports again — another
//! format, a reprint for the meeting — reads one small file instead of recomputing from every
//! row (about 25 s at a million persons, against well under a second).
//!
//! An entry is used only when everything it was computed from is unchanged: the warehouse's
//! manifest (any ingest changes it), the publications, the policy file, the month, the plan
//! year, the list cap, the `--as-known-on` time and the luyu binary itself (size and modification time: a new build may compute
//! differently). Otherwise it is recomputed and replaced. Entries hold what circulates — masked
//! IDs and names only — and are written atomically; a damaged or unreadable entry is a miss.

use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::dates::Month;
use crate::store::warehouse::Warehouse;

pub struct Cache<'a> {
    wh: &'a Warehouse,
    as_of: Month,
    key: String,
}

/// The inputs an entry depends on besides the warehouse.
pub struct Inputs<'a> {
    pub policy: Option<&'a Path>,
    pub as_of: Month,
    pub plan_year: Option<i32>,
    pub list_cap: usize,
    pub known_on: Option<crate::store::known::Instant>,
}

impl<'a> Cache<'a> {
    /// The cache for these inputs; its key hashes them with the manifest and the binary.
    pub fn new(wh: &'a Warehouse, inputs: &Inputs) -> std::io::Result<Cache<'a>> {
        let mut data = std::fs::read(wh.manifest_path())?;
        // A new publication of the month adds its revisions section.
        data.extend(b"\0publications\0");
        data.extend(std::fs::read(wh.path(crate::store::publish::INDEX)).unwrap_or_default());
        Cache::keyed(wh, inputs, &data)
    }

    /// The cache of what depends on the month alone: its key hashes the exports as of the month
    /// (the current export of each table, region and month up to it, as this view knows them)
    /// instead of the whole manifest, so that next month's files leave it valid. For the
    /// 整改台账's month-by-month findings.
    pub fn for_month(wh: &'a Warehouse, inputs: &Inputs) -> Result<Cache<'a>, crate::Error> {
        let manifest = wh.manifest()?;
        let ids: Vec<&str> = Warehouse::current(&manifest, inputs.as_of)
            .into_iter()
            .map(|e| e.id.as_str())
            .collect();
        Ok(Cache::keyed(wh, inputs, ids.join("\n").as_bytes())?)
    }

    fn keyed(wh: &'a Warehouse, inputs: &Inputs, data: &[u8]) -> std::io::Result<Cache<'a>> {
        let mut h = Sha256::new();
        h.update(b"luyu report cache 1\0");
        h.update(env!("CARGO_PKG_VERSION").as_bytes());
        if let Ok(exe) = std::env::current_exe().and_then(std::fs::metadata) {
            h.update(exe.len().to_le_bytes());
            if let Ok(t) = exe.modified() {
                h.update(format!("{t:?}").as_bytes());
            }
        }
        h.update(b"\0data\0");
        h.update(data);
        h.update(b"\0policy\0");
        match inputs.policy {
            Some(p) => h.update(std::fs::read(p)?),
            None => h.update(b"builtin"),
        }
        h.update(
            format!(
                "\0{}\0{:?}\0{}\0{:?}",
                inputs.as_of, inputs.plan_year, inputs.list_cap, inputs.known_on
            )
            .as_bytes(),
        );
        let key = h
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>();
        Ok(Cache {
            wh,
            as_of: inputs.as_of,
            key,
        })
    }
}

/// An entry (`cache/<name>-YYYY-MM.json`): a value and the key it was computed under. What a
/// value is — a prepared report, a month's findings — is its owner's to say (`run::reports`,
/// `rules::followup`): the store keeps bytes under a key, and knows no report.
#[derive(Serialize, Deserialize)]
struct Named<T> {
    key: String,
    value: T,
}

impl Cache<'_> {
    fn named_rel(&self, name: &str) -> String {
        format!("cache/{name}-{}.json", self.as_of)
    }

    /// A value kept under `name` for this month, if computed from the same inputs.
    pub fn get_named<T: serde::de::DeserializeOwned>(&self, name: &str) -> Option<T> {
        let bytes = std::fs::read(self.wh.dir.join(self.named_rel(name))).ok()?;
        let e: Named<T> = serde_json::from_slice(&bytes).ok()?;
        (e.key == self.key).then_some(e.value)
    }

    /// Keeps a value under `name` for this month, replacing the previous one.
    pub fn put_named<T: Serialize>(&self, name: &str, value: &T) -> Result<(), crate::Error> {
        let bytes = serde_json::to_vec(&Named {
            key: self.key.clone(),
            value,
        })?;
        self.wh.write_atomic(&self.named_rel(name), &bytes)?;
        Ok(())
    }
}
