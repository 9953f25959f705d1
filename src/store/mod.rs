//! Stage 2, the store: everything luyu keeps on disk about the data, and the only code that
//! knows those paths (the server keeps its accounts and access log beside them, in
//! `serve::auth`).
//!
//! - [`warehouse`]: received files, each export's rows as Parquet, the manifest (the commit
//!   point) and the history of corrections;
//! - [`direct`]: a received file's bytes, aligned in memory and archived straight to the disk;
//! - [`syncer`]: the thread that makes an ingest's files durable before its manifest;
//! - [`known`]: when each export was received, and the `--as-known-on` view of the manifest;
//! - [`publish`]: the figures and reports of a month as published, never changed;
//! - [`cache`]: what a report computed as of a month, reused while its inputs are unchanged.

pub mod cache;
pub mod direct;
pub mod known;
pub mod publish;
pub mod syncer;
pub mod warehouse;
