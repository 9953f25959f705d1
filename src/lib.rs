//! luyu: the 鲁渝 labour-cooperation programme (济宁–万州) tracked against 济人社字〔2020〕47号.
//!
//! Data flows one way: files → [`source`]/[`parse`] → [`ingest`] → [`warehouse`] →
//! [`model`] (as of a month) → indicators and rules → render.

// The report context is one large `json!` literal.
#![recursion_limit = "256"]

pub mod audit;
pub mod cells;
pub mod changes;
pub mod cli;
pub mod dates;
pub mod entitle;
pub mod facts;
pub mod followup;
pub mod generate;
pub mod ids;
pub mod ingest;
pub mod known;
pub mod model;
pub mod money;
pub mod parse;
pub mod policy;
pub mod publish;
pub mod report;
pub mod revisions;
pub mod run;
pub mod serve;
pub mod source;
pub mod summary;
pub mod tables;
pub mod targets;
pub mod warehouse;
