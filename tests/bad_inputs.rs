//! The bad-input corpus: every file in `tests/bad_inputs/` is a scenario with one mistake.
//! Its header (TOML) or `.expect` sidecar (JSON) lists the words its error must contain and
//! the line it must name. The binary must exit with code 2, name the file, the line and the
//! key, say how to fix it, never panic, and write nothing to the output folder.

use std::path::{Path, PathBuf};
use std::process::Command;

struct Expectation {
    words: Vec<String>,
    line: Option<usize>,
}

fn expectation(path: &Path) -> Expectation {
    let is_json = path.extension().is_some_and(|e| e == "json");
    let text = if is_json {
        std::fs::read_to_string(path.with_extension("json.expect")).expect("JSON case has a .expect file")
    } else {
        std::fs::read_to_string(path).expect("case is readable")
    };
    let prefix = if is_json { "" } else { "# " };
    let mut words = Vec::new();
    let mut line = None;
    for l in text.lines() {
        if let Some(w) = l.strip_prefix(&format!("{prefix}expect: ")) {
            words.push(w.to_owned());
        } else if let Some(n) = l.strip_prefix(&format!("{prefix}line: ")) {
            line = Some(n.trim().parse().expect("line number"));
        }
    }
    assert!(!words.is_empty(), "{} lists no expected words", path.display());
    Expectation { words, line }
}

fn cases() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_inputs");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("corpus folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml" || e == "json"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_bad_input_gets_a_clear_error_and_writes_nothing() {
    let files = cases();
    assert!(files.len() >= 40, "the corpus has {} cases", files.len());
    let tmp = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for file in &files {
        let exp = expectation(file);
        let out_dir = tmp.path().join(file.file_stem().unwrap());
        for args in [vec!["validate"], vec!["run", "--out", out_dir.to_str().unwrap()]] {
            let output = Command::new(env!("CARGO_BIN_EXE_greenloop"))
                .args(&args[..1])
                .arg(file)
                .args(&args[1..])
                .output()
                .expect("the binary runs");
            let stderr = String::from_utf8_lossy(&output.stderr);
            let name = file.display().to_string();
            let mut problems = Vec::new();
            if output.status.code() != Some(2) {
                problems.push(format!("exit code {:?}, expected 2", output.status.code()));
            }
            if stderr.contains("panicked") {
                problems.push("panicked".to_owned());
            }
            if !stderr.contains(&name) {
                problems.push("does not name the file".to_owned());
            }
            if let Some(line) = exp.line {
                if !stderr.contains(&format!("{name}:{line}:")) {
                    problems.push(format!("does not name line {line}"));
                }
            }
            if !stderr.contains("fix:") {
                problems.push("gives no fix".to_owned());
            }
            for w in &exp.words {
                if !stderr.contains(w.as_str()) {
                    problems.push(format!("lacks {w:?}"));
                }
            }
            if out_dir.exists() {
                problems.push("created the output folder".to_owned());
            }
            if !problems.is_empty() {
                failures.push(format!(
                    "{} ({}): {}\n---\n{stderr}---",
                    name,
                    args[0],
                    problems.join("; ")
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
