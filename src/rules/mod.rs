//! Stage 4, the rules of 济人社字〔2020〕47号 applied to the model as of a month, with the
//! parameters of [`crate::policy`]:
//!
//! - [`targets`]: the four indicators (policy 一) — the SQL in `queries/` — with pace and status;
//! - [`entitle`]: one formula per subsidy item (policy 二–四), what a payee is entitled to;
//! - [`audit`]: every payment checked against its entitlement, spend per pool, the findings;
//! - [`changes`]: what a cumulative ledger changed between two snapshots;
//! - [`findings`]: the `Rule` and `Severity` enums, a finding, its 问题编号 and listing order;
//! - [`followup`]: findings followed month to month until the data closes them (整改台账);
//! - [`quality`]: missing exports, rejected rows and ledger edits as of the month;
//! - [`revisions`]: why a published figure moved since it was published;
//! - [`summary`]: the figures of `summary.json`.

pub mod audit;
pub mod changes;
pub mod entitle;
pub mod findings;
pub mod followup;
pub mod quality;
pub mod revisions;
pub mod summary;
pub mod targets;
