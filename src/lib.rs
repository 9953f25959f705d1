//! luyu: the 鲁渝 labour-cooperation programme (济宁–万州) tracked against 济人社字〔2020〕47号.
//!
//! Data flows one way: files → [`source`]/[`parse`] → [`ingest`] → [`warehouse`] →
//! [`model`] (as of a month) → indicators and rules → render.

pub mod cells;
pub mod cli;
pub mod ids;
pub mod ingest;
pub mod parse;
pub mod source;
pub mod tables;
pub mod warehouse;
