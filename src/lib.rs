//! luyu: the 鲁渝 labour-cooperation programme (济宁–万州) tracked against 济人社字〔2020〕47号.
//!
//! Data flows one way, and each stage is a folder:
//!
//! ```text
//! files ─▶ ingest/ ─▶ store/ ─▶ model/ ─▶ rules/ ─▶ run ─▶ render/ ─▶ cli/, serve/
//!          read,      warehouse, as of a   targets,   one     reports,   the two
//!          type,      manifest,  month:    money,     month's charts     front ends
//!          reject     history    facts     findings   results
//! ```
//!
//! - [`ingest`]: a received file read and typed, rows rejected with their reasons;
//! - [`store`]: the warehouse, what was known when, publications, the report cache;
//! - [`model`]: the world as of a month, and the facts per person the rules judge;
//! - [`rules`]: the policy's clauses as formulas over the model, with [`policy`]'s parameters;
//! - [`run`]: the one computation of a month every command and page shares, and what the
//!   reports and a person's story need on top of it;
//! - [`render`]: the reports (their context typed section by section) and their charts, the
//!   follow-up workbook, the ingest text — laid out from what `run` computed, without reading
//!   the warehouse;
//! - [`cli`] (one file per command) and [`serve`] (the web application) on top, neither
//!   depending on the other;
//! - [`gen`]: the generator of realistic exports for the samples, tests and benchmarks.
//!
//! A stage imports the stages before it, not after: the store keeps named values and knows no
//! report; the rules compute no month (the 整改台账 is handed the pipeline,
//! `rules::followup::Params::compute`). Two back-edges remain: the store reads the tables'
//! definitions from `ingest::tables`, and `render` lays out `run::Results` while `run::reports`
//! calls `render` to write them.
//!
//! Shared vocabulary: [`dates`] (months and calendar arithmetic), [`money`] (exact yuan),
//! [`ids`] (身份证号, credit codes, masking), and [`Error`], the one error type; [`memory`]
//! is the allocator, what is freed on another thread, and when freed memory goes back to the
//! kernel.

pub mod cli;
pub mod dates;
pub mod error;
pub mod gen;
pub mod ids;
pub mod ingest;
pub mod memory;
pub mod model;
pub mod money;
pub mod policy;
pub mod render;
pub mod rules;
pub mod run;
pub mod serve;
pub mod store;

pub use error::{Error, Result};
