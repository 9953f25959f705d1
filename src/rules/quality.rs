//! The data behind a report's 数据质量 and 台账变动 sections, read from the store as of the
//! month: the exports still missing, the rejected rows of the current exports, and what each
//! cumulative ledger changed since the previous month. Read here, before rendering, so that
//! `render` lays out what was computed and reads no warehouse itself.

use crate::dates::Month;
use crate::ingest::reader::Reject;
use crate::ingest::tables::{Region, Table};
use crate::model::Model;
use crate::rules::changes::{self, Edits};
use crate::store::warehouse::Warehouse;

pub struct Quality {
    /// (table, region, month) of every export expected up to M that never arrived.
    pub missing: Vec<(Table, Region, Month)>,
    /// Rejected rows of the current exports, with the id of the export they belong to.
    pub rejects: Vec<(String, Reject)>,
    /// Per cumulative ledger that changed since M−1 (only when asked for: the supervision
    /// review shows them).
    pub edits: Vec<(Table, Edits)>,
}

/// The ledgers whose month-to-month edits the supervision review shows.
const EDITED: [Table; 4] = [
    Table::Registry,
    Table::Help,
    Table::Jining,
    Table::Workshops,
];

/// Reads the quality data as of the model's month; the ledger edits only `with_edits`, each
/// listing at most `limit` changed and withdrawn rows (masked).
pub fn gather(
    wh: &Warehouse,
    model: &Model,
    with_edits: bool,
    limit: usize,
) -> Result<Quality, crate::Error> {
    let manifest = wh.manifest()?;
    let missing = manifest
        .missing(&crate::ingest::tables::ALL)
        .into_iter()
        .filter(|(_, _, m)| *m <= model.as_of)
        .collect();
    let with_rejects: Vec<_> = model
        .exports
        .iter()
        .filter(|e| e.rows_rejected > 0)
        .collect();
    let rejects = wh.read_rejects(&with_rejects)?;
    let mut edits = Vec::new();
    if with_edits {
        let prev_month = model.as_of.prev();
        for table in EDITED {
            let a = Warehouse::snapshots(&manifest, table, prev_month);
            let b = Warehouse::snapshots(&manifest, table, model.as_of);
            if a.iter().map(|e| &e.id).eq(b.iter().map(|e| &e.id)) {
                continue;
            }
            let e = changes::edits(
                &wh.read(table, &a)?,
                &wh.read(table, &b)?,
                table,
                limit,
                true,
            )?;
            edits.push((table, e));
        }
    }
    Ok(Quality {
        missing,
        rejects,
        edits,
    })
}
