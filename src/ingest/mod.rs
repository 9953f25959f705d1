//! Stage 1, files → typed exports: a received file read whatever its format
//! ([`source`]), its table recognised and every cell typed or rejected ([`reader`], with the
//! cell spellings of [`cells`] and the columns of [`tables`]), and a batch of files resolved
//! into exports and corrections and handed to the store ([`batch`]).

pub mod batch;
pub mod cells;
pub mod reader;
pub mod source;
pub mod tables;
