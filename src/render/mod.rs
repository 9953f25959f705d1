//! Stage 5, render: what [`crate::run`] computed laid out for people — the reports (tera
//! templates in `reports/`) with their [`charts`]. Nothing here reads the warehouse or
//! computes a figure.

pub mod charts;
pub mod ingest;
pub mod report;
pub mod workbook;
