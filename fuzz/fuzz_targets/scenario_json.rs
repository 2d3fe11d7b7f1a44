//! Scenario parsing and validation from arbitrary bytes, read as JSON.
//!
//! The bytes go through `greenloop::scenario::load_str` exactly as `load_file` would pass a
//! `.json` file: parse, source map, validation (catalog lookups, trace, weather and grid
//! files named relative to `scenarios/`). Nothing is run and nothing is written.

#![no_main]

use std::path::Path;

use greenloop::scenario::{Format, load_str};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // `load_file` rejects non-UTF-8 files before parsing.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let base_dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../scenarios"));
    let _ = load_str(text, Format::Json, "fuzz.json", "fuzz", base_dir);
});
