//! Stage 5, render: what [`crate::run`] computed laid out for people — the reports ([`report`],
//! tera templates in `reports/`, showing the sections of [`context`]) with their [`charts`],
//! the follow-up workbook ([`workbook`]) and what an ingest did ([`ingest`]). Nothing here
//! reads the warehouse or computes a figure.

pub mod charts;
pub mod context;
pub mod ingest;
pub mod report;
pub mod workbook;
