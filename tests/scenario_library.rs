//! The scenario library: every scenario file under `scenarios/` (subfolders included) is a
//! valid scenario, and `scenarios/README.md` indexes every one of them by its path.
//!
//! Plain scenarios are loaded with `greenloop::load_file`; files with a `[sweep]` table with
//! `greenloop::sweep::load_sweep`, which validates the base and every variant.

use std::path::{Path, PathBuf};

fn scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")
}

/// Every `.toml` file under `dir`, recursively, in a stable order.
fn toml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            toml_files(&path, out);
        } else if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("toml")) {
            out.push(path);
        }
    }
}

fn scenario_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    toml_files(&scenarios_dir(), &mut files);
    assert!(
        files.len() >= 7,
        "expected the bundled scenarios under {}, found {} .toml files",
        scenarios_dir().display(),
        files.len()
    );
    files
}

/// The path relative to `scenarios/`, with `/` separators (as the README writes it).
fn relative(path: &Path) -> String {
    let rel = path.strip_prefix(scenarios_dir()).expect("a file under scenarios/");
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// True when the file has a top-level `[sweep]` table. A file that is not valid TOML is
/// treated as a plain scenario, so that `load_file` reports the syntax error.
fn is_sweep(path: &Path) -> bool {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    toml::from_str::<toml::Table>(&text).is_ok_and(|table| table.contains_key("sweep"))
}

#[test]
fn every_scenario_in_the_library_is_valid() {
    let mut failures = Vec::new();
    let mut sweeps = 0;
    for path in scenario_files() {
        let result = if is_sweep(&path) {
            sweeps += 1;
            greenloop::sweep::load_sweep(&path).map(|_| ())
        } else {
            greenloop::load_file(&path).map(|_| ())
        };
        if let Err(errors) = result {
            failures.push(format!("{}:\n{errors}", relative(&path)));
        }
    }
    assert!(
        sweeps >= 1,
        "expected at least one sweep file (card-network-planning.toml)"
    );
    assert!(failures.is_empty(), "invalid scenarios:\n{}", failures.join("\n"));
}

#[test]
fn the_readme_indexes_every_scenario() {
    let readme_path = scenarios_dir().join("README.md");
    let readme =
        std::fs::read_to_string(&readme_path).unwrap_or_else(|e| panic!("cannot read {}: {e}", readme_path.display()));
    let missing: Vec<String> = scenario_files()
        .iter()
        .map(|path| relative(path))
        .filter(|rel| !readme.contains(&format!("`{rel}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "scenarios/README.md does not name these scenario files (as `path/relative/to/scenarios.toml`):\n  {}",
        missing.join("\n  ")
    );
}
