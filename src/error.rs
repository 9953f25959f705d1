//! The one error type of the library, [`Error`], for everything a command or a page can fail
//! on. What reaches a clerk is its `Display`: a message already written in plain Chinese
//! (`Message`, the warehouse's own errors), or the underlying library's text for a fault of the
//! program or the machine (a template, a chart, a disk).

use std::fmt;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A message for the user, in plain Chinese, saying what is wrong and what to do.
    #[error("{0}")]
    Message(String),
    #[error(transparent)]
    Warehouse(#[from] crate::store::warehouse::Error),
    #[error(transparent)]
    Polars(#[from] polars::prelude::PolarsError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    #[error(transparent)]
    Template(#[from] tera::Error),
    #[error(transparent)]
    Csv(#[from] csv::Error),
    #[error(transparent)]
    Workbook(#[from] rust_xlsxwriter::XlsxError),
    /// Any other library's error, by its text (chart drawing, archives, the server's runtime).
    #[error("{0}")]
    Other(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<String> for Error {
    fn from(s: String) -> Error {
        Error::Message(s)
    }
}

impl From<&str> for Error {
    fn from(s: &str) -> Error {
        Error::Message(s.to_string())
    }
}

impl Error {
    /// Any displayable error, kept as its text.
    pub fn other(e: impl fmt::Display) -> Error {
        Error::Other(e.to_string())
    }
}
