//! Fuzzes the table reader: any bytes, as a file an office could send, must give a typed export
//! or a clear message, never a panic. Run: `make fuzz` (see README).
#![no_main]
// The reader's files are compiled alone here; what only the rest of luyu uses is unused.
#![allow(dead_code)]

use libfuzzer_sys::fuzz_target;

#[path = "../../src/cells.rs"]
mod cells;
#[path = "../../src/ids.rs"]
mod ids;
#[path = "../../src/parse.rs"]
mod parse;
#[path = "../../src/source.rs"]
mod source;
#[path = "../../src/tables.rs"]
mod tables;

fuzz_target!(|data: &[u8]| {
    let _ = parse::parse(data);
});
