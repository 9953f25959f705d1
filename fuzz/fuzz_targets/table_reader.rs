//! Fuzzes the table reader: any bytes, as a file an office could send, must give a typed export
//! or a clear message, never a panic. Run: `make fuzz` (see README).
#![no_main]
// The reader's files are compiled alone here; what only the rest of luyu uses is unused.
#![allow(dead_code)]

use libfuzzer_sys::fuzz_target;

#[path = "../../src/dates.rs"]
mod dates;
#[path = "../../src/ids.rs"]
mod ids;
// The same module paths as in luyu (`crate::ingest::…`), so the files compile unchanged.
#[path = "../../src"]
mod ingest {
    #[path = "ingest/cells.rs"]
    pub mod cells;
    #[path = "ingest/reader.rs"]
    pub mod reader;
    #[path = "ingest/source.rs"]
    pub mod source;
    #[path = "ingest/tables.rs"]
    pub mod tables;
}

fuzz_target!(|data: &[u8]| {
    let _ = ingest::reader::parse(data);
});
